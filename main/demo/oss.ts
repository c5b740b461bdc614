// The demo's object-storage host: signs URLs like Aliyun OSS (Expires + OSSAccessKeyId + HMAC-SHA1
// Signature) and serves them with Range, If-Range, ETag, and OSS's XML errors, plus switchable faults
// (cut connections, stalls, slow bodies, ignored ranges, expired URLs) for tests and benchmarks.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MediaBody } from './media.ts';

/** File-host faults (part of the server's DemoFaults). */
export interface FileFaults {
  expireUrlsNow: boolean;
  cutAfterBytes?: { bytes: number; times: number };
  ignoreRange: boolean;
  stall?: { afterBytes: number; ms: number; times: number };
  bytesPerSecond?: number;
  /** All bodies together: the line's pace (pieces are booked in turn, so connections share it evenly). */
  lineBytesPerSecond?: number;
  /** The next `count` file requests get 503 SlowDown (OSS's throttle answer), with Retry-After when set. */
  fileThrottle?: { count: number; retryAfterSeconds?: number };
  /** Every file request answers 404 NoSuchKey while true (a host that lost the objects for a while). */
  filesMissing?: boolean;
}

export interface FileStats {
  fileRequests: number;
  fileBytesSent: number;
  openFileResponses: number;
  peakFileResponses: number;
}

type Range = { readonly start: number; readonly end: number };

/** `Range: bytes=...` against a size: a range, 'unsatisfiable', or undefined to serve the whole file. */
function parseRange(header: string | undefined, size: number): Range | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined; // multiple or malformed ranges: ignored, as a server may
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  const end = last === '' ? size - 1 : Number(last);
  return { start, end: Math.min(end, size - 1) };
}

function ossError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  extra: Record<string, string> = {},
  headers: Record<string, string> = {},
): void {
  const requestId = randomBytes(12).toString('hex').toUpperCase();
  const fields = Object.entries(extra).map(([k, v]) => `  <${k}>${v}</${k}>\n`).join('');
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  <Code>${code}</Code>\n  <Message>${message}</Message>\n` +
    `  <RequestId>${requestId}</RequestId>\n  <HostId>demo-oss.localhost</HostId>\n${fields}</Error>\n`;
  res.writeHead(status, {
    'Content-Type': 'application/xml',
    'Content-Length': Buffer.byteLength(body),
    'x-oss-request-id': requestId,
    Server: 'AliyunOSS',
    ...headers,
  });
  res.end(body);
}

export interface FileHostOptions {
  readonly bucket: string;
  readonly faults: FileFaults;
  readonly stats: FileStats;
  /** Aborted when the server closes: ends stalls and throttling sleeps. */
  readonly signal: AbortSignal;
}

/** Signs object URLs and serves signed requests. */
export class FileHost {
  /** When the line is free again (ms), for lineBytesPerSecond. */
  #lineFreeAt = 0;
  readonly accessKeyId = `LTAI${randomBytes(6).toString('hex')}`;
  readonly #secret = randomBytes(24);
  readonly #options: FileHostOptions;
  /** Signature → issue number, so `expireUrlsNow` can expire exactly the URLs issued so far. */
  readonly #issued = new Map<string, number>();
  #issueCount = 0;
  #expiredUpTo = -1;
  #maxIssuedExpires = 0;
  #minExpires = 0;

  constructor(options: FileHostOptions) {
    this.#options = options;
  }

  #signature(objectPath: string, expires: number): string {
    return createHmac('sha1', this.#secret).update(`GET\n\n\n${expires}\n/${this.#options.bucket}/${objectPath}`).digest('base64');
  }

  /**
   * A signed URL for `objectPath` (already URL-safe) on `base`, valid until about `expires` (unix seconds):
   * after `setExpireIssued(true)` the expiry moves on by a second or so, so new URLs differ from the expired ones.
   */
  sign(base: string, objectPath: string, wantedExpires: number): { url: string; expires: number } {
    const expires = Math.max(wantedExpires, this.#minExpires);
    this.#maxIssuedExpires = Math.max(this.#maxIssuedExpires, expires);
    const signature = this.#signature(objectPath, expires);
    this.#issued.set(signature, ++this.#issueCount);
    const query = `Expires=${expires}&OSSAccessKeyId=${this.accessKeyId}&Signature=${encodeURIComponent(signature)}`;
    return { url: `${base}/oss/${this.#options.bucket}/${objectPath}?${query}`, expires };
  }

  /** From now on every URL issued so far answers 403 "Request has expired"; `false` lifts it. */
  setExpireIssued(on: boolean): void {
    this.#expiredUpTo = on ? this.#issueCount : -1;
    if (on) this.#minExpires = this.#maxIssuedExpires + 1;
  }

  /** Checks the signature of a request for `objectPath`; answers 403 and returns false when it fails. */
  authorise(url: URL, objectPath: string, res: ServerResponse): boolean {
    const expiresText = url.searchParams.get('Expires');
    const keyId = url.searchParams.get('OSSAccessKeyId');
    const signature = url.searchParams.get('Signature');
    if (expiresText === null || keyId === null || signature === null) {
      ossError(res, 403, 'AccessDenied', 'You have no right to access this object because of bucket acl.');
      return false;
    }
    const expires = Number(expiresText);
    const now = Math.floor(Date.now() / 1000);
    const issue = this.#issued.get(signature) ?? 0;
    if (!Number.isInteger(expires) || now > expires || (this.#expiredUpTo >= 0 && issue <= this.#expiredUpTo)) {
      ossError(res, 403, 'AccessDenied', 'Request has expired.', {
        Expires: Number.isInteger(expires) ? new Date(expires * 1000).toISOString() : expiresText,
        ServerTime: new Date().toISOString(),
      });
      return false;
    }
    const expected = Buffer.from(this.#signature(objectPath, expires));
    const given = Buffer.from(signature);
    if (keyId !== this.accessKeyId || expected.length !== given.length || !timingSafeEqual(expected, given)) {
      ossError(res, 403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', {
        OSSAccessKeyId: keyId,
      });
      return false;
    }
    return true;
  }

  /** Answers 404 NoSuchKey. */
  noSuchKey(res: ServerResponse): void {
    ossError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
  }

  /** Serves an authorised GET/HEAD of `body`, honouring Range/If-Range unless faults say otherwise. */
  async serve(req: IncomingMessage, res: ServerResponse, body: MediaBody): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      ossError(res, 405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
      return;
    }
    const faults = this.#options.faults;
    if (faults.filesMissing) {
      ossError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
      return;
    }
    if (faults.fileThrottle && faults.fileThrottle.count > 0) {
      const { retryAfterSeconds } = faults.fileThrottle;
      faults.fileThrottle.count -= 1;
      if (faults.fileThrottle.count === 0) delete faults.fileThrottle;
      const retryAfter: Record<string, string> = retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) };
      ossError(res, 503, 'SlowDown', 'Please reduce your request rate.', {}, retryAfter);
      return;
    }
    const headers: Record<string, string | number> = {
      'Accept-Ranges': 'bytes',
      ETag: body.etag,
      'Last-Modified': body.lastModified.toUTCString(),
      'Content-Type': body.contentType,
      'x-oss-request-id': randomBytes(12).toString('hex').toUpperCase(),
      Server: 'AliyunOSS',
    };
    let range = faults.ignoreRange ? undefined : parseRange(req.headers.range, body.size);
    const ifRange = req.headers['if-range'];
    if (range !== undefined && ifRange !== undefined && ifRange !== body.etag && ifRange !== headers['Last-Modified']) {
      range = undefined; // the file changed since the client's validator: send it whole
    }
    if (range === 'unsatisfiable') {
      res.writeHead(416, { ...headers, 'Content-Range': `bytes */${body.size}`, 'Content-Length': 0 });
      res.end();
      return;
    }
    const start = range?.start ?? 0;
    const end = range?.end ?? body.size - 1;
    const length = Math.max(0, end - start + 1);
    if (range !== undefined) headers['Content-Range'] = `bytes ${start}-${end}/${body.size}`;
    headers['Content-Length'] = length;
    res.writeHead(range !== undefined ? 206 : 200, headers);
    if (req.method === 'HEAD' || length === 0) {
      res.end();
      return;
    }
    await this.#pump(res, body.open(start, end), length);
  }

  /** Writes chunks with backpressure, applying the cut/stall/throttle faults live. */
  async #pump(res: ServerResponse, chunks: AsyncIterable<Buffer> | Iterable<Buffer>, length: number): Promise<void> {
    const { faults, stats, signal } = this.#options;
    const cutAt = takeOne(faults, 'cutAfterBytes')?.bytes;
    const stall = takeOne(faults, 'stall');
    let stalled = false;
    let sent = 0;
    const began = Date.now();
    // open from the first body byte until the last is written or the client hangs up
    stats.openFileResponses += 1;
    stats.peakFileResponses = Math.max(stats.peakFileResponses, stats.openFileResponses);
    let open = true;
    const closed = (): void => {
      if (open) stats.openFileResponses -= 1;
      open = false;
    };
    res.once('close', closed);
    let flushed: Promise<void> = Promise.resolve();
    const write = (buffer: Buffer): Promise<void> =>
      new Promise((resolve) => {
        if (res.destroyed) return resolve();
        stats.fileBytesSent += buffer.length;
        sent += buffer.length;
        let needDrain = false;
        flushed = new Promise((done) => {
          needDrain = !res.write(buffer, () => done());
        });
        if (!needDrain) return resolve();
        const done = (): void => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    try {
      for await (const chunk of chunks) {
        let rest = chunk;
        while (rest.length > 0) {
          if (res.destroyed || signal.aborted) return;
          let piece = rest;
          const bps = faults.bytesPerSecond;
          if (bps !== undefined && bps > 0) piece = piece.subarray(0, Math.max(1024, Math.floor(bps / 20)));
          if (cutAt !== undefined) piece = piece.subarray(0, Math.max(0, cutAt - sent));
          if (stall !== undefined && !stalled && stall.afterBytes > sent) piece = piece.subarray(0, stall.afterBytes - sent);
          if (stall !== undefined && !stalled && sent >= stall.afterBytes) {
            stalled = true;
            await sleep(stall.ms, undefined, { signal }).catch(() => undefined);
            continue;
          }
          if (cutAt !== undefined && sent >= cutAt) {
            // Let the bytes so far reach the client, then drop the connection mid-body.
            await Promise.race([flushed, new Promise((resolve) => res.once('close', resolve))]);
            res.socket?.destroy();
            res.destroy();
            return;
          }
          const line = faults.lineBytesPerSecond;
          if (line !== undefined && line > 0) {
            piece = piece.subarray(0, Math.max(1024, Math.floor(line / 100)));
            const now = Date.now();
            const at = Math.max(now, this.#lineFreeAt);
            this.#lineFreeAt = at + (piece.length / line) * 1000;
            if (at > now) await sleep(at - now, undefined, { signal }).catch(() => undefined);
            if (res.destroyed || signal.aborted) return;
          }
          rest = rest.subarray(piece.length);
          await write(piece);
          if (sent >= length) closed(); // all sent: the client may ask again on this connection during the pace's wait
          if (bps !== undefined && bps > 0) {
            const due = began + (sent / bps) * 1000 - Date.now();
            if (due > 0) await sleep(due, undefined, { signal }).catch(() => undefined);
          }
        }
      }
      if (cutAt !== undefined && sent >= cutAt && !res.destroyed) {
        // The cut fell exactly on the end of the body: still cut before the response completes.
        res.socket?.destroy();
        res.destroy();
        return;
      }
      res.end();
    } catch {
      res.destroy();
    } finally {
      closed();
    }
  }
}

/** Takes one use of a counted fault, clearing it when used up. */
function takeOne<K extends 'cutAfterBytes' | 'stall'>(faults: FileFaults, key: K): FileFaults[K] {
  const fault = faults[key];
  if (fault === undefined || fault.times <= 0) return undefined;
  const copy = { ...fault };
  fault.times -= 1;
  if (fault.times <= 0) delete faults[key];
  return copy as FileFaults[K];
}
