// `--limit-rate`: one limit for the whole run, all downloads together, over real sockets. Only a
// lower bound on the time is asserted (a loaded machine is only slower); the accuracy is measured
// in `BENCH=limit npm run bench`.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDemoServer, syntheticCatalogue, type DemoServer } from '../../main/demo/server.ts';
import { connFlags, lastJsonLine, runEmrec, type Summary } from '../helpers/cli.ts';

let work: string;
let server: DemoServer;
const COUNT = 4;
const SIZE = 1_000_000;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'emrec-limit-'));
  server = await startDemoServer({ catalogue: syntheticCatalogue({ count: COUNT, size: SIZE, perConference: COUNT }) });
});
afterAll(async () => {
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

it('4 files of 1 MB at 4 at a time under --limit-rate 1M take at least ~3.5 s together, and all arrive', async () => {
  const started = performance.now();
  const result = await runEmrec(['download', ...connFlags(server), '--days', '3', '--out', path.join(work, 'out'), '--concurrency', '4', '--limit-rate', '1M', '--json', '--state-dir', path.join(work, 'state')]);
  const seconds = (performance.now() - started) / 1000;
  expect(result.code, result.stderr).toBe(0);
  expect(lastJsonLine<Summary>(result.stdout).downloaded).toBe(COUNT);
  // 4,000,000 bytes at 1,048,576 B/s is 3.8 s; the burst allowance is 0.1 s
  expect(seconds).toBeGreaterThan(3.5);
});

it('a rate that is not one says so, exit 2', async () => {
  const result = await runEmrec(['download', ...connFlags(server), '--days', '3', '--out', path.join(work, 'bad'), '--limit-rate', 'fast', '--state-dir', path.join(work, 'state-bad')]);
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/not a rate: "fast" \(try 2M, 500k or 2000000\)/);
});
