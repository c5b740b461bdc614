// The one budget of connections a process opens to the file host, shared by files and segments. Each
// running file holds one connection (its download slot); connections left over — fewer files than
// slots near the end of a batch, or spare ones by setting — are lent to large files as extra segments.
// Files come first: a file waiting for a slot reserves its connection, and extra segments give theirs
// back (`over`) as soon as files need them. A size look-up of a waiting file also takes one (`take`),
// so that the host never sees more requests at once than the budget.

export const DEFAULT_CONNECTIONS = 6;
export const MAX_CONNECTIONS = 32;

export class ConnectionBudget {
  #size: number;
  #extra = 0;
  readonly #reserved: () => number;
  readonly #wanting = new Set<() => void>();

  /** `reserved`: connections files hold or are about to take (running + waiting, up to the files at a time). */
  constructor(size: number, reserved: () => number = () => 0) {
    this.#size = size;
    this.#reserved = reserved;
  }

  get size(): number {
    return this.#size;
  }

  set size(n: number) {
    this.#size = n;
    this.offer();
  }

  /** Extra connections lent out now. */
  get lent(): number {
    return this.#extra;
  }

  get free(): number {
    return Math.max(0, this.#size - this.#reserved() - this.#extra);
  }

  /** More connections are open than the budget allows (files started meanwhile): extras should stop. */
  get over(): boolean {
    return this.#reserved() + this.#extra > this.#size;
  }

  /** Takes one extra connection if one is free. */
  tryTake(): boolean {
    if (this.free <= 0) return false;
    this.#extra += 1;
    return true;
  }

  /** Waits for a free connection and takes it (true); false when `signal` aborts first. */
  take(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (this.tryTake()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const end = (taken: boolean): void => {
        unwant();
        signal.removeEventListener('abort', onAbort);
        resolve(taken);
      };
      const onAbort = (): void => end(false);
      const unwant = this.want(() => {
        if (this.tryTake()) end(true);
      });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  give(): void {
    this.#extra = Math.max(0, this.#extra - 1);
    this.offer();
  }

  /** Calls `wake` whenever a connection may have come free, until the returned function is called. */
  want(wake: () => void): () => void {
    this.#wanting.add(wake);
    return () => this.#wanting.delete(wake);
  }

  /** Tells those wanting a connection that one may be free (a file or segment ended, the size grew). */
  offer(): void {
    for (const wake of [...this.#wanting]) {
      if (this.free <= 0) return;
      wake();
    }
  }
}
