// Opens the history/token/queue store as a `conf` file for the CLI. The Electron layer builds an
// electron-store (which extends conf) with the same schema and `guardedDeserialize`; both satisfy StoreBackend.
// conf's `clearInvalidConfig` resets a corrupt file without a backup, so our deserializer copies it aside first.
import fs from 'node:fs';
import path from 'node:path';
import Conf, { type Schema } from 'conf';
import type { ErrorInfo } from './errors.ts';
import { STORE_VERSION, type StoreData } from './history.ts';

export const STORE_PROJECT_NAME = 'easemob-recording-downloader';
export const STORE_CONFIG_NAME = 'emrec-store';

/** JSON schema for conf/electron-store: top-level shapes only; entries are parsed tolerantly by History. */
export const STORE_SCHEMA: Schema<StoreData> = {
  version: { type: 'number', default: STORE_VERSION },
  tokens: { type: 'object', default: {} },
  history: { type: 'object', default: {} },
  queue: { type: 'array', default: [] },
};

/** Why a store file's text is not a usable store, or undefined when it is. */
export function storeProblem(text: string): string | undefined {
  return parseStore(text).problem;
}

/** Parses a store file's text once: the data, or why it is not a usable store. */
export function parseStore(text: string): ParsedFile<StoreData> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { problem: `not valid JSON (${(error as Error).message})` };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { problem: 'not a JSON object' };
  const d = data as Record<string, unknown>;
  if (d.version !== undefined && typeof d.version !== 'number') return { problem: '"version" is not a number' };
  for (const key of ['tokens', 'history'] as const) {
    const v = d[key];
    if (v !== undefined && (typeof v !== 'object' || v === null || Array.isArray(v))) return { problem: `"${key}" is not an object` };
  }
  if (d.queue !== undefined && !Array.isArray(d.queue)) return { problem: '"queue" is not an array' };
  return { data: data as StoreData };
}

/** Copies a corrupt store file to `<name>.corrupt-<timestamp>.json` beside it; returns the backup path. */
export function backupCorruptFile(filePath: string, now = new Date()): string {
  const ext = path.extname(filePath);
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  let backup = `${filePath.slice(0, filePath.length - ext.length)}.corrupt-${stamp}${ext || '.json'}`;
  for (let n = 1; fs.existsSync(backup); n += 1) backup = backup.replace(/(\.corrupt-[^.]+?)(-\d+)?(\.[^.]+)$/, `$1-${n}$3`);
  fs.copyFileSync(filePath, backup, fs.constants.COPYFILE_EXCL);
  return backup;
}

/** What a store file's text parses to: its data, or why it is not usable. */
export type ParsedFile<T> = { readonly data: T; readonly problem?: undefined } | { readonly data?: undefined; readonly problem: string };

/**
 * A `deserialize` option for conf/electron-store: a file that is not usable is backed up and reported
 * (STORE_CORRUPT), then a SyntaxError lets `clearInvalidConfig` reset it. Never throws anything else.
 * `label` names the file for the user ("store file", "settings file").
 */
export function guardedDeserializeWith<T>(
  filePath: string,
  label: string,
  parse: (text: string) => ParsedFile<T>,
  onCorrupt: (warning: ErrorInfo) => void,
): (text: string) => T {
  return (text) => {
    const parsed = parse(text);
    if (parsed.problem === undefined) return parsed.data;
    let backup: string | undefined;
    try {
      backup = backupCorruptFile(filePath);
    } catch {
      // no backup possible (read-only folder...): still reset rather than crash
    }
    onCorrupt({
      code: 'STORE_CORRUPT',
      message: `The ${label} ${path.basename(filePath)} was ${parsed.problem} and has been reset${backup ? `; the old file was kept as ${path.basename(backup)}` : ''}`,
      details: { file: filePath, ...(backup ? { backup } : {}) },
    });
    throw new SyntaxError(`${label} ${filePath}: ${parsed.problem}`);
  };
}

/** The guarded `deserialize` for the history/token/queue store. */
export function guardedDeserialize(filePath: string, onCorrupt: (warning: ErrorInfo) => void): (text: string) => StoreData {
  return guardedDeserializeWith(filePath, 'store file', parseStore, onCorrupt);
}

export interface OpenedStore {
  readonly store: Conf<StoreData>;
  /** STORE_CORRUPT warnings raised while opening. */
  readonly warnings: readonly ErrorInfo[];
}

/** Opens (creating if needed) `<dir>/emrec-store.json`. Corruption found later is reported through `onWarning`. */
export function openConfStore(dir: string, options: { configName?: string; onWarning?: (w: ErrorInfo) => void } = {}): OpenedStore {
  const configName = options.configName ?? STORE_CONFIG_NAME;
  const filePath = path.join(dir, `${configName}.json`);
  const warnings: ErrorInfo[] = [];
  let opening = true;
  const store = new Conf<StoreData>({
    cwd: dir,
    projectName: STORE_PROJECT_NAME,
    configName,
    schema: STORE_SCHEMA,
    clearInvalidConfig: true,
    accessPropertiesByDotNotation: false,
    serialize: (value) => JSON.stringify(value, null, 1),
    deserialize: guardedDeserialize(filePath, (w) => {
      if (opening) warnings.push(w);
      options.onWarning?.(w);
    }),
    configFileMode: 0o600,
  });
  store.get('version'); // make the first read (and any reset) happen now
  opening = false;
  return { store, warnings };
}
