// settings:*, connections:*, demo:connect, app:info and naming:preview through invokeHandler, with a real demo server.
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TEMPLATE, readableTemplate } from '../../main/core/naming.ts';
import type { ConnectionInput } from '../../main/ipc/contract.ts';
import { demoConnectionInput, startHarness, type Harness } from './helpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

/** A connection input; overrides may be malformed on purpose. */
const client = (over: Record<string, unknown> = {}): ConnectionInput => demoConnectionInput(h, 'Prod 生产', over);

describe('settings', () => {
  it('starts with defaults from the system', async () => {
    const s = await h.ok('settings:get');
    expect(s).toEqual({
      language: 'en',
      defaultFolder: path.join(h.root, 'Downloads', 'Easemob recordings'),
      template: readableTemplate('en'), // names in words in the system's language
      concurrency: 3,
      connections: 6,
      convert: false,
      keepOriginal: true,
      ffmpegPath: '',
      updateFeed: '',
    });
  });

  it('takes the language from a Chinese system locale', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'emrec-svc-zh-'));
    const zh = await startHarness({ root, service: { systemLanguage: 'zh_CN.UTF-8' } });
    try {
      expect((await zh.ok('settings:get')).language).toBe('zh-CN');
      expect((await zh.ok('app:info')).systemLanguage).toBe('zh-CN');
    } finally {
      await zh.close();
      await rm(root, { recursive: true, force: true });
    }
  });

  it('saves a partial change and keeps it', async () => {
    const folder = path.join(h.root, 'elsewhere');
    const s = await h.ok('settings:set', { concurrency: 5, convert: true, defaultFolder: folder, language: 'zh-CN' });
    expect(s).toMatchObject({ concurrency: 5, convert: true, defaultFolder: folder, language: 'zh-CN', keepOriginal: true });
    expect(await h.ok('settings:get')).toEqual(s);
    await h.ok('settings:set', { concurrency: 3, convert: false, language: 'en' });
  });

  it.each([
    ['wrong type', { concurrency: '3' }],
    ['out of range', { concurrency: 99 }],
    ['extra key', { concurrency: 2, evil: true }],
    ['unknown language', { language: 'fr' }],
    ['relative folder', { defaultFolder: 'downloads' }],
    ['folder with ..', { defaultFolder: `${h?.root ?? '/tmp'}/../../etc` }],
    ['template escaping the folder', { template: '../../{id}.{ext}' }],
    ['absolute template', { template: '/etc/{id}' }],
    ['unknown template field', { template: '{nope}.{ext}' }],
    ['not an object', 'concurrency=3'],
  ])('refuses %s with BAD_INPUT', async (_name, arg) => {
    const before = await h.ok('settings:get');
    const result = await h.raw('settings:set', arg);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('BAD_INPUT');
    expect(await h.ok('settings:get')).toEqual(before);
  });
});

describe('connections', () => {
  it('saves a connection without ever returning or storing its secret in plain form', async () => {
    const saved = await h.ok('connections:save', client());
    expect(saved).toMatchObject({ name: 'Prod 生产', authType: 'client', clientId: h.demo.clientId, hasSecret: true, active: true });
    expect(JSON.stringify(saved)).not.toContain(h.demo.clientSecret);
    const list = await h.ok('connections:list');
    expect(list.map((c) => c.id)).toContain(saved.id);
    expect(JSON.stringify(list)).not.toContain(h.demo.clientSecret);
    const files = readdirSync(h.stateDir).map((f) => readFileSync(path.join(h.stateDir, f), 'utf8'));
    expect(files.join('\n')).toContain('Prod 生产');
    expect(files.join('\n')).not.toContain(h.demo.clientSecret);
  });

  it('tests a saved connection against the server and keeps the token encrypted', async () => {
    const saved = (await h.ok('connections:list'))[0]!;
    const before = h.demo.stats.tokenRequests;
    const result = await h.ok('connections:test', { id: saved.id });
    expect(result.recordsSeen).toBe(h.demo.files.length);
    expect(h.demo.stats.tokenRequests).toBe(before + 1);
    await h.ok('connections:test', { id: saved.id });
    expect(h.demo.stats.tokenRequests).toBe(before + 1); // the cached token is reused
    const store = JSON.parse(readFileSync(path.join(h.stateDir, 'emrec-tokens.json'), 'utf8')) as { tokens: Record<string, { token: string }> };
    const tokens = Object.values(store.tokens);
    expect(tokens.length).toBeGreaterThan(0);
    for (const t of tokens) expect(t.token.startsWith('enc:')).toBe(true);
  });

  it('keeps the stored secret when an update leaves it empty, and needs one for a new connection', async () => {
    const saved = (await h.ok('connections:list'))[0]!;
    const renamed = await h.ok('connections:save', client({ id: saved.id, name: 'Renamed', auth: { type: 'client', clientId: h.demo.clientId, clientSecret: '' } }));
    expect(renamed).toMatchObject({ id: saved.id, name: 'Renamed', hasSecret: true });
    expect((await h.ok('connections:test', { id: saved.id })).recordsSeen).toBeGreaterThan(0);
    const missing = await h.call('connections:save', client({ auth: { type: 'client', clientId: 'x', clientSecret: '' } }));
    expect(missing.ok ? 'ok' : missing.error.code).toBe('BAD_INPUT');
  });

  it('reports wrong credentials as AUTH_FAILED', async () => {
    const bad = await h.ok('connections:save', client({ name: 'Wrong', auth: { type: 'client', clientId: h.demo.clientId, clientSecret: 'nope' } }));
    const result = await h.call('connections:test', { id: bad.id });
    expect(result.ok ? 'ok' : result.error.code).toBe('AUTH_FAILED');
    await h.ok('connections:remove', { id: bad.id });
  });

  it('checks a form before it is saved: nothing of it kept, a wrong secret AUTH_FAILED, an empty one while editing the stored one', async () => {
    const before = await h.ok('connections:list');
    const wrong = await h.call('connections:check', client({ name: 'Draft', auth: { type: 'client', clientId: h.demo.clientId, clientSecret: 'nope' } }));
    expect(wrong.ok ? 'ok' : wrong.error.code).toBe('AUTH_FAILED');
    expect((await h.ok('connections:check', client({ name: 'Draft' }))).recordsSeen).toBeGreaterThan(0);
    const saved = before[0]!;
    expect((await h.ok('connections:check', client({ id: saved.id, auth: { type: 'client', clientId: h.demo.clientId, clientSecret: '' } }))).recordsSeen).toBeGreaterThan(0);
    const none = await h.call('connections:check', client({ auth: { type: 'client', clientId: 'x', clientSecret: '' } }));
    expect(none.ok ? 'ok' : none.error.code).toBe('BAD_INPUT');
    expect(await h.ok('connections:list')).toEqual(before);
  });

  it('a save with activate false never makes the connection the active one, even the first', async () => {
    const fresh = await startHarness();
    try {
      const saved = await fresh.ok('connections:save', demoConnectionInput(fresh, 'Failed test', { activate: false }));
      expect(saved.active).toBe(false);
      expect((await fresh.ok('connections:list'))[0]?.active).toBe(false);
    } finally {
      await fresh.close();
    }
  });

  it('activates and removes connections', async () => {
    const a = (await h.ok('connections:list'))[0]!;
    const b = await h.ok('connections:save', client({ name: 'Second', auth: { type: 'token', token: 'pasted-token' } }));
    expect(b.active).toBe(false);
    await h.ok('connections:activate', { id: b.id });
    expect((await h.ok('connections:list')).find((c) => c.active)?.id).toBe(b.id);
    await h.ok('connections:remove', { id: b.id });
    const after = await h.ok('connections:list');
    expect(after.map((c) => c.id)).not.toContain(b.id);
    expect(after.find((c) => c.active)?.id).toBe(a.id);
  });

  it.each([
    ['unknown timezone', () => client({ timezone: 'Mars/Olympus' })],
    ['server not a URL', () => client({ server: 'not a url' })],
    ['file: server', () => client({ server: 'file:///etc/passwd' })],
    ['org with a slash', () => client({ org: '../x' })],
    ['extra key', () => ({ ...client(), admin: true })],
    ['extra key in auth', () => client({ auth: { type: 'client', clientId: 'a', clientSecret: 'b', more: 1 } })],
    ['wrong auth type', () => client({ auth: { type: 'password', password: 'x' } })],
    ['id with a path', () => client({ id: '../../etc' })],
  ])('refuses a connection with %s', async (_name, make) => {
    const result = await h.raw('connections:save', make());
    expect(result.ok ? 'ok' : result.error.code).toBe('BAD_INPUT');
  });

  it.each(['connections:remove', 'connections:activate', 'connections:test'] as const)('%s: unknown id is NOT_FOUND, malformed id BAD_INPUT', async (channel) => {
    const unknown = await h.call(channel, { id: 'no-such-id' });
    expect(unknown.ok ? 'ok' : unknown.error.code).toBe('NOT_FOUND');
    for (const arg of [{ id: 5 }, { id: '../x' }, {}, { id: 'a', extra: 1 }, undefined]) {
      const bad = await h.raw(channel, arg);
      expect(bad.ok ? 'ok' : bad.error.code).toBe('BAD_INPUT');
    }
  });
});

describe('demo:connect', () => {
  it('saves one active "Demo" connection with the demo server credentials', async () => {
    const first = await h.ok('demo:connect');
    expect(first).toMatchObject({ name: 'Demo', server: h.demo.url, demo: true, active: true, hasSecret: true });
    const second = await h.ok('demo:connect');
    expect(second.id).toBe(first.id);
    expect((await h.ok('connections:list')).filter((c) => c.demo)).toHaveLength(1);
    expect((await h.ok('connections:test', { id: first.id })).recordsSeen).toBe(h.demo.files.length);
    const extra = await h.raw('demo:connect', { anything: 1 });
    expect(extra.ok ? 'ok' : extra.error.code).toBe('BAD_INPUT');
  });
});

describe('app:info and naming:preview', () => {
  it('describes the app and ffmpeg', async () => {
    const info = await h.ok('app:info');
    expect(info).toMatchObject({ version: '9.9.9-test', systemLanguage: 'en', platform: process.platform });
    expect(info.ffmpeg.available).toBe(true);
    expect(info.ffmpeg.version).toBeTruthy();
  });

  it('previews a template and refuses bad ones', async () => {
    const { example } = await h.ok('naming:preview', { template: DEFAULT_TEMPLATE });
    expect(example).toBe('2024-05-01/IM_X364829548358926336C16/083015_alice_ONLY_REC_ONE_AV_1000184.webm');
    expect((await h.ok('naming:preview', { template: '{user}:{id}?.{ext}' })).example).toBe('alice_1000184_.webm');
    for (const template of ['../{id}', '{bogus}', '/abs/{id}', 'a/../../b', '']) {
      const r = await h.raw('naming:preview', { template });
      expect(r.ok ? 'ok' : r.error.code, template).toBe('BAD_INPUT');
    }
    expect((await h.raw('naming:preview', { template: 7 })).ok).toBe(false);
  });

  it('reports and backs up a corrupt settings file on the next start', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'emrec-svc-corrupt-'));
    mkdirSync(path.join(root, 'state'), { recursive: true });
    writeFileSync(path.join(root, 'state', 'emrec-app.json'), '{"settings": {"concurrency": 4}, "connections": [tru');
    const c = await startHarness({ root });
    try {
      const info = await c.ok('app:info');
      expect(info.notices.map((n) => n.code)).toContain('STORE_CORRUPT');
      expect(readdirSync(path.join(root, 'state')).some((f) => f.startsWith('emrec-app.corrupt-'))).toBe(true);
      expect((await c.ok('settings:get')).concurrency).toBe(3);
    } finally {
      await c.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
