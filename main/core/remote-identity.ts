// Is a file found in the folder the server's recording, byte for byte? Asked when history does not
// know a file that lies where a recording would go (the state was lost, a kill came between the
// rename and the record, another state folder filled this one). A matching size alone is not enough:
// two recordings of one conference can have the same size, and a user's own file can too. One request
// for the last 16 KiB gives the size (Content-Range) and a sample to compare: a recording's end (its
// last frames and cues) is its own; when it matches, the first 16 KiB and three windows inside are
// compared too (a preallocated file with only its end written must not pass). The ETag is not used: whether it is the content's MD5 depends on
// the storage and its encryption settings, and a wrong "no" would fetch the file a second time.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { open } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Request } from 'got';
import { abortError } from './download-retry.ts';
import { release, responseOf } from './file-response.ts';
import { EmrecError } from './errors.ts';
import { DOWNLOAD_RETRY, backoffDelay, fileHostError, fileStream, retryableStatus } from './http.ts';

/** How much of the server's file is compared with the local one (its end: cues and last frames differ per recording). */
export const SAMPLE_BYTES = 16 * 1024;

/** What the server says of a file: its size and a run of its bytes starting at `sampleStart`. */
export interface RemoteSample {
  readonly size: number | undefined;
  readonly sampleStart: number;
  readonly sample: Buffer;
  /** False when the host answered a Range with the whole file. */
  readonly ranged?: boolean;
}

export interface ProbeOptions {
  readonly url: string;
  readonly signal?: AbortSignal;
  /** A fresh signed URL when this one has expired (403). */
  readonly refreshUrl?: () => Promise<string>;
  readonly idleTimeoutMs?: number;
}

/** Reads up to `limit` bytes of a response body, then lets the connection go. */
async function readUpTo(stream: Request, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= limit) break;
    }
  } finally {
    if (length >= limit) {
      stream.socket?.destroy(); // a host that ignored Range is sending the whole file: stop it
      stream.destroy();
    }
  }
  return Buffer.concat(chunks).subarray(0, limit);
}

/** One `Range: bytes=-16384` request (refreshing an expired URL once, retrying a busy host twice). */
export function probeRemote(options: ProbeOptions): Promise<RemoteSample> {
  return fetchSample(options, `bytes=-${SAMPLE_BYTES}`, SAMPLE_BYTES);
}

/**
 * The file's size on the server, from one `Range: bytes=0-0` request (a signed URL allows GET only,
 * not HEAD). `ranged` false: the host ignored the Range and began sending the whole file (cut at once).
 */
export async function remoteSize(options: ProbeOptions): Promise<{ readonly size: number | undefined; readonly ranged: boolean }> {
  const answer = await fetchSample(options, 'bytes=0-0', 1, 1);
  return { size: answer.size, ranged: answer.ranged !== false };
}

/** The server's bytes of one range (`bytes=a-b` or `bytes=-n`), and the file's size. */
async function fetchSample(options: ProbeOptions, range: string, limit: number, attempts = 3): Promise<RemoteSample> {
  let url = options.url;
  let refreshed = false;
  for (let attempt = 1; ; attempt += 1) {
    if (options.signal?.aborted) throw abortError(options.signal);
    const stream = fileStream(url, {
      headers: { range, 'accept-encoding': 'identity' },
      idleTimeoutMs: options.idleTimeoutMs ?? 30_000,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    let head: { statusCode: number; headers: IncomingHttpHeaders };
    try {
      head = await responseOf(stream);
    } catch (error) {
      stream.destroy();
      if (options.signal?.aborted) throw abortError(options.signal);
      // got's error holds the signed URL: never kept as `cause`
      if (attempt >= attempts) throw new EmrecError('NETWORK', `Could not reach the file host: ${(error as Error).message}`);
      await sleep(backoffDelay(attempt, DOWNLOAD_RETRY));
      continue;
    }
    const { statusCode: status, headers } = head;
    if (status === 206) {
      const m = /^bytes (\d+)-\d+\/(\d+)$/.exec(headers['content-range'] ?? '');
      const sample = await readUpTo(stream, limit);
      return { size: m ? Number(m[2]) : undefined, sampleStart: m ? Number(m[1]) : 0, sample };
    }
    if (status === 200) {
      // Range ignored: the file's start is the sample
      const size = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
      if (limit <= 1) {
        // only the size was asked: not a byte of a whole file sent against the Range
        stream.socket?.destroy();
        stream.destroy();
        return { size, sampleStart: 0, sample: Buffer.alloc(0), ranged: false };
      }
      return { size, sampleStart: 0, sample: await readUpTo(stream, limit) };
    }
    release(stream, headers);
    if (status === 416) return { size: 0, sampleStart: 0, sample: Buffer.alloc(0) }; // an empty file has no last bytes
    if (status === 403 && !refreshed && options.refreshUrl) {
      refreshed = true;
      url = await options.refreshUrl();
      continue;
    }
    if (retryableStatus(status) && attempt < attempts) {
      await sleep(backoffDelay(attempt, DOWNLOAD_RETRY));
      continue;
    }
    throw fileHostError(status);
  }
}

/** Whether the local file holds the sample's bytes at the sample's place. */
async function holds(file: string, sample: RemoteSample): Promise<boolean> {
  const local = Buffer.alloc(sample.sample.length);
  const handle = await open(file, 'r');
  try {
    await handle.read(local, 0, local.length, sample.sampleStart);
  } finally {
    await handle.close();
  }
  return local.equals(sample.sample);
}

/** Bytes compared in each of the windows inside the file (besides its first and last 16 KiB). */
const WINDOW_BYTES = 4 * 1024;

/**
 * Compares the local `file` with the server's file: the same size, the same last 16 KiB (`remote`) and
 * then, asked of the server, the same first 16 KiB and three 4 KiB windows at a quarter, half and
 * three quarters. A file preallocated with zeros and only its end written (what a segmented
 * downloader leaves) differs at one of them. The file is hashed (SHA-256, for history) only when all
 * match. Undefined when it is not the server's file.
 */
export async function identify(file: string, remote: RemoteSample, options: ProbeOptions): Promise<{ readonly size: number; readonly sha256: string } | undefined> {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    return undefined;
  }
  if (remote.size === undefined || remote.size !== size) return undefined;
  if (!(await holds(file, remote))) return undefined;
  if (size > SAMPLE_BYTES) {
    const windows: [number, number][] = [[0, Math.min(SAMPLE_BYTES, size - SAMPLE_BYTES)]];
    // at places nobody can plan for (not the quarters a segmented downloader starts its parts at)
    for (const q of [0.25, 0.5, 0.75]) {
      const start = Math.floor(size * (q - 0.2 + Math.random() * 0.2));
      if (start > 0 && start + WINDOW_BYTES <= size - SAMPLE_BYTES) windows.push([start, WINDOW_BYTES]);
    }
    for (const [start, length] of windows) {
      const sample = await fetchSample(options, `bytes=${start}-${start + length - 1}`, length);
      if (sample.size !== size || sample.sampleStart !== start || !(await holds(file, sample))) return undefined;
    }
  }
  return hashUnlessHoled(file);
}

const BLOCK = 64 * 1024;
const ZEROS = Buffer.alloc(BLOCK);

/**
 * SHA-256 of the file, or undefined when a 64 KiB block of it (at a 64 KiB boundary) is all zeros: the
 * hole an interrupted preallocating or segmented downloader leaves. Compressed audio and video never
 * hold one; the padding their containers reserve is far smaller.
 */
async function hashUnlessHoled(file: string): Promise<{ readonly size: number; readonly sha256: string } | undefined> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: BLOCK })) {
    const buffer = chunk as Buffer;
    if (buffer.length === BLOCK && size % BLOCK === 0 && buffer.equals(ZEROS)) return undefined;
    hash.update(buffer);
    size += buffer.length;
  }
  return { size, sha256: hash.digest('hex') };
}
