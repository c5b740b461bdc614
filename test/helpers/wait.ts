// Small waiting helpers the tests share: a typed failure of a promise, and polling for a condition.
import { EmrecError } from '../../main/core/errors.ts';

/** The EmrecError a promise rejects with (anything else, or success, fails the test). */
export async function failure(promise: Promise<unknown>): Promise<EmrecError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof EmrecError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

/** Resolves once `condition()` holds, polling every `everyMs`; rejects naming `what` after `timeoutMs`. */
export function waitFor(condition: () => boolean, what: string, timeoutMs = 60_000, everyMs = 5): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (condition()) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error(`timed out waiting for ${what}`));
      }
    }, everyMs);
  });
}
