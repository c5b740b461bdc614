// A file's download speed: an exponentially weighted average over samples at least 250 ms apart,
// so the number a person reads neither jumps with each chunk nor lags for long after a change.
const SAMPLE_MS = 250;
const TIME_CONSTANT_MS = 3000;

export class SpeedMeter {
  #sample: { readonly t: number; readonly bytes: number } | undefined;
  #speed = 0;

  /** Bytes per second, smoothed; 0 before the first full sample. */
  get value(): number {
    return this.#speed;
  }

  /** Records that `bytes` (a running total for the file) are on disk now. */
  update(bytes: number, now = performance.now()): void {
    const sample = this.#sample;
    if (sample === undefined || bytes < sample.bytes) {
      this.#sample = { t: now, bytes };
      return;
    }
    const dt = now - sample.t;
    if (dt < SAMPLE_MS) return;
    const instant = ((bytes - sample.bytes) * 1000) / dt;
    this.#speed = this.#speed === 0 ? instant : this.#speed + (1 - Math.exp(-dt / TIME_CONSTANT_MS)) * (instant - this.#speed);
    this.#sample = { t: now, bytes };
  }

  reset(): void {
    this.#sample = undefined;
    this.#speed = 0;
  }
}
