// Peak RSS of `emrec download` at 8 connections as the work grows: a batch of 50 and of 2,000 files
// (1 MB each), and one file of 100 MB and of 2 GB, from the demo server at full speed. Goal (issue 13):
// ≤ 100 MB and flat across the four. Each file is checked byte-identical (sha256) after the run.
// Two floors come first: Node itself doing nothing, and emrec loaded and doing nothing (--version).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDemoServer, syntheticCatalogue } from '../main/demo/server.ts';
import { EMREC, connectionArgs, median, sha256, timed } from './helpers.ts';

export interface MemoryRow {
  readonly work: string;
  readonly files: number;
  readonly sizeMb: number;
  readonly wallSec: number;
  readonly peakRssMb: number;
}

export async function measureMemory(work: string, files: number, size: number): Promise<MemoryRow> {
  const server = await startDemoServer({ catalogue: syntheticCatalogue({ count: files, size, perConference: 500 }) });
  const dir = await mkdtemp(path.join(tmpdir(), 'emrec-bench-memory-'));
  try {
    const out = path.join(dir, 'out');
    const run = await timed(EMREC, ['download', ...connectionArgs(server), '--days', '3', '--out', out, '--concurrency', '8', '--json', '--state-dir', path.join(dir, 'state')]);
    if (run.code !== 0) throw new Error(`emrec failed (${String(run.code)}): ${run.stderr.slice(-400)}`);
    const listed = await timed(EMREC, ['list', ...connectionArgs(server), '--days', '3', '--json', '--state-dir', path.join(dir, 'state')]);
    const rows = JSON.parse(listed.stdout) as { id: number; path: string }[];
    if (rows.length !== files) throw new Error(`listed ${rows.length}, expected ${files}`);
    for (const row of rows) {
      if ((await sha256(path.join(out, row.path))) !== (await server.expectedSha256(row.id))) throw new Error(`${row.path} differs from the server's`);
    }
    return { work, files, sizeMb: Math.round(size / 1048576), wallSec: run.wallSec, peakRssMb: Math.round(run.peakRssMb) };
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Peak RSS of a command that does no work: the floor under every row. */
async function floor(work: string, command: string, args: readonly string[]): Promise<MemoryRow> {
  const runs = [await timed(command, args), await timed(command, args), await timed(command, args)];
  return { work, files: 0, sizeMb: 0, wallSec: median(runs.map((r) => r.wallSec)), peakRssMb: Math.round(median(runs.map((r) => r.peakRssMb))) };
}

export async function benchMemory(): Promise<MemoryRow[]> {
  const MB = 1024 * 1024;
  return [
    await floor('Node itself (node -e 0)', process.execPath, ['-e', '0']),
    await floor('emrec loaded (emrec --version)', EMREC, ['--version']),
    await measureMemory('batch of 50 files × 1 MB', 50, MB),
    await measureMemory('batch of 2,000 files × 1 MB', 2000, MB),
    await measureMemory('one file of 100 MB', 1, 100 * MB),
    await measureMemory('one file of 2 GB', 1, 2048 * MB),
  ];
}
