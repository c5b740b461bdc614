// emrec's progress line in a log (not a terminal): no line for the listing's first page as if it were
// the batch, and a last line that gives the time taken and the average speed, not the last instant's.
import { Writable } from 'node:stream';
import { expect, it } from 'vitest';
import { createProgressReporter } from '../../main/cli/display.ts';
import type { QueueProgress } from '../../main/core/progress.ts';
import { emptyCounts } from '../../main/core/queue/states.ts';

function sink(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
}

const progress = (downloading: number, done: number, bytes: number, speed: number): QueueProgress => ({
  items: [],
  bytes,
  total: 10_000_000,
  failedTotal: 0,
  cancelledTotal: 0,
  speed,
  counts: { ...emptyCounts(), downloading, done },
  batchCounts: { ...emptyCounts(), downloading, done },
});

it('in a log: no line at once for the first page, and a final line with the time taken and the average speed', () => {
  const { stream, text } = sink();
  const reporter = createProgressReporter(stream, 'en', false);
  reporter.update(progress(1, 0, 0, 0)); // the first file of the first page
  expect(text()).toBe('');
  reporter.update(progress(0, 12, 10_000_000, 0));
  reporter.done();
  const last = text().trim().split('\n').at(-1) ?? '';
  expect(last).toMatch(/^12\/12 files {2}9\.5 MB\/9\.5 MB {2}in \d+s {2}.+\/s on average$/);
  expect(last).not.toMatch(/ETA|0 B\/s/);
});
