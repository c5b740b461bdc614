// Owns the core DownloadQueues of this process: one per app + folder + template (+ force), since the
// core queue fixes those at construction. Pause/resume/cancel/retry and the snapshot span all queues;
// progress of all queues goes out through one batcher.
import { convertStep, defaultConvertConcurrency } from '../core/convert-step.ts';
import { DownloadQueue, makeRefreshUrl } from '../core/download-queue.ts';
import type { ErrorInfo } from '../core/errors.ts';
import { resolveFfmpeg, type FfmpegInfo } from '../core/ffmpeg-path.ts';
import type { History, QueueEntry } from '../core/history.ts';
import type { ItemState, QueueProgress } from '../core/progress.ts';
import type { Recording } from '../core/record.ts';
import type { ApiClient } from '../core/api-client.ts';
import { ProgressBatcher } from './progress-batcher.ts';

export interface QueueRequest {
  readonly appkey: string;
  readonly outDir: string;
  readonly template: string;
  readonly concurrency: number;
  readonly force: boolean;
  /** Set when converting: the checked ffmpeg pair and whether to keep the original. */
  readonly convert?: { readonly ffmpeg: FfmpegInfo; readonly keepOriginal: boolean };
  readonly client?: ApiClient;
}

interface Entry {
  readonly key: string;
  readonly queue: DownloadQueue;
  readonly stop: () => void;
}

const EMPTY_COUNTS: Record<ItemState, number> = { waiting: 0, downloading: 0, paused: 0, converting: 0, done: 0, skipped: 0, failed: 0, cancelled: 0 };

/** Resolves ffmpeg for conversion; throws CONVERT_UNAVAILABLE. */
export function findFfmpeg(userPath: string, bundledDir: string | undefined): Promise<FfmpegInfo> {
  return resolveFfmpeg({ ...(userPath ? { userPath } : {}), ...(bundledDir ? { bundledDir } : {}) });
}

export class DownloadManager {
  readonly #history: History;
  readonly #entries: Entry[] = [];
  readonly #batcher: ProgressBatcher;
  readonly #warn: (w: ErrorInfo) => void;

  constructor(history: History, emit: (p: QueueProgress) => void, warn: (w: ErrorInfo) => void) {
    this.#history = history;
    this.#warn = warn;
    this.#batcher = new ProgressBatcher(emit, () => this.#totals());
  }

  /** Adds records to the matching queue (a new one when none fits); returns how many were queued and skipped. */
  add(request: QueueRequest, records: readonly Recording[]): { queued: number; skipped: number } {
    const entry = this.#queueFor(request, records);
    entry.queue.setConcurrency(request.concurrency);
    const before = new Map(entry.queue.snapshot().map((i) => [i.id, i.state]));
    entry.queue.add(records);
    const after = new Map(entry.queue.snapshot().map((i) => [i.id, i.state]));
    let queued = 0;
    let skipped = 0;
    for (const r of records) {
      const state = after.get(r.id);
      const was = before.get(r.id);
      if (state === 'skipped') skipped += 1;
      else if (state !== undefined && (was === undefined || was === 'skipped')) queued += 1;
    }
    return { queued, skipped };
  }

  /** Unfinished entries a previous run saved. */
  saved(): QueueEntry[] {
    return this.#history.loadQueue();
  }

  /** Re-queues saved entries (paused ones stay paused); returns how many. */
  restore(requestFor: (appkey: string, outDir: string) => QueueRequest): number {
    const groups = new Map<string, QueueEntry>();
    for (const e of this.saved()) groups.set(`${e.appkey}\n${e.outDir}`, e);
    let n = 0;
    for (const e of groups.values()) {
      const entry = this.#queueFor(requestFor(e.appkey, e.outDir), []);
      n += entry.queue.restore();
    }
    return n;
  }

  pause(id?: number): void {
    for (const e of this.#entries) e.queue.pause(id);
  }

  resume(id?: number): void {
    for (const e of this.#entries) e.queue.resume(id);
  }

  cancel(id?: number): void {
    for (const e of this.#entries) e.queue.cancel(id);
  }

  retry(id?: number): void {
    for (const e of this.#entries) {
      const ids = id === undefined ? e.queue.snapshot().filter((i) => i.state === 'failed').map((i) => i.id) : [id];
      for (const one of ids) e.queue.retry(one);
    }
  }

  snapshot(): QueueProgress {
    return { ...this.#totals(), items: this.#entries.flatMap((e) => e.queue.snapshot()) };
  }

  /** True while anything waits, downloads or converts. */
  get busy(): boolean {
    const c = this.#totals().counts;
    return c.waiting + c.downloading + c.converting > 0;
  }

  /** Resolves when every queue is idle (tests, quitting). */
  async onIdle(): Promise<void> {
    await Promise.all(this.#entries.map((e) => e.queue.onIdle()));
    this.#batcher.flush();
  }

  /** Pauses everything (keeping `.part` files and the saved queue) and stops reporting. */
  async dispose(): Promise<void> {
    this.pause();
    await Promise.all(this.#entries.map((e) => e.queue.onIdle().catch(() => undefined)));
    this.#history.flush();
    for (const e of this.#entries) e.stop();
    this.#batcher.dispose();
  }

  #queueFor(request: QueueRequest, records: readonly Recording[]): Entry {
    const key = JSON.stringify([request.appkey, request.outDir, request.template, request.force, request.convert?.keepOriginal ?? null]);
    const existing = this.#entries.find((e) => e.key === key);
    // An id already done in that queue would be ignored by add(): such a request gets a fresh queue.
    const doneIds = new Set(existing?.queue.snapshot().filter((i) => i.state === 'done').map((i) => i.id));
    if (existing && !records.some((r) => doneIds.has(r.id))) return existing;
    const client = request.client;
    const queue = new DownloadQueue({
      outDir: request.outDir,
      template: request.template,
      concurrency: request.concurrency,
      history: this.#history,
      appkey: request.appkey,
      force: request.force,
      ...(client ? { refreshUrl: makeRefreshUrl(client) } : {}),
      // conversions run outside the download slots, as many at once as half the cores
      ...(request.convert
        ? { postProcess: convertStep(request.convert.ffmpeg, request.convert.keepOriginal), postProcessConcurrency: defaultConvertConcurrency() }
        : {}),
    });
    const onProgress = (p: QueueProgress): void => this.#batcher.push(p.items);
    const onWarning = (w: ErrorInfo): void => this.#warn(w);
    queue.on('progress', onProgress);
    queue.on('warning', onWarning);
    const entry: Entry = {
      key,
      queue,
      stop: () => {
        queue.off('progress', onProgress);
        queue.off('warning', onWarning);
      },
    };
    this.#entries.push(entry);
    return entry;
  }

  #totals(): Omit<QueueProgress, 'items'> {
    const counts = { ...EMPTY_COUNTS };
    let bytes = 0;
    let total = 0;
    let speed = 0;
    let etaKnown = true;
    for (const e of this.#entries) {
      const p = e.queue.progress();
      for (const [state, n] of Object.entries(p.counts)) counts[state as ItemState] += n;
      bytes += p.bytes;
      total += p.total;
      speed += p.speed;
      if (p.eta === undefined && p.speed > 0) etaKnown = false;
    }
    const eta = etaKnown && speed > 0 && total >= bytes ? (total - bytes) / speed : undefined;
    return { bytes, total, speed, ...(eta !== undefined ? { eta } : {}), counts };
  }
}
