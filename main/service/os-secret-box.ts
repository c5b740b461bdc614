// A SecretBox over the OS keychain, written against the few methods of Electron's safeStorage it uses
// so the rules (what counts as encrypted, when to ask before storing plainly) are tested in plain Node.
import { EmrecError } from '../core/errors.ts';
import { plainSecretBox, type SecretBox } from './secret-box.ts';

/** The part of Electron's `safeStorage` this box needs. */
export interface KeychainLike {
  isEncryptionAvailable(): boolean;
  getSelectedStorageBackend?(): string;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

const SAFE = 'safe:';

/** True when the keychain really encrypts: Linux's "basic_text" fallback uses a hard-coded key, so it does not count. */
export function keychainEncrypts(keychain: KeychainLike, platform: NodeJS.Platform): boolean {
  if (!keychain.isEncryptionAvailable()) return false;
  return platform !== 'linux' || keychain.getSelectedStorageBackend?.() !== 'basic_text';
}

/**
 * Without real encryption, `askPlain` is asked (once per run) whether secrets may be stored unencrypted;
 * a refusal makes saving fail with BAD_INPUT. Secrets stored either way can always be read back.
 */
export function createOsSecretBox(keychain: KeychainLike, platform: NodeJS.Platform, askPlain: () => boolean): SecretBox {
  const available = keychainEncrypts(keychain, platform);
  let consent: boolean | undefined;
  return {
    available,
    encrypt(plain) {
      if (available) return SAFE + keychain.encryptString(plain).toString('base64');
      consent ??= askPlain();
      if (!consent) {
        throw new EmrecError('BAD_INPUT', 'This system offers no keyring to encrypt secrets, and storing them unencrypted was declined', {
          details: { field: 'secret', reason: 'no-keyring' },
        });
      }
      return plainSecretBox.encrypt(plain);
    },
    decrypt(stored) {
      if (stored.startsWith(SAFE)) return keychain.decryptString(Buffer.from(stored.slice(SAFE.length), 'base64'));
      return plainSecretBox.decrypt(stored);
    },
  };
}
