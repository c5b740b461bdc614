// Secrets at rest through the OS keychain (Electron's safeStorage); the rules live in service/os-secret-box.ts.
import { safeStorage } from 'electron';
import { createOsSecretBox } from './service/os-secret-box.ts';
import type { SecretBox } from './service/secret-box.ts';

/** A SecretBox over safeStorage; `askPlain` is asked before storing secrets unencrypted. Call after app ready. */
export function createSecretBox(askPlain: () => boolean): SecretBox {
  return createOsSecretBox(safeStorage, process.platform, askPlain);
}
