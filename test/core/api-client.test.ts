import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClientOptions, type RetryInfo } from '../../main/core/api-client.ts';
import type { Connection } from '../../main/core/connection.ts';
import { parseListBody } from '../../main/core/response.ts';
import { buildRangeQuery } from '../../main/core/time.ts';
import { parseRetryAfter } from '../../main/core/http.ts';
import { MemoryTokenCache, NO_EXPIRY, tokenCacheKey } from '../../main/core/token.ts';
import type { DemoServer } from '../../main/demo/server.ts';
import { demoServers } from '../helpers/demo.ts';
import { closedPort, rawServer, type RawServer } from '../helpers/http-server.ts';
import { failure } from '../helpers/wait.ts';

const ZONE = 'Asia/Shanghai';
const ALL_TIME = buildRangeQuery('2000-01-01', '2099-12-31', ZONE);
const FAST = { limit: 3, networkLimit: 2, baseDelayMs: 5, maxDelayMs: 20 } as const;

const demo = demoServers();

function connectionOf(s: DemoServer, auth?: Connection['auth']): Connection {
  return {
    server: s.url,
    org: s.org,
    app: s.app,
    timezone: ZONE,
    auth: auth ?? { type: 'client', clientId: s.clientId, clientSecret: s.clientSecret },
  };
}

function clientOf(s: DemoServer, options: Partial<ApiClientOptions> = {}, auth?: Connection['auth']) {
  return createApiClient(connectionOf(s, auth), { tokenCache: new MemoryTokenCache(), retry: FAST, ...options });
}

const ids = (records: readonly { id: number }[]): number[] => records.map((r) => r.id);

describe('listing endpoints against the demo server', () => {
  for (const responseShape of ['array', 'object', 'entities', 'data'] as const) {
    it(`reads every endpoint when the server answers in the "${responseShape}" shape`, async () => {
      const s = await demo({ responseShape, startIdInclusive: false });
      const client = clientOf(s);
      const [first] = s.files;
      if (!first) throw new Error('empty catalogue');

      const conference = await client.listConference(first.confrId);
      expect(ids(conference.records)).toEqual(ids(s.files.filter((f) => f.confrId === first.confrId)));
      expect(conference.invalid).toEqual([]);
      const record = conference.records[0];
      expect(record).toMatchObject({ confrId: first.confrId, userName: first.userName, recordType: first.recordType });
      expect(record?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oss\//);
      expect(record?.expireTime).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

      // A user with exactly one file in a conference: the "object" shape answers a bare object.
      const single = s.files.find(
        (f) => s.files.filter((g) => g.confrId === f.confrId && g.userName === f.userName).length === 1,
      );
      if (!single) throw new Error('catalogue has no single-file user');
      const user = await client.listUser(single.confrId, single.userName);
      expect(ids(user.records)).toEqual([single.id]);

      const range = await client.listRange(ALL_TIME.begin, ALL_TIME.end, 0, 100);
      expect(ids(range.records)).toEqual(ids(s.files));

      const merged = await client.listMerged(ALL_TIME.begin, ALL_TIME.end, 0, 100);
      expect(ids(merged.records)).toEqual(ids(s.files.filter((f) => f.recordType === 'MERGE_ALL')));
      expect(merged.records.every((r) => r.recordType === 'MERGE_ALL')).toBe(true);

      expect(s.stats.tokenRequests).toBe(1);
      expect(s.stats.apiRequests).toBe(4);
    });
  }

  it('URL-encodes path segments: Chinese user names with the appkey prefix', async () => {
    const s = await demo();
    const client = clientOf(s);
    const chinese = s.files.find((f) => /[\u4e00-\u9fff]/.test(f.userName));
    if (!chinese) throw new Error('catalogue has no Chinese user name');
    const result = await client.list({ kind: 'user', confrId: chinese.confrId, userName: chinese.userName });
    const expected = s.files.filter((f) => f.confrId === chinese.confrId && f.userName === chinese.userName);
    expect(ids(result.records)).toEqual(ids(expected));
    expect(result.records.every((r) => r.userName === chinese.userName)).toBe(true);
  });

  it('pages a time range with startId and length', async () => {
    const s = await demo({ startIdInclusive: false });
    const client = clientOf(s);
    const page1 = await client.listRange(ALL_TIME.begin, ALL_TIME.end, 0, 5);
    expect(ids(page1.records)).toEqual(ids(s.files.slice(0, 5)));
    const page2 = await client.listRange(ALL_TIME.begin, ALL_TIME.end, page1.records[4]!.id, 5);
    expect(ids(page2.records)).toEqual(ids(s.files.slice(5, 10)));
  });

  it('answers NOT_FOUND with the server description for an unknown conference', async () => {
    const s = await demo();
    const error = await failure(clientOf(s).listConference('NO_SUCH_CONFERENCE'));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.status).toBe(404);
    expect(error.description).toContain('NO_SUCH_CONFERENCE');
    expect(error.message).toMatch(/conference/);
  });

  it('refuses a length above 100 or below 1 before sending anything', async () => {
    const s = await demo();
    const client = clientOf(s);
    for (const length of [101, 0, 2.5]) {
      const error = await failure(client.listRange(ALL_TIME.begin, ALL_TIME.end, 0, length));
      expect(error.code).toBe('BAD_INPUT');
      expect(error.details).toMatchObject({ field: 'length' });
    }
    expect((await failure(client.listMerged('2024', ALL_TIME.end, 0, 10))).code).toBe('BAD_INPUT');
    expect(s.stats.apiRequests).toBe(0);
    expect(s.stats.tokenRequests).toBe(0);
  });

  it('turns a body in no accepted shape into BAD_RESPONSE naming the endpoint and status', async () => {
    const s = await demo();
    const client = clientOf(s);
    s.faults.badJsonNext = 2;
    const wrongShape = await failure(client.listRange(ALL_TIME.begin, ALL_TIME.end, 0, 10));
    expect(wrongShape.code).toBe('BAD_RESPONSE');
    expect(wrongShape.status).toBe(200);
    expect(wrongShape.message).toMatch(/time range.*HTTP 200/);
    const html = await failure(client.listConference(s.files[0]!.confrId));
    expect(html.code).toBe('BAD_RESPONSE');
    expect(html.message).toMatch(/conference.*HTTP 200.*not valid JSON/);
    // Not retried: a garbled answer is reported at once.
    expect(s.stats.apiRequests).toBe(2);
    expect((await client.listConference(s.files[0]!.confrId)).records.length).toBeGreaterThan(0);
  });
});

describe('retries', () => {
  it('honours Retry-After on 429 and then succeeds', async () => {
    const s = await demo();
    const retries: RetryInfo[] = [];
    const client = clientOf(s, { onRetry: (info) => retries.push(info) });
    await client.listConference(s.files[0]!.confrId); // token first, so only list requests are counted below
    s.resetStats();
    s.faults.throttle = { count: 1, status: 429, retryAfterSeconds: 1 };
    const result = await client.listConference(s.files[0]!.confrId);
    expect(result.records.length).toBeGreaterThan(0);
    expect(retries).toEqual([expect.objectContaining({ endpoint: 'conference', attempt: 1, delayMs: 1000, fromRetryAfter: true, status: 429, code: 'RATE_LIMITED' })]);
    expect(s.stats.apiRequests).toBe(2);
  });

  it('backs off with jitter on 503 without Retry-After, within the cap', async () => {
    const s = await demo();
    const retries: RetryInfo[] = [];
    const client = clientOf(s, { onRetry: (info) => retries.push(info) });
    s.faults.throttle = { count: 3, status: 503 };
    const result = await client.listRange(ALL_TIME.begin, ALL_TIME.end, 0, 100);
    expect(ids(result.records)).toEqual(ids(s.files));
    expect(retries.map((r) => [r.attempt, r.status, r.fromRetryAfter])).toEqual([
      [1, 503, false],
      [2, 503, false],
      [3, 503, false],
    ]);
    for (const r of retries) {
      expect(r.delayMs).toBeGreaterThanOrEqual(0);
      expect(r.delayMs).toBeLessThanOrEqual(Math.min(FAST.maxDelayMs, FAST.baseDelayMs * 2 ** (r.attempt - 1)));
    }
    expect(s.stats.apiRequests).toBe(4);
  });

  it('gives up on throttling after the limit with RATE_LIMITED and the server description', async () => {
    const s = await demo();
    const client = clientOf(s);
    s.faults.throttle = { count: 50, status: 429 };
    const error = await failure(client.listConference(s.files[0]!.confrId));
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.status).toBe(429);
    expect(error.description).toBe('This request has reached api limit');
    expect(error.message).toMatch(/conference.*gave up after 4 attempts/);
    expect(s.stats.apiRequests).toBe(FAST.limit + 1);
  });

  it('rides out a burst of 500s', async () => {
    const s = await demo();
    const client = clientOf(s);
    s.faults.serverErrors = 3;
    const result = await client.listMerged(ALL_TIME.begin, ALL_TIME.end, 0, 100);
    expect(result.records.length).toBe(s.files.filter((f) => f.recordType === 'MERGE_ALL').length);
    expect(s.stats.apiRequests).toBe(4);
    expect(s.faults.serverErrors).toBe(0);
  });

  it('fails with SERVER_ERROR when 500s outlast the limit', async () => {
    const s = await demo();
    const client = clientOf(s);
    s.faults.serverErrors = FAST.limit + 1;
    const error = await failure(client.listRange(ALL_TIME.begin, ALL_TIME.end, 0, 10));
    expect(error.code).toBe('SERVER_ERROR');
    expect(error.status).toBe(500);
    expect(error.description).toBe('The server met an unexpected fault');
    expect(error.message).toMatch(/time range/);
    expect(s.stats.apiRequests).toBe(FAST.limit + 1);
  });

  it('reports NETWORK after a couple of retries when nothing listens', async () => {
    const port = await closedPort();
    const retries: RetryInfo[] = [];
    const client = createApiClient(
      { server: `http://127.0.0.1:${port}`, org: 'o', app: 'a', timezone: ZONE, auth: { type: 'token', token: 'pasted-token' } },
      { tokenCache: new MemoryTokenCache(), retry: FAST, onRetry: (info) => retries.push(info) },
    );
    const error = await failure(client.listConference('C1'));
    expect(error.code).toBe('NETWORK');
    expect(error.details).toMatchObject({ errno: 'ECONNREFUSED' });
    expect(retries.map((r) => r.code)).toEqual(['NETWORK', 'NETWORK']);
  });

  it('is cancelled by its signal while waiting to retry', async () => {
    const s = await demo();
    const controller = new AbortController();
    const client = clientOf(s, {
      signal: controller.signal,
      retry: { ...FAST, baseDelayMs: 60_000, maxDelayMs: 60_000 },
      random: () => 0.99,
      onRetry: () => controller.abort(),
    });
    s.faults.serverErrors = 1;
    const error = await failure(client.listConference(s.files[0]!.confrId));
    expect(error.code).toBe('CANCELLED');
  });
});

describe('tokens', () => {
  it('asks for one token, shared by concurrent calls and by a second client on the same cache', async () => {
    const s = await demo();
    const tokenCache = new MemoryTokenCache();
    const a = clientOf(s, { tokenCache });
    await Promise.all(s.files.slice(0, 6).map((f) => a.listConference(f.confrId)));
    expect(s.stats.tokenRequests).toBe(1);
    const b = clientOf(s, { tokenCache });
    await b.listRange(ALL_TIME.begin, ALL_TIME.end, 0, 10);
    expect(s.stats.tokenRequests).toBe(1);
    const cached = tokenCache.get(tokenCacheKey(connectionOf(s)));
    expect(cached?.token).toMatch(/^YWMt/);
    expect(cached!.expiresAt).toBeGreaterThan(Date.now() + 7000_000);
  });

  it('stores a token with expires_in 0 as never expiring', async () => {
    const s = await demo({ tokenTtlSeconds: 0 });
    const tokenCache = new MemoryTokenCache();
    await clientOf(s, { tokenCache }).listConference(s.files[0]!.confrId);
    expect(tokenCache.get(tokenCacheKey(connectionOf(s)))?.expiresAt).toBe(NO_EXPIRY);
  });

  it('renews a cached token near its expiry before using it', async () => {
    const s = await demo();
    const tokenCache = new MemoryTokenCache();
    const key = tokenCacheKey(connectionOf(s));
    const now = Date.now();
    // 100 s lifetime, 5 s left: inside the 10% margin.
    tokenCache.set(key, { token: 'old-token', expiresAt: now + 5_000, issuedAt: now - 95_000 });
    await clientOf(s, { tokenCache }).listConference(s.files[0]!.confrId);
    expect(s.stats.tokenRequests).toBe(1);
    expect(s.stats.apiRequests).toBe(1); // no 401 round trip
    expect(tokenCache.get(key)?.token).not.toBe('old-token');
  });

  it('renews once after a 401 when the server drops a token early', async () => {
    const s = await demo();
    const client = clientOf(s);
    s.faults.tokenInvalidAfterCalls = 2;
    for (let i = 0; i < 3; i++) await client.listConference(s.files[0]!.confrId);
    expect(s.stats.tokenRequests).toBe(2);
    expect(s.stats.apiRequests).toBe(4); // the third call was refused once, then retried
  });

  it('fails with AUTH_FAILED when even the renewed token is refused', async () => {
    const s = await demo();
    const client = clientOf(s);
    s.faults.tokenInvalidAfterCalls = 0;
    const error = await failure(client.listConference(s.files[0]!.confrId));
    expect(error.code).toBe('AUTH_FAILED');
    expect(error.status).toBe(401);
    expect(error.message).toMatch(/conference.*even with a new token/);
    expect(s.stats.tokenRequests).toBe(2);
    expect(s.stats.apiRequests).toBe(2);
  });

  it('reports a wrong client secret with the server description and without the secret', async () => {
    const s = await demo();
    const client = clientOf(s, {}, { type: 'client', clientId: s.clientId, clientSecret: 'wrong-secret-123' });
    const error = await failure(client.listConference(s.files[0]!.confrId));
    expect(error.code).toBe('AUTH_FAILED');
    expect(error.status).toBe(401);
    expect(error.description).toBe('client_id or client_secret is wrong');
    expect(error.message).toMatch(/token/);
    expect(JSON.stringify(error)).not.toContain('wrong-secret-123');
    expect(s.stats.tokenRequests).toBe(1);
    expect(s.stats.apiRequests).toBe(0);
  });

  it('uses a pasted token without renewing and rejects a bad one clearly', async () => {
    const s = await demo();
    const good = await clientOf(s).tokens.getToken();
    const pasted = clientOf(s, {}, { type: 'token', token: good });
    expect((await pasted.listConference(s.files[0]!.confrId)).records.length).toBeGreaterThan(0);

    const bad = clientOf(s, {}, { type: 'token', token: 'YWMt-not-a-real-token' });
    const error = await failure(bad.listConference(s.files[0]!.confrId));
    expect(error.code).toBe('AUTH_FAILED');
    expect(error.message).toMatch(/pasted token/);
    expect(error.message).not.toContain('YWMt-not-a-real-token');
    expect(error.description).toMatch(/corrupt access token/);
    expect(s.stats.tokenRequests).toBe(1); // only the `good` one
  });

  it('never puts the token in error messages', async () => {
    const s = await demo();
    const client = clientOf(s);
    const token = await client.tokens.getToken();
    s.faults.serverErrors = 10;
    const error = await failure(client.listConference(s.files[0]!.confrId));
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain(token);
  });
});

describe('tolerant parsing', () => {
  let raw: RawServer;
  let base = '';
  let answer: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end('[]');
  beforeAll(async () => {
    raw = await rawServer((req, res) => answer(req, res));
    base = raw.base;
  });
  afterAll(() => raw.close());
  const pasted = () =>
    createApiClient(
      { server: base, org: 'org', app: 'app', timezone: ZONE, auth: { type: 'token', token: 'T' } },
      { tokenCache: new MemoryTokenCache(), retry: FAST },
    );

  it('keeps good records and unknown fields, and reports records without id or url', async () => {
    let seen: IncomingMessage | undefined;
    answer = (req, res) => {
      seen = req;
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          data: [
            { id: 1, url: 'http://h/1.webm', confrId: 'C', extraField: 'kept' },
            { url: 'http://h/2.webm' },
            { id: '3', url: 'http://h/3.mp4' },
            { id: 4 },
          ],
        }),
      );
    };
    const result = await pasted().listUser('C/1', '张伟#x');
    expect(seen?.url).toBe(`/org/app/audio/${encodeURIComponent('张伟#x')}/C%2F1`);
    expect(seen?.headers.authorization).toBe('Bearer T');
    expect(seen?.headers['content-type']).toBe('application/json');
    expect(result.records).toEqual([
      { id: 1, url: 'http://h/1.webm', confrId: 'C', extraField: 'kept' },
      { id: 3, url: 'http://h/3.mp4' },
    ]);
    expect(result.invalid.map((i) => i.index)).toEqual([1, 3]);
    expect(result.invalid[0]?.reason).toMatch(/^id:/);
    expect(result.invalid[1]?.reason).toMatch(/^url:/);
    expect(result.invalid[1]?.raw).toEqual({ id: 4 });
  });

  it('honours Retry-After given as an HTTP date', async () => {
    let calls = 0;
    answer = (_req, res) => {
      calls += 1;
      if (calls === 1) {
        res.writeHead(503, { 'retry-after': new Date(Date.now() - 1000).toUTCString() });
        res.end('{"error":"busy","error_description":"try later"}');
      } else res.end('[]');
    };
    const retries: RetryInfo[] = [];
    const client = createApiClient(
      { server: base, org: 'org', app: 'app', timezone: ZONE, auth: { type: 'token', token: 'T' } },
      { tokenCache: new MemoryTokenCache(), retry: FAST, onRetry: (info) => retries.push(info) },
    );
    expect(await client.listConference('C')).toEqual({ records: [], invalid: [] });
    expect(retries).toEqual([expect.objectContaining({ fromRetryAfter: true, delayMs: 0, code: 'RATE_LIMITED' })]);
  });

  it('accepts every documented shape and rejects the rest', () => {
    const rec = { id: 7, url: 'u' };
    for (const body of [[rec], rec, { entities: [rec] }, { data: [rec] }, { data: rec }, { entities: rec }]) {
      expect(parseListBody(JSON.stringify(body), 'conference', 200).records).toEqual([rec]);
    }
    expect(parseListBody('{"entities":[]}', 'conference', 200).records).toEqual([]);
    expect(parseListBody('{"id":8}', 'conference', 200).invalid).toHaveLength(1);
    for (const text of ['{"foo":1}', '"text"', '42', 'null', '{"data":"x"}', '<html></html>', '']) {
      expect(() => parseListBody(text, 'merged, time range', 201)).toThrow(
        expect.objectContaining({ code: 'BAD_RESPONSE', status: 201, message: expect.stringMatching(/merged, time range.*HTTP 201/) }),
      );
    }
  });

  it('reads Retry-After seconds and dates', () => {
    expect(parseRetryAfter('3', 0)).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:10 GMT', 0)).toBe(10_000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter(undefined, 0)).toBeUndefined();
  });
});
