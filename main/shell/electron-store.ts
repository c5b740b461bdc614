// The app's two store files as electron-store instances: history/queue (the core's HISTORY_STORE) and
// settings/connections (the service's APP_STATE_STORE). Both through the one store-file layer
// (main/core/store/store-file.ts): electron-store reads a file through its zod deserializer (a corrupt
// file is backed up, reset and reported), every write is atomic (writeFileAtomic, never electron-store's
// own writer). Older files are brought to the current shape by the schemas' defaults.
import path from 'node:path';
import { app } from 'electron';
import Store from 'electron-store';
import { STORE_CONFIG_NAME } from '../core/conf-store.ts';
import type { ErrorInfo } from '../core/errors.ts';
import { HISTORY_STORE, type StoreBackend } from '../core/history.ts';
import { openStoreFile, type StoreFile, type StoreFileKind } from '../core/store/store-file.ts';
import { APP_STATE_STORE, type AppStateBackend } from '../service/app-state.ts';
import { APP_STATE_CONFIG_NAME, appStateFrom } from '../service/state-files.ts';

export interface AppStores {
  readonly store: StoreBackend;
  readonly appState: AppStateBackend;
  /** STORE_CORRUPT notices raised while opening. */
  readonly warnings: ErrorInfo[];
  /** Whether the user agreed to keep secrets unencrypted (Linux without a keyring). */
  plainSecretsConsent(): boolean | undefined;
  setPlainSecretsConsent(value: boolean): void;
  /** Whether the "still running in the tray" message was shown once. */
  trayNoticeShown(): boolean;
  setTrayNoticeShown(): void;
}

function openElectronFile<T extends object>(kind: StoreFileKind<T>, dir: string, name: string, report: (w: ErrorInfo) => void): StoreFile<T> {
  const file = path.join(dir, `${name}.json`);
  return openStoreFile(kind, file, report, (options) => new Store<Record<string, unknown>>({ name, cwd: dir, ...options }), { onWarning: report });
}

export function openAppStores(onWarning?: (w: ErrorInfo) => void): AppStores {
  const dir = app.getPath('userData');
  const warnings: ErrorInfo[] = [];
  const report = (w: ErrorInfo): void => {
    warnings.push(w);
    onWarning?.(w);
  };
  const store = openElectronFile(HISTORY_STORE, dir, STORE_CONFIG_NAME, report);
  const appState = openElectronFile(APP_STATE_STORE, dir, APP_STATE_CONFIG_NAME, report);
  return {
    store,
    appState: appStateFrom(appState),
    warnings,
    plainSecretsConsent: () => appState.get('plainSecretsConsent'),
    setPlainSecretsConsent: (value) => appState.set('plainSecretsConsent', value),
    trayNoticeShown: () => appState.get('trayNoticeShown') === true,
    setTrayNoticeShown: () => appState.set('trayNoticeShown', true),
  };
}
