// Many tiny files: `emrec download` next to `aria2c -j 16` on the same URLs from the demo server, for
// batches of growing size. The per-file cost (wall time / files) must stay flat as the batch grows;
// goal at 10,000: <= 1.5x aria2c's time and peak RSS <= 150 MB. emrec runs are capped so the bench ends.
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDemoServer, syntheticCatalogue } from '../main/demo/server.ts';
import type { DemoServer } from '../main/demo/server.ts';
import { EMREC, aria2cArgs, aria2cInput, connectionArgs, sha256, timed } from './helpers.ts';

export interface TinyBenchOptions {
  /** Batch sizes (default 1,000, 3,000, 10,000). */
  readonly counts?: readonly number[];
  /** Bytes per file (default 4,000). */
  readonly size?: number;
  readonly concurrency?: number;
  /** Seconds an emrec run may take before it is stopped and shown as cut (default 240). */
  readonly capSec?: number;
}

export interface TinyRow {
  readonly files: number;
  readonly listSec: number;
  readonly emrecSec: number;
  readonly emrecCut: boolean;
  /** Files emrec had right on disk when it ended (all of them unless cut or failed). */
  readonly emrecDone: number;
  readonly emrecPeakRssMb: number;
  readonly aria2cSec: number;
  readonly aria2cPeakRssMb: number;
  /** Files not on disk byte-identical to the server's, per tool (empty when both are complete). */
  readonly failures: readonly string[];
}

type Row = { id: number; url: string; path: string };

/** How many listed files are in `dir` with the server's size and sha256, and a description of the others. */
async function check(tool: string, dir: string, rows: readonly Row[], expected: ReadonlyMap<number, string>, size: number): Promise<{ right: number; failure?: string }> {
  let missing = 0;
  let differ = 0;
  for (const row of rows) {
    const file = path.join(dir, row.path);
    const st = await stat(file).catch(() => undefined);
    if (!st) missing++;
    else if (st.size !== size || (await sha256(file)) !== expected.get(row.id)) differ++;
  }
  const right = rows.length - missing - differ;
  if (right === rows.length) return { right };
  return { right, failure: `${tool}: ${right}/${rows.length} files right, ${missing} missing, ${differ} differ` };
}

async function benchOne(files: number, size: number, concurrency: number, capSec: number): Promise<TinyRow> {
  // 500 per conference: 10,000 files are 20 conferences, all yesterday between 09:00 and 16:00 server time.
  const server: DemoServer = await startDemoServer({ catalogue: syntheticCatalogue({ count: files, size, perConference: 500 }) });
  const work = await mkdtemp(path.join(tmpdir(), 'emrec-bench-tiny-'));
  try {
    const conn = connectionArgs(server);
    const query = ['--days', '3'];
    const listed = await timed(EMREC, ['list', ...conn, ...query, '--json', '--state-dir', path.join(work, 'state-list')]);
    if (listed.code !== 0) throw new Error(`emrec list failed (${String(listed.code)}): ${listed.stderr.slice(-500)}`);
    const rows = JSON.parse(listed.stdout) as Row[];
    if (rows.length !== files) throw new Error(`listed ${rows.length} files, expected ${files}`);
    const expected = new Map<number, string>();
    for (const row of rows) expected.set(row.id, await server.expectedSha256(row.id));

    const input = path.join(work, 'aria2.txt');
    await writeFile(input, aria2cInput(rows));
    const ariaOut = path.join(work, 'aria2');
    const aria = await timed('aria2c', aria2cArgs(input, ariaOut, concurrency));
    const failures: string[] = [];
    if (aria.code !== 0) failures.push(`aria2c exit ${String(aria.code)}: ${aria.stderr.slice(-300)}`);
    const ariaCheck = await check('aria2c', ariaOut, rows, expected, size);
    if (ariaCheck.failure) failures.push(ariaCheck.failure);
    await rm(ariaOut, { recursive: true, force: true });

    // emrec does the whole job from the query: token, listing, history, hashing, downloads.
    const emrecOut = path.join(work, 'emrec');
    const emrec = await timed(EMREC, [
      'download', ...conn, ...query, '--out', emrecOut, '--concurrency', String(concurrency), '--json', '--state-dir', path.join(work, 'state-dl'),
    ], { timeoutSec: capSec });
    if (!emrec.cut && emrec.code !== 0) failures.push(`emrec exit ${String(emrec.code)}: ${emrec.stderr.slice(-300)}`);
    const emrecCheck = await check(emrec.cut ? 'emrec (cut)' : 'emrec', emrecOut, rows, expected, size);
    if (emrecCheck.failure) failures.push(emrecCheck.failure);
    return {
      files, listSec: listed.wallSec,
      emrecSec: emrec.wallSec, emrecCut: emrec.cut, emrecDone: emrecCheck.right, emrecPeakRssMb: Math.round(emrec.peakRssMb),
      aria2cSec: aria.wallSec, aria2cPeakRssMb: Math.round(aria.peakRssMb), failures,
    };
  } finally {
    await server.close();
    await rm(work, { recursive: true, force: true });
  }
}

export async function benchTiny(options: TinyBenchOptions = {}): Promise<TinyRow[]> {
  const counts = options.counts ?? [1000, 3000, 10_000];
  const size = options.size ?? 4000;
  const concurrency = options.concurrency ?? 16;
  const capSec = options.capSec ?? 240;
  const out: TinyRow[] = [];
  const cell = (s: string, width: number): string => s.padEnd(width);
  console.log(`${size} B per file, ${concurrency} at a time, emrec capped at ${capSec} s; emrec's time includes its token, listing and history`);
  console.log('   files | emrec s          | aria2c s | ratio   | emrec RSS MB | emrec ms/file | aria2c ms/file | emrec list s');
  for (const files of counts) {
    const r = await benchOne(files, size, concurrency, capSec);
    out.push(r);
    const more = r.emrecCut ? '> ' : '';
    console.log([
      String(r.files.toLocaleString('en')).padStart(8),
      cell(r.emrecCut ? `> ${capSec} s (cut)` : r.emrecSec.toFixed(1), 16),
      cell(r.aria2cSec.toFixed(1), 8),
      cell(`${more}${(r.emrecSec / r.aria2cSec).toFixed(2)}`, 7),
      cell(String(r.emrecPeakRssMb), 12),
      // Cut: a lower bound, and the cost per file it did finish.
      cell(`${more}${((r.emrecSec * 1000) / files).toFixed(2)}${r.emrecCut ? ` (${((r.emrecSec * 1000) / r.emrecDone).toFixed(1)} per done)` : ''}`, 13),
      cell(((r.aria2cSec * 1000) / files).toFixed(2), 14),
      r.listSec.toFixed(1),
    ].join(' | '));
    for (const f of r.failures) console.log(`         FAIL ${f}`);
  }
  const first = out[0];
  const last = out[out.length - 1];
  if (first && last && last !== first) {
    // A cut run counts the files it finished: a lower bound on its cost per file.
    const perFile = (r: TinyRow): number => r.emrecSec / (r.emrecCut ? Math.max(1, r.emrecDone) : r.files);
    const growth = perFile(last) / perFile(first);
    console.log(`emrec ms/file at ${last.files.toLocaleString('en')} / at ${first.files.toLocaleString('en')}: ${last.emrecCut ? '> ' : ''}${growth.toFixed(2)} (target ~1.0)`);
  }
  if (last) {
    const ok = !last.emrecCut && last.emrecSec / last.aria2cSec <= 1.5 && last.emrecPeakRssMb <= 150 && last.failures.length === 0;
    console.log(`goal at ${last.files.toLocaleString('en')}: ratio <= 1.5 and peak RSS <= 150 MB, all files right: ${ok ? 'met' : 'NOT met'}`);
  }
  return out;
}
