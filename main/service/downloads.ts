// The app's one download queue: every file carries its own folder, naming, conversion and the URL refresh
// of its connection. While files download the app holds the state folder's run lock, as `emrec download`
// does: a cron `emrec sync` on the same folder then waits or stops with exit 2 instead of writing the same
// files, and the app says ALREADY_RUNNING while such a run goes on. It also holds each download folder's
// lock (OUTPUT_LOCK_FILE), as `emrec` does, so a run with another state folder does not fill the same
// folder at once. Released when the queue is idle.
import path from 'node:path';
import type { ApiClient } from '../core/api-client.ts';
import { convertStep, defaultConvertConcurrency } from '../core/convert-step.ts';
import { EmrecError, toErrorInfo, type ErrorInfo } from '../core/errors.ts';
import type { FfmpegInfo } from '../core/ffmpeg-path.ts';
import type { History } from '../core/history.ts';
import { compileTemplate } from '../core/naming.ts';
import { DownloadQueue, makeRefreshUrl, type DownloadJob } from '../core/queue/download-queue.ts';
import type { QueueProgress } from '../core/progress.ts';
import { SavedQueue } from '../core/queue/saved-queue.ts';
import type { Recording } from '../core/record.ts';
import { acquire, type RunLock } from '../core/run-lock.ts';
import { acquireOutputLock } from '../core/output-lock.ts';
import type { Bandwidth, QueuedCounts } from '../ipc/contract.ts';
import { RateLimiter } from '../core/rate-limit.ts';
import { rateAt } from '../core/rate-schedule.ts';
import type { ClientCache } from './clients.ts';
import type { HandlerSlice, ServiceContext } from './context.ts';
import { checkAbsolutePath, checkTemplate } from './paths.ts';
import type { SettingsStore } from './settings.ts';

/** Where and how one request's files are saved. */
export interface QueueRequest {
  readonly appkey: string;
  readonly outDir: string;
  readonly template: string;
  readonly force: boolean;
  /** Set when converting: the checked ffmpeg pair and whether to keep the original. */
  readonly convert?: { readonly ffmpeg: FfmpegInfo; readonly keepOriginal: boolean };
  readonly client?: ApiClient;
}

/** The bytes per second `bandwidth` allows at `now` (undefined: no limit). */
export function bandwidthAt(bandwidth: Bandwidth | undefined, now: Date, timezone = Intl.DateTimeFormat().resolvedOptions().timeZone): number | undefined {
  if (!bandwidth) return undefined;
  const { office } = bandwidth;
  const schedule = office.enabled ? { limit: office.limit, days: office.days, from: office.from, to: office.to, timezone } : undefined;
  return rateAt(bandwidth.limit > 0 ? bandwidth.limit : undefined, schedule, now);
}

function jobOf(request: QueueRequest): DownloadJob {
  const { convert, client } = request;
  return {
    appkey: request.appkey,
    outDir: request.outDir,
    template: request.template,
    force: request.force,
    ...(client ? { refreshUrl: makeRefreshUrl(client) } : {}),
    ...(client ? { zone: client.connection.timezone } : {}),
    ...(convert ? { postProcess: convertStep(convert.ffmpeg, convert.keepOriginal), convert: { keepOriginal: convert.keepOriginal } } : {}),
  };
}

export interface DownloadsDeps {
  readonly history: History;
  readonly clients: ClientCache;
  readonly settings: SettingsStore;
  /** Names the app in the run lock, for the message a blocked `emrec` prints. */
  readonly version: string;
  notice(info: ErrorInfo): void;
  progress(p: QueueProgress): void;
}

/** The queue, its saved copy for a restart, and the run lock held while it works. */
export class Downloads {
  readonly queue: DownloadQueue;
  /** Unfinished files for the next start (beside the history store). */
  readonly saved: SavedQueue;
  readonly #deps: DownloadsDeps;
  readonly #stateDir: string;
  #runLock: RunLock | undefined;
  readonly #folderLocks = new Map<string, RunLock>();
  /** The one bandwidth limit of the app, shared by every download (Settings → bandwidth). */
  readonly limiter = new RateLimiter();
  readonly #bandwidthTimer: NodeJS.Timeout;

  constructor(deps: DownloadsDeps) {
    this.#deps = deps;
    this.#stateDir = path.dirname(deps.history.path);
    this.saved = new SavedQueue(this.#stateDir, (error) => deps.notice(toErrorInfo(error)));
    // sizes of waiting files asked two at a time: the overall bar is right before they start
    this.queue = new DownloadQueue({
      history: deps.history,
      saved: this.saved,
      postProcessConcurrency: defaultConvertConcurrency(),
      limiter: this.limiter,
      sizeLookups: 2,
      connections: deps.settings.get().connections,
    });
    this.applyBandwidth();
    // office hours begin and end while files download: looked at again twice a minute
    this.#bandwidthTimer = setInterval(() => this.applyBandwidth(), 30_000);
    this.#bandwidthTimer.unref();
    this.queue.on('progress', deps.progress); // already throttled by the queue
    this.queue.on('warning', deps.notice);
    this.queue.on('progress', () => {
      if (!this.queue.busy && this.#runLock !== undefined) this.#releaseLocks();
    });
  }

  /**
   * Takes the state folder's lock and the lock of every folder files will go to (`outDirs`, and those of
   * the unfinished files) unless held; ALREADY_RUNNING while an `emrec` run holds one of them.
   */
  async holdRunLock(outDirs: Iterable<string> = []): Promise<void> {
    const command = `Easemob Recording Downloader ${this.#deps.version} (desktop app)`;
    if (this.#runLock === undefined || this.#runLock.released) this.#runLock = await acquire(this.#stateDir, { command });
    const folders = this.queue.unfinishedFolders();
    for (const dir of outDirs) folders.add(path.resolve(dir));
    for (const folder of folders) {
      const held = this.#folderLocks.get(folder);
      if (held && !held.released) continue;
      this.#folderLocks.set(folder, await acquireOutputLock(folder, { command }));
    }
  }

  #releaseLocks(): void {
    for (const lock of this.#folderLocks.values()) lock.release();
    this.#folderLocks.clear();
    this.#runLock?.release();
    this.#runLock = undefined;
  }

  /** A request for `appkey`'s files, refreshing URLs through `client` (default: the saved connection of that appkey). */
  request(
    appkey: string,
    outDir: string,
    extra: { template: string; force: boolean; convert?: QueueRequest['convert'] },
    client = this.#deps.clients.forAppkey(appkey),
  ): QueueRequest {
    return { appkey, outDir, ...extra, ...(client ? { client } : {}) };
  }

  async enqueue(request: QueueRequest, concurrency: number, records: readonly Recording[]): Promise<QueuedCounts> {
    return this.enqueueAll([{ request, records }], concurrency);
  }

  /** Several requests as one batch: every folder's lock first, then all queued at once (none can end before the next is added). */
  async enqueueAll(groups: readonly { readonly request: QueueRequest; readonly records: readonly Recording[] }[], concurrency: number): Promise<QueuedCounts> {
    await this.holdRunLock(groups.map((g) => g.request.outDir));
    this.queue.setConcurrency(concurrency);
    this.applyConnections();
    let queued = 0;
    let skipped = 0;
    for (const { request, records } of groups) {
      const counts = this.queue.add(records, jobOf(request));
      queued += counts.queued;
      skipped += counts.skipped;
    }
    return { queued, skipped };
  }

  /** Re-queues what a previous run saved (taking the state folder's lock); resolves with how many. */
  async restore(): Promise<number> {
    if (this.saved.size > 0) await this.holdRunLock([...this.saved.entries()].map((e) => e.outDir));
    // Every unfinished file comes back and runs again (paused and failed ones too), under the naming
    // it was queued with. A conversion asked for is run if ffmpeg is still there, else it fails visibly.
    const { settings } = this.#deps;
    const current = settings.get();
    this.queue.setConcurrency(current.concurrency);
    this.applyConnections();
    return this.queue.restore((entry) => {
      const job = jobOf(this.request(entry.appkey, entry.outDir, { template: entry.template ?? current.template, force: entry.force ?? false }));
      const convert = entry.convert;
      if (!convert) return job;
      return { ...job, convert, postProcess: async (item, abs, signal) => convertStep(await settings.ffmpeg(), convert.keepOriginal)(item, abs, signal) };
    });
  }

  /** Settings → connections in all, never fewer than the files at a time the batch asked for. */
  applyConnections(): void {
    this.queue.setConnections(Math.max(this.#deps.settings.get().connections, this.queue.concurrency));
  }

  /** Sets the limit the settings ask for now (the office-hours one inside its window, in this computer's time zone). */
  applyBandwidth(now: Date = new Date()): void {
    this.limiter.setRate(bandwidthAt(this.#deps.settings.get().bandwidth, now));
  }

  /** Pauses (the queue stays saved for the next start), waits for running files, then lets the lock go. */
  async dispose(): Promise<void> {
    clearInterval(this.#bandwidthTimer);
    this.queue.pause();
    await this.queue.onIdle().catch(() => undefined);
    this.queue.flush();
    this.#releaseLocks();
  }
}

/** The Downloads screen: start files of a query, act on one file (or all), and the queue's state. */
export function downloadHandlers(ctx: ServiceContext): HandlerSlice<'download:start' | 'download:pause' | 'download:resume' | 'download:cancel' | 'download:retry' | 'download:snapshot' | 'download:clearFinished'> {
  const { downloads, queries, folders, settings } = ctx;
  const { queue } = downloads;
  return {
    'download:start': async (request) => {
      const outDir = checkAbsolutePath(request.outDir, 'outDir');
      checkTemplate(request.template);
      compileTemplate(request.template);
      const result = queries.get(request.queryId);
      if (result.connectionId !== request.connectionId) {
        throw new EmrecError('BAD_INPUT', 'This query was run on another connection', { details: { field: 'connectionId' } });
      }
      const unique = [...new Set(request.ids)];
      const records = unique.map((id) => result.records.get(id)).filter((r): r is Recording => r !== undefined);
      if (records.length !== unique.length) {
        throw new EmrecError('BAD_INPUT', `${unique.length - records.length} of the chosen recordings are not in this query's results`, {
          details: { field: 'ids', missing: unique.length - records.length },
        });
      }
      const convert = request.convert ? { ffmpeg: await settings.ffmpeg(), keepOriginal: request.keepOriginal } : undefined;
      folders.remember(outDir);
      const job = downloads.request(result.appkey, outDir, { template: request.template, force: request.force ?? false, ...(convert ? { convert } : {}) });
      return downloads.enqueue(job, request.concurrency, records);
    },
    'download:pause': async ({ id }) => queue.pause(id),
    'download:resume': async ({ id }) => {
      await downloads.holdRunLock();
      queue.resume(id);
    },
    'download:cancel': async ({ id }) => queue.cancel(id),
    'download:retry': async ({ id }) => {
      await downloads.holdRunLock();
      queue.retry(id);
    },
    'download:snapshot': async () => queue.progress(),
    'download:clearFinished': async () => ({ removed: queue.clearFinished() }),
  };
}
