// invokeHandler's guarantees (typed errors for every kind of bad call, bugs redacted) and progress batching.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { EmrecError } from '../../main/core/errors.ts';
import { invokeChannels, type Handlers } from '../../main/ipc/contract.ts';
import { invokeHandler, redact } from '../../main/service/invoke.ts';

const fail = (error: unknown) => async () => {
  throw error;
};
const handlers = new Proxy({} as Handlers, {
  get: (_t, channel) => {
    if (channel === 'settings:get') return fail(new Error('boom at https://oss.example.com/f.webm?Expires=1&Signature=SECRET with Bearer abc.def'));
    if (channel === 'connections:list') return fail(new EmrecError('AUTH_FAILED', 'nope', { status: 401 }));
    return async () => 'value';
  },
});

describe('invokeHandler', () => {
  it('refuses unknown channels and non-string channels', async () => {
    for (const channel of ['nope', '__proto__', 'constructor', 42, null, undefined, { toString: () => 'app:info' }]) {
      const r = await invokeHandler(handlers, channel, undefined);
      expect(r.ok ? 'ok' : r.error.code).toBe('BAD_INPUT');
    }
  });

  it('passes a valid argument and returns the value', async () => {
    expect(await invokeHandler(handlers, 'app:info', undefined)).toEqual({ ok: true, value: 'value' });
  });

  it('refuses an argument for a channel that takes none', async () => {
    const r = await invokeHandler(handlers, 'app:info', { a: 1 });
    expect(r.ok ? 'ok' : r.error.code).toBe('BAD_INPUT');
  });

  it('lists each problem as path: message', async () => {
    const r = await invokeHandler(handlers, 'download:pause', { id: 'x', extra: 1 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/id: .*extra|extra.*id/s);
  });

  it('turns an EmrecError into its info and a bug into a redacted INTERNAL, logged with its stack', async () => {
    const expected = await invokeHandler(handlers, 'connections:list', undefined);
    expect(expected).toEqual({ ok: false, error: { code: 'AUTH_FAILED', message: 'nope', status: 401 } });
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const bug = await invokeHandler(handlers, 'settings:get', undefined);
    expect(bug.ok ? 'ok' : bug.error.code).toBe('INTERNAL');
    const logged = spy.mock.calls.flat().join(' ');
    spy.mockRestore();
    expect(logged).toMatch(/\n\s+at /); // the stack, not only the message
    for (const text of [JSON.stringify(bug), logged]) {
      expect(text).not.toContain('SECRET');
      expect(text).not.toContain('abc.def');
      expect(text).toContain('oss.example.com/f.webm');
    }
  });

  it('redacts tokens in JSON-ish text', () => {
    expect(redact('{"access_token":"YWMt123","client_secret": "s3cr3t"}')).not.toMatch(/YWMt123|s3cr3t/);
  });

  it('has a handler for every channel of the contract', async () => {
    const { createService, plainSecretBox } = await import('../../main/service/index.ts');
    const { mkdtemp, rm } = await import('node:fs/promises');
    const os = await import('node:os');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'emrec-svc-ch-'));
    const service = createService({ stateDir: dir, secrets: plainSecretBox, systemLanguage: 'en', version: '0' });
    expect(Object.keys(service.handlers).sort()).toEqual(Object.keys(invokeChannels).sort());
    await service.dispose();
    await rm(dir, { recursive: true, force: true });
  });
});

describe('main/service stays free of Electron', () => {
  it('imports neither electron nor electron-store', () => {
    const dir = path.join(import.meta.dirname, '../../main/service');
    for (const file of readdirSync(dir)) {
      const text = readFileSync(path.join(dir, file), 'utf8');
      expect(text, file).not.toMatch(/from ['"]electron(-store)?['"]|import\(['"]electron/);
    }
  });
});
