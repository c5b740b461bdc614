// Is a file found in the folder the server's recording, byte for byte? Asked when history does not
// know a file that lies where a recording would go (the state was lost, a kill came between the
// rename and the record, another state folder filled this one). A matching size alone is not enough:
// two recordings of one conference can have the same size, and a user's own file can too. One request
// for the last 64 KiB gives the size (Content-Range) and a sample to compare: a recording's end (its
// last frames and cues) is its own. The ETag is not used: whether it is the content's MD5 depends on
// the storage and its encryption settings, and a wrong "no" would fetch the file a second time.
import fs from 'node:fs';
import { open } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Request } from 'got';
import { hashFile } from './download-file.ts';
import { EmrecError, isEmrecError } from './errors.ts';
import { DOWNLOAD_RETRY, backoffDelay, fileHostError, fileStream, retryableStatus } from './http.ts';

/** How much of the server's file is compared with the local one (its end: cues and last frames differ per recording). */
export const SAMPLE_BYTES = 64 * 1024;

/** What the server says of a file: its size and a run of its bytes starting at `sampleStart`. */
export interface RemoteSample {
  readonly size: number | undefined;
  readonly sampleStart: number;
  readonly sample: Buffer;
}

export interface ProbeOptions {
  readonly url: string;
  readonly signal?: AbortSignal;
  /** A fresh signed URL when this one has expired (403). */
  readonly refreshUrl?: () => Promise<string>;
  readonly idleTimeoutMs?: number;
}

const cancelled = (signal: AbortSignal): EmrecError =>
  isEmrecError(signal.reason) ? signal.reason : new EmrecError('CANCELLED', 'The download was cancelled');

function headOf(stream: Request): Promise<{ statusCode: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    stream.once('response', resolve);
    stream.once('error', reject);
  });
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

/** One `Range: bytes=-65536` request (refreshing an expired URL once, retrying a busy host twice). */
export async function probeRemote(options: ProbeOptions): Promise<RemoteSample> {
  let url = options.url;
  let refreshed = false;
  for (let attempt = 1; ; attempt += 1) {
    if (options.signal?.aborted) throw cancelled(options.signal);
    const stream = fileStream(url, {
      headers: { range: `bytes=-${SAMPLE_BYTES}`, 'accept-encoding': 'identity' },
      idleTimeoutMs: options.idleTimeoutMs ?? 30_000,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    let head: { statusCode: number; headers: IncomingHttpHeaders };
    try {
      head = await headOf(stream);
    } catch (error) {
      stream.destroy();
      if (options.signal?.aborted) throw cancelled(options.signal);
      // got's error holds the signed URL: never kept as `cause`
      if (attempt >= 3) throw new EmrecError('NETWORK', `Could not reach the file host: ${(error as Error).message}`);
      await sleep(backoffDelay(attempt, DOWNLOAD_RETRY));
      continue;
    }
    const { statusCode: status, headers } = head;
    if (status === 206) {
      const range = /^bytes (\d+)-\d+\/(\d+)$/.exec(headers['content-range'] ?? '');
      const sample = await readUpTo(stream, SAMPLE_BYTES);
      return { size: range ? Number(range[2]) : undefined, sampleStart: range ? Number(range[1]) : 0, sample };
    }
    if (status === 200) {
      // Range ignored: the file's start is the sample
      const size = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
      return { size, sampleStart: 0, sample: await readUpTo(stream, SAMPLE_BYTES) };
    }
    stream.resume();
    if (status === 416) return { size: 0, sampleStart: 0, sample: Buffer.alloc(0) }; // an empty file has no last bytes
    if (status === 403 && !refreshed && options.refreshUrl) {
      refreshed = true;
      url = await options.refreshUrl();
      continue;
    }
    if (retryableStatus(status) && attempt < 3) {
      await sleep(backoffDelay(attempt, DOWNLOAD_RETRY));
      continue;
    }
    throw fileHostError(status);
  }
}

/**
 * Compares the local `file` with the server's sample: the same size and the same sampled bytes. The
 * file is hashed (SHA-256, for history) only when they match. Undefined when it is not the server's file.
 */
export async function identify(file: string, remote: RemoteSample): Promise<{ readonly size: number; readonly sha256: string } | undefined> {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    return undefined;
  }
  if (remote.size === undefined || remote.size !== size) return undefined;
  const local = Buffer.alloc(remote.sample.length);
  const handle = await open(file, 'r');
  try {
    await handle.read(local, 0, local.length, remote.sampleStart);
  } finally {
    await handle.close();
  }
  if (!local.equals(remote.sample)) return undefined;
  return hashFile(file);
}
