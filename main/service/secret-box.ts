// How the service keeps client secrets and tokens at rest without knowing about Electron:
// the app passes a safeStorage-backed box, tests and the CLI a plain one.
import type { TokenCache } from '../core/token.ts';

/** Encrypts strings for storage. `available` is false when the OS offers no encryption (e.g. Linux without a keyring). */
export interface SecretBox {
  readonly available: boolean;
  encrypt(plain: string): string;
  decrypt(stored: string): string;
  /** Without encryption: whether secrets may be stored unencrypted (undefined: not asked yet), and changing it (Settings → Advanced). Absent for boxes that never ask (tests, the CLI). */
  readonly plainConsent?: PlainConsent;
}

export interface PlainConsent {
  get(): boolean | undefined;
  set(allow: boolean): void;
}

/** A box that stores secrets as they are, marked so that they are never mistaken for encrypted ones. */
export const plainSecretBox: SecretBox = {
  available: false,
  encrypt: (plain) => `plain:${plain}`,
  decrypt: (stored) => (stored.startsWith('plain:') ? stored.slice('plain:'.length) : stored),
};

/** A TokenCache that keeps tokens encrypted by `secrets` in `inner`; a token that cannot be decrypted reads as absent. */
export function encryptedTokens(inner: TokenCache, secrets: SecretBox): TokenCache {
  return {
    get(key) {
      const entry = inner.get(key);
      if (!entry) return undefined;
      try {
        return { ...entry, token: secrets.decrypt(entry.token) };
      } catch {
        return undefined;
      }
    },
    set: (key, value) => inner.set(key, { ...value, token: secrets.encrypt(value.token) }),
    delete: (key) => inner.delete(key),
  };
}
