// The unfinished downloads, saved so a restarted app can show and resume them. A cache, not the truth:
// a lost or damaged file only costs the next run a listing and a look at the folder. Its own small
// file (not the history store), written atomically, at most once a second (less often when large) and at idle/exit.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { RecordingSchema, type Recording } from '../record.ts';
import { writeFileAtomic } from '../store/atomic-file.ts';

export const SAVED_QUEUE_FILE = 'emrec-queue.json';

const SavedEntrySchema = z.object({
  id: z.number().int().nonnegative(),
  appkey: z.string(),
  outDir: z.string().min(1),
  /** Relative to outDir, with `/`. */
  path: z.string().min(1),
  template: z.string().min(1).optional(),
  state: z.enum(['waiting', 'paused', 'failed', 'converting']),
  record: RecordingSchema,
  /** Set once the file is complete on disk: a restart converts (or records) it, never downloads it again. */
  downloaded: z.object({ size: z.number().int().nonnegative(), sha256: z.string() }).optional(),
  /** Conversion asked for this file (the ffmpeg to use is found again at restore). */
  convert: z.object({ keepOriginal: z.boolean() }).optional(),
  force: z.boolean().optional(),
});

export type SavedEntry = Omit<z.infer<typeof SavedEntrySchema>, 'record'> & { readonly record: Recording };

const FileSchema = z.object({ version: z.literal(1), entries: z.array(z.unknown()) });

/** A save writes every entry: 1 s apart for a few, up to 10 s apart for 10,000 (1 ms per entry). */
const saveDelayMs = (entries: number): number => Math.min(10_000, Math.max(1000, entries));

export class SavedQueue {
  readonly file: string;
  readonly #entries = new Map<string, SavedEntry>();
  #timer: NodeJS.Timeout | undefined;
  #dirty = false;
  #onError: (error: unknown) => void;

  constructor(dir: string, onError: (error: unknown) => void = () => {}) {
    this.file = path.join(dir, SAVED_QUEUE_FILE);
    this.#onError = onError;
    for (const entry of readEntries(this.file)) this.#entries.set(keyOf(entry.appkey, entry.id), entry);
  }

  /** Saved entries, in the order they were first saved. */
  entries(): SavedEntry[] {
    return [...this.#entries.values()];
  }

  get(appkey: string, id: number): SavedEntry | undefined {
    return this.#entries.get(keyOf(appkey, id));
  }

  get size(): number {
    return this.#entries.size;
  }

  put(entry: SavedEntry): void {
    this.#entries.set(keyOf(entry.appkey, entry.id), entry);
    this.#later();
  }

  delete(appkey: string, id: number): void {
    if (this.#entries.delete(keyOf(appkey, id))) this.#later();
  }

  /** Writes pending changes now. A failed write (full disk) is reported and tried again on the next change. */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#dirty) return;
    this.#dirty = false;
    try {
      if (this.#entries.size === 0) fs.rmSync(this.file, { force: true });
      else writeFileAtomic(this.file, JSON.stringify({ version: 1, entries: [...this.#entries.values()] }));
    } catch (error) {
      this.#dirty = true;
      this.#onError(error);
    }
  }

  #later(): void {
    this.#dirty = true;
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => this.flush(), saveDelayMs(this.#entries.size));
    this.#timer.unref();
  }
}

const keyOf = (appkey: string, id: number): string => `${appkey}|${id}`;

/** The file's valid entries; a missing, damaged or foreign file reads as empty (the folder is the truth). */
function readEntries(file: string): SavedEntry[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return [];
  }
  const parsed = FileSchema.safeParse(data);
  if (!parsed.success) return [];
  return parsed.data.entries.flatMap((e) => {
    const entry = SavedEntrySchema.safeParse(e);
    return entry.success ? [entry.data as SavedEntry] : [];
  });
}
