// The one progress throttle: the queue reports at most once per interval (the first change at once),
// for the app's window, tray and taskbar and the CLI alike; nothing pending is ever dropped.
export class Throttle {
  readonly #run: () => void;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #pending = false;
  #last = -Infinity;

  constructor(run: () => void, intervalMs = 100) {
    this.#run = run;
    this.#intervalMs = intervalMs;
  }

  /** Something changed: run now if the interval has passed, else once when it has. */
  request(): void {
    this.#pending = true;
    if (this.#timer !== undefined) return;
    const wait = this.#last + this.#intervalMs - performance.now();
    if (wait <= 0) {
      this.flush();
      return;
    }
    this.#timer = setTimeout(() => this.flush(), wait);
    this.#timer.unref();
  }

  /** Runs now what is pending. */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#pending) return;
    this.#pending = false;
    this.#last = performance.now();
    this.#run();
  }

  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending = false;
  }
}
