// Auto-archive in the Settings screen, in Chromium against the real service and demo server: turn it
// on, press "Run now", and the last-run line reports what was saved (real files on disk).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseServerTime } from '../../main/core/time.ts';
import { sessionPerTest } from './session.ts';

// The root tsconfig has no DOM lib: the narrow shape waitForFunction's page function needs.
type PageGlobal = { document: { querySelector(s: string): { value?: string } | null } };

describe('auto-archive in Settings', () => {
  const open = sessionPerTest();

  it('enables auto-archive, runs it now and shows how many new recordings it saved', async () => {
    const session = await open();
    const { app, page, demo, service, outDir } = session;
    await app.tryDemo();
    await app.go('settings');

    const form = page.getByTestId('archive-form');
    await expect(form.getByTestId('archive-last').innerText()).resolves.toBe('Has not run yet.');
    await form.locator('input[name="archiveEnabled"]').check();
    await form.locator('select[name="archiveConnection"]').selectOption({ label: 'Demo' });
    await form.locator('input[name="archiveTime"]').fill('03:30');
    await form.locator('input[name="archiveDays"]').fill('3');
    await form.getByTestId('archive-pick').click();
    await page.waitForFunction(
      (f) => (globalThis as unknown as PageGlobal).document.querySelector('input[name="archiveFolder"]')?.value === f,
      outDir,
    );

    // What the last 3 days hold on the demo server (it filters on begin time).
    const now = Date.now();
    const expected = demo.files.filter((f) => {
      const begin = parseServerTime(f.confrBeginTime, 'Asia/Shanghai').getTime();
      return begin >= now - 3 * 86_400_000 && begin <= now;
    });
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(demo.files.length);

    await form.getByTestId('archive-run').click();
    const last = form.locator(`[data-testid="archive-last"][data-saved="${expected.length}"][data-failed="0"]`);
    await last.waitFor({ timeout: 180_000 });
    expect(await last.innerText()).toMatch(new RegExp(`^Last run .+: ${expected.length} new saved, 0 failed\\.$`));
    await form.locator('[data-testid="archive-next"]', { hasText: 'Next run:' }).waitFor();
    await expect(form.getByTestId('archive-run').isEnabled()).resolves.toBe(true);

    // Saved as settings, and the files are really there, through the download queue and history.
    const settings = await service.handlers['settings:get'](undefined);
    expect(settings.autoArchive).toMatchObject({ enabled: true, time: '03:30', days: 3, folder: outDir, convert: false });
    const history = await service.handlers['history:list']({});
    expect(history.map((r) => r.id).sort()).toEqual(expected.map((f) => f.id).sort());
    for (const row of history) {
      expect(row.path.startsWith(outDir + path.sep)).toBe(true);
      expect(existsSync(row.path)).toBe(true);
    }
    await app.go('queue');
    await app.waitAllDone(expected.length);
    expect(session.pageErrors).toEqual([]);
  });

  it('after the first batch is saved, offers auto-archive into that folder with one click, in the UI language', async () => {
    const session = await open();
    const { app, page, service, outDir } = session;
    await app.setLanguage('zh-CN');
    await app.saveConference(session.demo.files[0]!.confrId);
    const offer = page.getByTestId('archive-offer');
    expect(await offer.innerText()).toContain('要在服务器删除之前，每晚自动把 Demo 的新录制保存到这里吗？');
    await offer.getByRole('button', { name: '好的，每晚 02:00' }).click();
    await offer.getByText(`自动归档已开启：软件运行时，每晚 02:00 把 Demo 的新录制保存到 ${outDir}`).waitFor();
    const settings = await service.handlers['settings:get'](undefined);
    expect(settings.autoArchive).toMatchObject({ enabled: true, time: '02:00', days: 30, folder: outDir });
    expect(settings.autoArchive?.connectionId).toBe((await service.handlers['connections:list'](undefined)).find((c) => c.active)?.id);
    await app.go('settings');
    expect(await page.getByTestId('archive-form').locator('input[name="archiveEnabled"]').isChecked()).toBe(true);
    expect(session.pageErrors).toEqual([]);
  });

  it('saves each setting as it changes, without a Save button, and keeps ffmpeg under Advanced', async () => {
    const session = await open();
    const { app, page, service } = session;
    await app.go('settings');
    const form = page.getByTestId('settings-form');
    expect(await form.locator('input[name="ffmpegPath"]').isVisible()).toBe(false);
    await form.locator('input[name="concurrency"]').fill('5');
    await form.getByLabel('Connections in all').fill('12');
    await form.locator('input[name="convert"]').check();
    await form.getByText('All changes saved.').waitFor();
    expect(await form.getByRole('button', { name: /^Save/ }).count()).toBe(0);
    expect(await service.handlers['settings:get'](undefined)).toMatchObject({ concurrency: 5, connections: 12, convert: true });
    expect(await form.getByText('Each file at a time uses one; the others speed up files over 32 MB.').isVisible()).toBe(true);
    await form.getByText('Advanced: ffmpeg, saving secrets, updates').click();
    expect(await form.locator('input[name="ffmpegPath"]').isVisible()).toBe(true);
    // a wrong value is said next to the fields and not stored
    await form.locator('input[name="concurrency"]').fill('99');
    await form.locator('[data-testid="settings-status"] [data-error-code="BAD_INPUT"]').waitFor();
    expect((await service.handlers['settings:get'](undefined)).concurrency).toBe(5);
    expect(session.pageErrors).toEqual([]);
  });
});
