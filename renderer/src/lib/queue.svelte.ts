// The download queue as the renderer sees it: the latest progress of every item, merged from the
// batched `download:progress` events (each carries only the items that changed), and the list as the
// person asked to see it (one filter, one sort).
import type { ItemProgress, ItemState, QueueProgress } from '../../../main/core/progress.ts';
import { activeCount, type ItemAction } from '../../../main/core/queue/states.ts';
import type { MessageKey } from '../../../main/messages/en.ts';

/** The words of each action the core's transition table allows (the row's buttons and the detail pane's). */
export const ACTION_LABEL = { pause: 'queue.pause', resume: 'queue.resume', cancel: 'queue.cancel', retry: 'queue.retry' } as const satisfies Record<ItemAction, MessageKey>;

type Overall = Omit<QueueProgress, 'items' | 'removed'>;

/** The list's filters, each a set of states (a file waiting to retry is downloading: Active). */
export const FILTERS = {
  all: undefined,
  active: ['downloading', 'converting'],
  waiting: ['waiting', 'paused'],
  failed: ['failed', 'cancelled'],
  done: ['done', 'skipped'],
} as const satisfies Record<string, readonly ItemState[] | undefined>;
export type Filter = keyof typeof FILTERS;

export type QueueSortKey = 'added' | 'user' | 'confrId' | 'recordedAt' | 'recordType' | 'size' | 'progress' | 'state';

/** The order of states when sorting by state: what needs the eye first. */
const STATE_ORDER: readonly ItemState[] = ['failed', 'cancelled', 'downloading', 'converting', 'paused', 'waiting', 'done', 'skipped'];

/** A file's size as far as known: the server's, else the estimate. */
export const sizeOf = (item: ItemProgress): number | undefined => item.total ?? item.estimated;

/** 0..100 of one file. */
export function itemPercent(item: ItemProgress): number {
  if (item.state === 'converting') return item.convertPercent ?? 0;
  if (item.state === 'done' || item.state === 'skipped') return 100;
  return item.total ? Math.min(100, (item.bytes / item.total) * 100) : 0;
}

function sortValue(item: ItemProgress, key: QueueSortKey): string | number | undefined {
  switch (key) {
    case 'size':
      return sizeOf(item);
    case 'progress':
      return itemPercent(item);
    case 'state':
      return STATE_ORDER.indexOf(item.state);
    case 'added':
      return undefined;
    default:
      return item[key];
  }
}

function compare(a: ItemProgress, b: ItemProgress, key: QueueSortKey): number {
  const x = sortValue(a, key);
  const y = sortValue(b, key);
  if (x === y) return 0; // the sort is stable: order added
  if (x === undefined) return 1;
  if (y === undefined) return -1;
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  return String(x).localeCompare(String(y));
}

export class Queue {
  items = $state.raw<ReadonlyMap<number, ItemProgress>>(new Map());
  overall = $state.raw<Overall | undefined>(undefined);
  /** Output folder of the latest download, for "Open folder" / "Show file". */
  outDir = $state('');
  /** What the latest `download:start` answered (queued / skipped). */
  lastStart = $state.raw<{ readonly queued: number; readonly skipped: number } | undefined>(undefined);
  filter = $state<Filter>('all');
  sortKey = $state<QueueSortKey>('added');
  sortDir = $state<1 | -1>(1);

  readonly list: readonly ItemProgress[] = $derived([...this.items.values()]);
  readonly finished: number = $derived(this.count('done') + this.count('skipped'));
  readonly batchFinished: number = $derived(this.batchCount('done') + this.batchCount('skipped'));
  readonly batchSize: number = $derived(this.overall ? Object.values(this.overall.batchCounts).reduce((a, b) => a + b, 0) : 0);
  readonly size: number = $derived(this.items.size);
  readonly active: boolean = $derived(this.overall !== undefined && activeCount(this.overall.counts) > 0);
  /** Downloading files waiting before another try (counted as downloading by the core; said apart here). */
  readonly retrying: number = $derived(this.list.reduce((n, i) => (i.retry !== undefined && i.state === 'downloading' ? n + 1 : n), 0));

  /**
   * The bar's shares, 0..100 of every file's bytes but the ones already saved before: done (bytes on
   * disk), failed and cancelled (their sizes). `percent` is the done share.
   */
  readonly shares: { readonly done: number; readonly failed: number; readonly cancelled: number } = $derived.by(() => {
    const o = this.overall;
    const whole = o ? o.total + o.failedTotal + o.cancelledTotal : 0;
    if (!o || whole <= 0) return { done: 0, failed: 0, cancelled: 0 };
    const share = (n: number): number => Math.min(100, (n / whole) * 100);
    return { done: share(o.bytes), failed: share(o.failedTotal), cancelled: share(o.cancelledTotal) };
  });
  readonly percent: number = $derived(this.shares.done);

  /** The files the filter lets through, in the chosen order. */
  readonly view: readonly ItemProgress[] = $derived.by(() => {
    const states: readonly ItemState[] | undefined = FILTERS[this.filter];
    const shown = states ? this.list.filter((i) => states.includes(i.state)) : [...this.list];
    if (this.sortKey === 'added') return this.sortDir === 1 ? shown : shown.reverse();
    const key = this.sortKey;
    const dir = this.sortDir;
    return shown.sort((a, b) => dir * compare(a, b, key));
  });

  /** Files in a state on the whole list. */
  count(state: ItemState): number {
    return this.overall?.counts[state] ?? 0;
  }

  /** Files in a state of the current batch (the summary line, the bar and the end banner). */
  batchCount(state: ItemState): number {
    return this.overall?.batchCounts[state] ?? 0;
  }

  /** Files a filter shows (from the counts, not the list: right for 10,000 files at once). */
  countOf(filter: Filter): number {
    const states: readonly ItemState[] | undefined = FILTERS[filter];
    return states ? states.reduce((n, s) => n + this.count(s), 0) : this.size;
  }

  sortBy(key: QueueSortKey): void {
    if (this.sortKey === key) this.sortDir = this.sortDir === 1 ? -1 : 1;
    else {
      this.sortKey = key;
      this.sortDir = 1;
    }
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
