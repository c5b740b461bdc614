// The Downloads screen tells the truth about a batch, through the real service and a slowed demo
// server: the overall percent is bytes done over the bytes of every file (sizes asked of the host
// before the files start), the time left matches the time it then takes, failures are named and
// listed by the Failed filter, and one file's details (the reason, the host's own words, requests
// made, the link) open and close from the keyboard, in English and in 中文.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sessionPerTest } from './session.ts';

const open = sessionPerTest();

/** The page's document, as far as these tests read it (the tests are compiled without the DOM library). */
type PageDoc = {
  document: {
    activeElement: { id: string; getAttribute(name: string): string | null } | null;
    querySelector(selector: string): { getAttribute(name: string): string | null } | null;
  };
};

/** Bytes under a folder, `.part` files included (what is on disk now). */
function bytesUnder(dir: string): number {
  let sum = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && !entry.name.endsWith('.lock')) sum += fs.statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return sum;
}

describe('overall progress', () => {
  it('at 4 done, the percent is bytes done over bytes total within 2 points, and the time left is within 25 % of the time it takes', async () => {
    const session = await open();
    const { app, page, demo } = session;
    await app.tryDemo();
    const found = await app.query('range', { preset: 'month' });
    expect(found).toBeGreaterThanOrEqual(12);
    await app.selectAll();
    demo.faults.bytesPerSecond = 20_000; // per response: three at a time ~ 60 kB/s
    await app.download({ pick: true, folder: session.outDir, convert: false, concurrency: 3 });
    await app.go('queue');
    const overall = page.getByTestId('overall');
    await page.waitForFunction(() => Number((globalThis as unknown as PageDoc).document.querySelector('[data-testid="overall"]')?.getAttribute('data-done')) >= 4, undefined, {
      timeout: 60_000,
      polling: 20,
    });
    const onDisk = bytesUnder(session.outDir);
    const shownAt = performance.now();
    const percent = Number(await overall.getAttribute('data-percent'));
    const eta = Number(await overall.getAttribute('data-eta'));
    expect(await page.getByTestId('summary').innerText()).toMatch(/^\d+ saved · \d downloading · \d+ waiting · \d+:\d\d left · .+\/s$/);

    // mid-run, Active lists the files moving and Waiting the ones to come
    const states = () => page.locator('[data-testid="queue-table"] tbody tr[data-item-id]').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-state')));
    await page.locator('[data-testid="filters"] button[data-filter="active"]').click();
    expect(new Set(await states())).toEqual(new Set(['downloading']));
    await page.locator('[data-testid="filters"] button[data-filter="waiting"]').click();
    expect(new Set(await states())).toEqual(new Set(['waiting']));
    await page.locator('[data-testid="filters"] button[data-filter="all"]').click();

    await page.locator(`[data-testid="end-banner"][data-saved="${found}"]`).waitFor({ timeout: 120_000 });
    const took = (performance.now() - shownAt) / 1000;
    const total = bytesUnder(session.outDir);
    const truth = (onDisk / total) * 100;
    console.log(`at 4 of ${found}: shown ${percent.toFixed(1)} %, on disk ${truth.toFixed(1)} %; time left shown ${eta} s, took ${took.toFixed(1)} s`);
    expect(Math.abs(percent - truth)).toBeLessThanOrEqual(2);
    expect(truth).toBeLessThan(60); // not the 90 % of a bar that only counted the files begun
    expect(Math.abs(eta - took)).toBeLessThanOrEqual(0.25 * took);
    expect(Number(await overall.getAttribute('data-percent'))).toBe(100);
    expect(session.pageErrors).toEqual([]);
  });
});

describe('failures, filters and the detail pane', () => {
  it('names the failed files, the Failed filter lists exactly them, and their details open and close from the keyboard in both languages', async () => {
    const session = await open();
    const { app, page, demo } = session;
    await app.tryDemo();
    const found = await app.query('range', { preset: 'month' });
    await app.selectAll();
    const lost = demo.files.slice(1, 4).map((f) => f.id);
    demo.faults.missingIds = lost;
    await app.download({ pick: true, folder: session.outDir, convert: false, concurrency: 3 });
    await app.go('queue');
    const banner = page.getByTestId('end-banner');
    await page.locator(`[data-testid="end-banner"][data-not-saved="${lost.length}"]`).waitFor({ timeout: 60_000 });
    expect(await banner.innerText()).toContain(`${found - lost.length} saved, ${lost.length} not saved`);
    expect(await page.getByTestId('summary').innerText()).toBe(`${found - lost.length} saved · ${lost.length} failed`);
    // the failed files are their own share of the bar
    const failedShare = await page.getByTestId('seg-failed').evaluate((el) => el.getBoundingClientRect().width);
    expect(failedShare).toBeGreaterThan(0);

    // the filters say how many each holds; "Show failed" on the banner picks Failed
    const chip = (name: string) => page.locator(`[data-testid="filters"] button[data-filter="${name}"]`);
    expect(await chip('all').innerText()).toBe(`All ${found}`);
    expect(await chip('failed').innerText()).toBe(`Failed ${lost.length}`);
    expect(await chip('done').innerText()).toBe(`Saved ${found - lost.length}`);
    const chips = async () => page.locator('[data-testid="filters"] button[data-filter]').allInnerTexts();
    expect(await chips()).toEqual([`All ${found}`, 'Active 0', 'Waiting 0', `Failed ${lost.length}`, `Saved ${found - lost.length}`]);
    await banner.getByRole('button', { name: 'Show failed' }).click();
    expect(await chip('failed').getAttribute('aria-pressed')).toBe('true');
    const rows = page.locator('[data-testid="queue-table"] tbody tr[data-item-id]');
    await expect.poll(async () => (await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-item-id'))))).sort()).toEqual([...lost].sort());
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-state')))).toEqual(['failed', 'failed', 'failed']);
    // the row says why in the person's words: the file server no longer has it
    expect(await rows.first().locator('[data-error-code="FILE_GONE"]').innerText()).toMatch(/^Gone from the file server/);

    // keyboard only: ← → move between filters, Tab reaches a file, Enter opens its details, Esc closes them
    await chip('failed').focus();
    await page.keyboard.press('ArrowRight');
    expect(await chip('done').getAttribute('aria-pressed')).toBe('true');
    expect(await page.evaluate(() => (globalThis as unknown as PageDoc).document.activeElement?.getAttribute('data-filter'))).toBe('done');
    await expect.poll(async () => new Set(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-state'))))).toEqual(new Set(['done']));
    await page.keyboard.press('ArrowLeft');
    expect(await chip('failed').getAttribute('aria-pressed')).toBe('true');
    const who = rows.first().locator('button.who');
    const id = Number(await rows.first().getAttribute('data-item-id'));
    for (let i = 0; i < 12 && !(await who.evaluate((el) => (el as unknown) === (globalThis as unknown as PageDoc).document.activeElement)); i += 1) await page.keyboard.press('Tab');
    expect(await who.evaluate((el) => (el as unknown) === (globalThis as unknown as PageDoc).document.activeElement)).toBe(true);
    await page.keyboard.press('Enter');
    const detail = page.getByTestId('detail');
    await detail.waitFor();
    expect(Number(await detail.getAttribute('data-item-id'))).toBe(id);
    expect(await page.evaluate(() => (globalThis as unknown as PageDoc).document.activeElement?.id)).toBe('detail-heading');
    expect(await detail.getByTestId('detail-why').getAttribute('data-error-code')).toBe('FILE_GONE');
    expect(await detail.getByTestId('detail-server').innerText()).toBe('NoSuchKey: The specified key does not exist.');
    expect(await detail.getByTestId('detail-attempts').innerText()).toBe('1');
    expect(await detail.getByTestId('detail-refreshed').innerText()).toBe('No');
    const detailPath = await detail.getByTestId('detail-path').innerText();
    expect(detailPath.startsWith(session.outDir)).toBe(true);
    expect(detailPath.endsWith(await detail.getByTestId('detail-name').innerText())).toBe(true);
    expect(await detail.innerText()).toContain('Will be saved to');
    await page.keyboard.press('Escape');
    await detail.waitFor({ state: 'hidden' });
    expect(await who.evaluate((el) => (el as unknown) === (globalThis as unknown as PageDoc).document.activeElement)).toBe(true);

    // the same in 中文
    await app.setLanguage('zh-CN');
    expect(await chips()).toEqual([`全部 ${found}`, '进行中 0', '等待中 0', `失败 ${lost.length}`, `已保存 ${found - lost.length}`]);
    await page.keyboard.press('Enter');
    await detail.waitFor();
    expect(await detail.innerText()).toContain('文件详情');
    expect(await detail.getByTestId('detail-why').innerText()).toMatch(/^文件服务器上已没有这个文件/);
    expect(await detail.getByTestId('detail-refreshed').innerText()).toBe('否');
    expect(await detail.innerText()).toContain('文件服务器的回答');
    await detail.getByTestId('detail-close').click();
    await detail.waitFor({ state: 'hidden' });

    // the host has them again: Retry failed from the banner saves every file
    demo.faults.missingIds = undefined;
    await banner.getByRole('button', { name: '重试失败项' }).click();
    await page.locator(`[data-testid="end-banner"][data-saved="${found}"][data-not-saved="0"]`).waitFor({ timeout: 60_000 });
    expect(await chip('failed').innerText()).toBe('失败 0');
    expect(await page.getByTestId('filter-empty').innerText()).toContain('“失败”中现在没有文件');

    // a new "Download selected" once all is done is a batch of its own: its banner counts its files, the list keeps all
    await app.setLanguage('en');
    const some = await app.query('conference', { confrId: demo.files[0]!.confrId });
    expect(some).toBeLessThan(found);
    await app.selectAll();
    await page.getByTestId('open-download').click();
    await page.getByTestId('download-panel').getByTestId('pick-folder').click();
    await page.getByTestId('start-download').click();
    await page.getByTestId('confirm-again').getByRole('button', { name: 'Download again' }).click();
    await app.go('queue');
    await page.locator(`[data-testid="end-banner"][data-saved="${some}"][data-not-saved="0"]`).waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('end-banner').innerText()).toContain(`All ${some} saved`);
    expect(await page.getByTestId('summary').innerText()).toBe(`${some} saved`);
    expect(await chip('all').innerText()).toBe(`All ${found}`);
    expect(session.pageErrors).toEqual([]);
  });
});
