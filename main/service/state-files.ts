// Opens the service's two stores as conf files in one folder (CLI-style and tests); the Electron shell
// builds electron-store instances with the same store-file options instead (main/shell/electron-store.ts).
// Both through the one store-file layer: zod schema, corrupt-file backup, atomic writes.
// serviceStores() picks, for one service, between stores it was given and these files.
import { openConfFile, openConfStore } from '../core/conf-store.ts';
import type { ErrorInfo } from '../core/errors.ts';
import type { StoreBackend } from '../core/history.ts';
import { APP_STATE_STORE, memoryAppState, type AppStateBackend } from './app-state.ts';

export const APP_STATE_CONFIG_NAME = 'emrec-app';

/** A conf-like store seen as an AppStateBackend. */
export function appStateFrom(store: { get(key: string): unknown; set(key: string, value: unknown): void }): AppStateBackend {
  return { get: (key) => store.get(key), set: (key, value) => store.set(key, value) };
}

export interface StateFiles {
  readonly store: StoreBackend;
  readonly appState: AppStateBackend;
  readonly warnings: ErrorInfo[];
}

/** Opens `<dir>/emrec-store.json` (history, queue) and `<dir>/emrec-app.json` (settings, connections). */
export function openStateFiles(dir: string, onWarning?: (w: ErrorInfo) => void): StateFiles {
  const warnings: ErrorInfo[] = [];
  const report = (w: ErrorInfo): void => {
    warnings.push(w);
    onWarning?.(w);
  };
  const opened = openConfStore(dir, { onWarning: report });
  opened.warnings.forEach(report);
  const { store } = opened;
  const appState = openConfFile(APP_STATE_STORE, dir, APP_STATE_CONFIG_NAME, report);
  return { store, appState: appStateFrom(appState), warnings };
}

/**
 * The service's two stores: those given, else the conf files in `stateDir` (their warnings go to `warnings`).
 * With a history store but neither an app-state store nor a folder, settings and connections live in memory.
 */
export function serviceStores(
  given: { readonly stateDir?: string; readonly store?: StoreBackend; readonly appState?: AppStateBackend },
  warnings: ErrorInfo[],
): { readonly store: StoreBackend; readonly appState: AppStateBackend } {
  if (given.store !== undefined && given.appState !== undefined) return { store: given.store, appState: given.appState };
  if (given.stateDir === undefined) {
    if (given.store === undefined) throw new Error('createService needs a stateDir or a store');
    return { store: given.store, appState: memoryAppState() };
  }
  const files = openStateFiles(given.stateDir);
  warnings.push(...files.warnings);
  return { store: given.store ?? files.store, appState: given.appState ?? files.appState };
}
