// The HTTP layer's rules: Retry-After, backoff bounds, the status → code tables, and sendApi (got's
// retry and the 401 renewal hook) against a raw server on 127.0.0.1.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { inspect } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EmrecError } from '../../main/core/errors.ts';
import {
  API_RETRY,
  backoffDelay,
  DOWNLOAD_RETRY,
  errorDescription,
  fileHostError,
  httpError,
  networkError,
  parseRetryAfter,
  retryableStatus,
  retryDelay,
  retryPolicy,
  sendApi,
  type ApiRequest,
  type BearerAuth,
  type RetryNotice,
} from '../../main/core/http.ts';
import { closedPort, rawServer, type RawServer } from '../helpers/http-server.ts';
import { failure } from '../helpers/wait.ts';

const FAST = { limit: 3, networkLimit: 2, baseDelayMs: 5, maxDelayMs: 20 } as const;

describe('Retry-After', () => {
  it('reads seconds, whole or not', () => {
    expect(parseRetryAfter('3', 0)).toBe(3000);
    expect(parseRetryAfter(' 0 ', 0)).toBe(0);
    expect(parseRetryAfter('1.5', 0)).toBe(1500);
    expect(parseRetryAfter(['2', '9'], 0)).toBe(2000);
  });

  it('reads HTTP dates as ms from now, a past date as 0', () => {
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:10 GMT', 0)).toBe(10_000);
    expect(parseRetryAfter('Thursday, 01-Jan-70 00:00:10 GMT', 0)).toBe(10_000);
    expect(parseRetryAfter('Thu Jan  1 00:00:10 1970', 0)).toBe(10_000); // asctime: UTC
    expect(parseRetryAfter(new Date(Date.now() - 5000).toUTCString())).toBe(0);
  });

  it('ignores garbage (even what Date.parse would read)', () => {
    for (const value of ['soon', '-1', 'later 5', '1e3', '5 s', '', '   ', undefined]) {
      expect(parseRetryAfter(value, 0)).toBeUndefined();
    }
  });

  it('is capped at maxRetryAfterMs (120 s by default), and wins over backoff when present', () => {
    expect(API_RETRY.maxRetryAfterMs).toBe(120_000);
    expect(DOWNLOAD_RETRY.maxRetryAfterMs).toBe(120_000);
    expect(retryDelay(1, API_RETRY, 3_600_000)).toBe(120_000);
    expect(retryDelay(5, API_RETRY, 700, () => 0.99)).toBe(700);
    expect(retryDelay(1, API_RETRY, 0, () => 0.99)).toBe(0);
    expect(retryDelay(1, API_RETRY, -50)).toBe(0);
  });
});

describe('backoff', () => {
  it('is full jitter within [0, min(max, base·2^(n-1))]', () => {
    const policy = retryPolicy({ baseDelayMs: 100, maxDelayMs: 1000 }, API_RETRY);
    for (let attempt = 1; attempt <= 8; attempt++) {
      const cap = Math.min(1000, 100 * 2 ** (attempt - 1));
      expect(backoffDelay(attempt, policy, () => 0)).toBe(0);
      expect(backoffDelay(attempt, policy, () => 0.999_999)).toBe(cap);
      for (let i = 0; i < 50; i++) {
        const d = backoffDelay(attempt, policy);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(cap);
      }
    }
    expect(retryDelay(2, policy, undefined, () => 0.5)).toBe(100);
  });

  it('takes the defaults for fields left out or undefined', () => {
    expect(retryPolicy(undefined, DOWNLOAD_RETRY)).toEqual(DOWNLOAD_RETRY);
    expect(retryPolicy({ limit: 2, baseDelayMs: undefined }, DOWNLOAD_RETRY)).toEqual({ ...DOWNLOAD_RETRY, limit: 2 });
  });
});

describe('error mapping', () => {
  const body = JSON.stringify({ error: 'e', error_description: 'what the server said' });

  it('maps API statuses to codes, with the server description', () => {
    const table: [string, number, string][] = [
      ['token', 400, 'AUTH_FAILED'],
      ['conference', 400, 'BAD_INPUT'],
      ['conference', 401, 'AUTH_FAILED'],
      ['token', 401, 'AUTH_FAILED'],
      ['time range', 403, 'AUTH_FAILED'],
      ['conference', 404, 'NOT_FOUND'],
      ['conference', 405, 'BAD_INPUT'],
      ['conference', 429, 'RATE_LIMITED'],
      ['conference', 503, 'RATE_LIMITED'],
      ['conference', 500, 'SERVER_ERROR'],
      ['token', 502, 'SERVER_ERROR'],
    ];
    for (const [endpoint, status, code] of table) {
      const error = httpError(endpoint, status, body);
      expect(error, `${endpoint} ${status}`).toMatchObject({ code, status, description: 'what the server said' });
      expect(error.message).toContain(`HTTP ${status}`);
      expect(error.message).toContain(endpoint === 'token' ? 'app token' : `Listing recordings (${endpoint})`);
    }
    expect(httpError('token', 401, body).message).toMatch(/check the client id and secret$/);
  });

  it('keeps Retry-After only on answers worth retrying', () => {
    expect(httpError('conference', 429, '', '7').details).toEqual({ retryAfterMs: 7000 });
    expect(httpError('conference', 500, '', '1').details).toEqual({ retryAfterMs: 1000 });
    expect(httpError('conference', 404, '', '7').details).toBeUndefined();
    expect(httpError('conference', 503, '', 'soon').details).toBeUndefined();
  });

  it('reads error_description, else error, else nothing', () => {
    expect(errorDescription(body)).toBe('what the server said');
    expect(errorDescription('{"error":"only_error"}')).toBe('only_error');
    expect(errorDescription('{"error_description":"","error":"e2"}')).toBe('e2');
    for (const text of ['', '<html>', 'null', '[]', '{"error":3}']) expect(errorDescription(text)).toBeUndefined();
    expect(httpError('conference', 500, '<html>oops</html>').description).toBeUndefined();
  });

  it('maps file-host statuses to codes', () => {
    const table: [number, string][] = [
      [403, 'URL_EXPIRED'],
      [404, 'FILE_GONE'],
      [410, 'FILE_GONE'],
      [429, 'RATE_LIMITED'],
      [503, 'RATE_LIMITED'],
      [500, 'SERVER_ERROR'],
      [504, 'SERVER_ERROR'],
      [400, 'BAD_RESPONSE'],
      [418, 'BAD_RESPONSE'],
    ];
    for (const [status, code] of table) expect(fileHostError(status), String(status)).toMatchObject({ code, status });
    expect(fileHostError(429, '2').details).toEqual({ retryAfterMs: 2000 });
    expect(fileHostError(429).details).toBeUndefined();
  });

  it('retries exactly 429 and 5xx', () => {
    expect([200, 304, 400, 401, 403, 404, 416, 429, 500, 503, 599].map(retryableStatus)).toEqual([
      undefined, undefined, undefined, undefined, undefined, undefined, undefined, 'RATE_LIMITED', 'SERVER_ERROR', 'RATE_LIMITED', 'SERVER_ERROR',
    ]);
  });

  it('names the socket error of a NETWORK failure', () => {
    const error = networkError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 'token');
    expect(error).toMatchObject({ code: 'NETWORK', message: 'Cannot reach the token endpoint (ECONNREFUSED)', details: { errno: 'ECONNREFUSED', endpoint: 'token' } });
  });
});

describe('sendApi', () => {
  let server: RawServer;
  let base = '';
  let seen: IncomingMessage[] = [];
  let answer: (req: IncomingMessage, res: ServerResponse, n: number) => void = (_req, res) => res.end('{}');
  beforeAll(async () => {
    server = await rawServer((req, res) => {
      seen.push(req);
      req.resume();
      answer(req, res, seen.length);
    });
    base = server.base;
  });
  afterAll(() => server.close());
  beforeEach(() => {
    seen = [];
  });

  const send = (request: Partial<ApiRequest> = {}, method: 'GET' | 'POST' = 'GET') =>
    sendApi(`${base}/org/app/audio/C1?Signature=URL-SECRET`, { endpoint: 'conference', label: 'conference', timeoutMs: 5000, retry: FAST, ...request }, {
      method,
      ...(method === 'POST' ? { json: { client_secret: 'BODY-SECRET' } } : {}),
    });

  const status = (code: number, headers: Record<string, string> = {}, text = '{"error":"x","error_description":"busy"}') =>
    (res: ServerResponse): void => {
      res.writeHead(code, headers);
      res.end(text);
    };

  /** A token provider stub: hands out T1, T2, ... and records what it was asked. */
  function tokens(renewable = true): BearerAuth & { renewed: string[] } {
    let n = 1;
    const renewed: string[] = [];
    return {
      renewable,
      renewed,
      getToken: async () => `T${n}`,
      renew: async (rejected) => {
        renewed.push(rejected);
        n += 1;
        return `T${n}`;
      },
    };
  }

  it('retries a POST too (the token request), then resolves with the answer', async () => {
    answer = (req, res, n) => (n === 1 ? status(503)(res) : res.end('{"ok":true}'));
    const response = await send({}, 'POST');
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('{"ok":true}');
    expect(seen.map((r) => r.method)).toEqual(['POST', 'POST']);
  });

  it('honours Retry-After up to its cap, and says so before waiting', async () => {
    answer = (_req, res, n) => (n === 1 ? status(429, { 'retry-after': '3600' })(res) : res.end('[]'));
    const notices: RetryNotice[] = [];
    const started = performance.now();
    await send({ retry: { ...FAST, maxRetryAfterMs: 50 }, onRetry: (n) => notices.push(n) });
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    expect(notices).toEqual([
      { endpoint: 'conference', attempt: 1, delayMs: 50, fromRetryAfter: true, code: 'RATE_LIMITED', status: 429, message: 'Listing recordings (conference) was throttled (HTTP 429): busy' },
    ]);
  });

  it('gives up after the limit with the attempts in the message and details', async () => {
    answer = (_req, res) => status(500)(res);
    const error = await failure(send());
    expect(error).toMatchObject({ code: 'SERVER_ERROR', status: 500, description: 'busy', details: { endpoint: 'conference', attempts: 4 } });
    expect(error.message).toBe('Listing recordings (conference) failed with a server error (HTTP 500): busy (gave up after 4 attempts)');
    expect(seen).toHaveLength(FAST.limit + 1);
  });

  it('does not retry what retrying cannot mend', async () => {
    for (const code of [400, 403, 404]) {
      seen = [];
      answer = (_req, res) => status(code)(res);
      expect((await failure(send())).status).toBe(code);
      expect(seen).toHaveLength(1);
    }
  });

  it('sends the bearer token, renews it once on a 401 and sends the request again', async () => {
    answer = (req, res) => (req.headers.authorization === 'Bearer T1' ? status(401)(res) : res.end('[]'));
    const auth = tokens();
    const notices: RetryNotice[] = [];
    await send({ auth, onRetry: (n) => notices.push(n) });
    expect(seen.map((r) => r.headers.authorization)).toEqual(['Bearer T1', 'Bearer T2']);
    expect(auth.renewed).toEqual(['T1']);
    expect(notices).toEqual([]); // a renewal is no retry
  });

  it('fails AUTH_FAILED when the renewed token is refused too, without asking for a third', async () => {
    answer = (_req, res) => status(401)(res);
    const auth = tokens();
    const error = await failure(send({ auth }));
    expect(error).toMatchObject({ code: 'AUTH_FAILED', status: 401, description: 'busy' });
    expect(error.message).toBe('Listing recordings (conference) was refused (HTTP 401) even with a new token');
    expect(auth.renewed).toEqual(['T1']);
    expect(seen).toHaveLength(2);
  });

  it('does not count the renewal against the retry budget', async () => {
    answer = (req, res) => (req.headers.authorization === 'Bearer T1' ? status(401)(res) : status(503)(res));
    const error = await failure(send({ auth: tokens(), retry: { ...FAST, limit: 1 } }));
    expect(error.message).toMatch(/gave up after 2 attempts\)$/);
    expect(seen).toHaveLength(3); // 401, 503, 503
  });

  it('fails a pasted token at once', async () => {
    answer = (_req, res) => status(401)(res);
    const auth = tokens(false);
    const error = await failure(send({ auth }));
    expect(error.code).toBe('AUTH_FAILED');
    expect(error.message).toMatch(/pasted token/);
    expect(auth.renewed).toEqual([]);
    expect(seen).toHaveLength(1);
  });

  it('passes a failure of the token provider through untouched and unretried', async () => {
    const broken = new EmrecError('NETWORK', 'Cannot reach the token endpoint (ECONNREFUSED)');
    const error = await failure(send({ auth: { ...tokens(), getToken: () => Promise.reject(broken) } }));
    expect(error).toBe(broken);
    expect(seen).toHaveLength(0);
  });

  it('is cancelled at once while waiting to retry', async () => {
    answer = (_req, res) => status(503)(res);
    const controller = new AbortController();
    const started = performance.now();
    const error = await failure(
      send({ signal: controller.signal, retry: { ...FAST, baseDelayMs: 60_000, maxDelayMs: 60_000 }, random: () => 0.99, onRetry: () => setTimeout(() => controller.abort(), 20) }),
    );
    expect(error.code).toBe('CANCELLED');
    expect(performance.now() - started).toBeLessThan(5000);
    expect(await failure(send({ signal: controller.signal }))).toMatchObject({ code: 'CANCELLED' });
  });

  it('never puts the token, the secret or the URL query into an error, even when inspected', async () => {
    answer = (_req, res) => status(500)(res);
    const auth = { ...tokens(), getToken: async () => 'TOKEN-SECRET' };
    const fromServer = await failure(send({ auth }, 'POST'));
    const port = await closedPort();
    const fromSocket = await failure(
      sendApi(`http://127.0.0.1:${port}/o/a/audio/C?Signature=URL-SECRET`, { endpoint: 'conference', label: 'conference', timeoutMs: 5000, retry: FAST, auth }, { method: 'GET' }),
    );
    expect(fromSocket).toMatchObject({ code: 'NETWORK', details: { errno: 'ECONNREFUSED' } });
    for (const error of [fromServer, fromSocket]) {
      const shown = `${inspect(error, { depth: 10 })} ${JSON.stringify(error)} ${error.stack ?? ''}`;
      for (const secret of ['TOKEN-SECRET', 'BODY-SECRET', 'URL-SECRET']) expect(shown).not.toContain(secret);
    }
  });
});
