// Download progress arrives many times a second from every queue; the window needs at most ~10 updates
// a second. Changed items are merged by id (latest wins, so no final state is lost) and the totals are
// computed once per emit over every queue.
import type { ItemProgress, QueueProgress } from '../core/progress.ts';

/** Coalesces changed items into at most one `QueueProgress` per `intervalMs`. */
export class ProgressBatcher {
  readonly #emit: (progress: QueueProgress) => void;
  readonly #summary: () => Omit<QueueProgress, 'items'>;
  readonly #intervalMs: number;
  readonly #items = new Map<number, ItemProgress>();
  #pending = false;
  #timer: NodeJS.Timeout | undefined;
  #lastEmit = 0;

  constructor(emit: (progress: QueueProgress) => void, summary: () => Omit<QueueProgress, 'items'>, intervalMs = 100) {
    this.#emit = emit;
    this.#summary = summary;
    this.#intervalMs = intervalMs;
  }

  push(items: readonly ItemProgress[]): void {
    for (const item of items) this.#items.set(item.id, item);
    this.#pending = true;
    if (this.#timer !== undefined) return;
    const wait = this.#lastEmit + this.#intervalMs - Date.now();
    if (wait <= 0) this.flush();
    else this.#timer = setTimeout(() => this.flush(), wait);
  }

  /** Emits what is pending now. */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#pending) return;
    const items = [...this.#items.values()];
    this.#items.clear();
    this.#pending = false;
    this.#lastEmit = Date.now();
    this.#emit({ ...this.#summary(), items });
  }

  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
