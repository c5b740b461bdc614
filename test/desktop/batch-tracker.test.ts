// The taskbar fraction and the "batch finished" moment that drives the desktop notification.
import { describe, expect, it } from 'vitest';
import { BatchTracker, progressBarValue } from '../../main/desktop/batch-tracker.ts';
import type { ItemState, QueueProgress } from '../../main/core/progress.ts';

const p = (counts: Partial<Record<ItemState, number>>, bytes = 0, total = 0): QueueProgress => ({
  items: [],
  bytes,
  total,
  failedTotal: 0,
  cancelledTotal: 0,
  speed: 0,
  counts: { waiting: 0, downloading: 0, paused: 0, converting: 0, done: 0, skipped: 0, failed: 0, cancelled: 0, ...counts },
  batchCounts: { waiting: 0, downloading: 0, paused: 0, converting: 0, done: 0, skipped: 0, failed: 0, cancelled: 0, ...counts },
});

describe('BatchTracker', () => {
  it('reports one end per batch with what that batch did', () => {
    const t = new BatchTracker();
    expect(t.update(p({ done: 4 }))).toBeUndefined(); // idle, nothing started
    expect(t.update(p({ done: 4, waiting: 3 }))).toBeUndefined();
    expect(t.update(p({ done: 5, downloading: 2 }))).toBeUndefined();
    expect(t.update(p({ done: 6, failed: 1 }))).toEqual({ done: 2, failed: 1 });
    expect(t.update(p({ done: 6, failed: 1 }))).toBeUndefined();
    expect(t.update(p({ done: 6, failed: 1, converting: 1 }))).toBeUndefined();
    expect(t.update(p({ done: 7, failed: 1 }))).toEqual({ done: 1, failed: 0 });
  });

  it('names the folder most of the batch was saved to (what the notification opens)', () => {
    const t = new BatchTracker();
    const saved = (id: number, folder: string) => ({ id, state: 'done' as const, folder, path: `${id}.webm`, bytes: 1, user: 'u', confrId: 'c', recordType: 'ONLY_REC_ONE_AV', attempts: 1, urlRefreshed: false, speed: 0 });
    t.update(p({ waiting: 3 }));
    t.update({ ...p({ done: 2, waiting: 1 }), items: [saved(1, '/a'), saved(2, '/b')] });
    expect(t.update({ ...p({ done: 3 }), items: [saved(3, '/b')] })).toEqual({ done: 3, failed: 0, folder: '/b' });
    t.update(p({ done: 3, waiting: 1 }));
    expect(t.update(p({ done: 3, failed: 1 }))).toEqual({ done: 0, failed: 1 }); // nothing saved: no folder
  });

  it('gives the taskbar a fraction while running and hides it when idle', () => {
    expect(progressBarValue(p({ downloading: 1 }, 25, 100))).toBe(0.25);
    expect(progressBarValue(p({ waiting: 1 }, 0, 0))).toBe(2);
    expect(progressBarValue(p({ done: 3 }, 100, 100))).toBe(-1);
  });
});
