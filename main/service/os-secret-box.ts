// A SecretBox over the OS keychain, written against the few methods of Electron's safeStorage it uses
// so the rules (what counts as encrypted, when to ask before storing plainly) are tested in plain Node.
import { EmrecError } from '../core/errors.ts';
import { plainSecretBox, type PlainConsent, type SecretBox } from './secret-box.ts';

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
 * Without real encryption, the person is asked (`ask`, once, remembered in `consent`) whether secrets
 * may be stored unencrypted; a refusal makes saving fail with BAD_INPUT (reason no_keyring) until the
 * answer is changed in Settings → Advanced, which takes effect at once. Secrets stored either way can
 * always be read back.
 */
export function createOsSecretBox(keychain: KeychainLike, platform: NodeJS.Platform, consent: PlainConsent, ask: () => boolean): SecretBox {
  const available = keychainEncrypts(keychain, platform);
  return {
    available,
    ...(available ? {} : { plainConsent: consent }),
    encrypt(plain) {
      if (available) return SAFE + keychain.encryptString(plain).toString('base64');
      let allowed = consent.get();
      if (allowed === undefined) {
        allowed = ask();
        consent.set(allowed);
      }
      if (!allowed) {
        throw new EmrecError('BAD_INPUT', 'This system offers no keyring to encrypt secrets, and storing them unencrypted was declined', {
          reason: 'no_keyring',
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
