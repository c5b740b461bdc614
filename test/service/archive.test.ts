// Auto-archive with the real core, a real demo server and real files; only the clock is fake, so the
// daily schedule is reached by moving time, not by waiting.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseServerTime } from '../../main/core/time.ts';
import type { AutoArchive } from '../../main/ipc/contract.ts';
import { CATCH_UP_DELAY_MS, nextSlot, type Clock } from '../../main/service/archive.ts';
import { startHarness, waitForEvent, type Harness } from './helpers.ts';

/** Timers that fire only when the test moves time forward. */
class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #timers = new Map<number, { due: number; fn: () => void }>();

  constructor(start: number) {
    this.#now = start;
  }

  now = (): number => this.#now;

  setTimeout = (fn: () => void, ms: number): unknown => {
    this.#seq += 1;
    this.#timers.set(this.#seq, { due: this.#now + Math.max(0, ms), fn });
    return this.#seq;
  };

  clearTimeout = (handle: unknown): void => {
    this.#timers.delete(handle as number);
  };

  /** Moves to `t`, firing every timer due on the way, in order. */
  advanceTo(t: number): void {
    for (;;) {
      const due = [...this.#timers].filter(([, x]) => x.due <= t).sort((a, b) => a[1].due - b[1].due)[0];
      if (due === undefined) break;
      this.#timers.delete(due[0]);
      this.#now = Math.max(this.#now, due[1].due);
      due[1].fn();
    }
    this.#now = Math.max(this.#now, t);
  }

  get pending(): number {
    return this.#timers.size;
  }
}

const HOUR = 3_600_000;
const pad = (n: number): string => String(n).padStart(2, '0');
/** Local HH:mm of an instant. */
const hhmm = (t: number): string => `${pad(new Date(t).getHours())}:${pad(new Date(t).getMinutes())}`;
/** The expected next run, computed with plain Date local-time arithmetic (not the code under test). */
function expectedNext(time: string, now: number): number {
  const [h, m] = time.split(':').map(Number);
  const d = new Date(now);
  d.setHours(h ?? 0, m ?? 0, 0, 0);
  if (d.getTime() <= now) {
    d.setDate(d.getDate() + 1);
    d.setHours(h ?? 0, m ?? 0, 0, 0);
  }
  return d.getTime();
}
const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

let h: Harness;
let clock: FakeClock;
let root: string;
let connectionId: string;
let folder: string;
const DAYS = 7;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'emrec-archive-'));
  // Real time: the demo catalogue is dated relative to now.
  clock = new FakeClock(Date.now());
  h = await startHarness({ root, service: { clock } });
  connectionId = (await h.ok('demo:connect')).id;
  folder = path.join(root, 'archive');
});
afterAll(async () => {
  await h?.close();
  await rm(root, { recursive: true, force: true });
});

const block = (over: Partial<AutoArchive> = {}): AutoArchive => ({
  enabled: true,
  connectionId,
  time: '03:00',
  days: DAYS,
  folder,
  convert: false,
  ...over,
});

describe('next run', () => {
  it('is the next local HH:mm: later today, or tomorrow once passed', () => {
    const now = new Date(2024, 4, 1, 10, 30).getTime();
    expect(nextSlot('11:15', now)).toBe(new Date(2024, 4, 1, 11, 15).getTime());
    expect(nextSlot('10:30', now)).toBe(new Date(2024, 4, 2, 10, 30).getTime());
    expect(nextSlot('02:00', now)).toBe(new Date(2024, 4, 2, 2, 0).getTime());
    expect(nextSlot('23:59', new Date(2024, 11, 31, 23, 59, 30).getTime())).toBe(new Date(2025, 0, 1, 23, 59).getTime());
  });

  it('is not scheduled until auto-archive is set up and on', async () => {
    expect(await h.ok('archive:status')).toEqual({});
    await h.ok('settings:set', { autoArchive: block({ enabled: false }) });
    expect((await h.ok('archive:status')).nextRunAt).toBeUndefined();
    expect(clock.pending).toBe(0);
  });

  it('is computed from the setting when enabled, in local time', async () => {
    const time = hhmm(clock.now() + 2 * HOUR);
    const settings = await h.ok('settings:set', { autoArchive: block({ time }) });
    expect(settings.autoArchive).toEqual(block({ time }));
    const status = await h.ok('archive:status');
    expect(status.nextRunAt).toBe(new Date(expectedNext(time, clock.now())).toISOString());
    expect(status.lastRun).toBeUndefined();
    // A time already passed today is tomorrow's.
    const earlier = hhmm(clock.now() - 2 * HOUR);
    await h.ok('settings:set', { autoArchive: block({ time: earlier }) });
    const tomorrow = Date.parse((await h.ok('archive:status')).nextRunAt ?? '');
    expect(tomorrow).toBe(expectedNext(earlier, clock.now()));
    expect(tomorrow).toBeGreaterThan(clock.now() + 20 * HOUR);
    await h.ok('settings:set', { autoArchive: block({ time }) });
  });
});

describe('a run', () => {
  let expectedIds: number[];

  it('at the scheduled time downloads every recording of the last N days, byte-identical', async () => {
    const { nextRunAt } = await h.ok('archive:status');
    const runAt = Date.parse(nextRunAt ?? '');
    // What a range query of the last DAYS days ending at runAt holds (the demo filters on begin time).
    expectedIds = h.demo.files
      .filter((f) => {
        const begin = parseServerTime(f.confrBeginTime, 'Asia/Shanghai').getTime();
        return begin >= runAt - DAYS * 24 * HOUR && begin <= runAt;
      })
      .map((f) => f.id)
      .sort((a, b) => a - b);
    expect(expectedIds.length).toBeGreaterThan(0);
    expect(expectedIds.length).toBeLessThan(h.demo.files.length);

    const done = waitForEvent(h.service, 'archive:done', () => true, 'archive:done');
    clock.advanceTo(runAt - 1);
    expect((await h.ok('archive:status')).lastRun).toBeUndefined();
    clock.advanceTo(runAt);
    const run = await done;
    expect(run).toEqual({ at: new Date(runAt).toISOString(), saved: expectedIds.length, failed: 0 });

    // Through the app's queue: the downloads screen shows them.
    const items = (await h.ok('download:snapshot')).items;
    expect(items.filter((i) => i.state === 'done').map((i) => i.id).sort((a, b) => a - b)).toEqual(expectedIds);
    const history = await h.ok('history:list', {});
    expect(history.map((r) => r.id).sort((a, b) => a - b)).toEqual(expectedIds);
    for (const row of history) {
      expect(path.resolve(row.path).startsWith(folder + path.sep), row.path).toBe(true);
      expect(sha(row.path), String(row.id)).toBe(await h.demo.expectedSha256(row.id));
    }
    const status = await h.ok('archive:status');
    expect(status.lastRun).toEqual(run);
    expect(status.nextRunAt).toBe(new Date(expectedNext(hhmm(runAt), runAt)).toISOString());
    // The archive folder is one the shell may open.
    expect((await h.call('shell:openPath', { path: folder })).ok).toBe(true);
  });

  it('saves nothing new the second time', async () => {
    const done = waitForEvent(h.service, 'archive:done', () => true, 'second archive:done');
    expect(await h.ok('archive:runNow')).toEqual({ queued: 0, skipped: expectedIds.length });
    const run = await done;
    expect(run).toMatchObject({ saved: 0, failed: 0 });
    expect(run.error).toBeUndefined();
    expect((await h.ok('history:list', {})).length).toBe(expectedIds.length);
  });

  it('records a failing connection in the last run without crashing', async () => {
    const bad = await h.ok('connections:save', {
      name: 'Wrong secret',
      server: h.demo.url,
      org: h.demo.org,
      app: h.demo.app,
      timezone: 'Asia/Shanghai',
      auth: { type: 'client', clientId: h.demo.clientId, clientSecret: 'not-the-secret' },
    });
    await h.ok('settings:set', { autoArchive: block({ connectionId: bad.id }) });
    // Through the schedule: the timer's run fails quietly into lastRun and the event.
    const done = waitForEvent(h.service, 'archive:done', () => true, 'failed archive:done');
    clock.advanceTo(Date.parse((await h.ok('archive:status')).nextRunAt ?? ''));
    const run = await done;
    expect(run).toMatchObject({ saved: 0, failed: 0, error: { code: 'AUTH_FAILED' } });
    expect((await h.ok('archive:status')).lastRun?.error?.code).toBe('AUTH_FAILED');
    // And by hand: the answer carries the error too.
    const now = await h.call('archive:runNow');
    expect(now.ok).toBe(false);
    if (!now.ok) expect(now.error.code).toBe('AUTH_FAILED');
    // Still scheduled and still serving.
    expect((await h.ok('archive:status')).nextRunAt).toBeDefined();
    expect((await h.ok('settings:get')).autoArchive?.connectionId).toBe(bad.id);
    await h.ok('settings:set', { autoArchive: block() });
  });

  it.each([
    ['a bad time', { time: '24:00' }],
    ['a time without minutes', { time: '7' }],
    ['days 0', { days: 0 }],
    ['days over 30', { days: 31 }],
    ['fractional days', { days: 1.5 }],
    ['a relative folder', { folder: 'archive' }],
    ['a folder with ..', { folder: '/tmp/../etc' }],
    ['an unknown connection', { connectionId: 'no-such-connection' }],
    ['no connection while enabled', { connectionId: '' }],
    ['an extra key', { every: 'hour' }],
  ])('refuses %s with BAD_INPUT', async (_name, over) => {
    const before = await h.ok('settings:get');
    const status = await h.ok('archive:status');
    const result = await h.raw('settings:set', { autoArchive: { ...block(), ...over } });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('BAD_INPUT');
    expect(await h.ok('settings:get')).toEqual(before);
    expect(await h.ok('archive:status')).toEqual(status);
  });

  it('refuses a missing field, an argument to runNow, and runNow with no connection chosen', async () => {
    const { days: _days, ...missing } = block();
    const code = (r: { ok: boolean; error?: { code: string } }): string | undefined => (r.ok ? undefined : r.error?.code);
    expect(code(await h.raw('settings:set', { autoArchive: missing }))).toBe('BAD_INPUT');
    expect(code(await h.raw('archive:runNow', { now: true }))).toBe('BAD_INPUT');
    await h.ok('settings:set', { autoArchive: block({ enabled: false, connectionId: '' }) });
    expect((await h.ok('archive:status')).nextRunAt).toBeUndefined();
    expect(code(await h.call('archive:runNow'))).toBe('BAD_INPUT');
    await h.ok('settings:set', { autoArchive: block() });
  });
});

describe('at the next start', () => {
  it('catches up a missed run only when the last run is over 24 h old', async () => {
    const last = Date.parse((await h.ok('archive:status')).lastRun?.at ?? '');
    const setting = (await h.ok('settings:get')).autoArchive;
    await h.close();

    // Started again 2 h after the last run: the next slot, no catch-up.
    const soon = new FakeClock(last + 2 * HOUR);
    h = await startHarness({ root, service: { clock: soon } });
    expect((await h.ok('archive:status')).nextRunAt).toBe(new Date(expectedNext(setting?.time ?? '', soon.now())).toISOString());
    await h.close();

    // Started 30 h after it (the app was closed at the scheduled time): a run shortly after start.
    const late = new FakeClock(last + 30 * HOUR);
    h = await startHarness({ root, service: { clock: late } });
    expect((await h.ok('archive:status')).nextRunAt).toBe(new Date(late.now() + CATCH_UP_DELAY_MS).toISOString());
    // The demo server is new (a new port): point the saved demo connection at it, then let the catch-up run.
    await h.ok('demo:connect');
    const done = waitForEvent(h.service, 'archive:done', () => true, 'catch-up archive:done');
    late.advanceTo(late.now() + CATCH_UP_DELAY_MS);
    const run = await done;
    expect(run.at).toBe(new Date(last + 30 * HOUR + CATCH_UP_DELAY_MS).toISOString());
    expect(run.error).toBeUndefined();
    expect((await h.ok('archive:status')).nextRunAt).toBe(new Date(expectedNext(setting?.time ?? '', late.now())).toISOString());
  });
});
