// The HTTP layer, in one place: got's options for our requests, the one retry policy (got's own `retry`
// and hooks for API calls; `retryDelay` for the download loop, which resumes cut bodies itself),
// Retry-After, the token renewal on 401, and how answers and socket errors become EmrecError codes.
// Nothing here puts a token, a secret or a signed URL into an error: got's errors hold the request
// options (Authorization header, URL with its signature), so they are never kept as `cause`.
import got, { HTTPError, RequestError, type Hooks, type Request, type Response, type RetryObject } from 'got';
import { answerReason, looksLikeHtml, socketReason } from './error-reason.ts';
import { EmrecError, isEmrecError, type ErrorCode } from './errors.ts';

/** How often and how long to retry; every field is optional where it is passed in. */
export interface RetryOptions {
  /** Retries after the first attempt for 429/503/5xx (API); failed attempts in a row without new bytes (download). */
  readonly limit?: number;
  /** Retries after the first attempt for socket errors (API only: a download counts them against `limit`). */
  readonly networkLimit?: number;
  /** Backoff base: the cap of retry n is baseDelayMs * 2^(n-1), then full jitter. */
  readonly baseDelayMs?: number;
  /** Cap of a backoff delay. */
  readonly maxDelayMs?: number;
  /** Cap of a server's Retry-After: a bogus hour must not hang the queue. */
  readonly maxRetryAfterMs?: number;
}

export type RetryPolicy = Required<RetryOptions>;

/** The REST API: a few requests per run, so a throttled listing may wait. */
export const API_RETRY: RetryPolicy = { limit: 6, networkLimit: 2, baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 120_000 };

/** File hosts: a download that makes progress never runs out of attempts (see download-file.ts). */
export const DOWNLOAD_RETRY: RetryPolicy = { limit: 8, networkLimit: 8, baseDelayMs: 500, maxDelayMs: 10_000, maxRetryAfterMs: 120_000 };

/** `defaults` with the fields `options` sets. */
export function retryPolicy(options: RetryOptions | undefined, defaults: RetryPolicy): RetryPolicy {
  const set = Object.entries(options ?? {}).filter(([, value]) => value !== undefined);
  return { ...defaults, ...Object.fromEntries(set) };
}

/** Full-jitter exponential backoff before retry `attempt` (1 for the first): uniform in [0, min(max, base·2^(attempt-1))]. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  return Math.round(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1)));
}

/** The wait before retry `attempt`: the server's Retry-After (capped at maxRetryAfterMs) when it sent one, else backoff. */
export function retryDelay(attempt: number, policy: RetryPolicy, retryAfterMs?: number, random?: () => number): number {
  return retryAfterMs === undefined ? backoffDelay(attempt, policy, random) : Math.min(Math.max(0, retryAfterMs), policy.maxRetryAfterMs);
}

/** An HTTP date opens with its weekday (RFC 9110 §5.6.7); V8's Date.parse alone reads "-1" as the year 2001. */
const HTTP_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? /i;
/** asctime has no zone but means UTC. */
const ASCTIME = /^\w{3} \w{3} [\d ]\d \d{2}:\d{2}:\d{2} \d{4}$/;

/** Seconds or HTTP date from a Retry-After header, as ms from `now` (a past date is 0); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | readonly string[] | undefined, now = Date.now()): number | undefined {
  const text = (typeof value === 'string' ? value : value?.[0])?.trim();
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  if (!HTTP_DATE.test(text)) return undefined;
  const date = Date.parse(ASCTIME.test(text) ? `${text} GMT` : text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The code of a status worth retrying: 429/503 throttling, another 5xx a server fault; undefined for the rest. */
export function retryableStatus(status: number): 'RATE_LIMITED' | 'SERVER_ERROR' | undefined {
  if (status === 429 || status === 503) return 'RATE_LIMITED';
  return status >= 500 ? 'SERVER_ERROR' : undefined;
}

const RETRYABLE: readonly ErrorCode[] = ['RATE_LIMITED', 'SERVER_ERROR', 'NETWORK'];

/** The server's `error_description` (or `error`) from an Easemob error body, if any. */
export function errorDescription(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null) {
      const { error_description: description, error } = parsed as Record<string, unknown>;
      if (typeof description === 'string' && description) return description;
      if (typeof error === 'string' && error) return error;
    }
  } catch {
    // not JSON: no description
  }
  return undefined;
}

const asking = (endpoint: string): string => (endpoint === 'token' ? 'Getting an app token' : `Listing recordings (${endpoint})`);

/**
 * A non-2xx API answer as an EmrecError naming the endpoint (`token` or a listing's label), with the
 * server's description: 401/403 (and 400 from the token endpoint) AUTH_FAILED, 404 NOT_FOUND,
 * 429/503 RATE_LIMITED, other 5xx SERVER_ERROR (both with `details.retryAfterMs` when the server sent
 * Retry-After), anything else BAD_INPUT.
 */
export function httpError(endpoint: string, status: number, body: string, retryAfter?: string | readonly string[]): EmrecError {
  const description = looksLikeHtml(body) ? undefined : errorDescription(body);
  const reason = answerReason(endpoint, status, body);
  const extra = { status, ...(description === undefined ? {} : { description }), ...(reason === undefined ? {} : { reason }) };
  const said = description ? `: ${description}` : '';
  const what = asking(endpoint);
  if (status === 401 || status === 403 || (endpoint === 'token' && status === 400)) {
    const hint = endpoint === 'token' ? ': check the client id and secret' : '';
    return new EmrecError('AUTH_FAILED', `${what} was refused (HTTP ${status})${said}${hint}`, extra);
  }
  if (status === 404) return new EmrecError('NOT_FOUND', `${what} found nothing (HTTP 404)${said}`, extra);
  const code = retryableStatus(status);
  if (code !== undefined) {
    const retryAfterMs = parseRetryAfter(retryAfter);
    const retry = retryAfterMs === undefined ? {} : { details: { retryAfterMs } };
    const how = code === 'RATE_LIMITED' ? `was throttled (HTTP ${status})` : `failed with a server error (HTTP ${status})`;
    return new EmrecError(code, `${what} ${how}${said}`, { ...extra, ...retry });
  }
  return new EmrecError('BAD_INPUT', `${what} was rejected (HTTP ${status})${said}`, extra);
}

/**
 * A file host's non-2xx answer: 403 URL_EXPIRED (the signed URL), 404/410 FILE_GONE, 429/503
 * RATE_LIMITED and other 5xx SERVER_ERROR (with `details.retryAfterMs` when `retryAfter` is given and
 * readable), anything else BAD_RESPONSE.
 */
export function fileHostError(status: number, retryAfter?: string | readonly string[], description?: string): EmrecError {
  const said = description === undefined ? {} : { description };
  if (status === 403) return new EmrecError('URL_EXPIRED', 'The download link expired and no fresh link could be obtained', { status, ...said });
  if (status === 404 || status === 410) return new EmrecError('FILE_GONE', `The recording file is gone from the file host (HTTP ${status})`, { status, ...said });
  const retryAfterMs = parseRetryAfter(retryAfter);
  return new EmrecError(retryableStatus(status) ?? 'BAD_RESPONSE', `The file host answered HTTP ${status}`, {
    status,
    ...said,
    ...(retryAfterMs === undefined ? {} : { details: { retryAfterMs } }),
  });
}

/** A socket-level failure (refused, reset, DNS, timeout) reaching an API endpoint, as NETWORK. */
export function networkError(error: unknown, endpoint: string): EmrecError {
  const code = (error as { code?: unknown } | null)?.code;
  const errno = typeof code === 'string' ? code : undefined;
  const reason = socketReason(errno);
  return new EmrecError('NETWORK', `Cannot reach the ${endpoint} endpoint${errno ? ` (${errno})` : ''}`, {
    ...(reason === undefined ? {} : { reason }),
    details: { endpoint, reason: error instanceof Error ? error.message : String(error), ...(errno ? { errno } : {}) },
  });
}

/** The error for a pasted token the server refused (it cannot be renewed). */
export function pastedTokenRejected(status: number, description?: string): EmrecError {
  return new EmrecError('AUTH_FAILED', `The server rejected the pasted token (HTTP ${status}): paste a new token or use client credentials`, {
    status,
    reason: 'bad_token',
    ...(description === undefined ? {} : { description }),
  });
}

const cancelled = (endpoint: string): EmrecError => new EmrecError('CANCELLED', `Cancelled while contacting the ${endpoint} endpoint`);

/** Reported before each retry wait of an API request. */
export interface RetryNotice<E extends string = string> {
  readonly endpoint: E;
  /** 1 for the first retry. */
  readonly attempt: number;
  readonly delayMs: number;
  /** True when the delay came from the server's Retry-After. */
  readonly fromRetryAfter: boolean;
  readonly code: ErrorCode;
  readonly status?: number;
  readonly message: string;
}

/** A bearer token that may be renewed once after a 401 (the token provider of token.ts). */
export interface BearerAuth {
  /** False for a pasted token: a 401 is final. */
  readonly renewable: boolean;
  getToken(): Promise<string>;
  /** A fresh token after the server refused `rejected`. */
  renew(rejected: string): Promise<string>;
}

/** How one API request is sent and retried. */
export interface ApiRequest<E extends string = string> {
  /** The endpoint's kind, in retry notices and error details ('conference', 'range', 'token'...). */
  readonly endpoint: E;
  /** How messages name it ('time range', 'user in conference', 'token'). */
  readonly label: string;
  readonly retry?: RetryOptions;
  /** Source of jitter in [0, 1); default Math.random. */
  readonly random?: () => number;
  readonly onRetry?: (notice: RetryNotice<E>) => void;
  /** Cancels the request and its retry waits (CANCELLED). */
  readonly signal?: AbortSignal;
  /** Per attempt. */
  readonly timeoutMs: number;
  /** Sends `Authorization: Bearer` from it; a 401 renews the token once, then fails AUTH_FAILED. */
  readonly auth?: BearerAuth;
}

/** What is sent: the method, headers and a JSON body. */
export interface ApiSend {
  readonly method: 'GET' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  readonly json?: Readonly<Record<string, unknown>>;
}

const api = got.extend({ followRedirect: true, headers: { 'user-agent': 'emrec (Easemob Recording Downloader)' } });

/**
 * The got hooks of a bearer-token request: each attempt sends the current token; the first 401 renews it
 * and sends the request again (got's retryWithMergedOptions), a second one is AUTH_FAILED. A pasted
 * token's 401 is AUTH_FAILED at once.
 */
function bearerHooks(auth: BearerAuth, endpoint: string): Partial<Hooks> {
  let sent = '';
  let renewed: string | undefined;
  return {
    beforeRequest: [
      async (options) => {
        sent = renewed ?? (await auth.getToken());
        options.headers.authorization = `Bearer ${sent}`;
      },
    ],
    afterResponse: [
      async (response, retryWithMergedOptions) => {
        if (response.statusCode !== 401) return response;
        const description = errorDescription(String(response.body ?? ''));
        if (!auth.renewable) throw pastedTokenRejected(401, description);
        if (renewed !== undefined) {
          throw new EmrecError('AUTH_FAILED', `${asking(endpoint)} was refused (HTTP 401) even with a new token`, {
            status: 401,
            ...(description === undefined ? {} : { description }),
          });
        }
        renewed = await auth.renew(sent);
        return retryWithMergedOptions({ preserveHooks: true });
      },
    ],
  };
}

/** The EmrecError of a failed got request: ours as thrown by a hook, else from the answer or the socket. */
function failureOf(error: unknown, endpoint: string): EmrecError {
  if (isEmrecError(error)) return error;
  if (error instanceof RequestError && isEmrecError(error.cause)) return error.cause; // from our hooks: final
  if (error instanceof HTTPError) return httpError(endpoint, error.response.statusCode, String(error.response.body ?? ''), error.response.headers['retry-after']);
  return networkError(error, endpoint);
}

/**
 * Sends one API request with got, retrying 429/503/5xx (up to `limit`) and socket errors (up to
 * `networkLimit`) after the server's Retry-After, capped, or full-jitter backoff. Resolves with a 2xx
 * answer; rejects with an EmrecError (see httpError, networkError), the last one of a retried kind with
 * the number of attempts in its message.
 */
export async function sendApi<E extends string>(url: string, request: ApiRequest<E>, send: ApiSend): Promise<Response<string>> {
  const { endpoint, label, signal } = request;
  if (signal?.aborted) throw cancelled(label);
  const policy = retryPolicy(request.retry, API_RETRY);
  const random = request.random ?? Math.random;
  let renewals = 0; // got counts the 401 renewal as a retry; we do not
  let gaveUpAfter: number | undefined;

  const calculateDelay = ({ attemptCount, error }: RetryObject): number => {
    if (signal?.aborted) return 0;
    if (error.name === 'RetryError') {
      renewals += 1; // bearerHooks asked for the same request with a new token
      return 1;
    }
    if (isEmrecError(error.cause)) return 0; // a hook's failure (the token request) was retried on its own
    const failure = failureOf(error, label);
    if (!RETRYABLE.includes(failure.code)) return 0;
    const attempt = attemptCount - renewals;
    if (attempt > (failure.code === 'NETWORK' ? policy.networkLimit : policy.limit)) {
      gaveUpAfter = attempt;
      return 0;
    }
    const retryAfterMs = failure.details?.retryAfterMs;
    const fromRetryAfter = typeof retryAfterMs === 'number';
    const delayMs = retryDelay(attempt, policy, fromRetryAfter ? retryAfterMs : undefined, random);
    request.onRetry?.({
      endpoint,
      attempt,
      delayMs,
      fromRetryAfter,
      code: failure.code,
      ...(failure.status === undefined ? {} : { status: failure.status }),
      message: failure.message,
    });
    // cancelled by onRetry: got would still arm its timer and hold the process for the whole delay
    if (signal?.aborted) return 0;
    return Math.max(1, delayMs); // 0 would tell got not to retry
  };

  try {
    return await api(url, {
      method: send.method,
      ...(send.headers ? { headers: send.headers } : {}),
      ...(send.json ? { json: send.json } : {}),
      timeout: { request: request.timeoutMs },
      ...(signal ? { signal } : {}),
      retry: { enforceRetryRules: false, calculateDelay },
      ...(request.auth ? { hooks: bearerHooks(request.auth, label) } : {}),
    });
  } catch (error) {
    if (signal?.aborted) throw cancelled(label);
    const failure = failureOf(error, label);
    if (gaveUpAfter === undefined) throw failure;
    throw new EmrecError(failure.code, `${failure.message} (gave up after ${gaveUpAfter} attempts)`, {
      ...(failure.status === undefined ? {} : { status: failure.status }),
      ...(failure.description === undefined ? {} : { description: failure.description }),
      ...(failure.reason === undefined ? {} : { reason: failure.reason }),
      details: { ...failure.details, endpoint, attempts: gaveUpAfter },
    });
  }
}

/**
 * One attempt at a file: a fresh GET stream without got's retry (a cut body is resumed by the caller
 * with Range), without decompression (byte offsets are the file's), and with `idleTimeoutMs` as the
 * socket idle timeout, never a timeout on the whole transfer. Errors are read from the caller's promises.
 */
export function fileStream(url: string, options: { readonly headers: Readonly<Record<string, string>>; readonly idleTimeoutMs: number; readonly signal?: AbortSignal }): Request {
  const stream = got.stream(url, {
    retry: { limit: 0 },
    decompress: false,
    throwHttpErrors: false,
    timeout: { socket: options.idleTimeoutMs },
    headers: options.headers,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  stream.on('error', () => {});
  return stream;
}
