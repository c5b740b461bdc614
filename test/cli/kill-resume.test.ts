// A download killed with SIGKILL mid-batch, then run again, must finish every file byte-identical
// while the server sends less than 5% more bytes than the files hold.
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDemoServer, syntheticCatalogue, type DemoServer } from '../../main/demo/server.ts';
import { connFlags, lastJsonLine, runEmrec, sha256File, startEmrec, type Summary } from '../helpers/cli.ts';
import { waitFor } from '../helpers/wait.ts';

let server: DemoServer;
let work: string;
const COUNT = 12;
const SIZE = 2_000_000;

beforeAll(async () => {
  server = await startDemoServer({ catalogue: syntheticCatalogue({ count: COUNT, size: SIZE, perConference: COUNT }) });
  work = await mkdtemp(path.join(tmpdir(), 'emrec-kill-'));
});

afterAll(async () => {
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

it('resumes after kill -9: every file byte-identical, under 5% extra bytes sent', async () => {
  const total = COUNT * SIZE;
  const out = path.join(work, 'out');
  const args = ['download', ...connFlags(server), '--days', '3', '--out', out, '--concurrency', '3', '--json', '--state-dir', path.join(work, 'state')];

  // Slow enough per connection that the kill lands mid-batch with several files half done.
  server.faults.bytesPerSecond = 1_500_000;
  const first = startEmrec(args);
  await waitFor(() => server.stats.fileBytesSent > total * 0.35, 'a third of the batch');
  first.child.kill('SIGKILL');
  const killed = await first.done;
  expect(killed.signal).toBe('SIGKILL');
  const sentBeforeKill = server.stats.fileBytesSent;
  expect(sentBeforeKill).toBeLessThan(total);

  delete server.faults.bytesPerSecond;
  const second = await runEmrec(args);
  expect(second.code, second.stderr).toBe(0);
  const summary = lastJsonLine<Summary>(second.stdout);
  expect(summary.failed).toBe(0);
  expect(summary.downloaded + summary.skipped).toBe(COUNT);
  expect(summary.downloaded).toBeGreaterThan(0);
  for (const file of summary.files) {
    expect(await sha256File(path.join(out, file.path))).toBe(await server.expectedSha256(file.id));
  }
  const extra = server.stats.fileBytesSent - total;
  console.info(`kill -9 at ${((sentBeforeKill / total) * 100).toFixed(0)}% of the batch; extra bytes sent: ${((extra / total) * 100).toFixed(2)}%`);
  expect(extra / total).toBeLessThan(0.05);
});

it('resumes a file fetched in segments after kill -9: every segment goes on, byte-identical, under 5% extra bytes', async () => {
  const big = await startDemoServer({ catalogue: syntheticCatalogue({ count: 1, size: 96 * 1024 * 1024, perConference: 1 }) });
  try {
    const size = await big.fileSize(big.files[0]!.id);
    const out = path.join(work, 'out-segments');
    const args = ['download', ...connFlags(big), '--days', '3', '--out', out, '--connections', '6', '--json', '--state-dir', path.join(work, 'state-segments')];
    big.faults.bytesPerSecond = 4_000_000;
    const first = startEmrec(args);
    await waitFor(() => big.stats.peakFileResponses >= 6 && big.stats.fileBytesSent > size * 0.4, 'six segments and 40% of the file');
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    const sentBeforeKill = big.stats.fileBytesSent;
    const sidecar = (readdirSync(out, { recursive: true }) as string[]).find((f) => f.endsWith('.part.json'));
    const { todo } = JSON.parse(readFileSync(path.join(out, sidecar!), 'utf8')) as { todo: [number, number][] };
    const recorded = size - todo.reduce((sum, [from, to]) => sum + to - from, 0);

    big.faults.bytesPerSecond = 16_000_000; // faster, and still slower per connection than the line, as object storage is
    const second = await runEmrec(args);
    const sentAfterKill = big.stats.fileBytesSent - sentBeforeKill;
    expect(second.code, second.stderr).toBe(0);
    const summary = lastJsonLine<Summary>(second.stdout);
    expect(summary.downloaded).toBe(1);
    expect(await sha256File(path.join(out, summary.files[0]!.path))).toBe(await big.expectedSha256(big.files[0]!.id));
    const extra = big.stats.fileBytesSent - size;
    const pct = (n: number): string => `${((n / size) * 100).toFixed(2)}%`;
    console.info(
      `segmented: kill -9 at ${pct(sentBeforeKill)} of the file sent, ${pct(recorded)} recorded in the sidecar; ` +
        `the next run fetched ${pct(sentAfterKill)} for the ${pct(size - recorded)} missing; extra bytes sent: ${pct(extra)}`,
    );
    expect(extra / size).toBeLessThan(0.05);
  } finally {
    await big.close();
  }
});
