// Opens store files as `conf` instances for the CLI and tests (the app builds electron-store instances
// with the same options in main/shell/electron-store.ts). Both go through the one store-file layer
// (store/store-file.ts): conf reads a file through our zod deserializer (a corrupt file is backed up,
// reported STORE_CORRUPT and reset), and every write goes through writeFileAtomic, never conf's writer.
import path from 'node:path';
import Conf from 'conf';
import type { ErrorInfo } from './errors.ts';
import { HISTORY_STORE, type StoreBackend } from './store/history.ts';
import { openStoreFile, type StoreFile, type StoreFileKind } from './store/store-file.ts';

export { backupCorruptFile, parseStoreText, type ParsedFile } from './store/store-file.ts';

const STORE_PROJECT_NAME = 'easemob-recording-downloader';
export const STORE_CONFIG_NAME = 'emrec-store';

/** Opens `<dir>/<configName>.json` of a kind as a conf instance seen through the store-file layer. */
export function openConfFile<T extends object>(
  kind: StoreFileKind<T>,
  dir: string,
  configName: string,
  onCorrupt: (w: ErrorInfo) => void,
  options: { onWarning?: (w: ErrorInfo) => void } = {},
): StoreFile<T> {
  const file = path.join(dir, `${configName}.json`);
  return openStoreFile(
    kind,
    file,
    onCorrupt,
    (storeOptions) => new Conf<Record<string, unknown>>({ cwd: dir, projectName: STORE_PROJECT_NAME, configName, ...storeOptions }),
    options,
  );
}

export interface OpenedStore {
  readonly store: StoreBackend;
  /** STORE_CORRUPT warnings raised while opening. */
  readonly warnings: readonly ErrorInfo[];
}

/**
 * Opens (without creating) `<dir>/emrec-store.json`, the history store. Corruption found while opening
 * is in `warnings` (only there); found later, and problems History reports that lose nothing, `onWarning`.
 */
export function openConfStore(dir: string, options: { configName?: string; onWarning?: (w: ErrorInfo) => void } = {}): OpenedStore {
  const warnings: ErrorInfo[] = [];
  let opening = true;
  // while opening, warnings are handed back (the caller shows them once); later ones go to onWarning
  const report = (w: ErrorInfo): void => {
    if (opening) warnings.push(w);
    else options.onWarning?.(w);
  };
  const store = openConfFile(HISTORY_STORE, dir, options.configName ?? STORE_CONFIG_NAME, report, {
    ...(options.onWarning ? { onWarning: options.onWarning } : {}),
  });
  opening = false; // openConfFile made the first read (and any reset)
  return { store, warnings };
}
