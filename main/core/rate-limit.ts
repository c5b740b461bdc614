// One bandwidth limit for the whole process, shared by every connection (not per file): a token
// bucket kept as "the time the link is booked until" (GCRA). Each chunk read from a response books
// its bytes; a reader that is ahead of the limit waits before asking for more, so TCP flow control
// slows the server down. The rate can change while downloads run: the next chunk of every
// connection is booked at the new rate.
import { setTimeout as sleep } from 'node:timers/promises';

/** How far ahead of the limit a burst may run: small enough to stay within a few percent over seconds. */
const BURST_SECONDS = 0.1;

export class RateLimiter {
  #rate: number | undefined;
  /** performance.now() milliseconds until which the link is booked. */
  #bookedUntil = 0;
  readonly #now: () => number;

  /** `bytesPerSecond` undefined or 0: unlimited. */
  constructor(bytesPerSecond?: number, now: () => number = () => performance.now()) {
    this.#now = now;
    this.setRate(bytesPerSecond);
  }

  get rate(): number | undefined {
    return this.#rate;
  }

  /** Changes the limit for every later chunk (undefined or 0: unlimited). */
  setRate(bytesPerSecond: number | undefined): void {
    const rate = bytesPerSecond !== undefined && Number.isFinite(bytesPerSecond) && bytesPerSecond > 0 ? bytesPerSecond : undefined;
    if (rate === this.#rate) return;
    this.#rate = rate;
    this.#bookedUntil = Math.min(this.#bookedUntil, this.#now()); // no debt carried over from the old rate
  }

  /** Books `bytes`; the milliseconds to wait before reading more (0 when within the limit). */
  book(bytes: number): number {
    const rate = this.#rate;
    if (rate === undefined || bytes <= 0) return 0;
    const now = this.#now();
    this.#bookedUntil = Math.max(this.#bookedUntil, now) + (bytes / rate) * 1000;
    return Math.max(0, this.#bookedUntil - now - BURST_SECONDS * 1000);
  }

  /** Books `bytes` and waits as long as the limit asks (a cancel ends the wait at once). */
  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    const wait = this.book(bytes);
    if (wait <= 0) return;
    await sleep(wait, undefined, signal ? { signal } : {}).catch(() => undefined);
  }
}

/** Parses `2M`, `500k`, `1.5MB`, `2000000` (bytes per second; k = 1024). Undefined for `0`/`unlimited`. */
export function parseRate(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?(?:\/s)?\s*$/i.exec(text);
  if (!m) {
    if (/^\s*(unlimited|none|off)\s*$/i.test(text)) return undefined;
    throw new RangeError(`not a rate: "${text}" (try 2M, 500k or 2000000)`);
  }
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').toLowerCase() as '' | 'k' | 'm' | 'g'];
  const value = Math.round(Number(m[1]) * unit);
  return value > 0 ? value : undefined;
}
