// App tokens: Easemob bans accounts that ask for tokens too often, so a token is cached with its
// expiry, reused across runs and shared by concurrent callers; it is renewed only near expiry or after a 401.
import type { Connection } from './connection.ts';
import { EmrecError } from './errors.ts';
import { pastedTokenRejected, sendApi, type ApiRequest } from './http.ts';
import { tokenCacheKey } from './store/token-cache.ts';

export { tokenCacheKey };

export interface CachedToken {
  readonly token: string;
  /** Epoch ms when the server said it expires; NO_EXPIRY for tokens without one. */
  readonly expiresAt: number;
  /** Epoch ms when it was issued, to size the renewal margin (optional for older caches). */
  readonly issuedAt?: number;
}

/** Where tokens persist between runs; the app implements it on its encrypted store. */
export interface TokenCache {
  get(key: string): CachedToken | undefined;
  set(key: string, value: CachedToken): void;
  delete(key: string): void;
}

/** `expires_in: 0` means the token never expires; stored as a number so JSON keeps it. */
export const NO_EXPIRY = Number.MAX_SAFE_INTEGER;
/** Renew this long before expiry at most... */
export const MAX_RENEW_MARGIN_MS = 5 * 60_000;
/** ...or this fraction of the token's lifetime when that is shorter. */
export const RENEW_MARGIN_FRACTION = 0.1;

/** In-memory TokenCache for tests and one-shot use. */
export class MemoryTokenCache implements TokenCache {
  readonly #entries = new Map<string, CachedToken>();
  get(key: string): CachedToken | undefined {
    return this.#entries.get(key);
  }
  set(key: string, value: CachedToken): void {
    this.#entries.set(key, value);
  }
  delete(key: string): void {
    this.#entries.delete(key);
  }
}

/** True while a cached token is still good to use at `now` (outside the renewal margin). */
export function isTokenFresh(entry: CachedToken, now: number): boolean {
  if (entry.expiresAt >= NO_EXPIRY) return true;
  const lifetime = entry.issuedAt === undefined ? entry.expiresAt - now : entry.expiresAt - entry.issuedAt;
  const margin = Math.min(MAX_RENEW_MARGIN_MS, Math.max(0, lifetime) * RENEW_MARGIN_FRACTION);
  return now < entry.expiresAt - margin;
}

export interface TokenAnswer {
  readonly access_token: string;
  /** Seconds; 0 = no expiry. */
  readonly expires_in: number;
}

export interface TokenProvider {
  /** False for a pasted token: it cannot be renewed. */
  readonly renewable: boolean;
  /** A usable token: from the cache, or fetched once and shared by concurrent callers. */
  getToken(): Promise<string>;
  /**
   * After a 401 with `rejected`: a fresh token (or the one another caller already renewed).
   * Throws AUTH_FAILED for a pasted token.
   */
  renew(rejected: string): Promise<string>;
}

export interface TokenProviderOptions {
  readonly cache: TokenCache;
  /** Asks the server for a token (see requestToken, which retries). */
  readonly fetchToken: () => Promise<TokenAnswer>;
  readonly now?: () => number;
}

export function createTokenProvider(conn: Connection, options: TokenProviderOptions): TokenProvider {
  const { cache, fetchToken } = options;
  const now = options.now ?? Date.now;
  // keyed by the secret's digest too: a changed secret never rides on the old one's token
  const key = tokenCacheKey(conn);
  const auth = conn.auth;
  let inFlight: Promise<string> | undefined;

  if (auth.type === 'token') {
    return {
      renewable: false,
      getToken: () => Promise.resolve(auth.token),
      renew: () => Promise.reject(pastedTokenRejected(401)),
    };
  }

  // One request at a time; later callers wait for the same answer.
  const fetchShared = (): Promise<string> => {
    inFlight ??= (async () => {
      const issuedAt = now();
      const answer = await fetchToken();
      const expiresAt = answer.expires_in > 0 ? issuedAt + answer.expires_in * 1000 : NO_EXPIRY;
      cache.set(key, { token: answer.access_token, expiresAt, issuedAt });
      return answer.access_token;
    })().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  return {
    renewable: true,
    getToken() {
      if (inFlight) return inFlight;
      const cached = cache.get(key);
      if (cached && isTokenFresh(cached, now())) return Promise.resolve(cached.token);
      return fetchShared();
    },
    renew(rejected) {
      if (inFlight) return inFlight;
      const cached = cache.get(key);
      if (cached && cached.token !== rejected && isTokenFresh(cached, now())) return Promise.resolve(cached.token);
      if (cached?.token === rejected) cache.delete(key);
      return fetchShared();
    },
  };
}

/** What requestToken needs besides the connection: retry, timeout, signal (see ApiRequest). */
export type TokenRequest = Omit<ApiRequest<'token'>, 'endpoint' | 'label' | 'auth'>;

/**
 * One POST to `{server}/{org}/{app}/token` with the client credentials, retried by sendApi. Fails with
 * EmrecError: 400/401/403 AUTH_FAILED, 404 NOT_FOUND, 429/503 RATE_LIMITED, 5xx SERVER_ERROR, socket
 * errors NETWORK, an answer without a token BAD_RESPONSE.
 */
export async function requestToken(conn: Connection, request: TokenRequest): Promise<TokenAnswer> {
  const auth = conn.auth;
  if (auth.type !== 'client') throw new Error('requestToken needs client credentials');
  const url = `${conn.server.replace(/\/+$/, '')}/${encodeURIComponent(conn.org)}/${encodeURIComponent(conn.app)}/token`;
  const response = await sendApi(url, { ...request, endpoint: 'token', label: 'token' }, {
    method: 'POST',
    json: { grant_type: 'client_credentials', client_id: auth.clientId, client_secret: auth.clientSecret },
    headers: { accept: 'application/json' },
  });
  const status = response.statusCode;
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(response.body ?? ''));
  } catch {
    // JSON.parse's message quotes the body: keep it (and the token in it) out of the error
    throw new EmrecError('BAD_RESPONSE', `The token answer (HTTP ${status}) is not valid JSON`, { status, reason: 'not_easemob' });
  }
  const answer = parsed as Partial<Record<string, unknown>> | null;
  const token = answer?.access_token;
  const expiresIn = answer?.expires_in === undefined ? 0 : Number(answer.expires_in);
  if (typeof token !== 'string' || !token || !Number.isFinite(expiresIn) || expiresIn < 0) {
    throw new EmrecError('BAD_RESPONSE', `The token answer (HTTP ${status}) has no access_token/expires_in`, { status, reason: 'not_easemob' });
  }
  return { access_token: token, expires_in: expiresIn };
}
