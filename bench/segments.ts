// Segmented downloads at one connection budget (issue 13): a host slower per connection than the line,
// as object storage is. The demo server caps each connection at 8 MB/s and the line at 8 × 8 MB/s, so
// nothing can beat total bytes / (8 × 8 MB/s): the physical limit. emrec with 8 connections is set
// against aria2c one connection per file (-j 8 -x 1) and aria2c's best split (-j 8 -x 8 -s 8 -k 1M,
// which may open up to 64 connections: the line cap keeps it to the same limit).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDemoServer, syntheticCatalogue } from '../main/demo/server.ts';
import { EMREC, aria2cArgs, aria2cInput, connectionArgs, median, sha256, timed } from './helpers.ts';

const MB = 1024 * 1024;

export interface SegmentBenchOptions {
  /** Bytes of file i, for `count` files. */
  readonly count: number;
  readonly sizeOf: (i: number) => number;
  readonly connections?: number;
  readonly perConnection?: number;
  /** Interleaved runs of each tool; medians are reported (default 1: a run is long). */
  readonly runs?: number;
  readonly label: string;
}

export interface SegmentBenchResult {
  readonly label: string;
  readonly files: number;
  readonly totalMB: number;
  readonly limitSec: number;
  readonly emrec: { readonly wallSec: number; readonly peakRssMb: number; readonly bytesSent: number; readonly peakConnections: number };
  readonly aria2cOnePerFile: { readonly wallSec: number; readonly peakConnections: number };
  readonly aria2cBestSplit: { readonly wallSec: number; readonly peakConnections: number };
  readonly emrecVsAriaOnePerFile: number;
  readonly emrecVsAriaBest: number;
  readonly emrecVsLimit: number;
  readonly ariaBestVsLimit: number;
}

export async function benchSegments(options: SegmentBenchOptions): Promise<SegmentBenchResult> {
  const connections = options.connections ?? 8;
  const perConnection = options.perConnection ?? 8 * MB;
  const runs = options.runs ?? 1;
  const server = await startDemoServer({ catalogue: syntheticCatalogue({ count: options.count, sizeOf: options.sizeOf, perConference: 200 }) });
  const work = await mkdtemp(path.join(tmpdir(), 'emrec-bench-seg-'));
  try {
    const conn = connectionArgs(server);
    const listed = await timed(EMREC, ['list', ...conn, '--days', '3', '--json', '--state-dir', path.join(work, 'state-list')]);
    const rows = JSON.parse(listed.stdout) as { id: number; url: string; path: string }[];
    if (rows.length !== options.count) throw new Error(`listed ${rows.length}, expected ${options.count}`);
    let total = 0;
    const checked = new Set<number>();
    for (const [i, row] of rows.entries()) {
      const size = await server.fileSize(row.id);
      total += size;
      if (i % 10 === 0 || size > 64 * MB) checked.add(row.id);
    }
    await writeFile(path.join(work, 'aria2.txt'), aria2cInput(rows));
    server.faults.bytesPerSecond = perConnection;
    server.faults.lineBytesPerSecond = perConnection * connections;

    const out = path.join(work, 'out');
    type Run = { wallSec: number; peakRssMb: number; bytesSent: number; peakConnections: number };
    const measure = async (command: string, args: readonly string[]): Promise<Run> => {
      await rm(out, { recursive: true, force: true });
      server.resetStats();
      const t = await timed(command, args);
      if (t.code !== 0) throw new Error(`${command} failed (${String(t.code)}): ${t.stderr.slice(-500)}`);
      // the very bytes the server holds, for a spread of files (the big ones included)
      for (const row of rows.filter((r) => checked.has(r.id))) {
        if ((await sha256(path.join(out, row.path))) !== (await server.expectedSha256(row.id))) throw new Error(`${command}: ${row.path} differs from the server's`);
      }
      return { wallSec: t.wallSec, peakRssMb: t.peakRssMb, bytesSent: server.stats.fileBytesSent, peakConnections: server.stats.peakFileResponses };
    };
    const emrecArgs = (n: number): string[] => [
      'download', ...conn, '--days', '3', '--out', out, '--concurrency', String(connections), '--connections', String(connections), '--json',
      '--state-dir', path.join(work, `state-${n}`),
    ];
    const ariaOne = aria2cArgs(path.join(work, 'aria2.txt'), out, connections);
    const ariaBest = aria2cArgs(path.join(work, 'aria2.txt'), out, connections, connections);

    const emrecs: Run[] = [];
    const ones: Run[] = [];
    const bests: Run[] = [];
    for (let n = 0; n < runs; n++) {
      const order = n % 2 === 0 ? ['emrec', 'one', 'best'] : ['best', 'one', 'emrec'];
      for (const tool of order) {
        if (tool === 'emrec') emrecs.push(await measure(EMREC, emrecArgs(n)));
        if (tool === 'one') ones.push(await measure('aria2c', ariaOne));
        if (tool === 'best') bests.push(await measure('aria2c', ariaBest));
      }
    }
    const wall = (r: Run[]): number => median(r.map((x) => x.wallSec));
    const limitSec = total / (connections * perConnection);
    const ratio = (a: number, b: number): number => Number((a / b).toFixed(3));
    return {
      label: options.label,
      files: options.count,
      totalMB: Math.round(total / MB),
      limitSec: Number(limitSec.toFixed(2)),
      emrec: {
        wallSec: wall(emrecs),
        peakRssMb: Math.round(Math.max(...emrecs.map((r) => r.peakRssMb))),
        bytesSent: emrecs[0]!.bytesSent,
        peakConnections: Math.max(...emrecs.map((r) => r.peakConnections)),
      },
      aria2cOnePerFile: { wallSec: wall(ones), peakConnections: Math.max(...ones.map((r) => r.peakConnections)) },
      aria2cBestSplit: { wallSec: wall(bests), peakConnections: Math.max(...bests.map((r) => r.peakConnections)) },
      emrecVsAriaOnePerFile: ratio(wall(emrecs), wall(ones)),
      emrecVsAriaBest: ratio(wall(emrecs), wall(bests)),
      emrecVsLimit: ratio(wall(emrecs), limitSec),
      ariaBestVsLimit: ratio(wall(bests), limitSec),
    };
  } finally {
    await server.close();
    await rm(work, { recursive: true, force: true });
  }
}

/** 100 files of 3–30 MB, and 1 GB files first, in the middle and last. */
export const mixSize = (i: number): number => (i === 0 || i === 51 || i === 102 ? 1024 * MB : Math.round((3 + ((i * 37) % 100) * 0.27) * MB));
