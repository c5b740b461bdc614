// One resumable download: each attempt is a fresh got stream into `<final>.part`, resumed with
// Range + If-Range from the validator saved in `<final>.part.json`; the file gets its final name only
// once every announced byte is on disk. got's own retry is off: it cannot resume a cut body.
import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Writable } from 'node:stream';
import { RequestError, type Request } from 'got';
import type { IncomingHttpHeaders } from 'node:http';
import { EmrecError } from './errors.ts';
import { DOWNLOAD_RETRY, fileHostError, fileStream, retryableStatus, retryPolicy, type RetryOptions } from './http.ts';
import { asLocalError, ensureSpace, freeBytes, makeFolder, type FreeBytesFn } from './disk-space.ts';
import type { RateLimiter } from './rate-limit.ts';
import { abortError, nextRetry, renewedUrl, type RetryPlan } from './download-retry.ts';
import { contentRange, hostWords, release, responseOf, validatorOf } from './file-response.ts';
import type { ConnectionBudget } from './connection-budget.ts';
import { SegmentTable } from './segment-table.ts';
import { rangesToResume, SEGMENT_MIN_FILE, segmentedDownload, type SegmentedMeta, type SegmentedOutcome } from './segmented-download.ts';

export type { RetryOptions } from './http.ts';

export interface DownloadFileProgress {
  /** Bytes on disk for this file, including those of earlier attempts. */
  readonly bytes: number;
  readonly total?: number;
}

export interface DownloadFileOptions {
  readonly url: string;
  /** Absolute final path; the download goes to `<dest>.part` first. */
  readonly dest: string;
  /** Gives a fresh signed URL when the host answers 403; its failure ends the download with URL_EXPIRED. */
  readonly refreshUrl?: () => Promise<string>;
  /** Aborting keeps the `.part` (pause); the reason, if an EmrecError, is what the download rejects with. */
  readonly signal?: AbortSignal;
  /** No byte for this long → the attempt is dropped and retried (default 30 s). */
  readonly idleTimeoutMs?: number;
  /** `limit`: failed attempts in a row without new bytes before giving up (default 8); backoff as in http.ts. */
  readonly retry?: RetryOptions;
  readonly onProgress?: (progress: DownloadFileProgress) => void;
  /** Free-space lookup (tests simulate a full disk with it). */
  readonly freeBytes?: FreeBytesFn;
  /** Opens the `.part` for writing (tests inject failing writers). */
  readonly openPart?: (partPath: string, flags: 'a' | 'w') => Writable;
  /** Told before each wait for another attempt (the file is not failed yet). */
  readonly onRetry?: (wait: RetryPlan) => void;
  /** The process's one bandwidth limit: each chunk read is booked there, and reading waits as it asks. */
  readonly limiter?: RateLimiter;
  /**
   * The process's connections: a file over SEGMENT_MIN_FILE borrows free ones for more segments
   * (segmented-download.ts). None: one connection per file (a part left in segments still resumes).
   */
  readonly budget?: ConnectionBudget;
}

export interface DownloadFileResult {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

/** What is kept beside a `.part` to resume it safely. */
interface PartMeta extends Partial<SegmentedMeta> {
  readonly validator?: string;
  readonly total?: number;
}

export const partPath = (dest: string): string => `${dest}.part`;
const metaPath = (dest: string): string => `${dest}.part.json`;

/**
 * Bytes the .part stream may hold while a disk write is in flight. With Node's 16 KB default every
 * 64 KB socket chunk waited for its own write (one 1 GB file: 5.7 s, curl 1.3 s); 256 KB lets reads go
 * on while fs.WriteStream coalesces the queued chunks into one writev (3.3 s). 1 MB was a little faster
 * alone but cost ~25 MB of peak RSS with 8 downloads at once (npm run bench).
 */
const PART_WRITE_BUFFER = 256 * 1024;

/**
 * Files up to this size keep no resume sidecar while they download: fetching one again after a crash
 * costs less than two file operations each time. A cut body still gets one (see `keepCut`), so a host
 * that cuts every answer cannot send such a file back to zero forever.
 */
const SIDECAR_MIN_BYTES = 256 * 1024;

/** Below this, no free-space look-up before the write (one statfs per tiny file adds up at 10,000 files). */
const SPACE_CHECK_MIN_BYTES = 1024 * 1024;

/** Folders already made by this process (a batch puts many files in few folders). */
const madeFolders = new Set<string>();

/** Deletes a download's `.part` and its sidecar (cancel). */
export async function discardPartial(dest: string): Promise<void> {
  await Promise.all([partPath(dest), metaPath(dest), `${metaPath(dest)}.tmp`].map((file) => fs.promises.rm(file, { force: true })));
}

/**
 * The bytes of a download on disk: a part in segments counts what its sidecar says is there (the part's
 * size is its furthest byte), any other the part's size. Synchronous: read when a file is (re)scheduled.
 */
export function bytesOnDisk(dest: string): number {
  const size = fs.statSync(partPath(dest), { throwIfNoEntry: false })?.size ?? 0; // no part (most files): no sidecar read
  if (size === 0) return 0;
  try {
    const meta = JSON.parse(fs.readFileSync(metaPath(dest), 'utf8')) as PartMeta;
    const table = Array.isArray(meta.todo) && typeof meta.total === 'number' ? SegmentTable.fromTodo(meta.total, meta.todo) : undefined;
    if (table) return table.done;
  } catch {
    // no sidecar, or one no use: the part's size
  }
  return size;
}

async function readMeta(dest: string): Promise<PartMeta> {
  try {
    const data = JSON.parse(await fs.promises.readFile(metaPath(dest), 'utf8')) as PartMeta;
    return typeof data === 'object' && data !== null ? data : {};
  } catch {
    return {};
  }
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await fs.promises.stat(file)).size;
  } catch {
    return 0;
  }
}

/**
 * Whether a part can be what a segment table says: long enough for the furthest byte it calls done, not
 * longer than the file. (A part cut short would read back zeros in its holes; one too long would keep its tail.)
 */
function fits(partSize: number, table: SegmentTable): boolean {
  const todo = table.todo();
  const last = todo.at(-1);
  const furthestDone = last !== undefined && last[1] === table.total ? last[0] : table.total;
  return partSize >= furthestDone && partSize <= table.total && partSize > 0;
}

/**
 * Body bytes that reached this process but not the reader of a failed got stream. got pulls the body
 * from the response only as fast as it is read, and stops when the connection closes early: on a fast
 * link the last bytes before the cut (or all of a short body) arrive with the close and are still in the
 * response's buffer, or in got's own, when got fails. They are the body's next bytes, in order: got reads
 * the response only through its own `_read` here (its raw-body read for error messages runs only while the
 * socket is alive, and a cut, a timeout or an abort has destroyed it first).
 */
function unreadBody(stream: Request): Buffer[] {
  const chunks: Buffer[] = [];
  for (const source of [stream, stream.response]) {
    if (!source) continue;
    for (let chunk = source.read() as Buffer | string | null; chunk !== null; chunk = source.read() as Buffer | string | null) {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
    }
  }
  return chunks;
}

/**
 * Copies a response body into the .part file. Unlike stream.pipeline, a cut connection or a pause does
 * not destroy the file stream: every byte that arrived is flushed first, the ones the failed source
 * still held (`unread`) included, so the next attempt resumes from it. `onChunk` sees each chunk before
 * it is queued for writing.
 */
async function copyInto(
  source: AsyncIterable<Buffer>,
  out: Writable,
  onChunk: (chunk: Buffer) => void,
  unread: () => readonly Buffer[] = () => [],
  pace?: (bytes: number) => Promise<void>,
): Promise<{ readError?: unknown; writeError?: unknown }> {
  let writeError: unknown;
  out.on('error', (error) => {
    writeError ??= error;
  });
  const settled = (events: readonly string[]): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        for (const e of events) out.off(e, done);
        resolve();
      };
      for (const e of events) out.on(e, done);
    });
  let readError: unknown;
  try {
    for await (const chunk of source) {
      onChunk(chunk);
      if (!out.write(chunk)) await settled(['drain', 'error', 'close']);
      if (writeError !== undefined) break;
      if (pace) await pace(chunk.length);
    }
  } catch (error) {
    readError = error;
    for (const chunk of writeError === undefined ? unread() : []) {
      onChunk(chunk);
      if (!out.write(chunk)) await settled(['drain', 'error', 'close']);
      if (writeError !== undefined) break;
    }
  }
  if (!out.destroyed) {
    const finished = settled(['finish', 'error', 'close']);
    out.end();
    await finished;
  }
  return { ...(readError !== undefined ? { readError } : {}), ...(writeError !== undefined ? { writeError } : {}) };
}

/** Why an attempt ended without the file: decides what the loop does next. */
type Outcome =
  | { readonly kind: 'retry'; readonly error: unknown } // network: keep bytes, back off
  | { readonly kind: 'restart'; readonly reason: string } // the part cannot be continued: from zero
  | { readonly kind: 'refresh' } // signed URL expired
  | { readonly kind: 'done'; readonly size: number }
  | { readonly kind: 'segments'; readonly stream: Request; readonly table: SegmentTable; readonly validator: string }; // go on in segments

/**
 * Downloads `url` to `dest`, resuming a `.part` left by an earlier run. Resolves with size and sha256
 * once the complete file has its final name; rejects with an EmrecError (the `.part` is kept unless
 * the server content changed).
 */
export async function downloadFile(options: DownloadFileOptions): Promise<DownloadFileResult> {
  try {
    return await download(options);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') madeFolders.delete(path.dirname(options.dest)); // removed meanwhile
    // a full, read-only or foreign folder is the person's to fix: say which folder, never "server error"
    throw asLocalError(error, path.dirname(options.dest));
  }
}

/** Hashes a file already on disk (a `.part` found complete, a file adopted from the folder). */
export async function hashFile(file: string): Promise<{ readonly size: number; readonly sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: PART_WRITE_BUFFER })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}

async function download(options: DownloadFileOptions): Promise<DownloadFileResult> {
  const { dest, signal } = options;
  const retry = retryPolicy(options.retry, DOWNLOAD_RETRY);
  const limit = retry.limit;
  const part = partPath(dest);
  const dir = path.dirname(dest);
  const lookup = options.freeBytes ?? freeBytes;
  const openPart = options.openPart ?? ((p: string, flags: 'a' | 'w') => fs.createWriteStream(p, { flags, highWaterMark: PART_WRITE_BUFFER }));
  if (!madeFolders.has(dir)) {
    await makeFolder(dir);
    if (madeFolders.size > 10_000) madeFolders.clear();
    madeFolders.add(dir);
  }

  let url = options.url;
  let hasher: Hash = createHash('sha256');
  let hashed = 0; // bytes of the part already in `hasher`
  let failures = 0; // attempts in a row without new bytes
  // A host that sends neither ETag nor Last-Modified: within this run the bytes kept are resumed with a
  // plain Range (as curl -C - does), checked against the total its first answer gave; never across runs.
  let unvalidatedTotal: number | undefined;
  let restarts = 0;
  let refreshes = 0;
  /** Segments are off for this file: its host answered a range with the whole file, or it changed. */
  let inOneStream = false;

  const startOver = async (): Promise<void> => {
    await discardPartial(dest);
    hasher = createHash('sha256');
    hashed = 0;
  };
  /** The part cannot be continued (the file changed, a range went wrong): from zero, a few times at most. */
  const restartFromZero = async (reason: string): Promise<void> => {
    restarts += 1;
    if (restarts > limit) throw new EmrecError('FILE_CHANGED', `The file kept changing on the server (${reason})`, { details: { restarts } });
    await startOver();
  };
  /** The part is the whole file: its final name, and no sidecar left. */
  const finish = async (size: number, sha256: string): Promise<DownloadFileResult> => {
    await fs.promises.rename(part, dest);
    if (sidecar) await fs.promises.rm(metaPath(dest), { force: true });
    return { path: dest, size, sha256 };
  };

  let known: PartMeta | undefined = await readMeta(dest);
  /** Whether a sidecar may exist on disk (found at start, or written by an attempt). */
  let sidecar = known.validator !== undefined || known.total !== undefined;
  const whole = known.todo === undefined; // a part in segments is checked against its table (below)
  if (whole && known.validator !== undefined && known.total !== undefined && known.total > 0 && (await sizeOf(part)) === known.total) {
    // killed between the last byte and the rename: the part is the whole file, finish it without a request
    const { size, sha256 } = await hashFile(part);
    if (size === known.total) return finish(size, sha256);
  }

  for (let attempt = 0; ; attempt += 1) {
    if (signal?.aborted) throw abortError(signal);
    const meta = known ?? (await readMeta(dest));
    known = undefined;
    if (meta.todo !== undefined || meta.segmentsOf !== undefined) {
      // a part left in segments: resume every one (its done ranges are hashed as they join up)
      const ranges = meta.todo && meta.synced ? rangesToResume({ todo: meta.todo, synced: meta.synced, at: meta.at ?? 0 }) : undefined;
      const table = meta.segmentsOf && meta.total && ranges && !inOneStream ? SegmentTable.fromTodo(meta.total, ranges) : undefined;
      if (table === undefined || !fits(await sizeOf(part), table)) {
        await startOver();
        continue;
      }
      const result = await inSegments(table, meta.segmentsOf as string, undefined);
      if (result) return result;
      continue;
    }
    let offset = await sizeOf(part);
    if (offset > 0 && meta.validator === undefined && unvalidatedTotal === undefined) {
      await startOver(); // nothing to prove the part belongs to the current file
      offset = 0;
    }
    if (hashed !== offset) {
      hasher = createHash('sha256');
      if (offset > 0) for await (const chunk of fs.createReadStream(part, { start: 0, end: offset - 1 })) hasher.update(chunk as Buffer);
      hashed = offset;
    }
    const before = offset;
    const outcome = await attemptOnce(offset, meta);
    if (outcome.kind === 'segments') {
      const result = await inSegments(outcome.table, outcome.validator, outcome.stream);
      if (result) return result;
      continue;
    }
    if (outcome.kind === 'done') return finish(outcome.size, hasher.digest('hex'));
    if (signal?.aborted) throw abortError(signal);
    const progressed = (await sizeOf(part)) > before;
    if (progressed) {
      failures = 0;
      refreshes = 0;
    }
    if (outcome.kind === 'refresh') {
      refreshes += 1;
      url = await renewedUrl(options.refreshUrl, refreshes, signal);
      continue;
    }
    if (outcome.kind === 'restart') {
      await restartFromZero(outcome.reason);
      continue;
    }
    if (!progressed) failures += 1;
    const wait = nextRetry(outcome.error, { failures, attempts: attempt + 1, bytes: meta.total ?? 0 }, retry);
    options.onRetry?.(wait);
    try {
      await sleep(wait.delayMs, undefined, signal ? { signal } : {});
    } catch {
      throw abortError(signal as AbortSignal);
    }
  }

  /** Goes on in segments; undefined when the host made it start again from zero over one stream. */
  async function inSegments(table: SegmentTable, validator: string, live: Request | undefined): Promise<DownloadFileResult | undefined> {
    let outcome: SegmentedOutcome;
    try {
      outcome = await segmentedDownload({
        url,
        part,
        metaPath: metaPath(dest),
        validator,
        table,
        ...(live ? { live } : {}),
        hash: live ? { hasher, frontier: hashed } : { hasher: createHash('sha256'), frontier: 0 },
        ...(options.budget ? { budget: options.budget } : {}),
        ...(signal ? { signal } : {}),
        idleTimeoutMs: options.idleTimeoutMs ?? 30_000,
        retry,
        ...(options.refreshUrl ? { refreshUrl: options.refreshUrl } : {}),
        ...(options.limiter ? { limiter: options.limiter } : {}),
        freeBytes: lookup,
        ...(options.onProgress ? { onProgress: (bytes: number, total: number) => options.onProgress?.({ bytes, total }) } : {}),
        ...(options.onRetry ? { onRetry: options.onRetry } : {}),
      });
    } catch (error) {
      if (signal?.aborted) throw abortError(signal);
      throw error;
    }
    sidecar = true;
    if (outcome.kind === 'restart') {
      if (outcome.hostIgnoresRanges) inOneStream = true; // this host, this file: no more segments
      await restartFromZero(outcome.reason);
      return undefined;
    }
    return finish(outcome.size, outcome.sha256);
  }

  async function attemptOnce(offset: number, meta: PartMeta): Promise<Outcome> {
    const headers: Record<string, string> = { 'accept-encoding': 'identity' };
    if (offset > 0 && (meta.validator || unvalidatedTotal !== undefined)) {
      headers.range = `bytes=${offset}-`;
      if (meta.validator) headers['if-range'] = meta.validator;
    }
    const stream = fileStream(url, { headers, idleTimeoutMs: options.idleTimeoutMs ?? 30_000, ...(signal ? { signal } : {}) });
    let response: { statusCode: number; headers: IncomingHttpHeaders };
    try {
      response = await responseOf(stream);
    } catch (error) {
      return { kind: 'retry', error };
    }
    const status = response.statusCode;
    const drop = (): void => release(stream, response.headers);
    if (status === 403) return drop(), { kind: 'refresh' };
    if (status === 416) return drop(), { kind: 'restart', reason: 'range not satisfiable' };
    if (retryableStatus(status)) {
      return { kind: 'retry', error: fileHostError(status, response.headers['retry-after'], await hostWords(stream, response.headers)) };
    }
    if (status !== 200 && status !== 206) {
      throw fileHostError(status, undefined, await hostWords(stream, response.headers)); // 404/410 FILE_GONE, else BAD_RESPONSE
    }

    const validator = validatorOf(response.headers);
    const lengthHeader = response.headers['content-length'];
    const length = lengthHeader === undefined ? undefined : Number(lengthHeader);
    let start = 0;
    let total: number | undefined;
    /** The sidecar a small file gets only if its body is cut: the bytes kept are then resumed, not fetched again. */
    let onCut: PartMeta | undefined;
    if (status === 206) {
      const range = contentRange(response.headers);
      if (range?.start !== offset) return drop(), { kind: 'restart', reason: 'unexpected Content-Range' };
      if (meta.validator !== undefined && validator !== undefined && validator !== meta.validator) {
        return drop(), { kind: 'restart', reason: 'the file changed' };
      }
      start = offset;
      total = range.total ?? meta.total;
      if (meta.validator === undefined && (validator !== undefined || total !== unvalidatedTotal)) {
        return drop(), { kind: 'restart', reason: 'the file changed' };
      }
    } else {
      total = length;
      unvalidatedTotal = validator === undefined ? total : undefined;
      if (offset > 0) {
        // the host sent the whole (maybe new) file: write it from the start
        hasher = createHash('sha256');
        hashed = 0;
      }
      // A small file is fetched again whole after a crash: no sidecar (two file operations per file) for
      // it unless its body is cut.
      if (total === undefined || total > SIDECAR_MIN_BYTES) {
        const newMeta: PartMeta = { ...(validator ? { validator } : {}), ...(total !== undefined ? { total } : {}) };
        await fs.promises.writeFile(metaPath(dest), JSON.stringify(newMeta));
        sidecar = true;
      } else {
        if (sidecar) {
          await fs.promises.rm(metaPath(dest), { force: true });
          sidecar = false;
        }
        if (validator) onCut = { validator, total };
      }
    }

    /** Makes the bytes of a cut body resumable: a small file's part gets its sidecar once they are on disk. */
    const keepCut = async (): Promise<void> => {
      if (onCut === undefined || sidecar || (await sizeOf(part)) === 0) return;
      await fs.promises.writeFile(metaPath(dest), JSON.stringify(onCut));
      sidecar = true;
    };

    if (options.budget && !inOneStream && validator !== undefined && total !== undefined && total - start > SEGMENT_MIN_FILE) {
      return { kind: 'segments', stream, table: SegmentTable.fresh(total, start), validator }; // its free space is looked up there
    }

    try {
      // a small file needs no look-up: a disk that fills meanwhile is still DISK_FULL, from the write
      if (total !== undefined && total - start > SPACE_CHECK_MIN_BYTES) await ensureSpace(dir, total - start, lookup);
    } catch (error) {
      drop();
      throw error;
    }

    let bytes = start;
    options.onProgress?.({ bytes, ...(total !== undefined ? { total } : {}) });
    const hash = hasher;
    const copied = await copyInto(
      stream,
      openPart(part, start === 0 ? 'w' : 'a'),
      (chunk) => {
        hash.update(chunk);
        hashed += chunk.length;
        bytes += chunk.length;
        options.onProgress?.({ bytes, ...(total !== undefined ? { total } : {}) });
      },
      () => unreadBody(stream),
      options.limiter ? (n) => options.limiter?.take(n, signal) ?? Promise.resolve() : undefined,
    );
    if (copied.writeError !== undefined) throw asLocalError(copied.writeError, dir);
    if (copied.readError !== undefined) {
      const error = copied.readError;
      if (error instanceof RequestError || (error as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE') {
        await keepCut();
        return { kind: 'retry', error };
      }
      throw error;
    }
    const size = await sizeOf(part);
    if (total !== undefined && size !== total) {
      if (size < total) {
        await keepCut();
        return { kind: 'retry', error: new EmrecError('SIZE_MISMATCH', `Got ${size} of ${total} bytes`, { details: { size, total } }) };
      }
      return { kind: 'restart', reason: `${size} bytes on disk, ${total} announced` };
    }
    return { kind: 'done', size };
  }
}

