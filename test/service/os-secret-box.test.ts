// The keychain rules behind the app's secret storage, with a keychain that really transforms the bytes.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createOsSecretBox, keychainEncrypts, type KeychainLike } from '../../main/service/os-secret-box.ts';

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
    const box = createOsSecretBox(aesKeychain('gnome_libsecret'), 'linux', () => ++asked > 0);
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
    const yes = createOsSecretBox(aesKeychain('basic_text'), 'linux', () => (asked++, true));
    expect(yes.available).toBe(false);
    const stored = yes.encrypt('s1');
    yes.encrypt('s2');
    expect(asked).toBe(1);
    expect(yes.decrypt(stored)).toBe('s1');

    const no = createOsSecretBox(aesKeychain('basic_text'), 'linux', () => false);
    expect(() => no.encrypt('s')).toThrow(expect.objectContaining({ code: 'BAD_INPUT', details: expect.objectContaining({ reason: 'no-keyring' }) }));
  });

  it('still reads secrets stored plainly before a keyring appeared', () => {
    const before = createOsSecretBox(aesKeychain('basic_text'), 'linux', () => true);
    const stored = before.encrypt('old');
    const after = createOsSecretBox(aesKeychain('gnome_libsecret'), 'linux', () => true);
    expect(after.decrypt(stored)).toBe('old');
  });
});
