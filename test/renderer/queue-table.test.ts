// The Downloads table with 10,000 queued files, fed through the page's real `download:progress`
// listener: only a window of rows is in the DOM, scrolling reaches the last file, a per-row action on
// a far row reaches the service with that row's id, and progress of rows in view shows up.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ItemProgress, ItemState, QueueProgress } from '../../main/core/progress.ts';
import { formatBytes } from '../../main/messages/format.ts';
import { sessionPerTest } from './session.ts';

const COUNT = 10_000;
const FIRST_ID = 7_000_001;
const STATES: readonly ItemState[] = ['downloading', 'paused', 'waiting', 'done', 'failed'];

const open = sessionPerTest();
afterEach(() => {
  vi.restoreAllMocks();
});

function item(index: number, patch: Partial<ItemProgress> = {}): ItemProgress {
  const state = STATES[index % STATES.length] ?? 'waiting';
  const total = 100_000 + index;
  const bytes = state === 'done' ? total : state === 'waiting' ? 0 : 1_000 + index;
  return {
    id: FIRST_ID + index,
    state,
    path: `conf${Math.floor(index / 500)}/rec_${FIRST_ID + index}.mp4`,
    folder: '/recordings',
    bytes,
    total,
    user: `user${index}`,
    confrId: `conf${Math.floor(index / 500)}`,
    recordType: 'ONLY_REC_ONE_AV',
    attempts: 1,
    urlRefreshed: false,
    speed: state === 'downloading' ? 2_048 : 0,
    ...(state === 'downloading' ? { eta: 30 } : {}),
    ...(state === 'failed' ? { error: { code: 'NETWORK', message: 'socket hang up' } } : {}),
    ...patch,
  };
}

function progress(items: readonly ItemProgress[], all: readonly ItemProgress[]): QueueProgress {
  const counts: Record<ItemState, number> = { waiting: 0, downloading: 0, paused: 0, converting: 0, done: 0, skipped: 0, failed: 0, cancelled: 0 };
  for (const one of all) counts[one.state] += 1;
  return {
    items,
    bytes: all.reduce((sum, one) => sum + one.bytes, 0),
    total: all.reduce((sum, one) => sum + (one.total ?? 0), 0),
    failedTotal: 0,
    cancelledTotal: 0,
    speed: 2_048 * counts.downloading,
    eta: 600,
    counts,
    batchCounts: counts,
  };
}

describe('queue table', () => {
  it('stays windowed with 10,000 files and keeps per-row actions and live progress', async () => {
    const session = await open();
    const { app, page, service } = session;
    await app.go('queue');

    // Like the service's batcher: the items arrive over several events, 1,000 at a time.
    const all = Array.from({ length: COUNT }, (_, index) => item(index));
    for (let start = 0; start < COUNT; start += 1_000) {
      await app.emit('download:progress', progress(all.slice(start, start + 1_000), all.slice(0, start + 1_000)));
    }
    await page.locator(`[data-testid="overall"][data-total="${COUNT}"]`).waitFor();

    const table = page.getByTestId('queue-table');
    const scroller = table.locator('xpath=..');
    const rows = table.locator('tbody tr[data-item-id]');
    expect(await table.getAttribute('aria-rowcount')).toBe(String(COUNT + 1));
    const inDom = await rows.count();
    expect(inDom).toBeGreaterThan(5);
    expect(inDom).toBeLessThan(100);
    expect(await rows.first().getAttribute('data-item-id')).toBe(String(FIRST_ID));
    expect(await rows.first().getAttribute('aria-rowindex')).toBe('2');

    // Scrolling to the end brings the last file into view, fully inside the scroll box.
    const lastId = FIRST_ID + COUNT - 1;
    await scroller.evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    const lastRow = table.locator(`tr[data-item-id="${lastId}"]`);
    await lastRow.waitFor();
    expect(await lastRow.getAttribute('aria-rowindex')).toBe(String(COUNT + 1));
    expect(await lastRow.getAttribute('data-state')).toBe('failed');
    expect(await rows.count()).toBeLessThan(100);
    const box = await scroller.boundingBox();
    const lastBox = await lastRow.boundingBox();
    if (box === null || lastBox === null) throw new Error('queue table not laid out');
    expect(lastBox.y).toBeGreaterThanOrEqual(box.y);
    expect(lastBox.y + lastBox.height).toBeLessThanOrEqual(box.y + box.height + 1);
    // Windowing needs one row height: every rendered row has it.
    const heights = await rows.evaluateAll((trs) => trs.map((tr) => tr.getBoundingClientRect().height));
    expect(new Set(heights.map((h) => Math.round(h)))).toEqual(new Set([52]));
    await expect.poll(() => lastRow.locator('[data-error-code="NETWORK"]').count()).toBe(1);

    // Per-row actions far down the list reach the service with that row's id.
    const retry = vi.spyOn(service.handlers, 'download:retry');
    const pause = vi.spyOn(service.handlers, 'download:pause');
    await lastRow.getByRole('button', { name: `Retry: rec_${lastId}.mp4` }).click();
    await expect.poll(() => retry.mock.calls).toEqual([[{ id: lastId }]]);
    const downloadingId = FIRST_ID + COUNT - 5; // index 9995: 'downloading'
    const downloadingRow = table.locator(`tr[data-item-id="${downloadingId}"]`);
    expect(await downloadingRow.getAttribute('data-state')).toBe('downloading');
    await downloadingRow.getByRole('button', { name: `Pause: rec_${downloadingId}.mp4` }).click();
    await expect.poll(() => pause.mock.calls).toEqual([[{ id: downloadingId }]]);

    // Progress of rows in view shows up: bytes move on, a failed file is retried and a paused one resumes.
    const moved = item(COUNT - 5, { bytes: 54_321, speed: 4_096, eta: 12 });
    const retried = item(COUNT - 1, { state: 'downloading', bytes: 777, speed: 1_024, eta: 99, error: undefined });
    const resumed = item(COUNT - 4, { state: 'downloading', bytes: 4_444, speed: 512, eta: 200 });
    const updated = all.map((one) => (one.id === moved.id ? moved : one.id === retried.id ? retried : one.id === resumed.id ? resumed : one));
    await app.emit('download:progress', progress([moved, retried, resumed], updated));
    await table.locator(`tr[data-item-id="${lastId}"][data-state="downloading"]`).waitFor();
    await table.locator(`tr[data-item-id="${resumed.id}"][data-state="downloading"]`).waitFor();
    await expect.poll(() => downloadingRow.locator('.bytes').innerText()).toBe(`${formatBytes('en', 54_321)} / ${formatBytes('en', moved.total ?? 0)}`);
    expect(await lastRow.locator('.bytes').innerText()).toBe(`${formatBytes('en', 777)} / ${formatBytes('en', retried.total ?? 0)}`);
    expect(await lastRow.locator('[data-error-code]').count()).toBe(0);
    expect(await lastRow.getByRole('button', { name: `Pause: rec_${lastId}.mp4` }).count()).toBe(1);
    expect(Number(await downloadingRow.locator('progress').getAttribute('value'))).toBeCloseTo((54_321 / (moved.total ?? 1)) * 100, 5);
    await page.locator(`[data-testid="overall"][data-failed="${(COUNT / STATES.length) - 1}"]`).waitFor();

    // An item updated while out of view shows its new state once scrolled back to.
    const firstDone = item(0, { state: 'done', bytes: 100_000, speed: 0, eta: undefined });
    await app.emit('download:progress', progress([firstDone], updated.map((one) => (one.id === firstDone.id ? firstDone : one))));
    await scroller.evaluate((el) => {
      el.scrollTop = 0;
    });
    await table.locator(`tr[data-item-id="${FIRST_ID}"][data-state="done"]`).waitFor();
    expect(await rows.count()).toBeLessThan(100);
    expect(session.pageErrors).toEqual([]);
  });

  it('sorts by a column header (again: the other way) and filters, with the counts of the whole list', async () => {
    const session = await open();
    const { app, page } = session;
    await app.go('queue');
    const all = Array.from({ length: 50 }, (_, index) => item(index, { user: `user${String(49 - index).padStart(2, '0')}` }));
    await app.emit('download:progress', progress(all, all));
    const table = page.getByTestId('queue-table');
    const ids = () => table.locator('tbody tr[data-item-id]').evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-item-id'))));
    const first = async () => (await ids())[0];
    expect(await first()).toBe(FIRST_ID);
    await table.getByRole('button', { name: 'Sort by Size' }).click();
    expect(await first()).toBe(FIRST_ID); // the smallest
    await table.getByRole('button', { name: 'Sort by Size' }).click();
    expect(await first()).toBe(FIRST_ID + 49); // the largest
    expect(await table.locator('th.c-size').getAttribute('aria-sort')).toBe('descending');
    await table.getByRole('button', { name: 'Sort by Person' }).click();
    expect(await first()).toBe(FIRST_ID + 49); // user00
    await table.getByRole('button', { name: 'Sort by State' }).click();
    expect(await table.locator('tbody tr[data-item-id]').first().getAttribute('data-state')).toBe('failed'); // what needs the eye first
    await table.getByRole('button', { name: 'Sort by Progress' }).click();
    expect(['waiting']).toContain(await table.locator('tbody tr[data-item-id]').first().getAttribute('data-state'));
    // the filter keeps the sort and counts from the list
    await page.locator('[data-testid="filters"] button[data-filter="waiting"]').click();
    expect(await page.locator('[data-testid="filters"] button[data-filter="waiting"]').getAttribute('data-count')).toBe('20'); // waiting 10 + paused 10
    expect(await table.getAttribute('aria-rowcount')).toBe('21'); // the 20, and the header row
    expect(session.pageErrors).toEqual([]);
  });
});
