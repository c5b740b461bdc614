// The batch's numbers come from the bytes of every file in it, not only of the files begun: at 4 of
// 28 the bar is about 4/28 full, failed and cancelled files are their own share, and the time left is
// what is still to come over the speed.
import { describe, expect, it } from 'vitest';
import type { ItemState } from '../../../main/core/progress.ts';
import { summarize, type SummaryItem } from '../../../main/core/queue/summary.ts';

const item = (state: ItemState, bytes: number, extra: Partial<SummaryItem> = {}): SummaryItem => ({ state, bytes, speed: 0, ...extra });
const sum = (items: SummaryItem[]) => summarize(items, (i) => i.speed);

describe('summarize', () => {
  it('counts the files not begun at their estimated size, scaled by how far off the estimates of sized files were', () => {
    // every file really 100 kB, estimated at 50 kB: the sized ones show the estimates are half the truth
    const items = [
      ...Array.from({ length: 4 }, () => item('done', 100_000, { total: 100_000, estimated: 50_000 })),
      ...Array.from({ length: 3 }, () => item('downloading', 50_000, { total: 100_000, estimated: 50_000, speed: 10_000 })),
      ...Array.from({ length: 21 }, () => item('waiting', 0, { estimated: 50_000 })),
    ];
    const s = sum(items);
    expect(s.total).toBe(2_800_000);
    expect(s.bytes).toBe(550_000);
    expect(s.bytes / s.total).toBeCloseTo(550 / 2800, 6); // not 550/700, as when only begun files counted
    expect(s.eta).toBeCloseTo((2_800_000 - 550_000) / 30_000, 6);
  });

  it('takes a size the server told (a probe) over any estimate, and the average sized file where there is nothing else', () => {
    const s = sum([item('done', 300, { total: 300 }), item('waiting', 0, { total: 700 }), item('waiting', 0), item('downloading', 0, { speed: 100 })]);
    expect(s.total).toBe(300 + 700 + 500 + 500);
    expect(s.eta).toBeCloseTo(1700 / 100, 6);
  });

  it('gives failed and cancelled files their own share and keeps them out of the time left; skipped files are in none', () => {
    const s = sum([
      item('done', 1000, { total: 1000 }),
      item('failed', 200, { total: 1000 }),
      item('cancelled', 0, { estimated: 500 }),
      item('skipped', 1000, { total: 1000 }),
      item('downloading', 500, { total: 1000, speed: 100 }),
    ]);
    expect(s.total).toBe(2000);
    expect(s.bytes).toBe(1500);
    expect(s.failedTotal).toBe(1000);
    expect(s.cancelledTotal).toBe(500);
    expect(s.eta).toBeCloseTo(5, 6);
    expect(s.counts).toMatchObject({ done: 1, failed: 1, cancelled: 1, skipped: 1, downloading: 1 });
  });

  it('has no time left to show while a file still to come has no size at all', () => {
    expect(sum([item('downloading', 10, { speed: 5 }), item('waiting', 0)]).eta).toBeUndefined();
  });

  it('keeps paused files in the bar but out of the time left (nothing fetches them until resumed)', () => {
    const s = sum([item('downloading', 450, { total: 3000, speed: 100 }), item('paused', 1000, { total: 200_000 })]);
    expect(s.total).toBe(203_000);
    expect(s.eta).toBeCloseTo((3000 - 450) / 100, 6);
  });

  it('does not scale the estimates by empty files (a 0-byte recording says nothing of the others)', () => {
    const s = sum([item('done', 0, { total: 0, estimated: 50_000 }), item('waiting', 0, { estimated: 1_000_000 })]);
    expect(s.total).toBe(1_000_000);
  });
});
