// The one summary of a batch — counts per state, bytes done and total, speed, time left — used by the
// queue's progress events, the service (tray, taskbar), the Downloads screen and the CLI.
// Sizes: a file's own total once the server said it (a size probe or its response), else its estimate
// from duration and type scaled by how far off the estimates of the files already sized were, else the
// average sized file. So the bar is right from the first second, not only for the files begun.
import type { ItemState } from '../progress.ts';
import { emptyCounts } from './states.ts';

export interface SummaryItem {
  readonly state: ItemState;
  readonly bytes: number;
  /** The server's size, once known. */
  readonly total?: number;
  /** A guess from duration and type (size-estimate.ts), before the server says. */
  readonly estimated?: number;
  readonly speed: number;
}

export interface Summary {
  readonly counts: Readonly<Record<ItemState, number>>;
  /** Bytes on disk of the files still counted (not skipped, failed or cancelled). */
  readonly bytes: number;
  /** Total bytes of those files: known sizes, and estimates where not known yet. */
  readonly total: number;
  /** Sizes of the failed and of the cancelled files (their own segments of the bar; not in the time left). */
  readonly failedTotal: number;
  readonly cancelledTotal: number;
  readonly speed: number;
  /** Seconds left, when it can be estimated. */
  readonly eta?: number;
}

/** Where a file's size goes: the counted files, the failed, the cancelled; skipped files are in none. */
type Share = 'counted' | 'failed' | 'cancelled';
const shareOf = (state: ItemState): Share | undefined =>
  state === 'skipped' ? undefined : state === 'failed' ? 'failed' : state === 'cancelled' ? 'cancelled' : 'counted';

interface Sizes {
  known: number;
  estimated: number;
  /** Files with neither a size nor an estimate. */
  unknown: number;
}

/**
 * `speedOf` reads each item's speed, so a caller's own objects are summed without a copy per item.
 * `overallSpeed`, when given, is the speed of all bytes together (smoother than the sum: it does not dip
 * each time one file ends and the next starts from zero) and the time left is taken from it.
 */
export function summarize<T extends Omit<SummaryItem, 'speed'>>(items: Iterable<T>, speedOf: (item: T) => number, overallSpeed?: number): Summary {
  const counts = emptyCounts();
  const sizes: Record<Share, Sizes> = { counted: blank(), failed: blank(), cancelled: blank() };
  let bytes = 0;
  let speed = 0;
  let knownFiles = 0;
  let knownBytes = 0;
  // how far off the estimates were for files whose size is known
  let pairedTotal = 0;
  let pairedEstimate = 0;
  // paused files are the batch's (in the bar) but not in the time left: nothing fetches them until resumed
  const paused = blank();
  let pausedBytes = 0;
  for (const i of items) {
    counts[i.state] += 1;
    if (i.total !== undefined) {
      knownFiles += 1;
      knownBytes += i.total;
      if (i.estimated !== undefined && i.estimated > 0 && i.total > 0) {
        pairedTotal += i.total;
        pairedEstimate += i.estimated;
      }
    }
    const share = shareOf(i.state);
    if (share === undefined) continue;
    addSize(sizes[share], i);
    if (share !== 'counted') continue;
    if (i.state === 'paused') {
      addSize(paused, i);
      pausedBytes += i.bytes;
    }
    bytes += i.bytes;
    speed += speedOf(i);
  }
  if (overallSpeed !== undefined) speed = counts.downloading > 0 ? overallSpeed : 0;
  const scale = pairedEstimate > 0 ? Math.min(20, Math.max(0.05, pairedTotal / pairedEstimate)) : 1;
  const average = knownFiles > 0 ? knownBytes / knownFiles : undefined;
  const sized = (s: Sizes): number => s.known + s.estimated * scale + (average ?? 0) * s.unknown;
  const counted = sizes.counted;
  const total = Math.max(bytes, sized(counted));
  // the time left needs a size for every file still to come
  const toCome = Math.max(0, total - bytes - Math.max(0, sized(paused) - pausedBytes));
  const eta = speed > 0 && (counted.unknown - paused.unknown === 0 || average !== undefined) ? toCome / speed : undefined;
  return {
    counts,
    bytes,
    total,
    failedTotal: sized(sizes.failed),
    cancelledTotal: sized(sizes.cancelled),
    speed,
    ...(eta !== undefined ? { eta } : {}),
  };
}

/** Adds a file to a share: its size when known, else its estimate (a 0 estimate says nothing), else one unknown. */
function addSize(s: Sizes, i: Pick<SummaryItem, 'total' | 'estimated'>): void {
  if (i.total !== undefined) s.known += i.total;
  else if (i.estimated !== undefined && i.estimated > 0) s.estimated += i.estimated;
  else s.unknown += 1;
}

function blank(): Sizes {
  return { known: 0, estimated: 0, unknown: 0 };
}
