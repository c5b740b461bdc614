// The recording-listing REST client: requests go through http.ts (got's retry for throttling, server
// faults and sockets; the token renewal on 401 as a got hook); answers are parsed tolerantly.
import type { Connection } from './connection.ts';
import { EmrecError } from './errors.ts';
import { sendApi, type ApiRequest, type RetryNotice, type RetryOptions } from './http.ts';
import type { Query } from './record.ts';
import { parseListBody, type ListResult } from './response.ts';
import { createTokenProvider, requestToken, type TokenCache, type TokenProvider } from './token.ts';

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

/** Reported before each retry wait. */
export type RetryInfo = RetryNotice<EndpointKind>;

export interface ApiClientOptions {
  readonly tokenCache: TokenCache;
  readonly retry?: RetryOptions;
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
  // how this client's requests to `endpoint` are sent and retried (http.ts)
  const request = <E extends EndpointKind>(endpoint: E, signal: AbortSignal | undefined): ApiRequest<E> => ({
    endpoint,
    label: ENDPOINT_LABELS[endpoint],
    timeoutMs,
    retry: options.retry,
    random: options.random,
    onRetry: options.onRetry,
    signal,
  });

  const tokens = createTokenProvider(conn, {
    cache: options.tokenCache,
    fetchToken: () => requestToken(conn, request('token', options.signal)),
  });

  const combine = (signal: AbortSignal | undefined): AbortSignal | undefined => {
    const signals = [options.signal, signal].filter((s): s is AbortSignal => s !== undefined);
    return signals.length > 1 ? AbortSignal.any(signals) : signals[0];
  };

  async function list(query: Query, startId = 0, length = MAX_PAGE_LENGTH, call: CallOptions = {}): Promise<ListResult> {
    const url = base + queryPath(query, startId, length).map(encodeURIComponent).join('/');
    const response = await sendApi(url, { ...request(query.kind, combine(call.signal)), auth: tokens }, {
      method: 'GET',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
    });
    return parseListBody(String(response.body ?? ''), ENDPOINT_LABELS[query.kind], response.statusCode);
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
