// An append-only journal of JSON lines beside a store file: one line per change, written with one
// write(2) on an fd kept open (fsynced at once or in the background, see SyncMode), so recording a finished file costs O(1) whatever the size of
// the store. Readers take complete lines only: a torn last line (kill -9, a full disk) is left alone,
// and the next append starts on a fresh line so the torn bytes stay a garbled line of their own, which
// readers skip. Replaying the journal over a store that already holds any prefix of it gives the same
// result (each line sets or deletes one key), so a fold that could not truncate the journal loses nothing.
import fs from 'node:fs';
import path from 'node:path';
import { fsyncDir, writeAll } from './atomic-file.ts';

export interface JournalChunk {
  /** The parsed complete lines, in order. */
  readonly values: unknown[];
  /** Complete lines that were not JSON (torn or garbled): skipped. */
  readonly garbled: number;
  /** Byte offset after the last complete line read (where the next read starts). */
  readonly end: number;
  /** The file's size when read (a torn tail included). */
  readonly size: number;
  /** The file's inode (a replaced or recreated journal reads as another file). */
  readonly ino: number | undefined;
}

export interface AppendResult {
  /** File size before and after this append (another process may have appended in between). */
  readonly before: number;
  readonly after: number;
  /** Bytes this append wrote. */
  readonly length: number;
  readonly ino: number;
}

const NEWLINE = 0x0a;

/**
 * When lines reach the disk: `each` fsyncs every append (a power cut loses nothing that returned);
 * `batched` writes every append at once (a killed process loses nothing: the bytes are in the OS) and
 * fsyncs in the background within BATCH_SYNC_MS and at close (a power cut may lose the last moments,
 * which the next run finds again in the folder); `none` never fsyncs (tests on tmpfs).
 */
export type SyncMode = 'each' | 'batched' | 'none';

const BATCH_SYNC_MS = 200;

export class Journal {
  readonly file: string;
  readonly #sync: SyncMode;
  #syncTimer: NodeJS.Timeout | undefined;
  #fd: number | undefined;
  #fdIno: number | undefined;
  /** The file size right after our last complete append (it ends on a newline there), or -1. */
  #cleanEnd = -1;

  constructor(file: string, options: { readonly sync?: SyncMode } = {}) {
    this.file = file;
    this.#sync = options.sync ?? 'each';
  }

  /** Makes what was appended durable now (fold, close, exit). */
  sync(): void {
    if (this.#syncTimer !== undefined) clearTimeout(this.#syncTimer);
    this.#syncTimer = undefined;
    if (this.#fd !== undefined && this.#sync !== 'none') fs.fsyncSync(this.#fd);
  }

  #syncSoon(fd: number): void {
    if (this.#sync === 'each') fs.fsyncSync(fd);
    if (this.#sync !== 'batched' || this.#syncTimer !== undefined) return;
    this.#syncTimer = setTimeout(() => {
      this.#syncTimer = undefined;
      // off the main thread; an error here (the fd closed meanwhile) is harmless: close() synced
      if (this.#fd === fd) fs.fsync(fd, () => {});
    }, BATCH_SYNC_MS);
    this.#syncTimer.unref();
  }

  /** The file's inode and size now, or undefined when there is no journal. */
  stat(): { readonly ino: number; readonly size: number } | undefined {
    const s = fs.statSync(this.file, { throwIfNoEntry: false });
    return s === undefined ? undefined : { ino: s.ino, size: s.size };
  }

  /** Complete lines from byte `from` to the end of the file. */
  read(from: number): JournalChunk {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { values: [], garbled: 0, end: 0, size: 0, ino: undefined };
      throw error;
    }
    try {
      const { size, ino } = fs.fstatSync(fd);
      const start = Math.min(from, size);
      const buffer = Buffer.allocUnsafe(size - start);
      for (let offset = 0; offset < buffer.length; ) {
        const n = fs.readSync(fd, buffer, offset, buffer.length - offset, start + offset);
        if (n === 0) break;
        offset += n;
      }
      const last = buffer.lastIndexOf(NEWLINE);
      const values: unknown[] = [];
      let garbled = 0;
      if (last >= 0) {
        for (const line of buffer.toString('utf8', 0, last).split('\n')) {
          if (line.trim() === '') continue;
          try {
            values.push(JSON.parse(line));
          } catch {
            garbled += 1;
          }
        }
      }
      return { values, garbled, end: start + last + 1, size, ino };
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * Appends one line per value, fsynced. On a failure the file may end in a torn line (harmless, see above).
   * `exclusive`: the caller holds the lock every appender takes, so no one writes in between.
   */
  append(values: readonly unknown[], options: { readonly exclusive?: boolean } = {}): AppendResult {
    const fd = this.#open();
    const before = fs.fstatSync(fd).size;
    let prefix = '';
    if (before > 0 && before !== this.#cleanEnd) {
      // not where our last complete write ended: look whether the file ends on a line
      const last = Buffer.alloc(1);
      fs.readSync(fd, last, 0, 1, before - 1);
      if (last[0] !== NEWLINE) prefix = '\n';
    }
    const data = Buffer.from(`${prefix}${values.map((v) => JSON.stringify(v)).join('\n')}\n`, 'utf8');
    this.#cleanEnd = -1;
    writeAll(fd, data);
    this.#syncSoon(fd);
    const after = options.exclusive ? before + data.length : fs.fstatSync(fd).size;
    this.#cleanEnd = after;
    return { before, after, length: data.length, ino: this.#fdIno as number };
  }

  /** Empties the journal if it still has `expectedSize` bytes (nothing appended since it was read). */
  truncateIf(expectedSize: number): boolean {
    const fd = this.#open();
    if (fs.fstatSync(fd).size !== expectedSize) return false;
    fs.ftruncateSync(fd, 0);
    this.#cleanEnd = -1;
    if (this.#sync !== 'none') fs.fsyncSync(fd);
    return true;
  }

  close(): void {
    if (this.#fd !== undefined) this.sync();
    if (this.#fd !== undefined) fs.closeSync(this.#fd);
    this.#fd = undefined;
    this.#fdIno = undefined;
    this.#cleanEnd = -1;
  }

  #closeFd(): void {
    if (this.#syncTimer !== undefined) clearTimeout(this.#syncTimer);
    this.#syncTimer = undefined;
    if (this.#fd !== undefined) fs.closeSync(this.#fd);
    this.#fd = undefined;
    this.#fdIno = undefined;
    this.#cleanEnd = -1;
  }

  /** The append fd, reopened when the file at the path is no longer the one it points to (deleted, replaced). */
  #open(): number {
    if (this.#fd !== undefined) {
      const now = fs.statSync(this.file, { throwIfNoEntry: false });
      if (now !== undefined && now.ino === this.#fdIno) return this.#fd;
      this.#closeFd();
    }
    const existed = fs.existsSync(this.file);
    if (!existed) fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const fd = fs.openSync(this.file, 'a+', 0o600);
    this.#fd = fd;
    this.#fdIno = fs.fstatSync(fd).ino;
    if (!existed) fsyncDir(path.dirname(this.file));
    return fd;
  }
}
