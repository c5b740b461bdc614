// The queue against the demo server: real sockets, real files, a real conf store.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from '../../../main/core/api-client.ts';
import { openConfStore } from '../../../main/core/conf-store.ts';
import { isEmrecError } from '../../../main/core/errors.ts';
import { History } from '../../../main/core/history.ts';
import { DownloadQueue, makeRefreshUrl, type DownloadJob, type DownloadQueueOptions } from '../../../main/core/queue/download-queue.ts';
import { SavedQueue, type SavedEntry } from '../../../main/core/queue/saved-queue.ts';
import type { QueueProgress } from '../../../main/core/progress.ts';
import type { Recording } from '../../../main/core/record.ts';
import { MemoryTokenCache } from '../../../main/core/token.ts';
import { plainUserName, planPath } from '../../../main/core/naming.ts';
import { startDemoServer, syntheticCatalogue, type DemoServer } from '../../../main/demo/server.ts';

const SIZE = 1_500_000;
const FAST_RETRY = { limit: 8, baseDelayMs: 20, maxDelayMs: 200 };

let demo: DemoServer;
let client: ApiClient;
let records: Recording[];
let appkey: string;
let dir: string;
let outDir: string;
let history: History;
let saved: SavedQueue;
let storeDir: string;
const queues: DownloadQueue[] = [];

beforeAll(async () => {
  demo = await startDemoServer({ catalogue: syntheticCatalogue({ count: 6, size: SIZE, perConference: 3 }) });
  appkey = `${demo.org}#${demo.app}`;
  client = createApiClient(
    { server: demo.url, org: demo.org, app: demo.app, timezone: 'Asia/Shanghai', auth: { type: 'client', clientId: demo.clientId, clientSecret: demo.clientSecret } },
    { tokenCache: new MemoryTokenCache() },
  );
  records = [];
  for (const confrId of new Set(demo.files.map((f) => f.confrId))) records.push(...(await client.listConference(confrId)).records);
  records.sort((a, b) => a.id - b.id);
  expect(records).toHaveLength(6);
});

afterAll(async () => {
  await demo?.close();
});

beforeEach(() => {
  Object.assign(demo.faults, { ignoreRange: false, expireUrlsNow: false, cutAfterBytes: undefined, stall: undefined, bytesPerSecond: undefined, missingIds: undefined });
  demo.resetStats();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emrec-queue-'));
  outDir = path.join(dir, 'out');
  storeDir = path.join(dir, 'store');
  history = new History(openConfStore(storeDir).store);
  saved = new SavedQueue(storeDir);
});

afterEach(async () => {
  for (const q of queues.splice(0)) {
    q.cancel();
    await q.onIdle();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A queue whose `put` adds under one job, as one "Download selected" does. */
class JobQueue extends DownloadQueue {
  readonly job: DownloadJob;
  constructor(options: DownloadQueueOptions, job: DownloadJob) {
    super(options);
    this.job = job;
  }
  put(batch: readonly Recording[]): { queued: number; skipped: number } {
    return this.add(batch, this.job);
  }
}

type QueueOver = Partial<DownloadQueueOptions> & Partial<Omit<DownloadJob, 'appkey'>>;

function makeQueue(over: QueueOver = {}, store: { history: History; saved: SavedQueue } = { history, saved }): JobQueue {
  const { template, force, postProcess, refreshUrl, outDir: out, ...options } = over;
  const job: DownloadJob = {
    appkey,
    outDir: out ?? outDir,
    refreshUrl: refreshUrl ?? makeRefreshUrl(client),
    ...(template !== undefined ? { template } : {}),
    ...(force !== undefined ? { force } : {}),
    ...(postProcess !== undefined ? { postProcess } : {}),
  };
  if (template !== undefined) planPath(records[0]!, template); // a bad template fails here, as in the app
  const q = new JobQueue({ history: store.history, saved: store.saved, retry: FAST_RETRY, ...options }, job);
  queues.push(q);
  return q;
}

/** What a restarted process finds in the saved queue file. */
function savedOnDisk(): SavedEntry[] {
  saved.flush();
  return new SavedQueue(storeDir).entries();
}


/** Resolves when a 'progress' event shows the item past `bytes`. */
function waitBytes(q: DownloadQueue, id: number, bytes: number): Promise<void> {
  return new Promise((resolve) => {
    const on = (p: QueueProgress): void => {
      if (p.items.some((i) => i.id === id && i.bytes > bytes)) {
        q.off('progress', on);
        resolve();
      }
    };
    q.on('progress', on);
  });
}

const sha256Of = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const rec = (i: number): Recording => records[i] as Recording;

describe('DownloadQueue', () => {
  it('downloads everything with the concurrency limit observed, records history and reports progress', async () => {
    const q = makeQueue({ concurrency: 2 });
    let downloading = 0;
    let maxDownloading = 0;
    const states = new Map<number, string>();
    q.on('item', (i) => {
      const was = states.get(i.id);
      states.set(i.id, i.state);
      if (i.state === 'downloading' && was !== 'downloading') downloading += 1;
      if (was === 'downloading' && i.state !== 'downloading') downloading -= 1;
      maxDownloading = Math.max(maxDownloading, downloading);
    });
    const progress: QueueProgress[] = [];
    q.on('progress', (p) => progress.push(p));
    q.put(records);
    await q.onIdle();

    expect(maxDownloading).toBe(2);
    const snap = q.snapshot();
    expect(snap.map((i) => i.state)).toEqual(Array(6).fill('done'));
    for (const item of snap) {
      const abs = path.join(outDir, item.path);
      expect(sha256Of(abs)).toBe(await demo.expectedSha256(item.id));
      const entry = history.get(appkey, item.id);
      expect(entry?.sha256).toBe(await demo.expectedSha256(item.id));
      expect(entry?.path).toBe(abs);
      expect(entry?.size).toBe(SIZE);
    }
    expect(snap[0]?.path).toMatch(/^\d{4}-\d{2}-\d{2}\/BENCH_[^/]+\/\d{6}_bench_user_0_ONLY_REC_ONE_AV_\d+\.webm$/);
    const last = progress.at(-1);
    expect(last?.counts.done).toBe(6);
    expect(last?.bytes).toBe(6 * SIZE);
    expect(last?.total).toBe(6 * SIZE);
    expect(savedOnDisk()).toEqual([]); // nothing unfinished left saved
  });

  it('skips ids already in history unless forced', async () => {
    const first = makeQueue();
    first.put(records.slice(0, 2));
    await first.onIdle();
    demo.resetStats();

    const again = makeQueue();
    again.put(records.slice(0, 3));
    await again.onIdle();
    expect(again.snapshot().map((i) => i.state)).toEqual(['skipped', 'skipped', 'done']);
    expect(again.snapshot()[0]?.path).toBe(first.snapshot()[0]?.path);
    expect(demo.stats.fileRequests).toBe(1);

    const forced = makeQueue({ force: true });
    forced.put(records.slice(0, 1));
    await forced.onIdle();
    expect(forced.snapshot()[0]?.state).toBe('done');
    expect(forced.snapshot()[0]?.path).toBe(first.snapshot()[0]?.path); // same file, overwritten
    expect(demo.stats.fileRequests).toBe(2);
  });

  it('a finished file fetched again (force) starts from 0 bytes, so the overall progress does not read 100 % before a byte', async () => {
    const q = makeQueue();
    q.put(records.slice(0, 1));
    await q.onIdle();
    expect(q.snapshot()[0]?.bytes).toBeGreaterThan(0);
    q.add(records.slice(0, 1), { ...q.job, force: true });
    const [item] = q.snapshot();
    expect(['waiting', 'downloading']).toContain(item?.state);
    expect(item?.bytes).toBe(0);
    await q.onIdle();
    expect(q.snapshot()[0]?.state).toBe('done');
  });

  it('Clear finished takes saved files off the list (said in the next progress event); their files and history stay, so adding them again skips them', async () => {
    const q = makeQueue();
    q.put(records.slice(0, 2));
    await q.onIdle();
    const removed = new Promise<readonly number[]>((resolve) => q.once('progress', (p: QueueProgress) => resolve(p.removed ?? [])));
    expect(q.clearFinished()).toBe(2);
    expect(await removed).toEqual(records.slice(0, 2).map((r) => r.id));
    expect(q.snapshot()).toEqual([]);
    expect(q.progress().counts.done).toBe(0);
    for (const r of records.slice(0, 2)) expect(history.has(appkey, r.id)).toBe(true);
    expect(q.put(records.slice(0, 2))).toEqual({ queued: 0, skipped: 2 });
  });

  it('gives records that map to one path distinct paths', async () => {
    const q = makeQueue({ template: '{confrId}.{ext}' });
    q.put(records.slice(0, 3)); // one conference
    await q.onIdle();
    const paths = q.snapshot().map((i) => i.path);
    expect(new Set(paths.map((p) => p.toLowerCase())).size).toBe(3);
    expect(paths[1]).toBe(paths[0]?.replace(/\.webm$/, `_${rec(1).id}.webm`));
    for (const item of q.snapshot()) expect(sha256Of(path.join(outDir, item.path))).toBe(await demo.expectedSha256(item.id));
  });

  it('never overwrites a file it did not download', async () => {
    const probe = makeQueue({ template: '{id}.{ext}', freeBytes: async () => 0 });
    probe.put([rec(0)]);
    await probe.onIdle();
    const planned = probe.snapshot()[0]?.path as string;
    fs.writeFileSync(path.join(outDir, planned), 'mine');
    const q = makeQueue({ template: '{id}.{ext}' });
    q.put([rec(0)]);
    await q.onIdle();
    expect(q.snapshot()[0]?.path).toBe(planned.replace(/\.webm$/, `_${rec(0).id}.webm`));
    expect(fs.readFileSync(path.join(outDir, planned), 'utf8')).toBe('mine');
  });

  it('validates template and concurrency', () => {
    expect(() => makeQueue({ template: '{nope}' })).toThrow(/Unknown field/);
    for (const bad of [0, 17, 1.5]) {
      try {
        makeQueue({ concurrency: bad });
        expect.unreachable();
      } catch (error) {
        expect(isEmrecError(error, 'BAD_INPUT')).toBe(true);
      }
    }
    const q = makeQueue();
    expect(() => q.setConcurrency(99)).toThrow(/1 to 16/);
    q.setConcurrency(16);
    expect(q.concurrency).toBe(16);
  });

  it('pauses keeping the .part, resumes from it, and cancel removes it', async () => {
    demo.faults.bytesPerSecond = 1_000_000;
    const q = makeQueue({ concurrency: 2 });
    const [a, b] = [rec(0), rec(1)];
    q.put([a, b]);
    const seen: QueueProgress[] = [];
    q.on('progress', (p) => seen.push(p));
    await Promise.all([waitBytes(q, a.id, 600_000), waitBytes(q, b.id, 300_000)]);
    // the server paces at 1 MB/s, so 600 KB took over half a second: speed and ETA are known
    const moving = seen.flatMap((p) => p.items).filter((i) => i.id === a.id && i.state === 'downloading' && i.speed > 0);
    expect(moving.length).toBeGreaterThan(0);
    expect(moving.at(-1)?.eta).toBeGreaterThan(0);
    expect(seen.some((p) => p.speed > 0 && p.eta !== undefined)).toBe(true);
    q.pause(a.id);
    q.cancel(b.id);
    await q.onIdle();
    const [pa, pb] = q.snapshot();
    expect(pa?.state).toBe('paused');
    expect(pb?.state).toBe('cancelled');
    const partA = path.join(outDir, `${pa?.path}.part`);
    const kept = fs.statSync(partA).size;
    expect(kept).toBeGreaterThan(600_000);
    expect(fs.existsSync(path.join(outDir, `${pb?.path}.part`))).toBe(false);
    expect(fs.existsSync(path.join(outDir, pb?.path as string))).toBe(false);
    expect(savedOnDisk().map((e) => [e.id, e.state])).toEqual([[a.id, 'paused']]);

    demo.faults.bytesPerSecond = undefined;
    demo.resetStats();
    q.resume();
    await q.onIdle();
    expect(q.snapshot()[0]?.state).toBe('done');
    expect(q.snapshot()[1]?.state).toBe('cancelled'); // resume() is for paused items only
    expect(sha256Of(path.join(outDir, pa?.path as string))).toBe(await demo.expectedSha256(a.id));
    expect(demo.stats.fileBytesSent).toBeLessThanOrEqual(SIZE - kept + 200_000);

    q.retry(b.id);
    await q.onIdle();
    expect(q.snapshot()[1]?.state).toBe('done');
  });

  it('survives a restart: a new process takes up every saved file, paused ones too, and resumes the .part', async () => {
    demo.faults.bytesPerSecond = 1_000_000;
    const q1 = makeQueue({ concurrency: 1 });
    q1.put(records.slice(0, 2));
    await waitBytes(q1, rec(0).id, 300_000);
    q1.pause();
    await q1.onIdle();
    queues.splice(queues.indexOf(q1), 1); // "the process ended"

    demo.faults.bytesPerSecond = undefined;
    demo.resetStats();
    const reopened = { history: new History(openConfStore(storeDir).store), saved: new SavedQueue(storeDir) };
    expect(reopened.saved.entries().map((e) => e.state)).toEqual(['paused', 'paused']);
    const q2 = makeQueue({}, reopened);
    expect(q2.restore((entry) => ({ appkey: entry.appkey, outDir: entry.outDir, template: entry.template ?? '' }))).toBe(2);
    expect(q2.snapshot().every((i) => i.state === 'waiting' || i.state === 'downloading')).toBe(true);
    await q2.onIdle();
    expect(q2.snapshot().map((i) => i.state)).toEqual(['done', 'done']);
    expect(demo.stats.fileBytesSent).toBeLessThan(2 * SIZE); // the first file was resumed
    for (const item of q2.snapshot()) expect(reopened.history.get(appkey, item.id)?.sha256).toBe(await demo.expectedSha256(item.id));
    reopened.saved.flush();
    expect(new SavedQueue(storeDir).entries()).toEqual([]);
  });

  it('pausing a conversion stops ffmpeg at once; resuming converts the downloaded file again, nothing downloaded twice', async () => {
    let runs = 0;
    let started!: () => void;
    let converting = new Promise<void>((r) => (started = r));
    const aborted: boolean[] = [];
    const q = makeQueue({
      postProcess: async (_item, absPath, signal) => {
        runs += 1;
        if (runs === 1) {
          started();
          await new Promise((_resolve, reject) => signal.addEventListener('abort', () => (aborted.push(true), reject(signal.reason))));
        }
        const out = absPath.replace(/\.webm$/, '.mkv');
        await fs.promises.copyFile(absPath, out);
        return { path: out, convert: { path: out, mode: 'copy', ffmpegVersion: 'test' } };
      },
    });
    q.put(records.slice(0, 1));
    await converting;
    const sent = demo.stats.fileBytesSent;
    q.pause();
    expect(aborted).toEqual([true]);
    expect(q.snapshot().map((i) => i.state)).toEqual(['paused']);
    await q.onIdle(); // idle at once: a paused conversion is not waited for (Pause and Quit)
    saved.flush();
    expect(new SavedQueue(storeDir).entries().map((e) => [e.state, e.downloaded?.size])).toEqual([['paused', SIZE]]);
    converting = Promise.resolve();
    q.resume();
    await q.onIdle();
    expect(q.snapshot().map((i) => i.state)).toEqual(['done']);
    expect(runs).toBe(2);
    expect(demo.stats.fileBytesSent).toBe(sent); // converted from the downloaded file
    expect(history.get(appkey, rec(0).id)?.sha256).toBe(await demo.expectedSha256(rec(0).id));
  });

  it('a restart during conversion converts the downloaded file instead of downloading it again', async () => {
    let started!: () => void;
    const converting = new Promise<void>((r) => (started = r));
    const q1 = makeQueue({
      postProcess: (_item, _absPath, signal) => {
        started();
        return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
      },
    });
    q1.put(records.slice(0, 1));
    await converting;
    saved.flush();
    queues.splice(queues.indexOf(q1), 1); // "the process ended" while ffmpeg ran
    const sentBefore = demo.stats.fileBytesSent;

    const reopened = { history: new History(openConfStore(storeDir).store), saved: new SavedQueue(storeDir) };
    expect(reopened.saved.entries().map((e) => [e.id, e.state, e.downloaded?.size])).toEqual([[rec(0).id, 'converting', SIZE]]);
    const converted: string[] = [];
    const q2 = makeQueue({}, reopened);
    const restored = q2.restore((entry) => ({
      appkey: entry.appkey,
      outDir: entry.outDir,
      postProcess: async (_item, absPath) => {
        converted.push(absPath);
        const out = absPath.replace(/\.webm$/, '.mkv');
        await fs.promises.copyFile(absPath, out);
        return { path: out, convert: { path: out, mode: 'copy', ffmpegVersion: 'test' } };
      },
    }));
    expect(restored).toBe(1);
    await q2.onIdle();
    const [item] = q2.snapshot();
    expect(item?.state).toBe('done');
    expect(converted).toHaveLength(1);
    expect(demo.stats.fileBytesSent).toBe(sentBefore); // nothing downloaded again
    expect(reopened.history.get(appkey, rec(0).id)?.sha256).toBe(await demo.expectedSha256(rec(0).id));
    expect(fs.readdirSync(path.dirname(converted[0]!)).sort()).toEqual([path.basename(converted[0]!), path.basename(converted[0]!).replace(/\.webm$/, '.mkv')].sort());
    reopened.saved.flush();
    expect(new SavedQueue(storeDir).entries()).toEqual([]);
  });

  it('asks the host for the size of waiting files (one byte each), so the overall total is right before they start', async () => {
    demo.faults.bytesPerSecond = 400_000;
    const q = makeQueue({ concurrency: 1, sizeLookups: 2 });
    let sizedEarly: QueueProgress | undefined;
    q.on('progress', (p) => {
      if (!sizedEarly && p.counts.waiting >= 4 && p.total === 6 * SIZE) sizedEarly = p;
    });
    q.put(records);
    await q.onIdle();
    expect(sizedEarly?.counts.done).toBe(0);
    expect(sizedEarly?.items.filter((i) => i.state === 'waiting').every((i) => i.total === SIZE)).toBe(true);
    // each lookup is a one-byte range: the files themselves are fetched once
    expect(demo.stats.fileBytesSent).toBeLessThan(6 * SIZE + 6 * 1024);
    for (const item of q.snapshot()) expect(sha256Of(path.join(outDir, item.path))).toBe(await demo.expectedSha256(item.id));
  });

  it('says who, which meeting, when and what each file is, how many requests it took and whether its link was renewed', async () => {
    demo.faults.expireUrlsNow = true;
    const q = makeQueue();
    q.add(records.slice(0, 1), { ...q.job, zone: 'Asia/Shanghai' });
    await q.onIdle();
    const [item] = q.snapshot();
    const r = rec(0);
    expect(item).toMatchObject({ state: 'done', user: plainUserName(r), confrId: r.confrId, recordType: r.recordType, urlRefreshed: true });
    expect(item?.attempts).toBeGreaterThanOrEqual(1);
    // the server's local time in its zone, as an instant
    const [d, t] = (r.confrBeginTime ?? '').split(' ');
    expect(item?.recordedAt).toBe(new Date(`${d}T${t}+08:00`).toISOString());
  });

  it('counts per batch: a Download selected begun while nothing runs is a new batch, one added while files run joins it, a retry stays in it', async () => {
    const q = makeQueue({ concurrency: 1 });
    q.put(records.slice(0, 2));
    await q.onIdle();
    expect(q.progress().batchCounts).toMatchObject({ done: 2 });

    demo.faults.bytesPerSecond = 2_000_000;
    q.put(records.slice(2, 3)); // nothing ran: a new batch
    q.put(records.slice(3, 4)); // added while it runs: the same batch
    const running = q.progress();
    expect(running.counts.done).toBe(2); // the list still holds the first two
    expect(running.batchCounts.done).toBe(0);
    expect(running.batchCounts.waiting + running.batchCounts.downloading).toBe(2);
    await q.onIdle();
    const ended = q.progress();
    expect(ended.counts.done).toBe(4);
    expect(ended.batchCounts).toMatchObject({ done: 2, skipped: 0, failed: 0 });
    expect(ended.bytes).toBe(2 * SIZE); // the bar is the batch's: 2 files, not 4
    expect(ended.total).toBe(2 * SIZE);

    // a failed file retried later joins the batch running or last begun (its end says it saved)
    demo.faults.missingIds = [rec(4).id];
    q.put(records.slice(4, 5));
    await q.onIdle();
    expect(q.progress().batchCounts).toMatchObject({ done: 0, failed: 1 });
    demo.faults.missingIds = undefined;
    q.put(records.slice(5, 6));
    await q.onIdle();
    q.retry(rec(4).id);
    await q.onIdle();
    expect(q.progress().batchCounts).toMatchObject({ done: 2, failed: 0 });
    expect(q.progress().counts.done).toBe(6);
  });

  it('refreshes expired URLs through the conference listing', async () => {
    demo.faults.expireUrlsNow = true;
    const q = makeQueue();
    q.put(records.slice(0, 2));
    await q.onIdle();
    expect(q.snapshot().map((i) => i.state)).toEqual(['done', 'done']);
    for (const item of q.snapshot()) expect(sha256Of(path.join(outDir, item.path))).toBe(await demo.expectedSha256(item.id));
  });

  it('fails items with DISK_FULL on a full disk and writes no final file', async () => {
    const q = makeQueue({ freeBytes: async () => 10 });
    q.put(records.slice(0, 2));
    await q.onIdle();
    for (const item of q.snapshot()) {
      expect(item.state).toBe('failed');
      expect(item.error?.code).toBe('DISK_FULL');
      expect(item.error?.details).toMatchObject({ needed: SIZE, free: 10 });
      expect(fs.existsSync(path.join(outDir, item.path))).toBe(false);
    }
    expect(history.all()).toEqual([]);
  });

  it('resumes after a cut inside the queue', async () => {
    demo.faults.cutAfterBytes = { bytes: 700_000, times: 2 };
    const q = makeQueue({ concurrency: 1 });
    q.put(records.slice(0, 1));
    await q.onIdle();
    expect(q.snapshot()[0]?.state).toBe('done');
    expect(demo.stats.fileBytesSent).toBeLessThan(SIZE + 200_000);
  });

  it('runs the conversion hook in its own slots, reporting percent, and records its result', async () => {
    const converting: number[] = [];
    const q = makeQueue({
      postProcess: async (item, absPath) => {
        item.reportConvert(50);
        const out = absPath.replace(/\.webm$/, '.mkv');
        await fs.promises.copyFile(absPath, out);
        return { path: out, convert: { path: out, mode: 'copy', ffmpegVersion: 'test' } };
      },
    });
    q.on('item', (i) => i.state === 'converting' && converting.push(i.id));
    q.put(records.slice(0, 2));
    await q.onIdle();
    expect(converting.sort()).toEqual([rec(0).id, rec(1).id].sort());
    for (const item of q.snapshot()) {
      expect(item.state).toBe('done');
      expect(item.path.endsWith('.mkv')).toBe(true);
      const entry = history.get(appkey, item.id);
      expect(entry?.convert?.mode).toBe('copy');
      expect(entry?.path.endsWith('.webm')).toBe(true);
      expect(fs.existsSync(path.join(outDir, item.path))).toBe(true);
    }
  });

  it('a failed conversion fails the item without history, and retry re-runs only the conversion', async () => {
    let fail = true;
    const q = makeQueue({
      postProcess: async (_item, absPath) => {
        if (fail) throw Object.assign(new Error('ffmpeg exploded'), { code: 'X' });
        return { path: absPath };
      },
    });
    q.put(records.slice(0, 1));
    await q.onIdle();
    expect(q.snapshot()[0]?.state).toBe('failed');
    expect(history.has(appkey, rec(0).id)).toBe(false);
    demo.resetStats();
    fail = false;
    q.retry(rec(0).id);
    await q.onIdle();
    expect(q.snapshot()[0]?.state).toBe('done');
    expect(demo.stats.fileRequests).toBe(0);
    expect(history.has(appkey, rec(0).id)).toBe(true);
  });
});
