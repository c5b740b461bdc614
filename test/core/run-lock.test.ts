// One run per state folder: real child processes hold, refuse, wait for and race for the lock file.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isEmrecError } from '../../main/core/errors.ts';
import { acquire, describeCommand, LOCK_FILE, PARTIAL_GRACE_MS, type LockInfo } from '../../main/core/run-lock.ts';

const MODULE = pathToFileURL(fileURLToPath(new URL('../../main/core/run-lock.ts', import.meta.url))).href;
const work = mkdtempSync(path.join(tmpdir(), 'emrec-lock-'));
let dirs = 0;
const freshDir = (): string => path.join(work, `state-${++dirs}`);

// A child that takes the lock of argv[2] and reports on stdout, one JSON line per event. Modes:
// hold (take it at once, release when stdin ends), race (read a start time from stdin, spin until
// then, take it; a stale lock found is held for 50 ms before the takeover, so that every racer has
// judged it stale before any takes it over), wait (take it with wait), exit (take it, then end
// without calling release).
const CHILD = path.join(work, 'child.mjs');
writeFileSync(
  CHILD,
  `import { acquire } from ${JSON.stringify(MODULE)};
const [dir, mode, command] = process.argv.slice(2);
const say = (o) => process.stdout.write(JSON.stringify({ pid: process.pid, ...o }) + '\\n');
let buffered = '';
const firstLine = () => new Promise((resolve) => {
  process.stdin.setEncoding('utf8');
  const onData = (d) => { buffered += d; const i = buffered.indexOf('\\n'); if (i >= 0) { process.stdin.off('data', onData); process.stdin.pause(); resolve(buffered.slice(0, i)); } };
  process.stdin.on('data', onData);
});
if (mode === 'race') {
  say({ event: 'ready' });
  const at = Number(await firstLine());
  while (Date.now() < at) {}
}
try {
  const onStale = mode === 'race' ? () => new Promise((resolve) => setTimeout(resolve, 50)) : undefined;
  const lock = await acquire(dir, { wait: mode === 'wait', pollMs: 20, command, onStale, onWait: (h) => say({ event: 'waiting', holder: h.pid }) });
  say({ event: 'acquired', at: Date.now() });
  if (mode !== 'exit') {
    process.stdin.on('end', () => { lock.release(); say({ event: 'released', at: Date.now() }); });
    process.stdin.resume();
  }
} catch (error) {
  say({ event: 'refused', code: error.code, message: error.message, details: error.details });
  process.exitCode = 2;
}
`,
);

interface ChildEvent {
  pid: number;
  event: 'ready' | 'acquired' | 'refused' | 'waiting' | 'released';
  at?: number;
  code?: string;
  message?: string;
  details?: Record<string, unknown>;
  holder?: number;
}

interface Child {
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly events: ChildEvent[];
  next(event: ChildEvent['event'], timeoutMs?: number): Promise<ChildEvent>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function start(dir: string, mode: 'hold' | 'race' | 'wait' | 'exit', command = `emrec download --days 3 (${mode})`): Child {
  const proc = spawn(process.execPath, [CHILD, dir, mode, command], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(proc);
  const events: ChildEvent[] = [];
  const waiters: (() => void)[] = [];
  let out = '';
  let err = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    for (let i = out.indexOf('\n'); i >= 0; i = out.indexOf('\n')) {
      events.push(JSON.parse(out.slice(0, i)) as ChildEvent);
      out = out.slice(i + 1);
      waiters.splice(0).forEach((w) => w());
    }
  });
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => {
      waiters.splice(0).forEach((w) => w());
      resolve({ code, signal });
    }),
  );
  return {
    proc,
    pid: proc.pid!,
    events,
    exited,
    next: (event, timeoutMs = 20_000) =>
      new Promise<ChildEvent>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`child ${proc.pid}: no "${event}" within ${timeoutMs} ms; events ${JSON.stringify(events)}; stderr ${err}`)), timeoutMs);
        const look = (): void => {
          const found = events.find((e) => e.event === event);
          if (found) {
            clearTimeout(timer);
            resolve(found);
          } else if (proc.exitCode !== null || proc.signalCode !== null) {
            clearTimeout(timer);
            reject(new Error(`child ${proc.pid} ended without "${event}"; events ${JSON.stringify(events)}; stderr ${err}`));
          } else waiters.push(look);
        };
        look();
      }),
  };
}

const lockOf = (dir: string): LockInfo => JSON.parse(readFileSync(path.join(dir, LOCK_FILE), 'utf8')) as LockInfo;

async function refusal(promise: Promise<unknown>): Promise<{ message: string; details: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    if (isEmrecError(error, 'ALREADY_RUNNING')) return { message: error.message, details: { ...error.details } };
    throw error;
  }
  throw new Error('expected ALREADY_RUNNING');
}

/** A lock file left by a holder killed with kill -9. */
async function staleLock(dir: string): Promise<number> {
  const holder = start(dir, 'hold');
  await holder.next('acquired');
  holder.proc.kill('SIGKILL');
  expect((await holder.exited).signal).toBe('SIGKILL');
  expect(lockOf(dir).pid).toBe(holder.pid); // left behind
  return holder.pid;
}

describe('run lock', () => {
  it('refuses a second run while the first holds the lock, naming its pid, command and start time', async () => {
    const dir = freshDir();
    const first = start(dir, 'hold', 'emrec download --days 3 --out /srv/rec');
    await first.next('acquired');
    const info = lockOf(dir);
    expect(info).toMatchObject({ pid: first.pid, host: hostname(), command: 'emrec download --days 3 --out /srv/rec' });

    const here = await refusal(acquire(dir));
    expect(here.details).toMatchObject({ pid: first.pid, command: 'emrec download --days 3 --out /srv/rec', startedAt: info.startedAt, host: hostname() });
    expect(here.message).toContain(`pid ${first.pid}`);
    expect(here.message).toContain('emrec download --days 3 --out /srv/rec');
    expect(here.message).toContain(info.startedAt);
    expect(here.message).toContain('--wait');

    // Another process is refused the same way.
    const second = start(dir, 'hold');
    const refused = await second.next('refused');
    expect(refused).toMatchObject({ code: 'ALREADY_RUNNING', details: { pid: first.pid } });
    expect((await second.exited).code).toBe(2);
    expect(lockOf(dir).pid).toBe(first.pid); // the refused run left the lock alone

    first.proc.stdin!.end();
    await first.next('released');
    await first.exited;
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    const mine = await acquire(dir);
    expect(lockOf(dir)).toMatchObject({ pid: process.pid, token: mine.info.token });
    mine.release();
  });

  it('takes over the lock of a holder killed with kill -9', async () => {
    const dir = freshDir();
    const dead = await staleLock(dir);
    const lock = await acquire(dir);
    expect(lockOf(dir).pid).toBe(process.pid);
    expect(lockOf(dir).pid).not.toBe(dead);
    // ...and a child started now is refused, naming this process.
    const late = start(dir, 'hold');
    expect(await late.next('refused')).toMatchObject({ code: 'ALREADY_RUNNING', details: { pid: process.pid } });
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('with wait, the second run gets the lock as soon as the first releases it', async () => {
    const dir = freshDir();
    const first = start(dir, 'hold');
    await first.next('acquired');
    const second = start(dir, 'wait');
    expect((await second.next('waiting')).holder).toBe(first.pid);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(second.events.some((e) => e.event === 'acquired')).toBe(false); // still waiting
    first.proc.stdin!.end();
    const released = await first.next('released');
    const acquired = await second.next('acquired');
    expect(acquired.at!).toBeGreaterThanOrEqual(released.at!);
    expect(lockOf(dir).pid).toBe(second.pid);
    second.proc.stdin!.end();
    await second.exited;
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });

  it('with wait, takes over when the holder is killed with kill -9 while waiting', async () => {
    const dir = freshDir();
    const first = start(dir, 'hold');
    await first.next('acquired');
    let waitedFor: number | undefined;
    const waiting = acquire(dir, { wait: true, pollMs: 20, onWait: (h) => (waitedFor = h.pid) });
    await new Promise((resolve) => setTimeout(resolve, 100));
    first.proc.kill('SIGKILL');
    const lock = await waiting;
    expect(waitedFor).toBe(first.pid);
    expect(lockOf(dir).pid).toBe(process.pid);
    lock.release();
  });

  it('cancels a wait with the signal (CANCELLED) and leaves the holder alone', async () => {
    const dir = freshDir();
    const first = start(dir, 'hold');
    await first.next('acquired');
    const controller = new AbortController();
    const waiting = acquire(dir, { wait: true, pollMs: 20, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(waiting).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(lockOf(dir).pid).toBe(first.pid);
  });

  it('releases on a normal exit without release()', async () => {
    const dir = freshDir();
    const child = start(dir, 'exit');
    await child.next('acquired');
    expect((await child.exited).code).toBe(0);
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });

  for (let round = 1; round <= 3; round++) {
    it(`8 concurrent racers on a stale lock: exactly one wins (round ${round})`, async () => {
      const dir = freshDir();
      await staleLock(dir);
      const racers = Array.from({ length: 8 }, () => start(dir, 'race'));
      await Promise.all(racers.map((r) => r.next('ready')));
      const at = Date.now() + 300;
      for (const r of racers) r.proc.stdin!.write(`${at}\n`);
      const outcomes = await Promise.all(
        racers.map(
          (r) =>
            new Promise<ChildEvent>((resolve, reject) => {
              void r.next('acquired').then(resolve, () => undefined);
              void r.next('refused').then(resolve, () => undefined);
              setTimeout(() => reject(new Error(`racer ${r.pid}: ${JSON.stringify(r.events)}`)), 20_000);
            }),
        ),
      );
      const winners = outcomes.filter((o) => o.event === 'acquired');
      expect(winners).toHaveLength(1);
      const winner = winners[0]!.pid;
      const losers = outcomes.filter((o) => o.event === 'refused');
      expect(losers).toHaveLength(7);
      for (const l of losers) expect(l).toMatchObject({ code: 'ALREADY_RUNNING', details: { pid: winner } });
      expect(lockOf(dir).pid).toBe(winner);
      expect(readdirSync(dir)).toEqual([LOCK_FILE]); // no claim or private file left behind
      for (const r of racers) r.proc.stdin!.end();
      await Promise.all(racers.map((r) => r.exited));
      expect(readdirSync(dir)).toEqual([]);
    }, 60_000);
  }

  it('is not blocked by a claim left by a racer killed in the middle of a takeover', async () => {
    const dir = freshDir();
    await staleLock(dir);
    const staleToken = lockOf(dir).token;
    // A claim on that stale lock whose owner is dead too (written as acquire writes it).
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => gone.on('exit', resolve));
    const deadPid = gone.pid!;
    const claim = { pid: deadPid, host: hostname(), startedAt: new Date().toISOString(), command: 'emrec sync', token: 'ab'.repeat(12) };
    writeFileSync(path.join(dir, `${LOCK_FILE}.break-${staleToken}`), JSON.stringify(claim));
    const lock = await acquire(dir);
    expect(lockOf(dir).pid).toBe(process.pid);
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
    lock.release();
  });

  it('takes over a lock file left empty or half-written once it is older than the grace period', async () => {
    const dir = freshDir();
    await acquire(dir).then((l) => l.release());
    const file = path.join(dir, LOCK_FILE);
    writeFileSync(file, '{"pid": 12');
    const old = (Date.now() - PARTIAL_GRACE_MS - 5_000) / 1000;
    utimesSync(file, old, old);
    const lock = await acquire(dir);
    expect(lockOf(dir).token).toBe(lock.info.token);
    lock.release();
    // A fresh half-written file is waited for (it is being written), then taken over.
    writeFileSync(file, '');
    const started = Date.now();
    const later = await acquire(dir, { pollMs: 50 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(PARTIAL_GRACE_MS - 100);
    later.release();
  });

  it('treats a lock naming a pid that now belongs to another process as stale', async () => {
    const dir = freshDir();
    await acquire(dir).then((l) => l.release());
    const file = path.join(dir, LOCK_FILE);
    // Our own pid, but not a lock this process holds (a container restarted with the same pid).
    writeFileSync(file, JSON.stringify({ pid: process.pid, host: hostname(), startedAt: '2026-01-01T00:00:00Z', command: 'emrec sync', token: 'cd'.repeat(12) }));
    const lock = await acquire(dir);
    expect(lockOf(dir).token).toBe(lock.info.token);
    lock.release();
    if (process.platform === 'linux') {
      // A live process with another start time than the lock recorded for that pid.
      const sleeper = spawn('sleep', ['30']);
      children.push(sleeper);
      writeFileSync(file, JSON.stringify({ pid: sleeper.pid, host: hostname(), startedAt: '2026-01-01T00:00:00Z', command: 'emrec sync', token: 'ef'.repeat(12), pidStart: '1' }));
      const again = await acquire(dir);
      expect(lockOf(dir).token).toBe(again.info.token);
      again.release();
    }
  });

  it('refuses a lock held on another host (it cannot be checked from here)', async () => {
    const dir = freshDir();
    await acquire(dir).then((l) => l.release());
    writeFileSync(
      path.join(dir, LOCK_FILE),
      JSON.stringify({ pid: 999_999, host: 'other-box', startedAt: new Date().toISOString(), command: 'emrec sync', token: '12'.repeat(12) }),
    );
    const refused = await refusal(acquire(dir));
    expect(refused.message).toContain('pid 999999 on other-box');
    expect(refused.details).toMatchObject({ pid: 999_999, host: 'other-box' });
  });

  it('release is idempotent and never removes a lock that is not its own', async () => {
    const dir = freshDir();
    const lock = await acquire(dir);
    expect(lock.released).toBe(false);
    lock.release();
    lock.release();
    expect(lock.released).toBe(true);
    const next = await acquire(dir);
    lock.release();
    expect(lockOf(dir).token).toBe(next.info.token);
    next.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it.skipIf(process.getuid?.() === 0)('reports a state folder it cannot write as FOLDER_NOT_WRITABLE (not as root, who writes anywhere)', async () => {
    const dir = freshDir();
    await acquire(dir).then((l) => l.release());
    const { chmodSync } = await import('node:fs');
    chmodSync(dir, 0o500);
    try {
      await expect(acquire(dir)).rejects.toMatchObject({ code: 'FOLDER_NOT_WRITABLE' });
    } finally {
      chmodSync(dir, 0o700);
    }
  });

  it('keeps secrets out of the command it records', () => {
    expect(describeCommand(['node', 'emrec.js', 'download', '--client-secret', 's3cret', '--token=T0K', '--org', 'o', '--out', 'a b'])).toBe(
      'emrec download --client-secret *** --token=*** --org o --out "a b"',
    );
  });
});
