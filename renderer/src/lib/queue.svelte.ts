// The download queue as the renderer sees it: the latest progress of every item, merged from the
// batched `download:progress` events (each carries only the items that changed).
import type { ItemProgress, ItemState, QueueProgress } from '../../../main/core/progress.ts';
import { activeCount } from '../../../main/core/queue/states.ts';

type Overall = Omit<QueueProgress, 'items'>;

export class Queue {
  items = $state.raw<ReadonlyMap<number, ItemProgress>>(new Map());
  overall = $state.raw<Overall | undefined>(undefined);
  /** Output folder of the latest download, for "Open folder" / "Show file". */
  outDir = $state('');
  /** What the latest `download:start` answered (queued / skipped). */
  lastStart = $state.raw<{ readonly queued: number; readonly skipped: number } | undefined>(undefined);

  readonly list: readonly ItemProgress[] = $derived([...this.items.values()]);
  readonly finished: number = $derived(this.count('done') + this.count('skipped'));
  readonly size: number = $derived(this.items.size);
  readonly active: boolean = $derived(this.overall !== undefined && activeCount(this.overall.counts) > 0);
  /** 0..100: bytes done over the known total of the files still counted. */
  readonly percent: number = $derived(this.overall && this.overall.total > 0 ? Math.min(100, (this.overall.bytes / this.overall.total) * 100) : 0);

  count(state: ItemState): number {
    return this.overall?.counts[state] ?? 0;
  }

  apply(progress: QueueProgress): void {
    if (progress.items.length > 0 || progress.removed?.length) {
      const next = new Map(this.items);
      for (const id of progress.removed ?? []) next.delete(id);
      for (const item of progress.items) next.set(item.id, item);
      this.items = next;
    }
    const { items: _items, removed: _removed, ...overall } = progress;
    this.overall = overall;
  }
}
