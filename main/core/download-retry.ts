// What a download does after an attempt that failed: fail now, or wait and try again. One rule for the
// one-stream download and for each segment of a segmented one, so both give up and back off alike.
import { EmrecError, isEmrecError, type ErrorCode } from './errors.ts';
import { fileHostError, retryDelay, type RetryPolicy } from './http.ts';

/** The wait before the next attempt, as told to `onRetry` (the file is not failed yet). */
export interface RetryPlan {
  readonly attempt: number;
  readonly limit: number;
  readonly delayMs: number;
  readonly code: ErrorCode;
}

/** Failures worth another attempt: the network, a busy or failing host, a body cut short. */
const RETRIED: readonly ErrorCode[] = ['NETWORK', 'SERVER_ERROR', 'RATE_LIMITED', 'SIZE_MISMATCH'];

/**
 * Throws what the download fails with, or returns how long to wait. `failures`: attempts in a row
 * without new bytes; `attempts`: all made so far. Attempts that bring bytes are not counted against the
 * download, up to one per 16 KiB of its `bytes`: a host that cuts every response still finishes, one that
 * sends a byte at a time does not loop forever.
 */
export function nextRetry(error: unknown, counts: { readonly failures: number; readonly attempts: number; readonly bytes: number }, retry: RetryPolicy): RetryPlan {
  if (isEmrecError(error) && !RETRIED.includes(error.code)) throw error;
  const allowance = Math.ceil(counts.bytes / (16 * 1024));
  if (counts.failures >= retry.limit || counts.attempts > retry.limit * 10 + allowance) {
    if (isEmrecError(error)) throw error;
    // got's error holds the request options (the signed URL): its message and code only, never as `cause`
    const errno = (error as { code?: unknown } | undefined)?.code;
    throw new EmrecError('NETWORK', `The download failed after ${counts.attempts} attempts: ${(error as Error | undefined)?.message ?? String(error)}`, {
      ...(typeof errno === 'string' ? { details: { errno } } : {}),
    });
  }
  // A throttling host's Retry-After wins over our backoff (capped: a bogus hour must not hang the queue).
  const retryAfterMs = isEmrecError(error) ? error.details?.retryAfterMs : undefined;
  const attempt = Math.max(1, counts.failures);
  return {
    attempt,
    limit: retry.limit,
    delayMs: retryDelay(attempt, retry, typeof retryAfterMs === 'number' ? retryAfterMs : undefined),
    code: isEmrecError(error) ? error.code : 'NETWORK',
  };
}

/** What a download aborted by `signal` rejects with: the reason, if an EmrecError (a pause says so), else CANCELLED. */
export function abortError(signal: AbortSignal): EmrecError {
  return isEmrecError(signal.reason) ? signal.reason : new EmrecError('CANCELLED', 'The download was cancelled');
}

/** Renewals of an expired link in a row (without new bytes) before the file fails with the host's 403. */
const RENEWALS = 3;

/**
 * A fresh signed URL for a download whose link expired (403), as its `refreshes`-th renewal in a row.
 * Fails with the 403 when there is no way to renew or it was renewed too often, with URL_EXPIRED when
 * listing again gave no link, and with the abort when the download was stopped meanwhile.
 */
export async function renewedUrl(refreshUrl: (() => Promise<string>) | undefined, refreshes: number, signal?: AbortSignal): Promise<string> {
  if (!refreshUrl || refreshes > RENEWALS) throw fileHostError(403);
  try {
    return await refreshUrl();
  } catch (error) {
    if (signal?.aborted) throw abortError(signal);
    throw new EmrecError('URL_EXPIRED', 'The download link expired and listing the conference again gave no fresh link', {
      status: 403,
      description: error instanceof Error ? error.message : String(error),
      cause: error,
    });
  }
}
