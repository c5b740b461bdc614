// The token cache: its own small store file, keyed by client id and a digest of the secret, so a token
// is never reused after the secret changes (against the real demo server, which counts token requests).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApiClient } from '../../../main/core/api-client.ts';
import { connectionKey, type Connection } from '../../../main/core/connection.ts';
import type { ErrorInfo } from '../../../main/core/errors.ts';
import { openConfStore } from '../../../main/core/conf-store.ts';
import { History } from '../../../main/core/history.ts';
import { FileTokenCache, secretDigest, tokenCacheKey, TOKENS_FILE } from '../../../main/core/store/token-cache.ts';
import type { DemoServer } from '../../../main/demo/server.ts';
import { demoServers } from '../../helpers/demo.ts';
import { failure } from '../../helpers/wait.ts';

const demo = demoServers();
const FAST = { limit: 2, networkLimit: 1, baseDelayMs: 5, maxDelayMs: 20 } as const;

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emrec-tokens-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const connectionOf = (s: DemoServer, clientSecret: string): Connection => ({
  server: s.url,
  org: s.org,
  app: s.app,
  timezone: 'Asia/Shanghai',
  auth: { type: 'client', clientId: s.clientId, clientSecret },
});

describe('the token cache', () => {
  it('does not use a token cached for secret A once the secret is B', async () => {
    const s = await demo();
    const file = path.join(dir, TOKENS_FILE);
    const run = (secret: string): Promise<unknown> =>
      createApiClient(connectionOf(s, secret), { tokenCache: new FileTokenCache(file), retry: FAST }).listConference(s.files[0]!.confrId);
    await run(s.clientSecret);
    expect(s.stats.tokenRequests).toBe(1);
    await run(s.clientSecret); // a later run with the same secret reuses the cached token
    expect(s.stats.tokenRequests).toBe(1);
    // --client-secret changed (here: to a wrong one): the server is asked, and says no
    const error = await failure(run('not-the-secret'));
    expect(error.code).toBe('AUTH_FAILED');
    expect(s.stats.tokenRequests).toBeGreaterThan(1);
    const after = s.stats.tokenRequests;
    await run(s.clientSecret); // the right secret's token is still cached
    expect(s.stats.tokenRequests).toBe(after);
    expect(fs.readFileSync(file, 'utf8')).not.toContain(s.clientSecret);
  });

  it('keys by server, org, app, client id and a digest of the secret, never the secret itself', () => {
    const conn = (clientSecret: string): Connection => ({
      server: 'https://a1.easemob.com/',
      org: 'o',
      app: 'a',
      timezone: 'Asia/Shanghai',
      auth: { type: 'client', clientId: 'id', clientSecret },
    });
    expect(tokenCacheKey(conn('A'))).toBe(`${connectionKey(conn('A'))}|${secretDigest('id', 'A')}`);
    expect(tokenCacheKey(conn('A'))).toBe(tokenCacheKey(conn('A')));
    expect(tokenCacheKey(conn('A'))).not.toBe(tokenCacheKey(conn('B')));
    expect(tokenCacheKey(conn('YXA6secret'))).not.toContain('YXA6secret');
    expect(secretDigest('id', 'A')).toMatch(/^[0-9a-f]{16}$/);
    const pasted: Connection = { ...conn('A'), auth: { type: 'token', token: 'T' } };
    expect(tokenCacheKey(pasted)).toBe(connectionKey(pasted));
  });

  it('lives in its own small file beside the store, shared by processes, and drops expired tokens', () => {
    const h = new History(openConfStore(dir).store);
    const cache = h.tokenCache();
    cache.set('old', { token: 'OLD', expiresAt: Date.now() - 1000, issuedAt: 0 });
    cache.set('k', { token: 'T', expiresAt: Date.now() + 60_000, issuedAt: Date.now() });
    const other = new History(openConfStore(dir).store).tokenCache();
    expect(other.get('k')?.token).toBe('T');
    expect(other.get('old')).toBeUndefined();
    const onDisk = JSON.parse(fs.readFileSync(path.join(dir, TOKENS_FILE), 'utf8')) as { tokens: Record<string, unknown> };
    expect(Object.keys(onDisk.tokens)).toEqual(['k']);
    expect(fs.statSync(path.join(dir, TOKENS_FILE)).mode & 0o777).toBe(0o600);
    other.delete('k');
    expect(cache.get('k')).toBeUndefined();
  });

  it('backs up a corrupt token file and reports it, without quoting it (it holds tokens)', () => {
    const file = path.join(dir, TOKENS_FILE);
    fs.writeFileSync(file, '{"version":1,"tokens":{"k":{"token":"SECRET-TOKEN-VALUE"');
    const seen: ErrorInfo[] = [];
    const cache = new FileTokenCache(file, { onWarning: (w) => seen.push(w) });
    expect(cache.get('k')).toBeUndefined();
    expect(seen.map((w) => w.code)).toEqual(['STORE_CORRUPT']);
    expect(seen[0]?.message).not.toContain('SECRET-TOKEN-VALUE');
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('emrec-tokens.corrupt-'))).toHaveLength(1);
    cache.set('k', { token: 'T', expiresAt: Number.MAX_SAFE_INTEGER });
    expect(cache.get('k')?.token).toBe('T');
  });
});
