// The queue under stress, through the UI: a 429 storm while listing still ends with every file,
// and pausing then resuming a slow download finishes with byte-identical files.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { sessionPerTest, type Session } from './session.ts';

const open = sessionPerTest();

async function expectFilesMatchServer(s: Session, count: number): Promise<void> {
  const history = await s.service.handlers['history:list']({});
  expect(history).toHaveLength(count);
  for (const row of history) {
    const sha = createHash('sha256').update(await readFile(row.path)).digest('hex');
    expect(sha).toBe(await s.demo.expectedSha256(row.id));
  }
}

describe('resilience through the UI', () => {
  it('a 429 storm while listing still finishes the query and the downloads', async () => {
    const session = await open();
    const { app, page, demo } = session;
    await app.tryDemo();
    demo.resetStats();
    demo.faults.throttle = { count: 5, status: 429, retryAfterSeconds: 1 };
    const found = await app.query('range', { preset: 'month' });
    expect(found).toBe(demo.files.length);
    expect(demo.faults.throttle.count).toBe(0);
    expect(await page.locator('[role="alert"][data-error-code]').count()).toBe(0);

    demo.faults.throttle = { count: 5, status: 429 };
    await app.selectAll();
    await app.download({ pick: true, folder: session.outDir, convert: false, concurrency: 4 });
    await app.waitAllDone(found);
    await expectFilesMatchServer(session, found);
  });

  it('pause all, then resume all, finishes with byte-identical files', async () => {
    const session = await open();
    const { app, page, demo } = session;
    await app.tryDemo();
    const first = demo.files[0];
    if (first === undefined) throw new Error('empty demo catalogue');
    const count = await app.query('conference', { confrId: first.confrId });
    expect(count).toBe(demo.files.filter((f) => f.confrId === first.confrId).length);

    demo.faults.bytesPerSecond = 2_000; // tens of kB per file: many seconds each
    await app.selectAll();
    await app.download({ pick: true, folder: session.outDir, convert: false, concurrency: 2 });
    await app.waitForItemState('downloading');
    await page.getByTestId('pause-all').click();
    await app.waitForCount('[data-testid="queue-table"] tr[data-state="paused"]', count);
    const paused = await app.itemStates();
    expect([...paused.values()]).toEqual(Array(count).fill('paused'));
    // The paused row offers Resume, not Pause.
    await page.locator('[data-testid="queue-table"] tbody tr').first().getByRole('button', { name: /^Resume/ }).waitFor();

    demo.faults.bytesPerSecond = undefined;
    await page.getByTestId('resume-all').click();
    await app.waitAllDone(count);
    await expectFilesMatchServer(session, count);
  });
});
