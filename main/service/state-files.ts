// Opens the service's two stores as conf files in one folder (CLI-style and tests); the Electron shell
// builds electron-store instances with the same schemas instead. Corrupt files are backed up and reported.
import path from 'node:path';
import Conf from 'conf';
import { guardedDeserializeWith, openConfStore, type ParsedFile } from '../core/conf-store.ts';
import type { ErrorInfo } from '../core/errors.ts';
import type { StoreBackend } from '../core/history.ts';
import { APP_STATE_JSON_SCHEMA, type AppStateBackend } from './app-state.ts';

export const APP_STATE_CONFIG_NAME = 'emrec-app';

/** Parses an app-state file's text once: its data, or why it is unusable. */
export function parseAppState(text: string): ParsedFile<Record<string, unknown>> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { problem: `not valid JSON (${(error as Error).message})` };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { problem: 'not a JSON object' };
  const d = data as Record<string, unknown>;
  if (d.connections !== undefined && !Array.isArray(d.connections)) return { problem: '"connections" is not an array' };
  if (d.settings !== undefined && (typeof d.settings !== 'object' || d.settings === null || Array.isArray(d.settings))) {
    return { problem: '"settings" is not an object' };
  }
  return { data: d };
}

/** A conf/electron-store `deserialize` that backs up and reports a corrupt app-state file, then lets the store reset it. */
export function guardedAppStateDeserialize(filePath: string, onCorrupt: (w: ErrorInfo) => void): (text: string) => Record<string, unknown> {
  return guardedDeserializeWith(filePath, 'settings file', parseAppState, onCorrupt);
}

/** A conf-like store seen as an AppStateBackend. */
export function appStateFrom(store: { get(key: string): unknown; set(key: string, value: unknown): void }): AppStateBackend {
  return { get: (key) => store.get(key), set: (key, value) => store.set(key, value) };
}

export interface StateFiles {
  readonly store: StoreBackend;
  readonly appState: AppStateBackend;
  readonly warnings: ErrorInfo[];
}

/** Opens `<dir>/emrec-store.json` (history, tokens, queue) and `<dir>/emrec-app.json` (settings, connections). */
export function openStateFiles(dir: string, onWarning?: (w: ErrorInfo) => void): StateFiles {
  const warnings: ErrorInfo[] = [];
  const report = (w: ErrorInfo): void => {
    warnings.push(w);
    onWarning?.(w);
  };
  const { store } = openConfStore(dir, { onWarning: report });
  const filePath = path.join(dir, `${APP_STATE_CONFIG_NAME}.json`);
  const conf = new Conf<Record<string, unknown>>({
    cwd: dir,
    projectName: 'easemob-recording-downloader',
    configName: APP_STATE_CONFIG_NAME,
    schema: APP_STATE_JSON_SCHEMA as never,
    clearInvalidConfig: true,
    accessPropertiesByDotNotation: false,
    serialize: (value) => JSON.stringify(value, null, 1),
    deserialize: guardedAppStateDeserialize(filePath, report),
    configFileMode: 0o600,
  });
  conf.get('settings');
  return { store: store as unknown as StoreBackend, appState: appStateFrom(conf), warnings };
}
