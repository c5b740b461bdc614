// One resumable download against the demo server's file host, over real sockets into real files.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isEmrecError, type EmrecError } from '../../main/core/errors.ts';
import { discardPartial, downloadFile, partPath, type DownloadFileProgress } from '../../main/core/download-file.ts';
import { probeRemote } from '../../main/core/remote-identity.ts';
import { makeRefreshUrl } from '../../main/core/queue/download-queue.ts';
import { syntheticCatalogue } from '../../main/demo/server.ts';
import { demoFiles } from '../helpers/demo-files.ts';
import { closedPort, rawServer } from '../helpers/http-server.ts';

const SIZE = 3_000_000;
const FAST_RETRY = { limit: 8, baseDelayMs: 20, maxDelayMs: 200 };

const files = demoFiles({ catalogue: syntheticCatalogue({ count: 4, size: SIZE, perConference: 4 }) }, 'emrec-dl-');
const { fileId, recordOf, dest } = files;

const sha256Of = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/**
 * A file host on a fast link that cuts every response short: it sends `share` of the bytes still asked
 * for (at least one) in one write, then closes the connection, so the cut bytes and the close reach the
 * client together. Honours Range with If-Range against a strong ETag. `cutting` false serves whole bodies.
 */
/** A host that cuts each response after `share` of what remains; `validators: false`: no ETag (Range still honoured, as some hosts do). */
async function cuttingHost(body: Buffer, share: number, { validators = true }: { validators?: boolean } = {}) {
  const etag = `"${createHash('md5').update(body).digest('hex')}"`;
  const host = { requests: [] as (string | undefined)[], sent: 0, cutting: true, share };
  const server = await rawServer((req, res) => {
    host.requests.push(req.headers.range);
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = m && (validators ? req.headers['if-range'] === etag : true) ? Number(m[1]) : 0;
    const rest = body.length - start;
    res.writeHead(start > 0 ? 206 : 200, {
      ...(validators ? { ETag: etag } : {}),
      'Accept-Ranges': 'bytes',
      'Content-Length': rest,
      ...(start > 0 ? { 'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
    });
    if (!host.cutting) {
      host.sent += rest;
      res.end(body.subarray(start));
      return;
    }
    const send = host.share > 0 ? Math.max(1, Math.floor(rest * host.share)) : 0;
    host.sent += send;
    if (send === 0) {
      res.flushHeaders();
      res.socket?.destroy();
      return;
    }
    res.write(body.subarray(start, start + send), () => res.socket?.destroy());
  });
  return { ...server, url: `${server.base}/oss/file.webm`, host };
}

async function rejection(p: Promise<unknown>): Promise<EmrecError> {
  try {
    await p;
  } catch (error) {
    return error as EmrecError;
  }
  throw new Error('expected a rejection');
}

describe('downloadFile', () => {
  it('downloads a file whose sha256 matches, leaving no .part behind', async () => {
    const id = fileId(0);
    const target = dest();
    const seen: DownloadFileProgress[] = [];
    const result = await downloadFile({ url: (await recordOf(id)).url, dest: target, onProgress: (p) => seen.push(p) });
    expect(result.sha256).toBe(await files.demo.expectedSha256(id));
    expect(sha256Of(target)).toBe(result.sha256);
    expect(result.size).toBe(SIZE);
    expect(fs.existsSync(partPath(target))).toBe(false);
    expect(fs.existsSync(`${target}.part.json`)).toBe(false);
    expect(seen.at(-1)).toEqual({ bytes: SIZE, total: SIZE });
    expect(files.demo.stats.fileRequests).toBe(1);
  });

  it('resumes after a cut mid-body with little extra transfer', async () => {
    const id = fileId(1);
    files.demo.faults.cutAfterBytes = { bytes: 1_200_000, times: 1 };
    const target = dest();
    const seen: DownloadFileProgress[] = [];
    const result = await downloadFile({ url: (await recordOf(id)).url, dest: target, retry: FAST_RETRY, onProgress: (p) => seen.push(p) });
    expect(result.sha256).toBe(await files.demo.expectedSha256(id));
    expect(sha256Of(target)).toBe(result.sha256);
    expect(files.demo.stats.fileRequests).toBe(2);
    expect(files.demo.stats.fileBytesSent).toBeLessThan(SIZE + 300_000);
    // on the resumed (206) attempt the total is still the whole file, not the remaining bytes
    expect(seen.every((p) => p.total === SIZE)).toBe(true);
    expect(seen.some((p) => p.bytes > 1_000_000 && p.bytes < SIZE)).toBe(true);
  });

  it('a host that cuts every response after 23 KB still delivers the whole file: attempts that bring bytes do not use up the retries', async () => {
    const id = fileId(1);
    files.demo.faults.cutAfterBytes = { bytes: 23_456, times: 1_000_000 }; // not a divisor of the size: the demo cuts even a body that is complete
    const target = dest();
    const result = await downloadFile({ url: (await recordOf(id)).url, dest: target, retry: { limit: 8, baseDelayMs: 1, maxDelayMs: 2 } });
    expect(result.sha256).toBe(await files.demo.expectedSha256(id));
    expect(files.demo.stats.fileRequests).toBeGreaterThan(80); // more than the old cap of 10 × the retry limit
    expect(files.demo.stats.fileBytesSent).toBeLessThan(SIZE * 1.05);
  });

  it("waits as long as a throttling file host's Retry-After says, then finishes", async () => {
    const id = fileId(0);
    files.demo.faults.fileThrottle = { count: 2, retryAfterSeconds: 1 };
    const target = dest();
    const started = performance.now();
    const result = await downloadFile({ url: (await recordOf(id)).url, dest: target, retry: FAST_RETRY });
    // FAST_RETRY alone would wait at most 2 × 200 ms; the host asked for 1 s each time.
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_900);
    expect(result.sha256).toBe(await files.demo.expectedSha256(id));
    expect(files.demo.stats.fileRequests).toBe(3);
  });

  it('backs off and finishes when a throttling file host gives no Retry-After', async () => {
    const id = fileId(1);
    files.demo.faults.fileThrottle = { count: 3 };
    const result = await downloadFile({ url: (await recordOf(id)).url, dest: dest(), retry: FAST_RETRY });
    expect(result.sha256).toBe(await files.demo.expectedSha256(id));
    expect(files.demo.stats.fileRequests).toBe(4);
  });

  it('starts over when the host ignores Range, and the file is still identical', async () => {
    const id = fileId(2);
    files.demo.faults.ignoreRange = true;
    files.demo.faults.cutAfterBytes = { bytes: 1_000_000, times: 1 };
    const target = dest();
    const result = await downloadFile({ url: (await recordOf(id)).url, dest: target, retry: FAST_RETRY });
    expect(result.sha256).toBe(await files.demo.expectedSha256(id));
    expect(sha256Of(target)).toBe(result.sha256);
    expect(files.demo.stats.fileRequests).toBe(2);
    expect(files.demo.stats.fileBytesSent).toBeGreaterThanOrEqual(SIZE); // the second answer was the whole file
  });

  it('restarts from zero when the file changed between attempts (never splices)', async () => {
    const id = fileId(3);
    const oldSha = await files.demo.expectedSha256(id);
    const record = await recordOf(id);
    const target = dest();
    const pause = new AbortController();
    const first = await rejection(
      downloadFile({ url: record.url, dest: target, signal: pause.signal, onProgress: (p) => p.bytes > 1_000_000 && pause.abort() }),
    );
    expect(first.code).toBe('CANCELLED');
    expect(fs.statSync(partPath(target)).size).toBeGreaterThan(1_000_000);
    files.demo.changeFile(id);
    files.demo.resetStats();
    const result = await downloadFile({ url: record.url, dest: target, retry: FAST_RETRY });
    const newSha = await files.demo.expectedSha256(id);
    expect(newSha).not.toBe(oldSha);
    expect(result.sha256).toBe(newSha);
    expect(sha256Of(target)).toBe(newSha);
    expect(files.demo.stats.fileBytesSent).toBe(await files.demo.fileSize(id)); // whole new file, once
  });

  it('drops a stalled attempt after the idle timeout and resumes', async () => {
    const id = fileId(0);
    files.demo.faults.stall = { afterBytes: 800_000, ms: 60_000, times: 1 };
    const target = dest();
    const result = await downloadFile({ url: (await recordOf(id)).url, dest: target, idleTimeoutMs: 700, retry: FAST_RETRY });
    expect(result.sha256).toBe(await files.demo.expectedSha256(id));
    expect(files.demo.stats.fileRequests).toBeGreaterThanOrEqual(2);
    expect(files.demo.stats.fileBytesSent).toBeLessThan(SIZE + 300_000);
  });

  it('asks for a fresh URL when the signed URL expired and finishes', async () => {
    const id = fileId(1);
    const record = await recordOf(id);
    files.demo.faults.expireUrlsNow = true;
    let calls = 0;
    const refresh = makeRefreshUrl(files.client);
    const target = dest();
    const result = await downloadFile({
      url: record.url,
      dest: target,
      refreshUrl: async () => {
        calls += 1;
        return refresh(record);
      },
    });
    expect(calls).toBe(1);
    expect(result.sha256).toBe(await files.demo.expectedSha256(id));
  });

  it('fails with URL_EXPIRED when no fresh URL can be had', async () => {
    const record = await recordOf(fileId(1));
    files.demo.faults.expireUrlsNow = true;
    const none = await rejection(downloadFile({ url: record.url, dest: dest() }));
    expect(none.code).toBe('URL_EXPIRED');
    const failing = await rejection(
      downloadFile({ url: record.url, dest: dest(), refreshUrl: () => Promise.reject(new Error('listing failed')) }),
    );
    expect(failing.code).toBe('URL_EXPIRED');
    expect(failing.description).toBe('listing failed');
  });

  it("keeps the file host's own words (its XML Code and Message) in the error, and nothing of the signed request", async () => {
    const record = await recordOf(fileId(2));
    files.demo.faults.missingIds = [fileId(2)];
    try {
      const gone = await rejection(downloadFile({ url: record.url, dest: dest() }));
      expect(gone.code).toBe('FILE_GONE');
      expect(gone.status).toBe(404);
      expect(gone.description).toBe('NoSuchKey: The specified key does not exist.');
      expect(JSON.stringify(gone)).not.toContain('Signature');
    } finally {
      files.demo.faults.missingIds = undefined;
    }
  });

  it('pause keeps the .part and a later call resumes it; discardPartial removes it', async () => {
    const id = fileId(2);
    const record = await recordOf(id);
    const target = dest();
    const pause = new AbortController();
    await rejection(downloadFile({ url: record.url, dest: target, signal: pause.signal, onProgress: (p) => p.bytes > 1_500_000 && pause.abort() }));
    const kept = fs.statSync(partPath(target)).size;
    expect(kept).toBeGreaterThan(1_500_000);
    files.demo.resetStats();
    const result = await downloadFile({ url: record.url, dest: target });
    expect(result.sha256).toBe(await files.demo.expectedSha256(id));
    expect(files.demo.stats.fileBytesSent).toBe(SIZE - kept);

    const other = dest();
    const cancel = new AbortController();
    await rejection(downloadFile({ url: record.url, dest: other, signal: cancel.signal, onProgress: (p) => p.bytes > 500_000 && cancel.abort() }));
    expect(fs.existsSync(partPath(other))).toBe(true);
    await discardPartial(other);
    expect(fs.existsSync(partPath(other))).toBe(false);
    expect(fs.existsSync(`${other}.part.json`)).toBe(false);
    expect(fs.existsSync(other)).toBe(false);
  });

  it('fails with DISK_FULL before writing when free space is short, with no final file', async () => {
    const target = dest();
    const error = await rejection(downloadFile({ url: (await recordOf(fileId(3))).url, dest: target, freeBytes: async () => 1000 }));
    expect(error.code).toBe('DISK_FULL');
    expect(error.details).toMatchObject({ needed: await files.demo.fileSize(fileId(3)), free: 1000 });
    expect(fs.existsSync(target)).toBe(false);
  });

  it('turns ENOSPC during the write into DISK_FULL, keeps the .part and resumes later', async () => {
    const id = fileId(0);
    const record = await recordOf(id);
    const target = dest();
    const limit = 1_000_000;
    const fullDisk = (p: string, flags: 'a' | 'w'): Writable => {
      const real = fs.createWriteStream(p, { flags });
      let written = 0;
      return new Writable({
        write(chunk: Buffer, _enc, cb) {
          if (written + chunk.length > limit) {
            cb(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
            return;
          }
          written += chunk.length;
          real.write(chunk, cb);
        },
        final(cb) {
          real.end(cb);
        },
        destroy(error, cb) {
          real.end(() => cb(error));
        },
      });
    };
    const error = await rejection(downloadFile({ url: record.url, dest: target, openPart: fullDisk }));
    expect(isEmrecError(error, 'DISK_FULL')).toBe(true);
    expect(fs.existsSync(target)).toBe(false);
    const kept = fs.statSync(partPath(target)).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(limit);
    const result = await downloadFile({ url: record.url, dest: target });
    expect(result.sha256).toBe(await files.demo.expectedSha256(id));
    expect(sha256Of(target)).toBe(result.sha256);
  });

  /** A `.part` on a disk slower than the link: each write lands a few ms later, so the socket runs ahead. */
  const slowDisk = (p: string, flags: 'a' | 'w'): Writable => {
    const real = fs.createWriteStream(p, { flags });
    return new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _enc, cb) {
        setTimeout(() => real.write(chunk, cb), 3);
      },
      final(cb) {
        real.end(cb);
      },
      destroy(error, cb) {
        real.end(() => cb(error));
      },
    });
  };

  // 200 KB: no sidecar while it downloads; 2 MB: sidecar from the first answer
  for (const [size, disk] of [[200_000, 'fast'], [2_000_000, 'fast'], [2_000_000, 'slow']] as const) {
    it(`keeps every byte of a body cut on each response and resumes from it (${size} bytes, fast link, ${disk} disk)`, async () => {
      const body = randomBytes(size);
      const server = await cuttingHost(body, 0.4);
      try {
        const target = dest();
        const result = await downloadFile({ url: server.url, dest: target, retry: FAST_RETRY, ...(disk === 'slow' ? { openPart: slowDisk } : {}) });
        expect(result.size).toBe(size);
        expect(result.sha256).toBe(createHash('sha256').update(body).digest('hex'));
        expect(sha256Of(target)).toBe(result.sha256);
        expect(fs.existsSync(partPath(target))).toBe(false);
        expect(fs.existsSync(`${target}.part.json`)).toBe(false);
        // no byte was sent twice: each retry asked for the range after the bytes already kept
        expect(server.host.sent).toBe(size);
        const [first, ...retries] = server.host.requests;
        expect(first).toBeUndefined();
        expect(retries.length).toBeGreaterThan(5);
        const starts = retries.map((r) => Number(/^bytes=(\d+)-$/.exec(r ?? '')?.[1]));
        for (let i = 1; i < starts.length; i += 1) expect(starts[i]).toBeGreaterThan(starts[i - 1] as number);
      } finally {
        await server.close();
      }
    });
  }

  it('a host without ETag or Last-Modified that cuts every body: resumed by plain Range within the run (the total checked), not restarted from 0', async () => {
    const size = 2_000_000;
    const body = randomBytes(size);
    const server = await cuttingHost(body, 0.4, { validators: false });
    try {
      const target = dest();
      const result = await downloadFile({ url: server.url, dest: target, retry: FAST_RETRY });
      expect(result.sha256).toBe(createHash('sha256').update(body).digest('hex'));
      expect(sha256Of(target)).toBe(result.sha256);
      expect(server.host.sent).toBe(size); // no byte twice
    } finally {
      await server.close();
    }
  });

  it('a run that gives up on a cut body keeps the bytes received, and the next run resumes from them', async () => {
    const size = 200_000; // no sidecar rule for small files: the cut must still leave a resumable .part
    const body = randomBytes(size);
    const server = await cuttingHost(body, 0.4);
    try {
      const target = dest();
      server.host.requests.length = 0;
      // the first answer brings 40%, every later one closes before a body byte
      const first = downloadFile({
        url: server.url,
        dest: target,
        retry: { limit: 3, baseDelayMs: 1, maxDelayMs: 5 },
        onProgress: (p) => {
          if (p.bytes > 0) server.host.share = 0;
        },
      });
      const error = await rejection(first);
      expect(['NETWORK', 'SIZE_MISMATCH']).toContain(error.code);
      expect(fs.existsSync(target)).toBe(false);
      const kept = Math.floor(size * 0.4);
      expect(fs.statSync(partPath(target)).size).toBe(kept);
      expect(fs.readFileSync(partPath(target)).equals(body.subarray(0, kept))).toBe(true);
      expect(server.host.requests.slice(1).every((r) => r === `bytes=${kept}-`)).toBe(true);

      server.host.cutting = false;
      server.host.requests.length = 0;
      server.host.sent = 0;
      const result = await downloadFile({ url: server.url, dest: target, retry: FAST_RETRY });
      expect(result.sha256).toBe(createHash('sha256').update(body).digest('hex'));
      expect(sha256Of(target)).toBe(result.sha256);
      expect(server.host.requests).toEqual([`bytes=${kept}-`]);
      expect(server.host.sent).toBe(size - kept);
      expect(fs.existsSync(`${target}.part.json`)).toBe(false);
    } finally {
      await server.close();
    }
  });

  it('never keeps the signed URL in a NETWORK error, even when inspected', async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}/oss/file.webm?Expires=1&OSSAccessKeyId=KEY-SECRET&Signature=SIGNATURE-SECRET`;
    const errors = [
      await rejection(downloadFile({ url, dest: dest(), retry: { limit: 2, baseDelayMs: 1, maxDelayMs: 2 } })),
      await rejection(probeRemote({ url })),
    ];
    for (const error of errors) {
      expect(error.code).toBe('NETWORK');
      const shown = `${inspect(error, { depth: 10 })} ${JSON.stringify(error)} ${error.stack ?? ''}`;
      expect(shown).not.toContain('SIGNATURE-SECRET');
      expect(shown).not.toContain('KEY-SECRET');
    }
  });
});
