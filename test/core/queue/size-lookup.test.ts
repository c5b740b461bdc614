// What the queue says of a batch while files wait and run, against raw hosts on 127.0.0.1 that
// misbehave: size lookups that never answer (they end with their file, nothing is held), a host that
// ignores Range (lookups stop), a stall (the speed falls rather than freezing), files picked again
// (not this batch's progress), and an error body that echoes the signed URL (not kept).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { openConfStore } from '../../../main/core/conf-store.ts';
import { History } from '../../../main/core/history.ts';
import { DownloadQueue, type DownloadQueueOptions } from '../../../main/core/queue/download-queue.ts';
import type { QueueProgress } from '../../../main/core/progress.ts';
import type { Recording } from '../../../main/core/record.ts';
import { rawServer, type RawServer } from '../../helpers/http-server.ts';

const SIZE = 200_000;
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const undo of cleanup.splice(0).reverse()) await undo();
});

const bodyOf = (id: number, size = SIZE): Buffer => Buffer.from(Array.from({ length: size }, (_, i) => (i * 31 + id) & 255));

async function host(handle: (req: IncomingMessage, res: ServerResponse, id: number) => void): Promise<RawServer> {
  const server = await rawServer((req, res) => handle(req, res, Number(/\/f(\d+)/.exec(req.url ?? '')?.[1])));
  cleanup.push(() => server.close());
  return server;
}

function setup(options: Partial<DownloadQueueOptions> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emrec-lookup-'));
  const q = new DownloadQueue({ history: new History(openConfStore(path.join(dir, 'store')).store), retry: { limit: 2, baseDelayMs: 20, maxDelayMs: 50 }, ...options });
  cleanup.push(async () => {
    q.cancel();
    await q.onIdle();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { q, job: { appkey: 'org#app', outDir: path.join(dir, 'out') } };
}

const record = (base: string, id: number): Recording => ({
  id,
  url: `${base}/f${id}.webm?Expires=1&OSSAccessKeyId=K&Signature=SECRET${id}`,
  confrId: 'C1',
  confrBeginTime: '20240101090000',
  confrEndTime: '20240101091000',
  recordType: 'ONLY_REC_ONE_AV',
  userName: `u${id}`,
});

/** Serves the whole file (a Range of n- from n), paced at `bytesPerSecond` when given. */
function serveFile(res: ServerResponse, id: number, range: string | undefined, bytesPerSecond?: number): void {
  const body = bodyOf(id);
  const start = Number(/^bytes=(\d+)-$/.exec(range ?? '')?.[1] ?? 0);
  res.writeHead(start > 0 ? 206 : 200, { 'Content-Length': body.length - start, ...(start > 0 ? { 'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}) });
  if (bytesPerSecond === undefined) {
    res.end(body.subarray(start));
    return;
  }
  let at = start;
  const timer = setInterval(() => {
    const next = Math.min(body.length, at + bytesPerSecond / 10);
    res.write(body.subarray(at, next));
    at = next;
    if (at >= body.length) {
      clearInterval(timer);
      res.end();
    }
  }, 100);
  res.on('close', () => clearInterval(timer));
}

describe('size lookups and the batch summary against misbehaving hosts', () => {
  it('a lookup the host never answers ends with its file: the queue finishes, and no lookup is left open', async () => {
    const open = new Set<IncomingMessage>();
    const server = await host((req, res, id) => {
      if (req.headers.range === 'bytes=0-0') {
        open.add(req);
        req.on('close', () => open.delete(req));
        return; // never answered
      }
      serveFile(res, id, req.headers.range);
    });
    const { q, job } = setup({ sizeLookups: 2, concurrency: 1 });
    q.add([1, 2, 3, 4, 5, 6].map((id) => record(server.base, id)), job);
    await q.onIdle();
    expect(q.snapshot().map((i) => i.state)).toEqual(Array(6).fill('done'));
    await expect.poll(() => open.size, { timeout: 2_000 }).toBe(0);
  });

  it('lookups take their connections from the budget: never more requests at once than --connections, and sizes still come when connections are spare', async () => {
    for (const [connections, concurrency] of [[2, 2], [4, 2]] as const) {
      let inFlight = 0;
      let peak = 0;
      let lookups = 0;
      const server = await host((req, res, id) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        res.on('close', () => (inFlight -= 1));
        const body = bodyOf(id);
        setTimeout(() => {
          if (req.headers.range === 'bytes=0-0') {
            lookups += 1;
            res.writeHead(206, { 'Content-Length': 1, 'Content-Range': `bytes 0-0/${body.length}` }).end(body.subarray(0, 1));
          } else serveFile(res, id, req.headers.range, 1_000_000);
        }, 100); // every answer takes a while, so that requests overlap
      });
      const { q, job } = setup({ sizeLookups: 2, concurrency, connections });
      q.add([1, 2, 3, 4, 5, 6, 7, 8].map((id) => record(server.base, id)), job);
      await q.onIdle();
      expect(q.snapshot().map((i) => i.state)).toEqual(Array(8).fill('done'));
      expect(peak, `connections ${connections}, ${concurrency} files at a time`).toBeLessThanOrEqual(connections);
      if (connections > concurrency) expect(lookups).toBeGreaterThan(0);
    }
  });

  it('stops asking for sizes once the host answers a Range with the whole file', async () => {
    let lookups = 0;
    const server = await host((req, res, id) => {
      if (req.headers.range === 'bytes=0-0') lookups += 1;
      serveFile(res, id, undefined, 100_000); // Range ignored, slow
    });
    const { q, job } = setup({ sizeLookups: 2, concurrency: 1 });
    q.add([1, 2, 3, 4, 5, 6, 7, 8].map((id) => record(server.base, id)), job);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(lookups).toBeLessThanOrEqual(2); // the first answer (or the two in flight) and then none
  });

  it('a stall shows as the speed falling and the time left growing, not frozen at the last numbers', async () => {
    const server = await host((req, res, id) => {
      const body = bodyOf(id);
      res.writeHead(200, { 'Content-Length': body.length });
      // half the file over 1.5 s, then nothing
      let at = 0;
      const timer = setInterval(() => {
        res.write(body.subarray(at, (at += SIZE / 30)));
        if (at >= SIZE / 2) clearInterval(timer);
      }, 100);
      res.on('close', () => clearInterval(timer));
    });
    const { q, job } = setup({ concurrency: 1, idleTimeoutMs: 20_000 });
    const events: QueueProgress[] = [];
    q.on('progress', (p) => events.push(p));
    q.add([record(server.base, 1)], job);
    await expect.poll(() => events.at(-1)?.bytes, { timeout: 5_000 }).toBeGreaterThanOrEqual(SIZE / 2);
    const atStall = events.length;
    await new Promise((r) => setTimeout(r, 3_500));
    const later = events.slice(atStall);
    expect(later.length).toBeGreaterThanOrEqual(2); // events keep coming while nothing arrives
    const speeds = later.map((p) => p.speed);
    expect(speeds.at(-1)!).toBeLessThan(speeds[0]! * 0.7);
  });

  it('files saved before and picked again are not the new batch\'s progress', async () => {
    const server = await host((req, res, id) => serveFile(res, id, req.headers.range, id > 3 ? 400_000 : undefined));
    const { q, job } = setup({ concurrency: 1 });
    q.add([1, 2, 3].map((id) => record(server.base, id)), job);
    await q.onIdle();
    q.add([1, 2, 3, 4, 5, 6].map((id) => record(server.base, id)), job); // the three saved, and three new
    const early = q.progress();
    expect(early.batchCounts.done).toBe(0);
    expect(early.bytes).toBeLessThan(SIZE); // not 3 whole files already "done"
    await q.onIdle();
    expect(q.progress()).toMatchObject({ bytes: 3 * SIZE, total: 3 * SIZE, batchCounts: { done: 3 } });
  });

  it("keeps the host's words of an error without the signed URL it echoes or control characters", async () => {
    const server = await host((req, res) => {
      res.writeHead(404, { 'Content-Type': 'application/xml' });
      res.end(`<?xml version="1.0"?><Error><Code>NoSuchKey</Code><Message>Object http://h/f1.webm?Expires=1&amp;Signature=SECRET1 missing \u001b[31m Signature=SECRET1</Message></Error>`);
    });
    const { q, job } = setup();
    q.add([record(server.base, 1)], job);
    await q.onIdle();
    const [item] = q.snapshot();
    expect(item?.error?.code).toBe('FILE_GONE');
    expect(item?.error?.description).toMatch(/^NoSuchKey: Object \[link\] missing/);
    expect(JSON.stringify(item?.error)).not.toMatch(/SECRET|\\u001b/);
  });
});
