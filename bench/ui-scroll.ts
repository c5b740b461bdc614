// Scrolling the Find results with 10,000 recordings, in Debian's Chromium against the real service:
// the time between frames while the table scrolls a whole page a frame (every row in view is new), next to the same page's frames when
// idle (the display's own interval, the physical limit). Goal: the median within the idle one (~16.7 ms).
import { syntheticCatalogue } from '../main/demo/server.ts';
import { closeShared, startSession } from '../test/renderer/session.ts';

export interface ScrollRow {
  readonly rows: number;
  readonly idleMedianMs: number;
  readonly medianMs: number;
  readonly p95Ms: number;
  readonly worstMs: number;
  /** Median frame while scrolling over the idle median. */
  readonly ratio: number;
}

/** Frame intervals of `frames` animation frames, scrolling the element by `step` px each frame (0: idle; -1: a whole page, every row new). */
const FRAMES = `(async ([selector, step, frames]) => {
  const el = document.querySelector(selector);
  const gaps = [];
  let last = performance.now();
  await new Promise((done) => {
    const tick = (t) => {
      gaps.push(t - last);
      last = t;
      if (step !== 0) el.scrollTop = (el.scrollTop + (step < 0 ? el.clientHeight : step)) % (el.scrollHeight - el.clientHeight);
      if (gaps.length < frames) requestAnimationFrame(tick);
      else done();
    };
    requestAnimationFrame(tick);
  });
  return gaps.slice(5);
})`;

const quantile = (values: readonly number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
};
const round = (n: number): number => Math.round(n * 10) / 10;

export async function benchUiScroll(options: { rows?: number; frames?: number } = {}): Promise<ScrollRow> {
  const rows = options.rows ?? 10_000;
  const frames = options.frames ?? 300;
  const session = await startSession({ demo: { catalogue: syntheticCatalogue({ count: rows, size: 1_000, perConference: 1_000 }) } });
  try {
    const { app, page } = session;
    await app.tryDemo();
    const found = await app.query('range', { preset: 'month' });
    const measure = (step: number): Promise<number[]> => page.evaluate(`${FRAMES}(${JSON.stringify(['[data-testid="results-table"]', step, frames])})`) as Promise<number[]>;
    const idle = await measure(0);
    const scrolling = await measure(-1);
    const idleMedian = quantile(idle, 0.5);
    const median = quantile(scrolling, 0.5);
    return { rows: found, idleMedianMs: round(idleMedian), medianMs: round(median), p95Ms: round(quantile(scrolling, 0.95)), worstMs: round(Math.max(...scrolling)), ratio: Math.round((median / idleMedian) * 100) / 100 };
  } finally {
    await session.close();
    await closeShared();
  }
}
