// The recording-listing REST client: one got instance, our own bounded retry loop (so throttling,
// server faults and token renewal follow the contract exactly), and tolerant parsing of every answer.
import { setTimeout as sleep } from 'node:timers/promises';
import got from 'got';
import type { Connection } from './connection.ts';
import { EmrecError, isEmrecError, type ErrorCode } from './errors.ts';
import type { Query } from './record.ts';
import { parseListBody, type ListResult } from './response.ts';
import {
  createTokenProvider,
  errorDescription,
  httpError,
  pastedTokenRejected,
  requestToken,
  sendOrNetworkError,
  type TokenCache,
  type TokenProvider,
} from './token.ts';

export type { ListResult, InvalidRecord } from './response.ts';

/** The server refuses more; we never ask for more. */
export const MAX_PAGE_LENGTH = 100;

export type EndpointKind = Query['kind'] | 'token';

/** How endpoint kinds are named in messages. */
export const ENDPOINT_LABELS: Readonly<Record<EndpointKind, string>> = {
  conference: 'conference',
  user: 'user in conference',
  range: 'time range',
  merged: 'merged, time range',
  token: 'token',
};

export interface RetryOptions {
  /** Retries after the first attempt for 429/503/5xx. */
  readonly limit: number;
  /** Retries after the first attempt for socket errors. */
  readonly networkLimit: number;
  /** Backoff base: the cap of retry n is baseDelayMs * 2^n, then full jitter. */
  readonly baseDelayMs: number;
  /** Cap of a backoff delay. */
  readonly maxDelayMs: number;
  /** Cap of a server's Retry-After. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryOptions = {
  limit: 6,
  networkLimit: 2,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
};

/** Reported before each retry wait. */
export interface RetryInfo {
  readonly endpoint: EndpointKind;
  /** 1 for the first retry. */
  readonly attempt: number;
  readonly delayMs: number;
  /** True when the delay came from the server's Retry-After. */
  readonly fromRetryAfter: boolean;
  readonly code: ErrorCode;
  readonly status?: number;
  readonly message: string;
}

export interface ApiClientOptions {
  readonly tokenCache: TokenCache;
  readonly retry?: Partial<RetryOptions>;
  readonly onRetry?: (info: RetryInfo) => void;
  /** Cancels every request of this client (CANCELLED). */
  readonly signal?: AbortSignal;
  /** Per-request timeout; default 60 s. */
  readonly timeoutMs?: number;
  /** Source of jitter in [0, 1); default Math.random. */
  readonly random?: () => number;
}

export interface CallOptions {
  readonly signal?: AbortSignal;
}

export interface ApiClient {
  readonly connection: Connection;
  readonly tokens: TokenProvider;
  listConference(confrId: string, options?: CallOptions): Promise<ListResult>;
  listUser(confrId: string, userName: string, options?: CallOptions): Promise<ListResult>;
  listRange(begin: string, end: string, startId: number, length: number, options?: CallOptions): Promise<ListResult>;
  listMerged(begin: string, end: string, startId: number, length: number, options?: CallOptions): Promise<ListResult>;
  /** Any query; `startId` (default 0) and `length` (default 100) apply to range/merged only. */
  list(query: Query, startId?: number, length?: number, options?: CallOptions): Promise<ListResult>;
}

const http = got.extend({
  retry: { limit: 0 },
  throwHttpErrors: false,
  followRedirect: true,
  headers: { 'user-agent': 'emrec (Easemob Recording Downloader)' },
});

const RETRYABLE: readonly ErrorCode[] = ['RATE_LIMITED', 'SERVER_ERROR', 'NETWORK'];

// Wraps an error that the retry loop must pass through untouched (e.g. a token failure already retried).
class Final {
  readonly error: unknown;
  constructor(error: unknown) {
    this.error = error;
  }
}

async function passThrough<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw new Final(error);
  }
}

async function wait(ms: number, signal: AbortSignal | undefined, endpoint: EndpointKind): Promise<void> {
  try {
    await sleep(ms, undefined, signal ? { signal } : {});
  } catch {
    throw new EmrecError('CANCELLED', `Cancelled while waiting to retry the ${ENDPOINT_LABELS[endpoint]} listing`);
  }
}

/**
 * Runs `fn`, retrying RATE_LIMITED/SERVER_ERROR (up to `limit`) and NETWORK (up to `networkLimit`)
 * errors after Retry-After (from `details.retryAfterMs`) or full-jitter exponential backoff.
 * The last error is rethrown with the number of attempts in its message.
 */
export async function withRetry<T>(
  endpoint: EndpointKind,
  fn: () => Promise<T>,
  options: {
    readonly retry?: Partial<RetryOptions>;
    readonly onRetry?: (info: RetryInfo) => void;
    readonly signal?: AbortSignal;
    readonly random?: () => number;
  } = {},
): Promise<T> {
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) throw new EmrecError('CANCELLED', `Cancelled before the ${ENDPOINT_LABELS[endpoint]} listing`);
    try {
      return await fn();
    } catch (error) {
      if (error instanceof Final) throw error.error;
      if (!isEmrecError(error) || !RETRYABLE.includes(error.code)) throw error;
      const limit = error.code === 'NETWORK' ? retry.networkLimit : retry.limit;
      if (attempt > limit) {
        throw new EmrecError(error.code, `${error.message} (gave up after ${attempt} attempts)`, {
          ...(error.status === undefined ? {} : { status: error.status }),
          ...(error.description === undefined ? {} : { description: error.description }),
          details: { ...error.details, endpoint, attempts: attempt },
        });
      }
      const retryAfterMs = error.details?.retryAfterMs;
      const fromRetryAfter = typeof retryAfterMs === 'number';
      const delayMs = fromRetryAfter
        ? Math.min(retryAfterMs, retry.maxRetryAfterMs)
        : Math.round(random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1)));
      options.onRetry?.({
        endpoint,
        attempt,
        delayMs,
        fromRetryAfter,
        code: error.code,
        ...(error.status === undefined ? {} : { status: error.status }),
        message: error.message,
      });
      await wait(delayMs, options.signal, endpoint);
    }
  }
}

function badInput(message: string, field: string): EmrecError {
  return new EmrecError('BAD_INPUT', message, { details: { field } });
}

/** The path after `{org}/{app}/` for a query, after checking its parts; throws BAD_INPUT. */
export function queryPath(query: Query, startId = 0, length = MAX_PAGE_LENGTH): string[] {
  switch (query.kind) {
    case 'conference':
      if (!query.confrId) throw badInput('A conference id is needed', 'confrId');
      return ['audio', query.confrId];
    case 'user':
      if (!query.confrId) throw badInput('A conference id is needed', 'confrId');
      if (!query.userName) throw badInput('A user name is needed', 'userName');
      return ['audio', query.userName, query.confrId];
    case 'range':
    case 'merged': {
      if (!Number.isInteger(length) || length < 1 || length > MAX_PAGE_LENGTH) {
        throw badInput(`Page length must be a whole number from 1 to ${MAX_PAGE_LENGTH}, not ${length}`, 'length');
      }
      if (!Number.isSafeInteger(startId) || startId < 0) throw badInput(`startId must be a whole number ≥ 0, not ${startId}`, 'startId');
      for (const field of ['begin', 'end'] as const) {
        if (!/^\d{14}$/.test(query[field])) throw badInput(`${field} must be yyyyMMddHHmmss, not "${query[field]}"`, field);
      }
      const tail = [query.begin, query.end, String(startId), String(length)];
      return query.kind === 'merged' ? ['audio', 'merge', ...tail] : ['audio', ...tail];
    }
  }
}

/** A client for one connection. Tokens come from (and go to) `tokenCache`. */
export function createApiClient(conn: Connection, options: ApiClientOptions): ApiClient {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const base = `${conn.server.replace(/\/+$/, '')}/${encodeURIComponent(conn.org)}/${encodeURIComponent(conn.app)}/`;
  const retryOptions = (endpoint: EndpointKind, signal: AbortSignal | undefined) => ({
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    ...(options.random ? { random: options.random } : {}),
    ...(signal ? { signal } : {}),
    endpoint,
  });

  const tokens = createTokenProvider(conn, {
    cache: options.tokenCache,
    fetchToken: () => {
      const { endpoint, ...rest } = retryOptions('token', options.signal);
      return withRetry(endpoint, () => requestToken(http.extend({ timeout: { request: timeoutMs } }), conn, options.signal), rest);
    },
  });

  const combine = (signal: AbortSignal | undefined): AbortSignal | undefined => {
    const signals = [options.signal, signal].filter((s): s is AbortSignal => s !== undefined);
    return signals.length > 1 ? AbortSignal.any(signals) : signals[0];
  };

  async function list(query: Query, startId = 0, length = MAX_PAGE_LENGTH, call: CallOptions = {}): Promise<ListResult> {
    const url = base + queryPath(query, startId, length).map(encodeURIComponent).join('/');
    const signal = combine(call.signal);
    const kind = query.kind;
    const label = ENDPOINT_LABELS[kind];
    let renewed = false;
    const { endpoint, ...rest } = retryOptions(kind, signal);
    return withRetry(
      endpoint,
      async () => {
        for (;;) {
          const token = await passThrough(() => tokens.getToken());
          const response = await sendOrNetworkError(
            () =>
              http.get(url, {
                headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
                timeout: { request: timeoutMs },
                ...(signal ? { signal } : {}),
              }),
            label,
            signal,
          );
          const status = response.statusCode;
          const body = String(response.body ?? '');
          if (status >= 200 && status < 300) return parseListBody(body, label, status);
          if (status === 401) {
            const description = errorDescription(body);
            if (!tokens.renewable) throw pastedTokenRejected(status, description);
            if (!renewed) {
              renewed = true;
              await passThrough(() => tokens.renew(token));
              continue;
            }
            throw new EmrecError('AUTH_FAILED', `Listing recordings (${label}) was refused (HTTP 401) even with a new token`, {
              status,
              ...(description === undefined ? {} : { description }),
            });
          }
          throw httpError(label, status, body, response.headers['retry-after']);
        }
      },
      rest,
    );
  }

  return {
    connection: conn,
    tokens,
    list,
    listConference: (confrId, call) => list({ kind: 'conference', confrId }, 0, MAX_PAGE_LENGTH, call),
    listUser: (confrId, userName, call) => list({ kind: 'user', confrId, userName }, 0, MAX_PAGE_LENGTH, call),
    listRange: (begin, end, startId, length, call) => list({ kind: 'range', begin, end }, startId, length, call),
    listMerged: (begin, end, startId, length, call) => list({ kind: 'merged', begin, end }, startId, length, call),
  };
}
