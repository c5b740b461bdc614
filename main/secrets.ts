// Secrets at rest through the OS keychain (safeStorage). Where Linux has no keyring, safeStorage falls
// back to a hard-coded key ("basic_text"): we treat that as unavailable and ask before storing plainly.
import { safeStorage } from 'electron';
import { EmrecError } from './core/errors.ts';
import { plainSecretBox, type SecretBox } from './service/secret-box.ts';

const SAFE = 'safe:';

/** True when safeStorage really encrypts (not Linux's basic_text fallback). Call after app ready. */
export function encryptionAvailable(): boolean {
  if (!safeStorage.isEncryptionAvailable()) return false;
  return process.platform !== 'linux' || safeStorage.getSelectedStorageBackend() !== 'basic_text';
}

/**
 * A SecretBox over safeStorage. Without real encryption, `askPlain` is asked (once per run unless it
 * answered before) whether secrets may be stored unencrypted; a refusal makes saving fail with BAD_INPUT.
 */
export function createSecretBox(askPlain: () => boolean): SecretBox {
  const available = encryptionAvailable();
  let consent: boolean | undefined;
  return {
    available,
    encrypt(plain) {
      if (available) return SAFE + safeStorage.encryptString(plain).toString('base64');
      consent ??= askPlain();
      if (!consent) {
        throw new EmrecError('BAD_INPUT', 'This system offers no keyring to encrypt secrets, and storing them unencrypted was declined', {
          details: { field: 'secret', reason: 'no-keyring' },
        });
      }
      return plainSecretBox.encrypt(plain);
    },
    decrypt(stored) {
      if (stored.startsWith(SAFE)) return safeStorage.decryptString(Buffer.from(stored.slice(SAFE.length), 'base64'));
      return plainSecretBox.decrypt(stored);
    },
  };
}
