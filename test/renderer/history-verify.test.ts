// History → Check files, in Chromium against the real service and files: a deleted and a same-size
// edited file are found and said in words, "Fetch all again" brings them back through the queue, and a
// second check finds every file in place; in English and in 中文.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sessionPerTest } from './session.ts';

const open = sessionPerTest();

describe('checking the archive', () => {
  it('finds a deleted and an edited file, fetches them again, and then finds all in place', async () => {
    const session = await open();
    const { app, page, service, demo } = session;
    const found = await app.saveConference(demo.files[0]!.confrId);

    const entries = await service.handlers['history:list']({});
    const [gone, edited] = entries;
    if (!gone || !edited) throw new Error('nothing saved');
    fs.rmSync(gone.path);
    const fd = fs.openSync(edited.path, 'r+');
    fs.writeSync(fd, Buffer.from('x'), 0, 1, Math.floor(edited.size / 2));
    fs.closeSync(fd);

    await app.go('history');
    await page.getByTestId('verify').click();
    const report = page.locator(`[data-testid="verify-report"][data-problems="2"]`);
    await report.waitFor();
    expect(await report.innerText()).toContain(`2 of ${found} files are missing or changed:`);
    expect(await report.locator(`li[data-finding-id="${gone.id}"]`).innerText()).toContain('Missing from the folder');
    expect(await report.locator(`li[data-finding-id="${edited.id}"]`).innerText()).toContain('Changed since it was saved (same size, other content)');
    expect(await report.locator(`li[data-finding-id="${edited.id}"]`).innerText()).toContain(edited.path);

    await app.setLanguage('zh-CN');
    expect(await report.innerText()).toContain(`${found} 个文件中有 2 个缺失或被改动：`);
    expect(await report.locator(`li[data-finding-id="${gone.id}"]`).innerText()).toContain('文件夹里没有这个文件');
    await report.getByRole('button', { name: '全部 2 个重新下载' }).click();
    await page.getByTestId('history-message').getByText('已有 2 个加入下载队列').waitFor();

    await app.go('queue');
    await page.locator('[data-testid="end-banner"][data-saved="2"][data-not-saved="0"]').waitFor({ timeout: 60_000 });
    for (const file of [gone, edited]) expect(fs.readFileSync(file.path).length).toBe(file.size);
    await app.go('history');
    await page.getByTestId('verify').click();
    await page.locator(`[data-testid="verify-report"][data-problems="0"]`).waitFor();
    expect(await page.getByTestId('verify-report').innerText()).toBe(`全部 ${found} 个文件都在，且未被改动。`);
    expect(session.pageErrors).toEqual([]);
  });

  it('imports a folder into an emptied history (a reinstall), after which downloading the same recordings fetches nothing', async () => {
    const session = await open();
    const { app, page, service, demo } = session;
    const found = await app.saveConference(demo.files[0]!.confrId);
    for (const entry of await service.handlers['history:list']({})) await service.handlers['history:remove']({ key: entry.key });
    await page.getByTestId('clear-finished').click();
    await page.getByTestId('confirm-clear').getByRole('button', { name: 'Clear from the list' }).click();

    await app.setLanguage('zh-CN');
    await app.go('history');
    await page.getByTestId('import-folder').click();
    await page.getByTestId('history-message').getByText(`已把 ${session.outDir} 中的 ${found} 个录制文件加入下载记录；0 个原本就在记录中。`).waitFor();
    await page.locator(`[data-testid="history-count"][data-count="${found}"]`).waitFor();

    await app.setLanguage('en');
    demo.resetStats();
    await app.query('conference', { confrId: demo.files[0]!.confrId });
    await app.selectAll();
    await page.getByTestId('open-download').click();
    await page.getByTestId('download-panel').getByTestId('pick-folder').click();
    await page.getByTestId('start-download').click();
    const ask = page.getByTestId('confirm-again');
    await ask.waitFor();
    expect(await ask.innerText()).toContain(`All ${found} are already saved`);
    expect(demo.stats.fileRequests).toBe(0);
    expect(session.pageErrors).toEqual([]);
  });
});
