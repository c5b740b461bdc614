// Listing 10,000 recordings of one period: `emrec list --json` next to a bare keep-alive fetch loop
// (bench/listing-reference.mjs) paging the same endpoint of the same demo server, both as fresh Node
// processes. Goal: emrec ≤ 1.2× the bare loop. Medians of interleaved runs. The same with one record
// shows what each costs before and after its paging (start-up, sign-in, output): the fixed part.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DateTime } from 'luxon';
import { startDemoServer, syntheticCatalogue } from '../main/demo/server.ts';
import { EMREC, connectionArgs, median, timed, type Timed } from './helpers.ts';

const REFERENCE = fileURLToPath(new URL('./listing-reference.mjs', import.meta.url));
const ZONE = 'Asia/Shanghai';

export interface ListingFigures {
  readonly records: number;
  readonly emrecSec: number;
  readonly emrecPeakRssMb: number;
  readonly fetchLoopSec: number;
  readonly ratio: number;
  /** The same for a period of one record. */
  readonly fixed?: ListingFigures;
}

export async function benchListing(options: { records?: number; runs?: number } = {}): Promise<ListingFigures> {
  const count = options.records ?? 10_000;
  const runs = options.runs ?? 5;
  const server = await startDemoServer({ catalogue: syntheticCatalogue({ count, size: 1000, perConference: 500, timezone: ZONE }) });
  const work = await mkdtemp(path.join(tmpdir(), 'emrec-bench-listing-'));
  // the synthetic recordings are all yesterday; the period: the day before yesterday to the end of today
  const today = DateTime.now().setZone(ZONE).startOf('day');
  const [from, to] = [today.minus({ days: 2 }), today.endOf('day')];
  try {
    const emrecRuns: Timed[] = [];
    const loopRuns: Timed[] = [];
    for (let i = 0; i < runs; i++) {
      const emrec = await timed(EMREC, ['list', ...connectionArgs(server), '--timezone', ZONE, '--from', from.toFormat('yyyy-MM-dd'), '--to', to.toFormat('yyyy-MM-dd'), '--json', '--state-dir', path.join(work, `state-${i}`)]);
      if (emrec.code !== 0) throw new Error(`emrec list failed: ${emrec.stderr.slice(-400)}`);
      const listed = (JSON.parse(emrec.stdout) as unknown[]).length;
      if (listed !== count) throw new Error(`emrec listed ${listed}, expected ${count}`);
      emrecRuns.push(emrec);
      const loop = await timed(process.execPath, [REFERENCE, server.url, server.org, server.app, server.clientId, server.clientSecret, from.toFormat('yyyyMMddHHmmss'), to.toFormat('yyyyMMddHHmmss')]);
      if (loop.code !== 0) throw new Error(`the fetch loop failed: ${loop.stderr.slice(-400)}`);
      const fetched = (JSON.parse(loop.stdout) as unknown[]).length;
      if (fetched !== count) throw new Error(`the fetch loop listed ${fetched}, expected ${count}`);
      loopRuns.push(loop);
    }
    const emrecSec = median(emrecRuns.map((r) => r.wallSec));
    const fetchLoopSec = median(loopRuns.map((r) => r.wallSec));
    const fixed = count === 1 ? {} : { fixed: await benchListing({ records: 1, runs }) };
    const ratio = Math.round((emrecSec / fetchLoopSec) * 100) / 100;
    return { records: count, emrecSec, emrecPeakRssMb: Math.round(median(emrecRuns.map((r) => r.peakRssMb))), fetchLoopSec, ratio, ...fixed };
  } finally {
    await server.close();
    await rm(work, { recursive: true, force: true });
  }
}
