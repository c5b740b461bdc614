// Progress as the download queue reports it: plain data, so the CLI, IPC and the UI share one shape.
import type { ErrorCode, ErrorInfo } from './errors.ts';

export type ItemState =
  | 'waiting'
  | 'downloading'
  | 'paused'
  | 'converting'
  | 'done'
  | 'skipped' // already in history
  | 'failed'
  | 'cancelled';

export interface ItemProgress {
  readonly id: number;
  readonly state: ItemState;
  /** Path relative to `folder` (after conversion: the converted file). */
  readonly path: string;
  /** The absolute output folder the file goes to (each file keeps the folder it was queued for). */
  readonly folder: string;
  readonly bytes: number;
  /** Total bytes when known (the server said: a size probe or the download's response). */
  readonly total?: number;
  /** Bytes guessed from duration and type while the server has not said. */
  readonly estimated?: number;
  /** What the list shows of the recording: who, which meeting, when it was recorded (ISO), its record type. */
  readonly user: string;
  readonly confrId: string;
  readonly recordedAt?: string;
  readonly recordType: string;
  /** Requests made for the file so far (every try, across retries), and whether its link was renewed. */
  readonly attempts: number;
  readonly urlRefreshed: boolean;
  /** Bytes per second, smoothed. */
  readonly speed: number;
  /** Seconds left, when it can be estimated. */
  readonly eta?: number;
  /** 0..100 while converting. */
  readonly convertPercent?: number;
  readonly error?: ErrorInfo;
  /** Set while a downloading file waits to try again: not failed yet. */
  readonly retry?: RetryWait;
}

/** A download waiting before its next attempt. */
export interface RetryWait {
  /** Failed attempts in a row (1-based) and how many are allowed before the file fails. */
  readonly attempt: number;
  readonly limit: number;
  /** When the next attempt starts (ms since the epoch). */
  readonly at: number;
  /** Why the last attempt ended (NETWORK, SERVER_ERROR, RATE_LIMITED, SIZE_MISMATCH). */
  readonly code: ErrorCode;
}

export interface QueueProgress {
  /** Items whose state or bytes changed since the last event. */
  readonly items: readonly ItemProgress[];
  /** Ids taken off the list since the last event (Clear finished); their files and history stay. */
  readonly removed?: readonly number[];
  readonly bytes: number;
  readonly total: number;
  readonly failedTotal: number;
  readonly cancelledTotal: number;
  readonly speed: number;
  readonly eta?: number;
  /** Files per state on the whole list (what the filters count). */
  readonly counts: Readonly<Record<ItemState, number>>;
  /**
   * Files per state of the current batch: the files of the "Download selected" (or auto-archive run)
   * that started while nothing ran, and of those added or retried until it ends. Bytes, totals, speed
   * and time left are the batch's too.
   */
  readonly batchCounts: Readonly<Record<ItemState, number>>;
}
