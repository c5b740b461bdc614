// Auto-archive: once a day at the user's local time, list the last N days of one saved connection and
// queue every recording not in history, so nothing is lost to the server's 30-day deletion. A start after
// a missed time catches up only when the last run is over 24 h old. The clock is injected for tests.
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { ApiClient } from '../core/api-client.ts';
import { appkeyOf, type Connection } from '../core/connection.ts';
import { EmrecError, toErrorInfo } from '../core/errors.ts';
import { pageRecords } from '../core/pager.ts';
import type { Recording } from '../core/record.ts';
import { buildRangeQuery } from '../core/time.ts';
import type { ArchiveRun, ArchiveStatus, AutoArchive } from '../ipc/contract.ts';
import type { HandlerSlice, ServiceContext } from './context.ts';
import { logUnexpected } from './invoke.ts';

/** Wall-clock time and timers; tests pass a fake one so nothing really waits. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** A missed run starts this long after the app does, not in the middle of its start. */
export const CATCH_UP_DELAY_MS = 60_000;
/** Timers wake at least this often and re-read the wall clock (timers stop while a laptop sleeps). */
const MAX_WAIT_MS = 10 * 60_000;

const ErrorInfoSchema = z.object({ code: z.string(), message: z.string() }).loose();
const ArchiveRunSchema = z.object({
  at: z.iso.datetime({ offset: true }),
  saved: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  error: ErrorInfoSchema.optional(),
});

/** The stored last run, or undefined when absent or unreadable. */
function readLastRun(value: unknown): ArchiveRun | undefined {
  const parsed = ArchiveRunSchema.safeParse(value);
  return parsed.success ? (parsed.data as ArchiveRun) : undefined;
}

/** The first `HH:mm` in the local zone strictly after `now` (today or tomorrow). */
export function nextSlot(time: string, now: number, zone?: string): number {
  const [hour = 0, minute = 0] = time.split(':').map(Number);
  const base = zone === undefined ? DateTime.fromMillis(now) : DateTime.fromMillis(now, { zone });
  const at = (day: DateTime): number => day.set({ hour, minute, second: 0, millisecond: 0 }).toMillis();
  const today = at(base);
  return today > now ? today : at(base.plus({ days: 1 }));
}

/** At start: run soon when auto-archive is on and the last run is missing or over 24 h old. */
function catchUpDue(lastRun: ArchiveRun | undefined, now: number): boolean {
  return lastRun === undefined || now - Date.parse(lastRun.at) >= DAY_MS;
}

/** What a run asks of the service. */
export interface ArchiveDeps {
  readonly clock?: Clock;
  /** Local zone of the daily time (default: the system's). */
  readonly zone?: string;
  /** The current setting; undefined until the user sets auto-archive up. */
  setting(): AutoArchive | undefined;
  loadLastRun(): unknown;
  saveLastRun(run: ArchiveRun): void;
  /** Throws NOT_FOUND/AUTH_FAILED for a missing or unusable connection. */
  connection(connectionId: string): Connection;
  client(connectionId: string): ApiClient;
  /** Queues records through the app's download manager (progress shows in the queue). */
  enqueue(target: { connectionId: string; appkey: string; folder: string; convert: boolean }, records: readonly Recording[]): Promise<{ queued: number; skipped: number }>;
  /** True once history has the recording. */
  saved(appkey: string, id: number): boolean;
  /** Resolves when downloads are idle. */
  idle(): Promise<void>;
  emit(run: ArchiveRun): void;
}

type Counts = { readonly queued: number; readonly skipped: number };

interface CurrentRun {
  readonly queued: Promise<Counts>;
  resolve(counts: Counts): void;
  reject(error: unknown): void;
}

/** Schedules and runs auto-archive for one service. */
export class Archiver {
  readonly #deps: ArchiveDeps;
  readonly #clock: Clock;
  readonly #abort = new AbortController();
  #timer: unknown;
  #nextAt: number | undefined;
  #current: CurrentRun | undefined;
  #disposed = false;

  constructor(deps: ArchiveDeps) {
    this.#deps = deps;
    this.#clock = deps.clock ?? systemClock;
  }

  /** Arms the schedule at app start, catching up on a missed run. */
  start(): void {
    const setting = this.#active();
    if (setting === undefined) return this.#arm(undefined);
    const now = this.#clock.now();
    this.#arm(catchUpDue(this.lastRun(), now) ? now + CATCH_UP_DELAY_MS : nextSlot(setting.time, now, this.#deps.zone));
  }

  /** After the setting changed: the next run is the next slot of the new time (or none when off). */
  reschedule(): void {
    const setting = this.#active();
    this.#arm(setting === undefined ? undefined : nextSlot(setting.time, this.#clock.now(), this.#deps.zone));
  }

  /** True while a run lists the server (its files then wait in the download queue). */
  get running(): boolean {
    return this.#current !== undefined;
  }

  lastRun(): ArchiveRun | undefined {
    return readLastRun(this.#deps.loadLastRun());
  }

  status(): ArchiveStatus {
    const lastRun = this.lastRun();
    return {
      ...(this.#nextAt !== undefined ? { nextRunAt: new Date(this.#nextAt).toISOString() } : {}),
      ...(lastRun ? { lastRun } : {}),
    };
  }

  /**
   * Starts a run (or joins the one running); resolves once its recordings are queued, with how many.
   * A failure is recorded as the last run and also rejects. BAD_INPUT when no connection is chosen.
   */
  runNow(): Promise<Counts> {
    if (this.#current) return this.#current.queued;
    const setting = this.#deps.setting();
    if (setting === undefined || setting.connectionId === '') {
      return Promise.reject(new EmrecError('BAD_INPUT', 'Choose a saved connection for auto-archive first', { details: { field: 'autoArchive.connectionId' } }));
    }
    let resolve!: (counts: Counts) => void;
    let reject!: (error: unknown) => void;
    const queued = new Promise<Counts>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const run: CurrentRun = { queued, resolve, reject };
    this.#current = run;
    void this.#execute(setting, run);
    return queued;
  }

  /** Stops the schedule and any listing in progress; a run cut short is not recorded. */
  dispose(): void {
    this.#disposed = true;
    this.#arm(undefined);
    this.#abort.abort(new EmrecError('CANCELLED', 'The app is closing'));
  }

  /** The setting when it is on and complete. */
  #active(): AutoArchive | undefined {
    const setting = this.#deps.setting();
    return setting?.enabled && setting.connectionId !== '' ? setting : undefined;
  }

  #arm(at: number | undefined): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#nextAt = this.#disposed ? undefined : at;
    if (this.#nextAt === undefined) return;
    const wait = Math.min(Math.max(0, this.#nextAt - this.#clock.now()), MAX_WAIT_MS);
    this.#timer = this.#clock.setTimeout(() => this.#tick(), wait);
  }

  #tick(): void {
    this.#timer = undefined;
    const setting = this.#active();
    const due = this.#nextAt;
    if (setting === undefined || due === undefined) return this.#arm(undefined);
    const now = this.#clock.now();
    if (now < due) return this.#arm(due);
    this.#arm(nextSlot(setting.time, now, this.#deps.zone));
    // The outcome goes to the last run and the archive:done event (and a bug of ours to the log).
    this.runNow().catch((error: unknown) => logUnexpected('[archive] the scheduled run failed', error));
  }

  async #execute(setting: AutoArchive, run: CurrentRun): Promise<void> {
    const deps = this.#deps;
    const startedAt = this.#clock.now();
    const at = new Date(startedAt).toISOString();
    const finish = (result: ArchiveRun): void => {
      // Cleared before the event, so a run started by a listener is a new one.
      if (this.#current === run) this.#current = undefined;
      if (this.#disposed) return;
      deps.saveLastRun(result);
      deps.emit(result);
    };
    let wanted: Recording[];
    let appkey: string;
    try {
      const conn = deps.connection(setting.connectionId);
      appkey = appkeyOf(conn);
      const query = buildRangeQuery(new Date(startedAt - setting.days * DAY_MS), new Date(startedAt), conn.timezone);
      const records: Recording[] = [];
      for await (const page of pageRecords(deps.client(setting.connectionId), query, { signal: this.#abort.signal })) records.push(...page.records);
      const key = appkey;
      wanted = records.filter((r) => !deps.saved(key, r.id));
      run.resolve(await deps.enqueue({ connectionId: setting.connectionId, appkey, folder: setting.folder, convert: setting.convert }, records));
    } catch (error) {
      run.reject(error);
      finish({ at, saved: 0, failed: 0, error: toErrorInfo(error) });
      return;
    }
    if (wanted.length > 0) await deps.idle().catch(() => undefined);
    const saved = wanted.filter((r) => deps.saved(appkey, r.id)).length;
    finish({ at, saved, failed: wanted.length - saved });
  }
}

/** The Archiver of a service: daily runs of the chosen connection into the app's download queue. Started at once. */
export function startArchiver(
  ctx: Pick<ServiceContext, 'options' | 'state' | 'settings' | 'book' | 'clients' | 'downloads' | 'history' | 'folders' | 'events'>,
): Archiver {
  const { options, state, settings, book, clients, downloads, history } = ctx;
  const archiver = new Archiver({
    ...(options.clock ? { clock: options.clock } : {}),
    setting: () => settings.get().autoArchive,
    loadLastRun: () => state.get('archiveLastRun'),
    saveLastRun: (run) => state.set('archiveLastRun', run),
    connection: (id) => book.connection(id),
    client: (id) => clients.for(id),
    enqueue: async ({ connectionId, appkey, folder, convert }, records) => {
      const current = settings.get();
      const conversion = convert ? { ffmpeg: await settings.ffmpeg(), keepOriginal: current.keepOriginal } : undefined;
      ctx.folders.remember(folder);
      const request = downloads.request(appkey, folder, { template: current.template, force: false, ...(conversion ? { convert: conversion } : {}) }, clients.for(connectionId));
      return downloads.enqueue(request, current.concurrency, records);
    },
    saved: (appkey, id) => history.has(appkey, id),
    idle: () => downloads.queue.onIdle(),
    emit: (run) => ctx.events.emit('archive:done', run),
  });
  archiver.start();
  return archiver;
}

/** Settings' auto-archive block: run it now, and when it runs next. */
export function archiveHandlers(ctx: ServiceContext): HandlerSlice<'archive:runNow' | 'archive:status'> {
  return {
    'archive:runNow': async () => ctx.archive.runNow(),
    'archive:status': async () => ctx.archive.status(),
  };
}
