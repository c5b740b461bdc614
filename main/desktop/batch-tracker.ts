// Turns the stream of download progress into what the desktop shows: the taskbar/dock fraction and
// one "batch finished" moment when nothing waits or runs any more (for the notification).
import { activeCount } from '../core/queue/states.ts';
import type { QueueProgress } from '../core/progress.ts';

export interface BatchEnd {
  readonly done: number;
  readonly failed: number;
  /** The folder most of the batch's saved files went to (what clicking the notification opens). */
  readonly folder?: string;
}

export class BatchTracker {
  #running = false;
  #doneAtStart = 0;
  #failedAtStart = 0;
  /** Saved files per folder during this batch. */
  #folders = new Map<string, number>();

  /** Feeds one progress event; returns the batch's totals when this event ends a batch. */
  update(p: QueueProgress): BatchEnd | undefined {
    const active = activeCount(p.counts);
    if (active > 0 && !this.#running) {
      this.#running = true;
      this.#doneAtStart = p.counts.done;
      this.#failedAtStart = p.counts.failed;
      this.#folders.clear();
    }
    if (this.#running) for (const item of p.items) if (item.state === 'done') this.#folders.set(item.folder, (this.#folders.get(item.folder) ?? 0) + 1);
    if (active === 0 && this.#running) {
      this.#running = false;
      const folder = [...this.#folders].sort((a, b) => b[1] - a[1])[0]?.[0];
      return {
        done: Math.max(0, p.counts.done - this.#doneAtStart),
        failed: Math.max(0, p.counts.failed - this.#failedAtStart),
        ...(folder !== undefined ? { folder } : {}),
      };
    }
    return undefined;
  }
}

/** Taskbar fraction 0..1 while running, -1 (hidden) otherwise; 2 (indeterminate) when totals are unknown. */
export function progressBarValue(p: QueueProgress): number {
  const active = activeCount(p.counts);
  if (active === 0) return -1;
  if (p.total <= 0) return 2;
  return Math.min(1, Math.max(0, p.bytes / p.total));
}
