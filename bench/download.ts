// Download benchmark: `emrec download` next to aria2c (the reference) on the same batch from the demo
// server, same concurrency, same per-connection byte rate. Reports wall time, peak RSS and the ratio.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDemoServer, syntheticCatalogue } from '../main/demo/server.ts';
import { EMREC, aria2cArgs, aria2cInput, connectionArgs, median, sha256, timed } from './helpers.ts';
import type { Timed } from './helpers.ts';

export interface DownloadBenchOptions {
  readonly files?: number;
  readonly size?: number;
  readonly concurrency?: number;
  readonly bytesPerSecond?: number;
  /** Interleaved runs of each tool; medians are reported (default 3). */
  readonly runs?: number;
}

export async function benchDownload(options: DownloadBenchOptions = {}) {
  const files = options.files ?? 200;
  const size = options.size ?? 5_242_880;
  const concurrency = options.concurrency ?? 8;
  const rate = options.bytesPerSecond ?? 8 * 1024 * 1024;
  const runs = options.runs ?? 3;
  const server = await startDemoServer({ catalogue: syntheticCatalogue({ count: files, size, perConference: 50 }) });
  const work = await mkdtemp(path.join(tmpdir(), 'emrec-bench-'));
  try {
    server.faults.bytesPerSecond = rate;
    const conn = connectionArgs(server);
    const query = ['--days', '3'];

    const listed = await timed(EMREC, ['list', ...conn, ...query, '--json', '--state-dir', path.join(work, 'state-list')]);
    const rows = JSON.parse(listed.stdout) as { id: number; url: string; path: string }[];
    if (rows.length !== files) throw new Error(`listed ${rows.length} files, expected ${files}`);

    // aria2c: the same URLs, the same names, the same concurrency, one connection per file.
    await writeFile(path.join(work, 'aria2.txt'), aria2cInput(rows));
    const ariaOut = path.join(work, 'aria2');
    const emrecOut = path.join(work, 'emrec');
    type Run = Timed & { bytesSent: number; firstFileSec: number };
    // seen from the server: from the spawn to the first file request (start-up, and for emrec token and listing)
    const firstFileSec = (spawnedAt: number): number => ((server.stats.firstFileRequestAt ?? Number.NaN) - spawnedAt) / 1000;
    const runAria = async (): Promise<Run> => {
      await rm(ariaOut, { recursive: true, force: true });
      server.resetStats();
      const spawnedAt = Date.now();
      const t = await timed('aria2c', aria2cArgs(path.join(work, 'aria2.txt'), ariaOut, concurrency));
      if (t.code !== 0) throw new Error(`aria2c failed: ${t.stderr.slice(-500)}`);
      return { ...t, bytesSent: server.stats.fileBytesSent, firstFileSec: firstFileSec(spawnedAt) };
    };
    // emrec does the whole job from the query: token, listing, history, hashing, downloads.
    const runEmrec = async (n: number): Promise<Run> => {
      await rm(emrecOut, { recursive: true, force: true });
      server.resetStats();
      const spawnedAt = Date.now();
      const t = await timed(EMREC, [
        'download', ...conn, ...query, '--out', emrecOut, '--concurrency', String(concurrency), '--json', '--state-dir', path.join(work, `state-dl-${n}`),
      ]);
      if (t.code !== 0) throw new Error(`emrec failed (${t.code}): ${t.stderr.slice(-500)}`);
      return { ...t, bytesSent: server.stats.fileBytesSent, firstFileSec: firstFileSec(spawnedAt) };
    };
    // Interleaved runs, alternating which goes first, so a noisy neighbour hits both alike; medians are reported.
    const arias: Run[] = [];
    const emrecs: Run[] = [];
    for (let n = 0; n < runs; n++) {
      if (n % 2 === 0) {
        arias.push(await runAria());
        emrecs.push(await runEmrec(n));
      } else {
        emrecs.push(await runEmrec(n));
        arias.push(await runAria());
      }
    }
    const summary = (list: readonly Run[]) => ({
      wallSec: median(list.map((r) => r.wallSec)),
      peakRssMb: Math.max(...list.map((r) => r.peakRssMb)),
      bytesSent: list[0]!.bytesSent,
      firstFileSec: Number(median(list.map((r) => r.firstFileSec)).toFixed(3)),
      afterFirstFileSec: Number(median(list.map((r) => r.wallSec - r.firstFileSec)).toFixed(3)),
    });
    const aria = summary(arias);
    const emrec = summary(emrecs);

    // Both tools must have written the very same bytes: check a spread of files against the server.
    const sample = rows.filter((_, i) => i % Math.max(1, Math.floor(rows.length / 10)) === 0);
    for (const row of sample) {
      const expected = await server.expectedSha256(row.id);
      for (const dir of [ariaOut, emrecOut]) {
        if ((await sha256(path.join(dir, row.path))) !== expected) throw new Error(`${dir}/${row.path} differs from the server's file`);
      }
    }

    const result = {
      files,
      totalMB: Math.round((files * size) / 1048576),
      concurrency,
      perConnectionMBps: rate / 1048576,
      runs,
      emrecRunsSec: emrecs.map((r) => r.wallSec),
      aria2cRunsSec: arias.map((r) => r.wallSec),
      emrec: { ...emrec, peakRssMb: Math.round(emrec.peakRssMb) },
      aria2c: { ...aria, peakRssMb: Math.round(aria.peakRssMb) },
      wallRatio: Number((emrec.wallSec / aria.wallSec).toFixed(3)),
      /** The same ratio from each tool's first file request on: the downloading itself, start-up aside. */
      afterFirstFileRatio: Number((emrec.afterFirstFileSec / aria.afterFirstFileSec).toFixed(3)),
      rssRatio: Number((emrec.peakRssMb / aria.peakRssMb).toFixed(2)),
      verifiedFiles: sample.length * 2,
    };
    return result;
  } finally {
    await server.close();
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * One large file at full speed (no byte rate): emrec's peak RSS must not grow with the file, and its
 * throughput is set against curl writing the same URL to disk.
 */
export async function benchLargeFile(size = 1024 * 1024 * 1024): Promise<Record<string, unknown>> {
  const server = await startDemoServer({ catalogue: syntheticCatalogue({ count: 1, size }) });
  const work = await mkdtemp(path.join(tmpdir(), 'emrec-bench-large-'));
  try {
    const conn = connectionArgs(server);
    const listed = await timed(EMREC, ['list', ...conn, '--days', '3', '--json', '--state-dir', path.join(work, 'state-list')]);
    const [row] = JSON.parse(listed.stdout) as { id: number; url: string; path: string }[];
    if (!row) throw new Error('no file listed');
    const curl = await timed('curl', ['-sS', '-f', '-o', path.join(work, 'curl.bin'), row.url]);
    if (curl.code !== 0) throw new Error(`curl failed: ${curl.stderr.slice(-300)}`);
    const emrec = await timed(EMREC, ['download', ...conn, '--days', '3', '--out', path.join(work, 'emrec'), '--json', '--state-dir', path.join(work, 'state-dl')]);
    if (emrec.code !== 0) throw new Error(`emrec failed: ${emrec.stderr.slice(-300)}`);
    const expected = await server.expectedSha256(row.id);
    if ((await sha256(path.join(work, 'emrec', row.path))) !== expected) throw new Error('emrec file differs from the server');
    return {
      sizeMB: Math.round(size / 1048576),
      emrec: { wallSec: emrec.wallSec, peakRssMb: Math.round(emrec.peakRssMb) },
      curl: { wallSec: curl.wallSec, peakRssMb: Math.round(curl.peakRssMb) },
      wallRatio: Number((emrec.wallSec / curl.wallSec).toFixed(3)),
    };
  } finally {
    await server.close();
    await rm(work, { recursive: true, force: true });
  }
}
