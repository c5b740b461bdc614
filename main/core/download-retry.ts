// What a download does after an attempt that failed: fail now, or wait and try again. One rule for the
// one-stream download and for each segment of a segmented one, so both give up and back off alike.
import { EmrecError, isEmrecError, type ErrorCode } from './errors.ts';
import { retryDelay, type RetryPolicy } from './http.ts';

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
