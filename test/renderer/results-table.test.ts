// The results table with 10,000 rows streamed from the real service: only a window of rows is in
// the DOM, scrolling reaches the last row, select all counts every row, the text filter narrows.
import { describe, expect, it } from 'vitest';
import { syntheticCatalogue } from '../../main/demo/server.ts';
import { sessionPerTest } from './session.ts';

const open = sessionPerTest();

describe('results table', () => {
  it('stays windowed with 10,000 rows and still sorts, selects and filters all of them', async () => {
    // 20 conferences of 500 files, all yesterday: inside "last 7 days" whatever the hour.
    const catalogue = syntheticCatalogue({ count: 10_000, size: 1_000, perConference: 500 });
    const session = await open({ demo: { catalogue } });
    const { app, page } = session;
    await app.tryDemo();
    const found = await app.query('range', { preset: 'week' });
    expect(found).toBe(10_000);

    const table = page.getByTestId('results-table');
    const rendered = table.locator('tbody tr[data-row-id]');
    const inDom = await rendered.count();
    expect(inDom).toBeGreaterThan(5);
    expect(inDom).toBeLessThan(100);

    // Sorted by time then id: the last row after scrolling to the end is the highest id of the last conference.
    const ids = catalogue.map((f) => f.id);
    const lastId = Math.max(...ids);
    await table.evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    await table.locator(`tr[data-row-id="${lastId}"]`).waitFor();
    expect(await rendered.count()).toBeLessThan(100);

    // Sorting by time descending puts it first.
    await table.evaluate((el) => {
      el.scrollTop = 0;
    });
    await table.getByRole('button', { name: /^Time/ }).click();
    await table.locator('th[aria-sort="descending"]').waitFor();
    expect(Number(await rendered.first().getAttribute('data-row-id'))).toBe(lastId);

    expect(await app.selectAll()).toBe(10_000);
    await page.getByTestId('select-none').click();
    await page.locator('[data-testid="selection"][data-count="0"]').waitFor();

    // The filter narrows to one conference (500 rows); select all then picks only those.
    const confrId = catalogue[0]?.confrId ?? '';
    await page.getByRole('searchbox', { name: 'Filter results' }).fill(confrId);
    expect(await app.selectAll()).toBe(500);
    expect(await page.getByTestId('query-form').locator('xpath=following-sibling::*').allInnerTexts()).toContainEqual(
      expect.stringContaining('Showing 500 of 10,000'),
    );
    expect(session.pageErrors).toEqual([]);
  });

  it('keeps the query form as it was when the person leaves Find and comes back, beside the results it gave', async () => {
    const session = await open();
    const { app, page, demo } = session;
    await app.tryDemo();
    const confrId = demo.files[0]!.confrId;
    const found = await app.query('conference', { confrId });
    await app.go('history');
    await app.go('find');
    const form = page.getByTestId('query-form');
    expect(await form.locator('input[name="kind"][value="conference"]').isChecked()).toBe(true);
    expect(await form.locator('[name="confrId"]').inputValue()).toBe(confrId);
    expect(Number(await page.getByTestId('result-status').getAttribute('data-count'))).toBe(found);
    expect(session.pageErrors).toEqual([]);
  });
});
