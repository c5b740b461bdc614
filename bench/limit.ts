// The bandwidth limit: 4 downloads at once under `--limit-rate`, the bytes on disk sampled over 20 s
// (after a 2 s start), next to aria2c's `--max-overall-download-limit` on the same files. Goal: the
// average within 5 % of the limit. Measured at the client: on loopback the kernel's socket buffers
// take ~20 MB from the server at once, so the server's count says little about the rate.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startDemoServer, syntheticCatalogue } from '../main/demo/server.ts';
import { EMREC, aria2cArgs, aria2cInput, connectionArgs } from './helpers.ts';

export interface LimitRow {
  readonly tool: string;
  readonly limit: number;
  readonly averageBytesPerSec: number;
  readonly ratio: number;
}

export async function benchLimit(options: { limit?: number; seconds?: number } = {}): Promise<LimitRow[]> {
  const limit = options.limit ?? 2_000_000;
  const seconds = options.seconds ?? 20;
  const size = Math.ceil((limit * (seconds + 6)) / 4);
  const server = await startDemoServer({ catalogue: syntheticCatalogue({ count: 4, size, perConference: 4 }) });
  const work = await mkdtemp(path.join(tmpdir(), 'emrec-bench-limit-'));
  const rows: LimitRow[] = [];
  try {
    const conn = connectionArgs(server);
    const onDisk = async (dir: string): Promise<number> => {
      let total = 0;
      for (const entry of await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])) {
        if (entry.isFile() && !entry.name.endsWith('.json')) total += (await stat(path.join(entry.parentPath, entry.name)).catch(() => ({ size: 0 }))).size;
      }
      return total;
    };
    const measure = async (tool: string, command: string, args: readonly string[], dir: string): Promise<void> => {
      const child = spawn(command, [...args], { stdio: 'ignore' });
      await sleep(2_000);
      const from = await onDisk(dir);
      const started = performance.now();
      await sleep(seconds * 1000);
      const sent = (await onDisk(dir)) - from;
      const elapsed = (performance.now() - started) / 1000;
      child.kill('SIGKILL');
      const average = sent / elapsed;
      rows.push({ tool, limit, averageBytesPerSec: Math.round(average), ratio: Math.round((average / limit) * 1000) / 1000 });
    };
    const list = spawn(EMREC, ['list', ...conn, '--days', '3', '--json', '--state-dir', path.join(work, 'state-list')], { stdio: ['ignore', 'pipe', 'inherit'] });
    let listed = '';
    list.stdout.setEncoding('utf8').on('data', (d: string) => (listed += d));
    await new Promise((resolve) => list.on('close', resolve));
    const input = path.join(work, 'aria2c.txt');
    await writeFile(input, aria2cInput(JSON.parse(listed) as { url: string; path: string }[]));
    const emrecDir = path.join(work, 'emrec');
    await measure('emrec --limit-rate', EMREC, ['download', ...conn, '--days', '3', '--out', emrecDir, '--concurrency', '4', '--limit-rate', String(limit), '--state-dir', path.join(work, 'state')], emrecDir);
    const aria2cDir = path.join(work, 'aria2c');
    await measure('aria2c --max-overall-download-limit', 'aria2c', [...aria2cArgs(input, aria2cDir, 4), `--max-overall-download-limit=${limit}`], aria2cDir);
  } finally {
    await server.close();
    await rm(work, { recursive: true, force: true });
  }
  return rows;
}
