// One large file fetched over several connections. Each connection works on one segment of the table
// (segment-table.ts) with `Range` + `If-Range` on the file's validator; connections are borrowed from the
// process's budget while it has some free, and a connection whose segment is done takes a free one or
// halves the largest still running. Bytes go to their place in `<final>.part`; the sidecar lists the
// ranges still missing, so a kill resumes every segment. The sha256 follows the bytes in order: a write
// at the hashed frontier is hashed from memory, what lies beyond it is read back once when the gap closes.
// A host that answers a range with the whole file, or whose validator changes, ends this with `restart`:
// the caller fetches the file again from zero over one connection.
import type { Hash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IncomingHttpHeaders } from 'node:http';
import type { Request } from 'got';
import { EmrecError } from './errors.ts';
import { fileHostError, fileStream, retryableStatus, type RetryPolicy } from './http.ts';
import { contentRange, hostWords, release, responseOf, validatorOf } from './file-response.ts';
import { ensureSpace, type FreeBytesFn } from './disk-space.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { ConnectionBudget } from './connection-budget.ts';
import { nextRetry, renewedUrl, type RetryPlan } from './download-retry.ts';
import { SegmentTable, type Segment } from './segment-table.ts';

/** Files larger than this are split when connections are free (a smaller one is over before a split pays). */
export const SEGMENT_MIN_FILE = 32 * 1024 * 1024;

/** No segment is halved below this: a new request costs a round trip, worth it only for enough bytes. */
const MIN_PIECE = 2 * 1024 * 1024;

/**
 * A running segment keeps what its connection will fetch in this long anyway: the bytes in flight to us
 * past its position. Halving less than that would throw away bytes already sent (a fast host fills the
 * socket buffers with megabytes), and would not finish sooner.
 */
const KEEP_SEC = 0.5;
/** …and at least this much: what socket buffers may hold when the host is faster than we read (a host on the same machine). */
const KEEP_MIN = 8 * 1024 * 1024;

/** Bytes a segment gathers before one positional write (fewer system calls than one per 64 KiB chunk). */
const WRITE_BATCH = 256 * 1024;

/** The sidecar is rewritten once 1 % of the file is new on disk (at most every 50 ms), or every 500 ms. */
const PERSIST_MIN_MS = 50;
const PERSIST_MAX_MS = 500;

/**
 * The sidecar of a part in segments. The validator is kept under its own name: a version of emrec that
 * knows no segments finds no `validator`, so it fetches the file again instead of resuming a part with
 * holes as if it had none.
 */
export interface SegmentedMeta {
  readonly segmentsOf: string;
  readonly total: number;
  /** Ranges [from, to) not yet written: what a process killed any moment left (the system still has the rest). */
  readonly todo: readonly (readonly [number, number])[];
  /**
   * Ranges not yet flushed to the disk itself (fdatasync), and when the sidecar was written: after a power
   * loss the sidecar may have reached the disk before the part's bytes, so a machine started since then
   * resumes from these instead (see rangesToResume).
   */
  readonly synced: readonly (readonly [number, number])[];
  readonly at: number;
}

/** How often the part is flushed to the disk itself: what a power loss can cost, fetched again. */
const SYNC_MS = 5_000;

/**
 * The ranges a sidecar's part is resumed from: `todo` in the same boot of the machine, `synced` when it
 * has started since the sidecar was written (or so near it that the boot time cannot tell).
 */
export function rangesToResume(meta: Pick<SegmentedMeta, 'todo' | 'synced' | 'at'>, bootedAt: number = Date.now() - os.uptime() * 1000): SegmentedMeta['todo'] {
  return typeof meta.at === 'number' && bootedAt < meta.at - 2_000 ? meta.todo : meta.synced;
}

export interface SegmentedOptions {
  url: string;
  readonly part: string;
  readonly metaPath: string;
  readonly validator: string;
  readonly table: SegmentTable;
  /** The response already open for the table's first missing segment (the file's first request). */
  readonly live?: Request;
  /** The bytes [0, frontier) already hashed. */
  readonly hash: { readonly hasher: Hash; readonly frontier: number };
  readonly budget?: ConnectionBudget;
  readonly signal?: AbortSignal;
  readonly idleTimeoutMs: number;
  readonly retry: RetryPolicy;
  readonly refreshUrl?: () => Promise<string>;
  readonly limiter?: RateLimiter;
  readonly freeBytes?: FreeBytesFn;
  readonly onProgress?: (bytes: number, total: number) => void;
  readonly onRetry?: (wait: RetryPlan) => void;
}

export type SegmentedOutcome =
  | { readonly kind: 'done'; readonly size: number; readonly sha256: string }
  | { readonly kind: 'restart'; readonly reason: string; readonly hostIgnoresRanges: boolean };

/** The file cannot go on in these segments: start again from zero (over one connection if the host ignores ranges). */
class Fallback extends Error {
  readonly hostIgnoresRanges: boolean;
  constructor(message: string, hostIgnoresRanges = false) {
    super(message);
    this.hostIgnoresRanges = hostIgnoresRanges;
  }
}

/** Why a segment's attempt ended. */
type Ended = 'done' | 'yield' | { readonly retry: unknown };

export async function segmentedDownload(options: SegmentedOptions): Promise<SegmentedOutcome> {
  const { table, validator, budget, retry } = options;
  const total = table.total;
  const stop = new AbortController();
  const outer = options.signal;
  const onOuterAbort = (): void => stop.abort(outer?.reason);
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  if (outer?.aborted) stop.abort(outer.reason);
  const signal = stop.signal;

  let url = options.url;
  let urlVersion = 0;
  let refreshing: Promise<void> | undefined;
  let refreshes = 0;
  let fatal: unknown;
  let done = table.done;
  /** Bytes received by each segment's worker and not yet written. */
  const pending = new Map<Segment, number>();
  /** When each running segment's current response began, and at which position: its speed. */
  const began = new Map<Segment, { readonly at: number; readonly from: number }>();

  let handle: fs.promises.FileHandle;
  try {
    await ensureSpace(path.dirname(options.part), total - done, options.freeBytes);
    handle = await fs.promises.open(options.part, done === 0 && options.hash.frontier === 0 ? 'w+' : 'r+');
  } catch (error) {
    options.live?.socket?.destroy(); // a full disk or a folder gone: the open response is let go, not left to time out
    options.live?.destroy();
    throw error;
  }

  // ---- the hash, in file order ----
  const hasher = options.hash.hasher;
  let frontier = options.hash.frontier;
  let catching: Promise<void> | undefined;
  let catchAgain = false;
  let readBuffer: Buffer | undefined; // one for the whole file: read-backs follow each other
  const readBack = async (): Promise<void> => {
    const buffer = (readBuffer ??= Buffer.allocUnsafeSlow(1024 * 1024));
    for (;;) {
      const end = table.contiguousFrom(frontier);
      if (end <= frontier) {
        if (!catchAgain) {
          catching = undefined;
          return;
        }
        catchAgain = false;
        continue;
      }
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, end - frontier), frontier);
      if (bytesRead <= 0) throw new Error(`the part file ends at ${frontier}, before ${end}`);
      hasher.update(buffer.subarray(0, bytesRead));
      frontier += bytesRead;
    }
  };
  const catchUp = (): void => {
    if (catching) {
      catchAgain = true;
      return;
    }
    if (table.contiguousFrom(frontier) <= frontier) return; // (readBack would end before its first await)
    catching = readBack().catch((error: unknown) => {
      catching = undefined;
      fail(error);
    });
  };

  // ---- the sidecar ----
  let persisting: Promise<void> | undefined;
  let persistAgain = false;
  let persistedAt = 0;
  let persistedDone = done;
  /** What was on the disk itself at the last flush, and when that flush began. */
  let synced = table.todo();
  let syncedAt = 0;
  const flushToDisk = async (): Promise<void> => {
    const before = table.todo(); // bytes written before the flush begins are in it
    syncedAt = Date.now();
    await handle.datasync();
    synced = before;
  };
  let flushing: Promise<void> | undefined;
  const writeSidecar = async (): Promise<void> => {
    do {
      persistAgain = false;
      persistedAt = Date.now();
      persistedDone = done;
      const meta: SegmentedMeta = { segmentsOf: validator, total, todo: table.todo(), synced, at: Date.now() };
      const temp = `${options.metaPath}.tmp`;
      try {
        await fs.promises.writeFile(temp, JSON.stringify(meta));
        await fs.promises.rename(temp, options.metaPath);
      } catch (error) {
        await fs.promises.rm(temp, { force: true }); // a full disk leaves no empty temp file behind
        throw error;
      }
    } while (persistAgain);
  };
  const persist = (): Promise<void> => {
    if (persisting) {
      persistAgain = true;
      return persisting;
    }
    persisting = writeSidecar().finally(() => (persisting = undefined));
    return persisting;
  };
  const maybePersist = (): void => {
    if (!flushing && Date.now() - syncedAt >= SYNC_MS) {
      // beside the writes, never in their way: the sidecar says what it reached when it is done
      flushing = flushToDisk()
        .catch(() => undefined)
        .finally(() => (flushing = undefined));
    }
    const since = Date.now() - persistedAt;
    if (since >= PERSIST_MAX_MS || (since >= PERSIST_MIN_MS && done - persistedDone >= total / 100)) persist().catch(fail);
  };

  const fail = (error: unknown): void => {
    fatal ??= error;
    stop.abort(error);
  };

  // ---- the URL, renewed once for all segments ----
  const renew = async (seen: number): Promise<void> => {
    if (urlVersion !== seen) return; // another segment renewed it meanwhile
    refreshing ??= (async () => {
      refreshes += 1;
      url = await renewedUrl(options.refreshUrl, refreshes, signal);
      urlVersion += 1;
    })().finally(() => (refreshing = undefined));
    await refreshing;
  };

  // ---- one segment over one connection ----
  const write = async (segment: Segment, chunks: Buffer[], length: number): Promise<void> => {
    const at = segment.pos;
    const n = Math.min(length, segment.end - at); // the segment may have been halved meanwhile
    if (n <= 0) return;
    let parts = chunks;
    if (n < length) {
      parts = [];
      let left = n;
      for (const c of chunks) {
        if (left <= 0) break;
        parts.push(c.length <= left ? c : c.subarray(0, left));
        left -= Math.min(left, c.length);
      }
    }
    for (let written = 0; written < n; ) {
      const { bytesWritten } = await handle.writev(written === 0 ? parts : [Buffer.concat(parts).subarray(written)], at + written);
      if (bytesWritten <= 0) throw Object.assign(new Error('no bytes written'), { code: 'EIO' });
      written += bytesWritten;
    }
    segment.pos = at + n;
    done += n;
    if (!catching && at === frontier) {
      for (const c of parts) hasher.update(c);
      frontier += n;
    } else catchUp();
    options.onProgress?.(done, total);
    maybePersist();
    if (budget && budget.free > 0) recruit(); // a segment may be worth halving now
  };

  const openRange = (segment: Segment): Request =>
    fileStream(url, {
      headers: { 'accept-encoding': 'identity', range: `bytes=${segment.pos}-${segment.end - 1}`, 'if-range': validator },
      idleTimeoutMs: options.idleTimeoutMs,
      signal,
    });

  /** Checks a response to a segment's range; throws Fallback when the host cannot go on in segments. */
  const accept = async (segment: Segment, stream: Request, status: number, headers: IncomingHttpHeaders, seen: number): Promise<Ended | 'go'> => {
    const drop = (): void => release(stream, headers);
    if (status === 403) return drop(), await renew(seen), { retry: undefined };
    if (status === 416) throw (drop(), new Fallback('range not satisfiable'));
    if (retryableStatus(status)) return { retry: fileHostError(status, headers['retry-after'], await hostWords(stream, headers)) };
    const etag = validatorOf(headers);
    if (status === 200) {
      drop();
      if (etag !== undefined && etag !== validator) throw new Fallback('the file changed');
      throw new Fallback('the host answered a range with the whole file', true);
    }
    if (status !== 206) throw fileHostError(status, undefined, await hostWords(stream, headers)); // 404/410 FILE_GONE, else BAD_RESPONSE
    const range = contentRange(headers);
    if (range?.start !== segment.pos || (range.total !== undefined && range.total !== total)) throw (drop(), new Fallback('unexpected Content-Range'));
    if (etag !== undefined && etag !== validator) throw (drop(), new Fallback('the file changed'));
    return 'go';
  };

  const attempt = async (segment: Segment, live: Request | undefined, extra: boolean): Promise<Ended> => {
    const seen = urlVersion;
    const stream = live ?? openRange(segment);
    if (!live) {
      let head: { statusCode: number; headers: IncomingHttpHeaders };
      try {
        head = await responseOf(stream);
      } catch (error) {
        return { retry: error };
      }
      const verdict = await accept(segment, stream, head.statusCode, head.headers, seen);
      if (verdict !== 'go') return verdict;
    }
    let chunks: Buffer[] = [];
    let length = 0;
    let ended: Ended = 'done';
    let writeError: unknown;
    began.set(segment, { at: Date.now(), from: segment.pos });
    const flush = async (): Promise<boolean> => {
      try {
        await write(segment, chunks, length);
      } catch (error) {
        writeError = error; // the disk's fault, not the host's: the file fails, it is not retried
      }
      chunks = [];
      length = 0;
      pending.set(segment, 0);
      return writeError === undefined;
    };
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        const room = segment.end - segment.pos - length;
        const take = Math.min(chunk.length, room);
        if (take > 0) {
          chunks.push(take === chunk.length ? chunk : chunk.subarray(0, take));
          length += take;
          pending.set(segment, length);
        }
        if ((length >= WRITE_BATCH || take < chunk.length) && !(await flush())) break;
        if (take < chunk.length || segment.pos >= segment.end) break; // halved: the rest is another's
        if (options.limiter && take > 0) await options.limiter.take(take, signal);
        if (extra && budget?.over) {
          ended = 'yield';
          break;
        }
      }
    } catch (error) {
      ended = { retry: error };
    }
    // bytes that arrived before a cut or a pause are the file's: on disk before anything else
    if (length > 0 && writeError === undefined) await flush();
    pending.delete(segment);
    began.delete(segment);
    if (!stream.destroyed && !stream.readableEnded) {
      stream.socket?.destroy();
      stream.destroy();
    }
    if (writeError !== undefined) throw writeError;
    if (ended === 'done' && segment.pos < segment.end) {
      const got = segment.pos - segment.start;
      return { retry: new EmrecError('SIZE_MISMATCH', `A segment ended ${segment.end - segment.pos} bytes short`, { details: { got } }) };
    }
    return ended;
  };

  /** Fetches one segment to its end (or until its connection is wanted elsewhere), retrying as a file would. */
  const fetchSegment = async (segment: Segment, live: Request | undefined, extra: boolean): Promise<'done' | 'yield'> => {
    let failures = 0;
    let attempts = 0;
    let first = live;
    for (;;) {
      if (signal.aborted) throw signal.reason;
      if (segment.pos >= segment.end) return 'done';
      const before = segment.pos;
      const ended = await attempt(segment, first, extra);
      attempts += 1;
      first = undefined;
      if (ended === 'done' || ended === 'yield') return ended;
      if (signal.aborted) throw signal.reason;
      if (segment.pos > before) {
        failures = 0;
        refreshes = 0;
      } else if (ended.retry !== undefined) failures += 1;
      if (ended.retry === undefined) continue; // a renewed link: straight again
      const wait = nextRetry(ended.retry, { failures, attempts, bytes: segment.end - segment.start }, retry);
      options.onRetry?.(wait);
      await sleep(wait.delayMs, undefined, { signal });
    }
  };

  // ---- connections ----
  const workers = new Set<Promise<void>>();
  const reserved = (s: Segment): number => {
    const since = began.get(s);
    const unwritten = pending.get(s) ?? 0;
    if (!since) return unwritten;
    const seconds = (Date.now() - since.at) / 1000;
    const got = s.pos - since.from + unwritten;
    // the first moments of a response say nothing of its pace: untouched unless nothing has come yet
    // (the first fan-out of a file), since a fast host may have sent megabytes that are on their way
    const lead = seconds < 0.1 ? (got === 0 ? 0 : Number.POSITIVE_INFINITY) : Math.max(KEEP_MIN, (got / seconds) * KEEP_SEC);
    return unwritten + lead;
  };
  const nextSegment = (): Segment | undefined => table.takeFree() ?? table.split(MIN_PIECE, reserved);
  const work = (first: Segment, live: Request | undefined, extra: boolean): void => {
    const run = (async () => {
      let segment: Segment | undefined = first;
      let stream = live;
      try {
        while (segment && !signal.aborted) {
          const ended = await fetchSegment(segment, stream, extra);
          stream = undefined;
          if (ended === 'yield') break; // left for the file's own connection (finally frees it)
          segment.busy = false;
          segment = nextSegment();
        }
      } catch (error) {
        fail(error);
      } finally {
        if (segment) segment.busy = false;
        if (extra) budget?.give();
      }
    })();
    workers.add(run);
    void run.finally(() => workers.delete(run));
  };
  let recruiting = false;
  const recruit = (): void => {
    // under a bandwidth limit more connections are not faster: they only fill socket buffers to throw away
    if (!budget || signal.aborted || recruiting || options.limiter?.rate !== undefined) return;
    recruiting = true;
    try {
      while (budget.free > 0 && table.hasWork(MIN_PIECE, reserved)) {
        if (!budget.tryTake()) return;
        const segment = nextSegment();
        if (!segment) {
          budget.give();
          return;
        }
        work(segment, undefined, true);
      }
    } finally {
      recruiting = false;
    }
  };

  const stopWanting = budget?.want(recruit);
  try {
    options.onProgress?.(done, total);
    await flushToDisk(); // what an earlier run left is on the disk itself before the sidecar says so
    await persist();
    const first = table.takeFree();
    if (first) work(first, options.live, false);
    else options.live?.destroy();
    recruit();
    // a worker ending can leave work others took up meanwhile: wait until none is left running
    while (workers.size > 0) {
      await Promise.allSettled([...workers]);
      if (!signal.aborted && !table.complete && workers.size === 0) {
        const segment = table.takeFree();
        if (segment) work(segment, undefined, false);
      }
    }
    while (catching) await catching;
    if (fatal === undefined && outer?.aborted) fatal = outer.reason;
    if (fatal === undefined && table.complete) {
      if (frontier < total) {
        catchUp();
        while (catching) await catching;
      }
      if (fatal === undefined) {
        if (frontier !== total) throw new Error(`hashed ${frontier} of ${total} bytes`);
        await flushing;
        await handle.datasync(); // on the disk itself before it gets its final name and a line in history (closed below)
        return { kind: 'done', size: total, sha256: hasher.digest('hex') };
      }
    }
    if (fatal instanceof Fallback) return { kind: 'restart', reason: fatal.message, hostIgnoresRanges: fatal.hostIgnoresRanges };
    if (fatal === undefined) throw new Error('segments left without a connection'); // a bug of ours
    await persist().catch(() => undefined); // keep every segment resumable (pause, a failed file)
    throw fatal;
  } finally {
    stopWanting?.();
    outer?.removeEventListener('abort', onOuterAbort);
    await flushing;
    await persisting?.catch(() => undefined);
    await handle.close().catch(() => undefined);
  }
}
