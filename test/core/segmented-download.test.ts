// Large files over several connections of one budget, against the demo file host over real sockets into
// real files: byte-identical, within the budget, resumable after a pause, and back to one stream from
// zero when the host cannot serve ranges or the file changes.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConnectionBudget } from '../../main/core/connection-budget.ts';
import { isEmrecError } from '../../main/core/errors.ts';
import { downloadFile, partPath, type DownloadFileOptions, type DownloadFileResult } from '../../main/core/download-file.ts';
import { DownloadQueue, makeRefreshUrl } from '../../main/core/queue/download-queue.ts';
import { History } from '../../main/core/history.ts';
import { openConfStore } from '../../main/core/conf-store.ts';
import type { Recording } from '../../main/core/record.ts';
import { SegmentTable } from '../../main/core/segment-table.ts';
import { rangesToResume } from '../../main/core/segmented-download.ts';
import { RateLimiter } from '../../main/core/rate-limit.ts';
import { syntheticCatalogue } from '../../main/demo/server.ts';
import { demoFiles } from '../helpers/demo-files.ts';
import { waitFor } from '../helpers/wait.ts';

const MB = 1024 * 1024;
const SIZE = 48 * MB;
const FAST_RETRY = { limit: 8, baseDelayMs: 20, maxDelayMs: 200 };

const files = demoFiles({ catalogue: syntheticCatalogue({ count: 3, size: SIZE, perConference: 3 }) }, 'emrec-seg-');
const { fileId, recordOf, dest } = files;
let queues = 0;
const sha256Of = async (file: string): Promise<string> => {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
};

/**
 * Downloads `record` to a fresh target over a budget of `connections` (the file holds one of them) and
 * pauses it once `until()` holds (its part and sidecar stay); with what the download ended with.
 */
async function pausedPart(record: Recording, until: () => boolean, connections = 4): Promise<{ target: string; budget: ConnectionBudget; paused: unknown }> {
  const target = dest();
  const budget = new ConnectionBudget(connections, () => 1);
  const controller = new AbortController();
  const running = downloadFile({ url: record.url, dest: target, budget, signal: controller.signal, retry: FAST_RETRY });
  await waitFor(until, 'the moment to pause');
  controller.abort();
  return { target, budget, paused: await running.catch((error: unknown) => error) };
}

/** Downloads file `id` from `record`'s link and checks that both the result and the file on disk hold the server's bytes. */
async function downloadChecked(id: number, record: Recording, over: Omit<DownloadFileOptions, 'url' | 'dest'> & { dest?: string }): Promise<DownloadFileResult> {
  const result = await downloadFile({ url: record.url, dest: dest(), retry: FAST_RETRY, ...over });
  expect(result.sha256).toBe(await files.demo.expectedSha256(id));
  expect(await sha256Of(result.path)).toBe(result.sha256);
  return result;
}

/** The server has sent more than `share` of one file (since its stats were reset). */
const sentOver = (share: number) => (): boolean => files.demo.stats.fileBytesSent > SIZE * share;

describe('the segment table', () => {
  it('halves the largest running segment, keeping what its worker holds unwritten, and joins the done bytes in order', () => {
    const table = SegmentTable.fresh(100, 10);
    const first = table.takeFree();
    expect(first).toMatchObject({ start: 10, pos: 10, end: 100 });
    first!.pos = 30;
    // 70 left, 10 received but unwritten: the piece is half of the 60 no one holds
    const piece = table.split(5, (s) => (s === first ? 10 : 0));
    expect(piece).toMatchObject({ start: 70, pos: 70, end: 100, busy: true });
    expect(first!.end).toBe(70);
    expect(table.contiguousFrom(0)).toBe(30);
    piece!.pos = 80;
    expect(table.contiguousFrom(0)).toBe(30);
    first!.pos = 70;
    expect(table.contiguousFrom(0)).toBe(80);
    expect(table.todo()).toEqual([[80, 100]]);
    expect(table.done).toBe(80);
    expect(table.split(11)).toBeUndefined(); // 20 left: no halves of 11
  });

  it('resumes from the ranges written in the same boot of the machine, from the flushed ones after a restart', () => {
    const meta = { todo: [[50, 100]] as [number, number][], synced: [[10, 100]] as [number, number][], at: 1_000_000 };
    expect(rangesToResume(meta, 900_000)).toEqual(meta.todo); // booted before the sidecar was written
    expect(rangesToResume(meta, 1_100_000)).toEqual(meta.synced); // started since
    expect(rangesToResume(meta, 999_000)).toEqual(meta.synced); // too near to tell: the safe side
  });

  it('rebuilds from a sidecar and refuses one whose ranges overlap or leave the file', () => {
    const table = SegmentTable.fromTodo(100, [
      [10, 20],
      [50, 100],
    ]);
    expect(table?.done).toBe(40);
    expect(table?.contiguousFrom(0)).toBe(10);
    expect(SegmentTable.fromTodo(100, [[10, 20], [15, 30]])).toBeUndefined();
    expect(SegmentTable.fromTodo(100, [[90, 120]])).toBeUndefined();
    expect(SegmentTable.fromTodo(100, [[30, 30]])).toBeUndefined();
  });
});

describe('a large file over several connections', () => {
  it('uses the free connections of the budget, never more, and is byte-identical', async () => {
    const id = fileId(0);
    const record = await recordOf(id);
    files.demo.faults.bytesPerSecond = 12 * MB; // one connection slower than the machine
    const budget = new ConnectionBudget(5, () => 1); // this file holds one; four are free
    const result = await downloadChecked(id, record, { budget });
    expect(fs.existsSync(partPath(result.path))).toBe(false);
    expect(fs.existsSync(`${partPath(result.path)}.json`)).toBe(false);
    expect(files.demo.stats.peakFileResponses).toBe(5);
    expect(files.demo.stats.fileBytesSent).toBeLessThan(SIZE * 1.02);
    expect(budget.lent).toBe(0);
  });

  it('a queue with 4 connections for 2 files at a time lends the other 2 to segments, and never opens more than 4', async () => {
    const queue = new DownloadQueue({ history: new History(openConfStore(path.join(files.dir, `store${queues += 1}`)).store), concurrency: 2, connections: 4, retry: FAST_RETRY });
    const records = await Promise.all([0, 1, 2].map((i) => recordOf(fileId(i))));
    files.demo.faults.bytesPerSecond = 12 * MB;
    const out = path.join(files.dir, `queue${queues}`);
    queue.add(records, { appkey: `${files.demo.org}#${files.demo.app}`, outDir: out });
    await queue.onIdle();
    const items = queue.snapshot();
    expect(items.map((i) => i.state)).toEqual(['done', 'done', 'done']);
    for (const item of items) expect(await sha256Of(path.join(out, item.path))).toBe(await files.demo.expectedSha256(item.id));
    expect(files.demo.stats.peakFileResponses).toBe(4);
    expect(files.demo.stats.fileBytesSent).toBeLessThan(3 * SIZE * 1.02);
  });

  it('a paused file in segments shows the bytes it has, not the size of its sparse .part', async () => {
    const queue = new DownloadQueue({ history: new History(openConfStore(path.join(files.dir, `store${(queues += 1)}`)).store), concurrency: 1, connections: 4, retry: FAST_RETRY });
    const record = await recordOf(fileId(0));
    files.demo.faults.bytesPerSecond = 4 * MB;
    const out = path.join(files.dir, `queue${queues}`);
    queue.add([record], { appkey: `${files.demo.org}#${files.demo.app}`, outDir: out });
    await waitFor(() => files.demo.stats.fileBytesSent > SIZE * 0.3, 'a third');
    queue.pause();
    await waitFor(() => queue.count('downloading') === 0, 'paused');
    const [paused] = queue.snapshot();
    const sidecar = JSON.parse(fs.readFileSync(path.join(out, `${paused!.path}.part.json`), 'utf8')) as { todo: [number, number][] };
    const onDisk = SIZE - sidecar.todo.reduce((sum, [from, to]) => sum + to - from, 0);
    expect(fs.statSync(path.join(out, `${paused!.path}.part`)).size).toBeGreaterThan(onDisk + MB); // the last segment's bytes lie far out
    queue.resume();
    expect(queue.snapshot()[0]!.bytes).toBe(onDisk);
    delete files.demo.faults.bytesPerSecond;
    await queue.onIdle();
    expect(queue.snapshot()[0]!.state).toBe('done');
  });

  it('pause keeps every segment; the next call resumes them all and the file is byte-identical', async () => {
    const id = fileId(1);
    const record = await recordOf(id);
    files.demo.faults.bytesPerSecond = 6 * MB;
    const { target, budget, paused } = await pausedPart(record, sentOver(0.4));
    expect(isEmrecError(paused, 'CANCELLED')).toBe(true);
    const sidecar = JSON.parse(fs.readFileSync(`${partPath(target)}.json`, 'utf8')) as { todo: [number, number][] };
    expect(sidecar.todo.length).toBeGreaterThan(1); // several segments were under way
    const sentBefore = files.demo.stats.fileBytesSent;
    delete files.demo.faults.bytesPerSecond;
    await downloadChecked(id, record, { dest: target, budget });
    const extra = files.demo.stats.fileBytesSent - SIZE;
    expect(extra / SIZE, `sent ${sentBefore} before the pause`).toBeLessThan(0.05);
  });

  it('a cut segment is resumed by itself, the others go on', async () => {
    const id = fileId(2);
    const record = await recordOf(id);
    files.demo.faults.bytesPerSecond = 12 * MB;
    files.demo.faults.cutAfterBytes = { bytes: 3 * MB, times: 3 };
    await downloadChecked(id, record, { budget: new ConnectionBudget(4, () => 1) });
    expect(files.demo.stats.fileBytesSent).toBeLessThan(SIZE * 1.05);
  });

  it('renews an expired link once for all its segments', async () => {
    const id = fileId(0);
    const record = await recordOf(id);
    files.demo.faults.bytesPerSecond = 8 * MB;
    const { target, budget } = await pausedPart(record, () => files.demo.stats.peakFileResponses === 6 && sentOver(0.3)(), 6);
    // the next day: the saved link has expired, and six segments ask with it at once
    files.demo.faults.expireUrlsNow = true;
    files.demo.resetStats();
    const refresh = makeRefreshUrl(files.client);
    let calls = 0;
    await downloadChecked(id, record, {
      dest: target,
      budget,
      refreshUrl: async () => {
        calls += 1;
        return refresh(record);
      },
    });
    expect(calls).toBe(1);
    expect(files.demo.stats.fileRequests).toBeGreaterThanOrEqual(12); // six refused, six with the new link
  });

  it('falls back to one stream from zero when the host answers a range with the whole file', async () => {
    const id = fileId(1);
    const record = await recordOf(id);
    files.demo.faults.ignoreRange = true;
    files.demo.faults.bytesPerSecond = 24 * MB;
    await downloadChecked(id, record, { budget: new ConnectionBudget(4, () => 1) });
    expect(files.demo.stats.fileBytesSent).toBeLessThan(SIZE * 1.5);
  });

  it('starts again from zero when the file changed while its segments were paused (never spliced), in segments again', async () => {
    const id = fileId(2);
    const record = await recordOf(id);
    files.demo.faults.bytesPerSecond = 12 * MB;
    const { target, budget } = await pausedPart(record, sentOver(0.3));
    files.demo.changeFile(id); // each range asked for with the old ETag now gets the whole new file
    files.demo.resetStats();
    await downloadChecked(id, record, { dest: target, budget }); // the new content, whole
    expect(files.demo.stats.fileBytesSent).toBeLessThan(SIZE * 1.5);
    expect(files.demo.stats.peakFileResponses).toBe(4); // the host still serves ranges: the new file in segments too
  });

  it('a part that does not fit its sidecar (cut short, or longer than the file) is fetched again, never trusted', async () => {
    const id = fileId(1);
    const record = await recordOf(id);
    for (const damage of ['cut', 'longer'] as const) {
      files.demo.faults.bytesPerSecond = 8 * MB;
      files.demo.resetStats();
      const { target, budget } = await pausedPart(record, sentOver(0.4));
      const part = partPath(target);
      if (damage === 'cut') fs.truncateSync(part, Math.floor(fs.statSync(part).size / 2));
      else fs.truncateSync(part, SIZE + MB);
      delete files.demo.faults.bytesPerSecond;
      await downloadChecked(id, record, { dest: target, budget });
      expect(fs.statSync(target).size, damage).toBe(SIZE);
    }
  });

  it('keeps the validator of a part in segments under its own name, so a version without segments fetches it again instead of resuming its holes', async () => {
    const record = await recordOf(fileId(2));
    files.demo.faults.bytesPerSecond = 8 * MB;
    const { target } = await pausedPart(record, sentOver(0.3));
    const sidecar = JSON.parse(fs.readFileSync(`${partPath(target)}.json`, 'utf8')) as Record<string, unknown>;
    expect(sidecar.validator).toBeUndefined(); // what earlier versions resume from
    expect(sidecar.segmentsOf).toMatch(/^"/);
    expect(fs.existsSync(`${partPath(target)}.json.tmp`)).toBe(false);
  });

  it('under a bandwidth limit a large file stays on one connection (more would only fill buffers to throw away)', async () => {
    const id = fileId(0);
    const record = await recordOf(id);
    await downloadChecked(id, record, { budget: new ConnectionBudget(6, () => 1), limiter: new RateLimiter(96 * MB) });
    expect(files.demo.stats.peakFileResponses).toBe(1);
    expect(files.demo.stats.fileBytesSent).toBe(SIZE);
  });

  it('after a power loss (the machine started since its sidecar was written) resumes only from what was flushed to the disk itself', async () => {
    const id = fileId(1);
    const record = await recordOf(id);
    files.demo.faults.bytesPerSecond = 8 * MB;
    const { target, budget } = await pausedPart(record, sentOver(0.4));
    const sidecarPath = `${partPath(target)}.json`;
    const meta = JSON.parse(fs.readFileSync(sidecarPath, 'utf8')) as { todo: [number, number][]; synced: [number, number][]; at: number };
    expect(Math.abs(meta.at - Date.now())).toBeLessThan(60_000);
    const missing = (ranges: [number, number][]): number => ranges.reduce((sum, [from, to]) => sum + to - from, 0);
    expect(missing(meta.synced)).toBeGreaterThan(missing(meta.todo)); // written since the last flush: not yet on the disk itself
    // the power goes: what was written after the flush never reached the disk (zeros), and the sidecar is from before the boot
    const part = fs.openSync(partPath(target), 'r+');
    let zeroed = 0;
    for (const [from, to] of meta.synced) {
      // the bytes of [from, to) outside every todo range were written after the flush
      let at = from;
      for (const [a, b] of [...meta.todo.filter(([x, y]) => x < to && y > from), [to, to] as [number, number]]) {
        if (a > at) {
          fs.writeSync(part, Buffer.alloc(a - at), 0, a - at, at);
          zeroed += a - at;
        }
        at = Math.max(at, b);
      }
    }
    expect(zeroed).toBeGreaterThan(SIZE * 0.2);
    fs.closeSync(part);
    fs.writeFileSync(sidecarPath, JSON.stringify({ ...meta, at: 0 }));
    delete files.demo.faults.bytesPerSecond;
    await downloadChecked(id, record, { dest: target, budget });
  });

  it('a disk too full for a large file fails it with DISK_FULL and lets its open response go at once', async () => {
    const record = await recordOf(fileId(0));
    files.demo.faults.bytesPerSecond = 8 * MB;
    const failed = await downloadFile({ url: record.url, dest: dest(), budget: new ConnectionBudget(4, () => 1), freeBytes: async () => MB, retry: FAST_RETRY }).catch((error: unknown) => error);
    expect(isEmrecError(failed, 'DISK_FULL')).toBe(true);
    await waitFor(() => files.demo.stats.openFileResponses === 0, 'the response let go', 2_000);
    expect(files.demo.stats.fileBytesSent).toBeLessThan(2 * MB);
  });
});
