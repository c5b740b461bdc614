// The one progress throttle (moved here from the service's ProgressBatcher test): at most one report
// per interval, the first at once, what changed meanwhile merged by file with its latest state.
import { afterEach, expect, it, vi } from 'vitest';
import { Throttle } from '../../../main/core/queue/throttle.ts';

afterEach(() => {
  vi.useRealTimers();
});

it('emits at most once per interval, merging items by id with the latest state', () => {
  vi.useFakeTimers();
  const changed = new Map<number, { bytes: number; state: string }>();
  const emitted: { items: [number, number, string][]; bytes: number }[] = [];
  let bytes = 0;
  const throttle = new Throttle(() => {
    emitted.push({ items: [...changed].map(([id, v]) => [id, v.bytes, v.state]), bytes });
    changed.clear();
  }, 100);
  const push = (id: number, b: number, state = 'downloading'): void => {
    changed.set(id, { bytes: b, state });
    throttle.request();
  };
  for (let i = 1; i <= 50; i++) {
    bytes = i;
    push(1, i);
    push(2, i * 2);
  }
  expect(emitted).toHaveLength(1); // the first change goes out at once
  push(1, 60, 'done');
  expect(emitted).toHaveLength(1);
  vi.advanceTimersByTime(100);
  expect(emitted).toHaveLength(2);
  expect(emitted[1]!.items).toEqual([
    [2, 100, 'downloading'],
    [1, 60, 'done'],
  ]);
  expect(emitted[1]!.bytes).toBe(50);
  vi.advanceTimersByTime(1000);
  expect(emitted).toHaveLength(2); // nothing pending, nothing sent
  throttle.request();
  throttle.dispose();
  vi.advanceTimersByTime(1000);
  expect(emitted).toHaveLength(3); // the interval had passed: sent at once, then disposed
});
