// npm run bench: the figures the issues ask for, each as a ratio against a reference run on the same input.
// BENCH=download, BENCH=segments, BENCH=large, BENCH=tiny, BENCH=memory, BENCH=listing, BENCH=rows, BENCH=limit, BENCH=ui or BENCH=convert runs one part; BENCH_FILES/BENCH_SIZE/BENCH_CONCURRENCY/BENCH_RATE/BENCH_RUNS tune the download part,
// BENCH_TINY_COUNTS (e.g. 1000,3000,10000), BENCH_TINY_SIZE and BENCH_TINY_CAP (seconds per emrec run) the tiny-files part;
// EMREC_NODE_OPTIONS passes Node flags to the measured emrec only (e.g. --max-old-space-size=56, to see the memory floor).
import { benchDownload, benchLargeFile } from './download.ts';
import { benchTiny } from './tiny.ts';

const only = process.env.BENCH;
const num = (name: string): number | undefined => (process.env[name] ? Number(process.env[name]) : undefined);

if (!only || only === 'download') {
  const opts = {
    ...(num('BENCH_FILES') !== undefined ? { files: num('BENCH_FILES')! } : {}),
    ...(num('BENCH_SIZE') !== undefined ? { size: num('BENCH_SIZE')! } : {}),
    ...(num('BENCH_CONCURRENCY') !== undefined ? { concurrency: num('BENCH_CONCURRENCY')! } : {}),
    ...(num('BENCH_RATE') !== undefined ? { bytesPerSecond: num('BENCH_RATE')! } : {}),
    ...(num('BENCH_RUNS') !== undefined ? { runs: num('BENCH_RUNS')! } : {}),
  };
  const r = await benchDownload(opts);
  console.log('\n== download: emrec vs aria2c ==');
  console.log(JSON.stringify(r, null, 2));
  console.log(`emrec/aria2c wall-time ratio: ${String(r.wallRatio)} (target <= 1.0); emrec peak RSS ${String(r.emrec.peakRssMb)} MB (target <= 150)`);
  console.log(
    `first file request after: emrec ${String(r.emrec.firstFileSec)} s (start-up, token, listing), aria2c ${String(r.aria2c.firstFileSec)} s (given the URLs); ` +
      `from there on: ratio ${String(r.afterFirstFileRatio)}`,
  );
}

if (!only || only === 'segments') {
  const { benchSegments, mixSize } = await import('./segments.ts');
  const MB = 1024 * 1024;
  const runs = num('BENCH_RUNS') ?? 1;
  console.log('\n== segments: 8 connections, 8 MB/s each, a line of 64 MB/s (goal: <= 0.95 x aria2c best, <= 1.1 x the limit) ==');
  const mix = await benchSegments({ label: '100 files of 3-30 MB and 3 of 1 GB', count: 103, sizeOf: mixSize, runs });
  console.log(JSON.stringify(mix, null, 2));
  const one = await benchSegments({ label: 'one file of 2 GB', count: 1, sizeOf: () => 2048 * MB, runs });
  console.log(JSON.stringify(one, null, 2));
  for (const r of [mix, one]) {
    console.log(`${r.label}: emrec ${r.emrec.wallSec} s = ${r.emrecVsLimit} x the limit (${r.limitSec} s), ${r.emrecVsAriaBest} x aria2c best split, ${r.emrecVsAriaOnePerFile} x aria2c one per file; peak RSS ${r.emrec.peakRssMb} MB`);
  }
}

if (!only || only === 'large') {
  console.log('\n== one 1 GB file at full speed: emrec vs curl (memory must stay flat) ==');
  console.log(JSON.stringify(await benchLargeFile(), null, 2));
}

if (!only || only === 'tiny') {
  console.log('\n== tiny files: emrec vs aria2c -j 16 on the same URLs ==');
  await benchTiny({
    ...(process.env.BENCH_TINY_COUNTS ? { counts: process.env.BENCH_TINY_COUNTS.split(',').map(Number) } : {}),
    ...(num('BENCH_TINY_SIZE') !== undefined ? { size: num('BENCH_TINY_SIZE')! } : {}),
    ...(num('BENCH_TINY_CAP') !== undefined ? { capSec: num('BENCH_TINY_CAP')! } : {}),
  });
}

if (!only || only === 'memory') {
  const { benchMemory } = await import('./memory.ts');
  console.log('\n== peak RSS of emrec download at 8 connections as the work grows (goal: <= 100 MB and flat) ==');
  for (const row of await benchMemory()) console.log(`${row.work}: peak RSS ${row.peakRssMb} MB (${row.wallSec} s)`);
}

if (!only || only === 'listing') {
  const { benchListing } = await import('./listing.ts');
  console.log('\n== listing 10,000 recordings of one period: emrec list vs a bare fetch loop (goal: ratio <= 1.2) ==');
  console.log(JSON.stringify(await benchListing(), null, 2));
}

if (!only || only === 'rows') {
  const { benchRows } = await import('./rows.ts');
  console.log('\n== building 10,000 Find rows (3 members per call), first pass, next to copying them to the window ==');
  const r = benchRows();
  console.log(`${r.rows} rows: built in ${r.buildMs} ms; structuredClone of the rows ${r.cloneMs} ms; ratio ${r.ratio}`);
}

if (!only || only === 'limit') {
  const { benchLimit } = await import('./limit.ts');
  console.log('\n== bandwidth limit: 4 downloads under 2 MB/s for 20 s (goal: average within 5 % of the limit) ==');
  for (const row of await benchLimit()) console.log(`${row.tool}: ${row.averageBytesPerSec} B/s = ${row.ratio} x the limit`);
  const { benchLimitChange } = await import('./limit-change.ts');
  console.log('\n== the limit changed mid-run in Settings (goal: in effect within 2 s) ==');
  for (const row of await benchLimitChange()) {
    console.log(`${row.change}: in effect after ${row.tookEffectSec ?? 'never'} s; then ${row.averageBytesPerSec} B/s = ${row.ratio} x the new limit`);
  }
}

if (!only || only === 'ui') {
  const { benchUiScroll } = await import('./ui-scroll.ts');
  console.log('\n== scrolling 10,000 results in Chromium (goal: median frame within the idle frame, ~16.7 ms) ==');
  const r = await benchUiScroll();
  console.log(`${r.rows} rows: median ${r.medianMs} ms, 95th percentile ${r.p95Ms} ms, worst ${r.worstMs} ms per frame; idle ${r.idleMedianMs} ms; ratio ${r.ratio}`);
}

if (!only || only === 'convert') {
  const { benchConvert } = await import('./convert.ts');
  console.log('\n== conversion ==');
  console.log(JSON.stringify(await benchConvert(), null, 2));
}
