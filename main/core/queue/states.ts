// What a file in the download queue may do in each state: the one table read by the core's guards,
// the Downloads screen's buttons, the tray and the CLI. Pure data, no Node imports (the renderer reads it).
import type { ItemState } from '../progress.ts';

export type { ItemState };

/** What a person (or a new run) can ask of one file. */
export type ItemAction = 'pause' | 'resume' | 'cancel' | 'retry';

export const ITEM_STATES: readonly ItemState[] = ['waiting', 'downloading', 'paused', 'converting', 'done', 'skipped', 'failed', 'cancelled'];
export const ITEM_ACTIONS: readonly ItemAction[] = ['pause', 'resume', 'cancel', 'retry'];

/**
 * state → the actions it allows. Cancel keeps nothing (the `.part` is deleted); pause keeps the `.part`
 * (or, while converting, the downloaded file).
 * Done and skipped files are finished: fetching them again is a new download with force, not an action.
 */
export const ALLOWED: Readonly<Record<ItemState, readonly ItemAction[]>> = {
  waiting: ['pause', 'cancel'],
  downloading: ['pause', 'cancel'],
  paused: ['resume', 'cancel'],
  // a paused conversion stops ffmpeg; resuming converts the downloaded file again (nothing is fetched twice)
  converting: ['pause', 'cancel'],
  failed: ['retry', 'cancel'],
  cancelled: ['retry'],
  done: [],
  skipped: [],
};

export function isAllowed(state: ItemState, action: ItemAction): boolean {
  return ALLOWED[state].includes(action);
}

/** States a file is still being worked on in: the queue is busy while any file is in one. */
export const ACTIVE_STATES: readonly ItemState[] = ['waiting', 'downloading', 'converting'];

export function isActive(state: ItemState): boolean {
  return ACTIVE_STATES.includes(state);
}

/** Not finished: what a new run, `sync` or the app's restore takes up again. */
export function isUnfinished(state: ItemState): boolean {
  return state !== 'done' && state !== 'skipped';
}

export function emptyCounts(): Record<ItemState, number> {
  return { waiting: 0, downloading: 0, paused: 0, converting: 0, done: 0, skipped: 0, failed: 0, cancelled: 0 };
}

/** How many files are still being worked on. */
export function activeCount(counts: Readonly<Record<ItemState, number>>): number {
  return ACTIVE_STATES.reduce((n, s) => n + counts[s], 0);
}
