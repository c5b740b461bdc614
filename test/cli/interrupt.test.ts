// Every way a run can be interrupted, through the real emrec launcher, real sockets and real files:
// after it, the next run finishes every file byte-identical, exactly once, with nothing left behind.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startDemoServer, syntheticCatalogue, type DemoServer } from '../../main/demo/server.ts';
import { connFlags, lastJsonLine, runEmrec, sha256File, startEmrec, type Summary } from '../helpers/cli.ts';
import { waitFor } from '../helpers/wait.ts';

let work: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'emrec-interrupt-'));
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** Every file under `dir`, relative, with `/`. */
function filesIn(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)))
    .map((f) => f.split(path.sep).join('/'))
    .sort();
}

/** The folder holds exactly one complete, byte-identical file per recording, and nothing else. */
async function expectComplete(server: DemoServer, out: string, summary: Summary): Promise<void> {
  expect(summary.failed, JSON.stringify(summary.files.filter((f) => f.status !== 'done' && f.status !== 'skipped'))).toBe(0);
  expect(summary.files).toHaveLength(server.files.length);
  expect(filesIn(out)).toEqual(summary.files.map((f) => f.path).sort());
  for (const file of summary.files) expect(await sha256File(path.join(out, file.path)), file.path).toBe(await server.expectedSha256(file.id));
}

describe('interrupted runs', () => {
  let server: DemoServer;
  const COUNT = 8;
  const SIZE = 1_000_000;

  beforeAll(async () => {
    server = await startDemoServer({ catalogue: syntheticCatalogue({ count: COUNT, size: SIZE, perConference: COUNT }) });
  });
  afterAll(async () => {
    await server?.close();
  });
  beforeEach(() => {
    Object.assign(server.faults, { bytesPerSecond: undefined, filesMissing: false });
    server.resetStats();
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} keeps partial files, prints the summary, exits 130; the next run finishes every file`, async () => {
      const out = path.join(work, `${signal}-out`);
      const args = ['download', ...connFlags(server), '--days', '3', '--out', out, '--concurrency', '3', '--json', '--state-dir', path.join(work, `${signal}-state`)];
      server.faults.bytesPerSecond = 1_000_000;
      const first = startEmrec(args);
      await waitFor(() => server.stats.fileBytesSent > COUNT * SIZE * 0.3, 'a third of the batch');
      first.child.kill(signal);
      const stopped = await first.done;
      expect(stopped.code, stopped.stderr).toBe(130);
      const partial = lastJsonLine<Summary>(stopped.stdout);
      expect(partial.files.filter((f) => f.status === 'paused').length).toBeGreaterThan(0);
      expect(partial.paused).toBe(partial.files.filter((f) => f.status === 'paused').length); // stopped, not failed
      expect(partial.failed).toBe(0);
      expect(filesIn(out).some((f) => f.endsWith('.part'))).toBe(true);

      server.faults.bytesPerSecond = undefined;
      const second = await runEmrec(args);
      expect(second.code, second.stderr).toBe(0);
      const summary = lastJsonLine<Summary>(second.stdout);
      expect(summary.downloaded).toBe(COUNT - partial.downloaded);
      await expectComplete(server, out, summary);
      expect(server.stats.fileBytesSent).toBeLessThan(COUNT * SIZE * 1.05);
    });
  }

  it('a run where every file 404ed fails them all (exit 1); the next run against a healthy server gets them all', async () => {
    const out = path.join(work, '404-out');
    const args = ['download', ...connFlags(server), '--days', '3', '--out', out, '--json', '--state-dir', path.join(work, '404-state')];
    server.faults.filesMissing = true;
    const began = Date.now();
    const first = await runEmrec(args);
    expect(first.code, first.stderr).toBe(1);
    // the 404 bodies are read, so no socket holds the process for got's 30 s socket timeout
    expect(Date.now() - began).toBeLessThan(10_000);
    const failed = lastJsonLine<Summary>(first.stdout);
    expect(failed.files.map((f) => f.error)).toEqual(Array(COUNT).fill('FILE_GONE'));

    server.faults.filesMissing = false;
    for (const round of [1, 2]) {
      const next = await runEmrec(args);
      expect(next.code, next.stderr).toBe(0);
      const summary = lastJsonLine<Summary>(next.stdout);
      expect(summary.downloaded, `round ${round}`).toBe(round === 1 ? COUNT : 0);
      await expectComplete(server, out, summary);
    }
  });

  it('two runs at once on one state folder: the second refuses naming the first (exit 2), or with --wait waits; every file once', async () => {
    const out = path.join(work, 'two-out');
    const args = ['download', ...connFlags(server), '--days', '3', '--out', out, '--concurrency', '4', '--json', '--state-dir', path.join(work, 'two-state')];
    server.faults.bytesPerSecond = 2_000_000;
    const first = startEmrec(args);
    await waitFor(() => server.stats.fileBytesSent > 0, 'the first run downloading');
    const refused = await runEmrec(args);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain(`pid ${first.child.pid}`);
    const waiting = startEmrec([...args, '--wait']);
    const [a, b] = await Promise.all([first.done, waiting.done]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(lastJsonLine<Summary>(a.stdout).downloaded).toBe(COUNT);
    const second = lastJsonLine<Summary>(b.stdout);
    expect(second.skipped).toBe(COUNT);
    await expectComplete(server, out, second);
    expect(server.stats.fileBytesSent).toBeLessThanOrEqual(COUNT * SIZE * 1.15);
  });

  it('two runs at once on one download folder with different state folders: the second refuses (exit 2), or with --wait adopts every file the first wrote', async () => {
    const out = path.join(work, 'two-folder-out');
    const args = (state: string): string[] => ['download', ...connFlags(server), '--days', '3', '--out', out, '--concurrency', '4', '--json', '--state-dir', path.join(work, state)];
    server.faults.bytesPerSecond = 2_000_000;
    const first = startEmrec(args('two-folder-a'));
    await waitFor(() => server.stats.fileBytesSent > 0, 'the first run downloading');
    const refused = await runEmrec(args('two-folder-b'));
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain(`pid ${first.child.pid}`);
    expect(refused.stderr).toContain(out);
    const waiting = startEmrec([...args('two-folder-c'), '--wait']);
    const [a, b] = await Promise.all([first.done, waiting.done]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(lastJsonLine<Summary>(a.stdout).downloaded).toBe(COUNT);
    const second = lastJsonLine<Summary>(b.stdout);
    expect(second.skipped).toBe(COUNT); // found in the folder, checked against the server, not fetched again
    await expectComplete(server, out, second);
    expect(server.stats.fileBytesSent).toBeLessThanOrEqual(COUNT * SIZE * 1.15);
  });

  it('a run into a folder inside the folder another run fills (other state folder, naming that makes the same files) refuses (exit 2), or with --wait waits; every file once', async () => {
    const outer = path.join(work, 'nested-out');
    const first = startEmrec(['download', ...connFlags(server), '--days', '3', '--out', outer, '--concurrency', '4', '--json', '--state-dir', path.join(work, 'nested-a')]);
    server.faults.bytesPerSecond = 2_000_000;
    await waitFor(() => server.stats.fileBytesSent > 0, 'the first run downloading');
    // the default naming is {date}/{confrId}/…: the same files, seen from inside the date folder
    const inner = path.join(outer, server.files[0]!.confrBeginTime.slice(0, 10));
    const innerArgs = ['download', ...connFlags(server), '--days', '3', '--out', inner, '--json', '--state-dir', path.join(work, 'nested-b'), '--name', '{confrId}/{time}_{user}_{recordType}_{id}.{ext}'];
    const refused = await runEmrec(innerArgs);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain(`pid ${first.child.pid}`);
    expect(refused.stderr).toContain(outer);
    const waiting = startEmrec([...innerArgs, '--wait']);
    const [a, b] = await Promise.all([first.done, waiting.done]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(lastJsonLine<Summary>(a.stdout).downloaded).toBe(COUNT);
    expect(lastJsonLine<Summary>(b.stdout).skipped).toBe(COUNT); // found in the folder, not fetched again
    expect(server.stats.fileBytesSent).toBeLessThanOrEqual(COUNT * SIZE * 1.15);
  });

  it('an API failure in the middle of the listing: the files already listed finish, the JSON summary says why, exit 3', async () => {
    const out = path.join(work, 'api-out');
    const response = await fetch(`${server.url}/${server.org}/${server.app}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: server.clientId, client_secret: server.clientSecret }),
    });
    const { access_token: token } = (await response.json()) as { access_token: string };
    // a pasted token (no renewal) that the server stops accepting after two pages of two
    server.faults.tokenInvalidAfterCalls = 2;
    try {
      const args = ['download', '--server', server.url, '--org', server.org, '--app', server.app, '--token', token, '--days', '3', '--page-size', '2', '--out', out, '--json', '--state-dir', path.join(work, 'api-state')];
      const result = await runEmrec(args);
      expect(result.code, result.stderr).toBe(3);
      const summary = lastJsonLine<Summary & { error?: string }>(result.stdout);
      expect(summary.error).toBe('AUTH_FAILED');
      // both pages listed before the failure: 2 + 1 new (the demo repeats the startId record)
      expect(summary.downloaded).toBe(3);
      expect(filesIn(out)).toHaveLength(3);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    } finally {
      delete server.faults.tokenInvalidAfterCalls;
    }
  });

  it('a lost or truncated state folder: the folder is the truth — nothing added, under 10% fetched again', async () => {
    const out = path.join(work, 'lost-out');
    const state = path.join(work, 'lost-state');
    const args = ['download', ...connFlags(server), '--days', '3', '--out', out, '--json', '--state-dir', state];
    const first = await runEmrec(args);
    expect(first.code, first.stderr).toBe(0);
    const before = filesIn(out);
    expect(before).toHaveLength(COUNT);

    const damage: [string, () => void][] = [
      ['truncated', () => {
        for (const f of fs.readdirSync(state)) {
          const file = path.join(state, f);
          fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2));
        }
      }],
      ['deleted', () => fs.rmSync(state, { recursive: true, force: true })],
    ];
    for (const [what, harm] of damage) {
      harm();
      server.resetStats();
      const again = await runEmrec(args);
      expect(again.code, `${what}: ${again.stderr}`).toBe(0);
      expect(filesIn(out), what).toEqual(before);
      await expectComplete(server, out, lastJsonLine<Summary>(again.stdout));
      expect(server.stats.fileBytesSent, what).toBeLessThan(COUNT * SIZE * 0.1);
      // and the state is whole again: a third run asks the file host nothing
      server.resetStats();
      const third = await runEmrec(args);
      expect(lastJsonLine<Summary>(third.stdout).skipped, what).toBe(COUNT);
      expect(server.stats.fileRequests, what).toBe(0);
    }
  });
});

describe('kill -9 while files are being renamed into place', () => {
  let server: DemoServer;
  const COUNT = 160;
  const SIZE = 40_000;

  beforeAll(async () => {
    server = await startDemoServer({ catalogue: syntheticCatalogue({ count: COUNT, size: SIZE, perConference: 40 }) });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('every file exactly once, no .part left, in each of several trials', async () => {
    for (let trial = 0; trial < 4; trial += 1) {
      const out = path.join(work, `kill9-${trial}`);
      const args = ['download', ...connFlags(server), '--days', '3', '--out', out, '--concurrency', '16', '--json', '--state-dir', path.join(work, `kill9-state-${trial}`)];
      const first = startEmrec(args);
      // killed as the first final files appear: some renamed, not yet recorded; many mid-write
      await waitFor(() => filesIn(out).filter((f) => f.endsWith('.webm')).length >= 1 + trial * 3, 'the first final files', 60_000);
      first.child.kill('SIGKILL');
      await first.done;
      const second = await runEmrec(args);
      expect(second.code, second.stderr).toBe(0);
      await expectComplete(server, out, lastJsonLine<Summary>(second.stdout));
    }
  });
});

/** A real small file system: tmpfs, mounted for the test (CI runs as root). */
function mountTmpfs(dir: string, size: string): boolean {
  try {
    fs.mkdirSync(dir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

const canMount = process.getuid?.() === 0 && mountTmpfs(path.join(tmpdir(), `emrec-mount-probe-${process.pid}`), '1m');
if (canMount) execFileSync('umount', [path.join(tmpdir(), `emrec-mount-probe-${process.pid}`)]);

describe.skipIf(!canMount)('a disk that fills during the writes (tmpfs; needs root to mount)', () => {
  let server: DemoServer;
  const COUNT = 12;
  const SIZE = 3_000_000;
  let disk: string;

  beforeAll(async () => {
    server = await startDemoServer({ catalogue: syntheticCatalogue({ count: COUNT, size: SIZE, perConference: COUNT }) });
    disk = path.join(work, 'disk');
    expect(mountTmpfs(disk, '20m')).toBe(true);
  });
  afterAll(async () => {
    await server?.close();
    if (disk) execFileSync('umount', [disk]);
  });

  it('fills the disk: DISK_FULL per file naming the folder, the JSON summary, exit 1; after space is freed the next run finishes', async () => {
    for (const stateOnDisk of [false, true]) {
      const out = path.join(disk, `out-${stateOnDisk}`);
      const state = stateOnDisk ? path.join(disk, 'state') : path.join(work, 'disk-state');
      const args = ['download', ...connFlags(server), '--days', '3', '--out', out, '--concurrency', '4', '--json', '--state-dir', state];
      const first = await runEmrec(args);
      expect(first.code, first.stderr).toBe(1);
      expect(first.stderr).not.toMatch(/\n\s+at /); // no stack trace
      const summary = lastJsonLine<Summary>(first.stdout);
      expect(summary.downloaded).toBeGreaterThan(0);
      expect(summary.files.filter((f) => f.status === 'failed').map((f) => f.error)).toContain('DISK_FULL');
      expect(summary.files.every((f) => f.status === 'done' || f.error === 'DISK_FULL')).toBe(true);
      expect(first.stderr).toContain(out);
      expect(fs.readdirSync(state).filter((name) => name.includes('.tmp'))).toEqual([]); // no private file left on the full disk

      execFileSync('mount', ['-o', 'remount,size=120m', disk]);
      const second = await runEmrec(args);
      expect(second.code, second.stderr).toBe(0);
      await expectComplete(server, out, lastJsonLine<Summary>(second.stdout));
      fs.rmSync(out, { recursive: true, force: true });
      fs.rmSync(state, { recursive: true, force: true });
      execFileSync('mount', ['-o', 'remount,size=20m', disk]);
    }
  });

  it('a read-only output folder is FOLDER_NOT_WRITABLE with the folder named, exit 4, no stack trace', async () => {
    const ro = path.join(work, 'ro');
    expect(mountTmpfs(ro, '1m')).toBe(true);
    try {
      execFileSync('mount', ['-o', 'remount,ro', ro]);
      const result = await runEmrec(['download', ...connFlags(server), '--days', '3', '--out', path.join(ro, 'out'), '--json', '--state-dir', path.join(work, 'ro-state')]);
      expect(result.code, result.stderr).toBe(4);
      expect(result.stderr).toContain(path.join(ro, 'out'));
      expect(result.stderr).toMatch(/read-only/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    } finally {
      execFileSync('umount', [ro]);
    }
  });
});
