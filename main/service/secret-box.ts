// How the service keeps client secrets and tokens at rest without knowing about Electron:
// the app passes a safeStorage-backed box, tests and the CLI a plain one.

/** Encrypts strings for storage. `available` is false when the OS offers no encryption (e.g. Linux without a keyring). */
export interface SecretBox {
  readonly available: boolean;
  encrypt(plain: string): string;
  decrypt(stored: string): string;
}

/** A box that stores secrets as they are, marked so that they are never mistaken for encrypted ones. */
export const plainSecretBox: SecretBox = {
  available: false,
  encrypt: (plain) => `plain:${plain}`,
  decrypt: (stored) => (stored.startsWith('plain:') ? stored.slice('plain:'.length) : stored),
};
