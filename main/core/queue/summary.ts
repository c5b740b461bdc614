// The one summary of a batch — counts per state, bytes done and total, speed, time left — used by the
// queue's progress events, the service (tray, taskbar), the Downloads screen and the CLI.
import type { ItemState } from '../progress.ts';
import { emptyCounts } from './states.ts';

export interface SummaryItem {
  readonly state: ItemState;
  readonly bytes: number;
  readonly total?: number;
  readonly speed: number;
}

export interface Summary {
  readonly counts: Readonly<Record<ItemState, number>>;
  /** Bytes on disk of the files still counted (not skipped, failed or cancelled). */
  readonly bytes: number;
  /** Known total bytes of those files. */
  readonly total: number;
  readonly speed: number;
  /** Seconds left, when it can be estimated. */
  readonly eta?: number;
}

/** Skipped, failed and cancelled files leave the byte totals and the time left. */
const counted = (state: ItemState): boolean => state !== 'skipped' && state !== 'failed' && state !== 'cancelled';

/** `speedOf` reads each item's speed, so a caller's own objects are summed without a copy per item. */
export function summarize<T extends Omit<SummaryItem, 'speed'>>(items: Iterable<T>, speedOf: (item: T) => number): Summary {
  const counts = emptyCounts();
  let bytes = 0;
  let total = 0;
  let speed = 0;
  let known = 0;
  let unknown = 0;
  for (const i of items) {
    counts[i.state] += 1;
    if (!counted(i.state)) continue;
    bytes += i.bytes;
    if (i.total === undefined) unknown += 1;
    else {
      total += i.total;
      known += 1;
    }
    speed += speedOf(i);
  }
  // files not started yet are assumed to be as large as the average started one
  const estimate = known > 0 ? total + (total / known) * unknown : undefined;
  const eta = estimate !== undefined && speed > 0 && estimate >= bytes ? (estimate - bytes) / speed : undefined;
  return { counts, bytes, total, speed, ...(eta !== undefined ? { eta } : {}) };
}
