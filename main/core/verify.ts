// Is the archive still there? Every file history holds is checked against the disk: present, of the
// recorded size, and with the recorded SHA-256 (a same-size edit or bit rot changes it). A converted
// file is checked for its size (its hash is not recorded); its original may be gone (not kept after
// conversion) but, when present, must still be the download. Read-only: nothing is changed or fetched.
import { stat } from 'node:fs/promises';
import PQueue from 'p-queue';
import { hashFile } from './download-file.ts';
import type { HistoryEntry } from './history.ts';

export type VerifyProblem = 'missing' | 'size' | 'content';

export interface VerifyFinding {
  readonly appkey: string;
  readonly id: number;
  /** The file that is missing or not as recorded. */
  readonly path: string;
  readonly problem: VerifyProblem;
  readonly expectedSize?: number;
  readonly actualSize?: number;
}

export interface VerifyReport {
  readonly checked: number;
  readonly ok: number;
  /** Files missing, or not as history recorded them: in history's order. */
  readonly findings: readonly VerifyFinding[];
}

async function sizeOf(file: string): Promise<number | undefined> {
  try {
    const s = await stat(file);
    return s.isFile() ? s.size : undefined;
  } catch {
    return undefined;
  }
}

/** The finding for one entry, or undefined when its files are as recorded. */
export async function verifyEntry(entry: HistoryEntry): Promise<VerifyFinding | undefined> {
  const finding = (path: string, problem: VerifyProblem, expectedSize?: number, actualSize?: number): VerifyFinding => ({
    appkey: entry.appkey,
    id: entry.id,
    path,
    problem,
    ...(expectedSize !== undefined ? { expectedSize } : {}),
    ...(actualSize !== undefined ? { actualSize } : {}),
  });
  const converted = entry.convert && entry.convert.mode !== 'none' ? entry.convert : undefined;
  if (converted) {
    const size = await sizeOf(converted.path);
    if (size === undefined) return finding(converted.path, 'missing', converted.size);
    if (converted.size !== undefined && size !== converted.size) return finding(converted.path, 'size', converted.size, size);
  }
  const size = await sizeOf(entry.path);
  if (size === undefined) return converted ? undefined : finding(entry.path, 'missing', entry.size);
  if (size !== entry.size) return finding(entry.path, 'size', entry.size, size);
  if ((await hashFile(entry.path)).sha256 !== entry.sha256) return finding(entry.path, 'content', entry.size, size);
  return undefined;
}

/** Checks every entry, `concurrency` files at a time (default 2: the disk, not the CPU, is the limit). */
export async function verifyHistory(
  entries: Iterable<HistoryEntry>,
  options: { readonly concurrency?: number; readonly onProgress?: (checked: number) => void } = {},
): Promise<VerifyReport> {
  const list = [...entries];
  const results: (VerifyFinding | undefined)[] = new Array(list.length);
  const queue = new PQueue({ concurrency: options.concurrency ?? 2 });
  let checked = 0;
  await Promise.all(
    list.map((entry, i) =>
      queue.add(async () => {
        results[i] = await verifyEntry(entry);
        checked += 1;
        options.onProgress?.(checked);
      }),
    ),
  );
  const findings = results.filter((f): f is VerifyFinding => f !== undefined);
  return { checked: list.length, ok: list.length - findings.length, findings };
}
