// The app's two store files as electron-store instances: history/tokens/queue (the core's schema) and
// settings/connections (the service's). Both back up a corrupt file, reset it and report a notice;
// migrations bring older files up to the current shape.
import path from 'node:path';
import { app } from 'electron';
import Store from 'electron-store';
import { guardedDeserialize, STORE_CONFIG_NAME, STORE_SCHEMA } from './core/conf-store.ts';
import type { ErrorInfo } from './core/errors.ts';
import { STORE_DEFAULTS, type StoreBackend, type StoreData } from './core/history.ts';
import { APP_STATE_JSON_SCHEMA, type AppStateBackend } from './service/app-state.ts';
import { APP_STATE_CONFIG_NAME, appStateFrom, guardedAppStateDeserialize } from './service/state-files.ts';

export interface AppStores {
  readonly store: StoreBackend;
  readonly appState: AppStateBackend;
  /** STORE_CORRUPT notices raised while opening. */
  readonly warnings: ErrorInfo[];
  /** Whether the user agreed to keep secrets unencrypted (Linux without a keyring). */
  plainSecretsConsent(): boolean | undefined;
  setPlainSecretsConsent(value: boolean): void;
}

export function openAppStores(onWarning?: (w: ErrorInfo) => void): AppStores {
  const dir = app.getPath('userData');
  const warnings: ErrorInfo[] = [];
  const report = (w: ErrorInfo): void => {
    warnings.push(w);
    onWarning?.(w);
  };
  const store = new Store<StoreData>({
    name: STORE_CONFIG_NAME,
    schema: STORE_SCHEMA,
    defaults: STORE_DEFAULTS as never,
    clearInvalidConfig: true,
    accessPropertiesByDotNotation: false,
    deserialize: guardedDeserialize(path.join(dir, `${STORE_CONFIG_NAME}.json`), report),
    serialize: (value) => JSON.stringify(value, null, 1),
    configFileMode: 0o600,
    migrations: {
      // 0.1.0: first released shape; older development files may lack the queue or hold it as an object.
      '0.1.0': (s) => {
        if (!Array.isArray(s.get('queue'))) s.set('queue', []);
        if (typeof s.get('version') !== 'number') s.set('version', 1);
      },
    },
  });
  store.get('version');
  const appState = new Store<Record<string, unknown>>({
    name: APP_STATE_CONFIG_NAME,
    schema: APP_STATE_JSON_SCHEMA as never,
    clearInvalidConfig: true,
    accessPropertiesByDotNotation: false,
    deserialize: guardedAppStateDeserialize(path.join(dir, `${APP_STATE_CONFIG_NAME}.json`), report),
    serialize: (value) => JSON.stringify(value, null, 1),
    configFileMode: 0o600,
    migrations: {
      '0.1.0': (s) => {
        if (!Array.isArray(s.get('outputFolders'))) s.set('outputFolders', []);
      },
    },
  });
  appState.get('settings');
  return {
    store: store as unknown as StoreBackend,
    appState: appStateFrom(appState),
    warnings,
    plainSecretsConsent: () => {
      const v = appState.get('plainSecretsConsent');
      return typeof v === 'boolean' ? v : undefined;
    },
    setPlainSecretsConsent: (value) => appState.set('plainSecretsConsent', value),
  };
}
