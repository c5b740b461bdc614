// The keychain rules behind the app's secret storage, with a keychain that really transforms the bytes.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createOsSecretBox, keychainEncrypts, type KeychainLike } from '../../main/service/os-secret-box.ts';
import type { PlainConsent } from '../../main/service/secret-box.ts';

function memoryConsent(initial?: boolean): PlainConsent & { value: boolean | undefined } {
  const c = { value: initial, get: () => c.value, set: (v: boolean) => void (c.value = v) };
  return c;
}

function aesKeychain(backend: string, available = true): KeychainLike {
  const key = randomBytes(32);
  return {
    isEncryptionAvailable: () => available,
    getSelectedStorageBackend: () => backend,
    encryptString(plain) {
      const iv = randomBytes(16);
      const cipher = createCipheriv('aes-256-cbc', key, iv);
      return Buffer.concat([iv, cipher.update(plain, 'utf8'), cipher.final()]);
    },
    decryptString(data) {
      const decipher = createDecipheriv('aes-256-cbc', key, data.subarray(0, 16));
      return Buffer.concat([decipher.update(data.subarray(16)), decipher.final()]).toString('utf8');
    },
  };
}

describe('OS secret box', () => {
  it('encrypts with a real keyring: the stored form does not contain the secret and reads back', () => {
    let asked = 0;
    const box = createOsSecretBox(aesKeychain('gnome_libsecret'), 'linux', memoryConsent(), () => ++asked > 0);
    expect(box.available).toBe(true);
    const stored = box.encrypt('YXA6-secret-值');
    expect(stored.startsWith('safe:')).toBe(true);
    expect(stored).not.toContain('YXA6-secret');
    expect(box.decrypt(stored)).toBe('YXA6-secret-值');
    expect(asked).toBe(0);
  });

  it("treats Linux's basic_text fallback and a missing keychain as no encryption", () => {
    expect(keychainEncrypts(aesKeychain('basic_text'), 'linux')).toBe(false);
    expect(keychainEncrypts(aesKeychain('basic_text'), 'darwin')).toBe(true);
    expect(keychainEncrypts(aesKeychain('kwallet5', false), 'linux')).toBe(false);
  });

  it('asks once before storing plainly, and refuses with BAD_INPUT when the user declines', () => {
    let asked = 0;
    const consent = memoryConsent();
    const yes = createOsSecretBox(aesKeychain('basic_text'), 'linux', consent, () => (asked++, true));
    expect(yes.available).toBe(false);
    const stored = yes.encrypt('s1');
    yes.encrypt('s2');
    expect(asked).toBe(1);
    expect(yes.decrypt(stored)).toBe('s1');
    expect(consent.value).toBe(true); // remembered for the next start

    const no = createOsSecretBox(aesKeychain('basic_text'), 'linux', memoryConsent(), () => false);
    expect(() => no.encrypt('s')).toThrow(expect.objectContaining({ code: 'BAD_INPUT', reason: 'no_keyring' }));
  });

  it('a "Don’t save" answer can be changed later, and the change takes effect at once', () => {
    let asked = 0;
    const consent = memoryConsent();
    const box = createOsSecretBox(aesKeychain('basic_text'), 'linux', consent, () => (asked++, false));
    expect(() => box.encrypt('s')).toThrow(expect.objectContaining({ reason: 'no_keyring' }));
    expect(() => box.encrypt('s')).toThrow(expect.objectContaining({ reason: 'no_keyring' }));
    expect(asked).toBe(1); // asked once, not at every save
    expect(box.plainConsent?.get()).toBe(false);
    box.plainConsent?.set(true); // Settings → Advanced → Save them unencrypted
    expect(box.decrypt(box.encrypt('s'))).toBe('s');
    expect(asked).toBe(1);
  });

  it('still reads secrets stored plainly before a keyring appeared', () => {
    const before = createOsSecretBox(aesKeychain('basic_text'), 'linux', memoryConsent(), () => true);
    const stored = before.encrypt('old');
    const after = createOsSecretBox(aesKeychain('gnome_libsecret'), 'linux', memoryConsent(), () => true);
    expect(after.decrypt(stored)).toBe('old');
  });
});
