// 10,000 and 100,000 history entries stay fast: an add is one journal line (O(1)); the store file is
// written by folds whose batches grow with the history, so their number stays logarithmic.
// The figures are printed (`npx vitest run test/core/store/history-scale.test.ts`); the assertions are
// loose on time and exact on what does not depend on the machine (writes, entries).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openConfStore, STORE_CONFIG_NAME } from '../../../main/core/conf-store.ts';
import { History } from '../../../main/core/history.ts';
import { counted, entry, median, time } from './helpers.ts';

let dirs: string[] = [];
const tempDir = (base: string): string => {
  const dir = fs.mkdtempSync(path.join(base, 'emrec-scale-'));
  dirs.push(dir);
  return dir;
};
beforeEach(() => {
  dirs = [];
});
afterEach(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** Adds `n` entries one by one; ms per window of 1,000 adds. */
function addAll(h: History, n: number): number[] {
  const windows: number[] = [];
  for (let start = 0; start < n; start += 1000) {
    windows.push(time(() => {
      for (let id = start; id < start + 1000; id++) h.add(entry(id));
    }));
  }
  return windows;
}

const ms = (n: number): string => `${n.toFixed(1)} ms`;

describe('history at scale', () => {
  it('adds 100,000 entries one by one at O(1) each, with few store writes, and opens them again', () => {
    // tmpfs where there is one: this measures the algorithm, not the disk's fsync (see the 10,000 test)
    const dir = tempDir(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir());
    const { backend, writes } = counted(openConfStore(dir).store);
    const h = new History(backend);
    const windows = addAll(h, 100_000);
    const first = median(windows.slice(0, 10));
    const last = median(windows.slice(-10));
    const journalBytes = fs.statSync(h.journalPath!).size;
    const fold = time(() => h.flush());
    const storeBytes = fs.statSync(path.join(dir, `${STORE_CONFIG_NAME}.json`)).size;
    let opened = 0;
    const open = time(() => {
      opened = new History(openConfStore(dir).store).all().length;
    });
    // replay: the same 100,000 from the journal alone (nothing folded)
    const replayDir = tempDir(path.dirname(dir));
    const unfolded = new History(openConfStore(replayDir).store, { foldMinLines: Number.MAX_SAFE_INTEGER });
    for (let id = 0; id < 100_000; id++) unfolded.add(entry(id));
    let replayed = 0;
    const replay = time(() => {
      replayed = new History(openConfStore(replayDir).store).all().length;
    });
    console.log(
      [
        `100,000 adds in ${dir}: total ${ms(windows.reduce((a, b) => a + b, 0))}`,
        `  per 1,000 adds: first ${ms(windows[0]!)}, median of first 10 windows ${ms(first)}, median of last 10 ${ms(last)}, slowest ${ms(Math.max(...windows))} (holds a fold)`,
        `  store-file writes: ${writes() - 1} folds while adding + 1 at flush (${ms(fold)}); journal before flush ${(journalBytes / 1e6).toFixed(1)} MB, store ${(storeBytes / 1e6).toFixed(1)} MB`,
        `  open (store only): ${ms(open)}; open replaying a 100,000-line journal: ${ms(replay)}`,
      ].join('\n'),
    );
    expect(opened).toBe(100_000);
    expect(replayed).toBe(100_000);
    // folds at 2,000, 4,000, ... then each time the journal reaches a quarter of the history: ~16
    expect(writes()).toBeLessThanOrEqual(25);
    expect(last).toBeLessThan(first * 3 + 5);
  });

  it('adds 10,000 entries on the real disk, each fsynced, at a cost that does not grow', () => {
    const dir = tempDir(os.tmpdir());
    const { backend, writes } = counted(openConfStore(dir).store);
    const h = new History(backend, { sync: 'each' });
    const windows = addAll(h, 10_000);
    const fold = time(() => h.flush());
    console.log(
      `10,000 fsynced adds in ${dir}: total ${ms(windows.reduce((a, b) => a + b, 0))}, per 1,000: ${windows.map((w) => w.toFixed(0)).join(' ')} ms; ` +
        `${writes()} store-file writes (last: flush ${ms(fold)})`,
    );
    expect(new History(openConfStore(dir).store).all()).toHaveLength(10_000);
    expect(writes()).toBeLessThanOrEqual(12);
    expect(median(windows.slice(-3))).toBeLessThan(median(windows.slice(0, 3)) * 3 + 50);
  });
});
