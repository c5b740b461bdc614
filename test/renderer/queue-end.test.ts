// The Downloads screen says where a batch stands in words and says when it has ended, through the
// real service and a slowed demo server with some files failing: the summary names every state,
// Cancel all asks first (and "Keep downloading" keeps them), and the end banner gives the right counts.
import { describe, expect, it } from 'vitest';
import { sessionPerTest } from './session.ts';

const open = sessionPerTest();

describe('the end of a batch', () => {
  it('names every state, asks before Cancel all, and ends with a banner of what was saved and what was not', async () => {
    const session = await open();
    const { app, page, demo, service } = session;
    await app.tryDemo();
    const found = await app.query('range', { preset: 'month' });
    expect(found).toBeGreaterThan(4);
    await app.selectAll();
    demo.faults.bytesPerSecond = 20_000;
    await app.download({ pick: true, folder: session.outDir, convert: false, concurrency: 2 });
    await app.go('queue');
    const summary = page.getByTestId('summary');
    await expect.poll(() => summary.innerText(), { timeout: 20_000 }).toMatch(/^\d+ saved · 2 downloading · \d+ waiting( · .+ left)? · .+\/s$/);
    // from another screen, the Downloads tab shows the overall percent
    await app.go('find');
    const tab = page.getByTestId('tab-progress');
    await expect.poll(() => tab.innerText()).toMatch(/^\d{1,3}%$/);
    expect(await tab.getAttribute('aria-label')).toMatch(/^Downloads \d{1,3}% done$/);
    await app.go('queue');

    // Cancel all asks; "Keep downloading" keeps every file going
    await page.getByTestId('cancel-all').click();
    const dialog = page.getByTestId('confirm-cancel');
    await dialog.waitFor();
    const asked = /Cancel (\d+) unfinished downloads\?/.exec(await dialog.innerText());
    expect(Number(asked?.[1])).toBeGreaterThan(0);
    expect(Number(asked?.[1])).toBeLessThanOrEqual(found);
    expect(await dialog.innerText()).toContain('Partly downloaded files are deleted');
    await dialog.getByRole('button', { name: 'Keep downloading' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await service.handlers['download:snapshot'](undefined)).counts.cancelled).toBe(0);

    // the rest: the host loses the files, so the batch ends with some saved and some not
    demo.faults.bytesPerSecond = undefined;
    demo.faults.filesMissing = true;
    const banner = page.getByTestId('end-banner');
    await banner.waitFor({ timeout: 60_000 });
    const saved = Number(await banner.getAttribute('data-saved'));
    const notSaved = Number(await banner.getAttribute('data-not-saved'));
    expect(saved + notSaved).toBe(found);
    expect(notSaved).toBeGreaterThan(0);
    expect(await banner.innerText()).toContain(`${saved} saved, ${notSaved} not saved`);
    expect(await summary.innerText()).toBe(`${saved} saved · ${notSaved} failed`);

    // Retry failed from the banner: the host is back, every file ends saved, and the banner says where
    demo.faults.filesMissing = false;
    await banner.getByRole('button', { name: 'Retry failed' }).click();
    await page.locator(`[data-testid="end-banner"][data-saved="${found}"][data-not-saved="0"]`).waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('end-banner').innerText()).toContain(`All ${found} saved to ${session.outDir}`);

    // Clear finished asks, then empties the list; the files and the history stay
    await page.getByTestId('clear-finished').click();
    const clear = page.getByTestId('confirm-clear');
    expect(await clear.innerText()).toContain(`Take the ${found} saved files off this list?`);
    await clear.getByRole('button', { name: 'Clear from the list' }).click();
    await page.getByText('Nothing is downloading.').waitFor();
    expect((await service.handlers['history:list']({})).length).toBeGreaterThanOrEqual(found);
    expect(session.pageErrors).toEqual([]);
  });

  it('Cancel all, confirmed, cancels every unfinished file and the banner says they were not saved', async () => {
    const session = await open();
    const { app, page, demo, service } = session;
    await app.tryDemo();
    const found = await app.query('range', { preset: 'month' });
    await app.selectAll();
    demo.faults.bytesPerSecond = 5_000;
    await app.download({ pick: true, folder: session.outDir, convert: false, concurrency: 2 });
    await app.go('queue');
    await page.getByTestId('cancel-all').click();
    await page.getByTestId('confirm-cancel').getByRole('button', { name: 'Cancel downloads' }).click();
    const banner = page.locator('[data-testid="end-banner"]:not([data-not-saved="0"])');
    await banner.waitFor({ timeout: 30_000 });
    const counts = (await service.handlers['download:snapshot'](undefined)).counts;
    expect(counts.cancelled).toBeGreaterThan(0);
    expect(counts.waiting + counts.downloading).toBe(0);
    expect(Number(await banner.getAttribute('data-saved')) + Number(await banner.getAttribute('data-not-saved'))).toBe(found);
    expect(session.pageErrors).toEqual([]);
  });
});

describe('a file waiting to try again', () => {
  it('says "Retrying in N s (attempt n of 8)" instead of failed, then ends saved', async () => {
    const session = await open();
    const { app, page, demo } = session;
    await app.tryDemo();
    await app.query('conference', { confrId: demo.files[0]!.confrId });
    await app.selectAll();
    // the host throttles the first requests with a 503 and Retry-After: 3 s (the download's first
    // request is among the first three: it and the size lookups of the two files after it)
    demo.faults.fileThrottle = { count: 4, retryAfterSeconds: 3 };
    await app.download({ pick: true, folder: session.outDir, convert: false, concurrency: 1 });
    await app.go('queue');
    const retry = page.getByTestId('retry').first();
    await retry.waitFor({ timeout: 20_000 });
    expect(await retry.innerText()).toMatch(/^Retrying in [1-3] s \(attempt 1 of 8\)$/);
    const row = page.locator('tr[data-item-id]', { has: retry });
    expect(await row.getAttribute('data-state')).toBe('downloading');
    // not moving, so not said as downloading: the row and the summary say it waits to retry
    expect(await row.locator('.state').innerText()).toBe('Waiting to retry');
    await expect.poll(() => page.getByTestId('summary').innerText()).toMatch(/· 1 waiting to retry ·/);
    await page.locator('[data-testid="end-banner"][data-not-saved="0"]').waitFor({ timeout: 60_000 });
    await expect(page.getByTestId('retry').count()).resolves.toBe(0);
    expect(session.pageErrors).toEqual([]);
  });
});

describe('downloading saved files again', () => {
  it('says "All n are already saved" and asks; keeping them fetches nothing, "Download again" fetches them with force', async () => {
    const session = await open();
    const { app, page, demo } = session;
    await app.tryDemo();
    const found = await app.query('conference', { confrId: demo.files[0]!.confrId });
    await app.selectAll();
    await app.download({ pick: true, folder: session.outDir, convert: false, concurrency: 2 });
    await app.waitAllDone(found);

    await app.query('conference', { confrId: demo.files[0]!.confrId });
    await app.selectAll();
    demo.resetStats();
    await page.getByTestId('open-download').click();
    await page.getByTestId('download-panel').getByTestId('pick-folder').click();
    await page.getByTestId('start-download').click();
    const ask = page.getByTestId('confirm-again');
    await ask.waitFor();
    expect(await ask.innerText()).toContain(`All ${found} are already saved`);
    await ask.getByRole('button', { name: 'Keep the saved files' }).click();
    await ask.waitFor({ state: 'hidden' });
    expect(demo.stats.fileRequests).toBe(0);

    await page.getByTestId('start-download').click();
    await ask.waitFor();
    await ask.getByRole('button', { name: 'Download again' }).click();
    await page.locator(`[data-testid="end-banner"][data-saved="${found}"][data-not-saved="0"]`).waitFor({ timeout: 60_000 });
    expect(demo.stats.fileRequests).toBeGreaterThanOrEqual(found);
    expect(session.pageErrors).toEqual([]);
  });
});
