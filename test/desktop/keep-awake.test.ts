// The rule behind the shell's power-save blocker: one block while anything is active, released at
// the end of the batch (and on quit), never started twice.
import { expect, it } from 'vitest';
import type { QueueProgress } from '../../main/core/progress.ts';
import { emptyCounts } from '../../main/core/queue/states.ts';
import { KeepAwake } from '../../main/desktop/keep-awake.ts';

const progress = (counts: Partial<QueueProgress['counts']>): QueueProgress => ({ items: [], bytes: 0, total: 0, failedTotal: 0, cancelledTotal: 0, speed: 0, counts: { ...emptyCounts(), ...counts }, batchCounts: { ...emptyCounts(), ...counts } });

it('blocks sleep once while files wait, download or convert, and lets go when none does', () => {
  const calls: string[] = [];
  let next = 7;
  const keep = new KeepAwake({ start: () => (calls.push('start'), next++), stop: (id) => calls.push(`stop ${id}`) });
  keep.update(progress({ done: 3 }));
  expect(calls).toEqual([]);
  keep.update(progress({ waiting: 2 }));
  keep.update(progress({ downloading: 1, waiting: 1 }));
  keep.update(progress({ converting: 1, done: 1 }));
  expect(calls).toEqual(['start']);
  expect(keep.blocking).toBe(true);
  keep.update(progress({ done: 2, failed: 1, paused: 1 })); // paused is not active: the person stopped it
  expect(calls).toEqual(['start', 'stop 7']);
  keep.update(progress({ downloading: 1 }));
  keep.release();
  keep.release();
  expect(calls).toEqual(['start', 'stop 7', 'start', 'stop 8']);
  expect(keep.blocking).toBe(false);
});
