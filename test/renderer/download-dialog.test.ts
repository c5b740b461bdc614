// The download dialog as a person meets it, in Chromium against the real service: a modal that keeps
// the focus inside, closes with Esc and gives the focus back, fits a 1024×640 window, and names files
// by a preset in the UI language — `16-20-41 陈静 摄像头 1000184.webm` on disk, not ONLY_REC_ONE_AV.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sessionPerTest } from './session.ts';

const open = sessionPerTest();

type Doc = { document: { activeElement: { closest(s: string): unknown; getAttribute(n: string): string | null } | null } };
const focusInDialog = (): boolean => (globalThis as unknown as Doc).document.activeElement?.closest('dialog[open]') != null;
const focusedTestId = (): string | null => (globalThis as unknown as Doc).document.activeElement?.getAttribute('data-testid') ?? null;

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => fs.statSync(path.join(dir, f)).isFile());
}

describe('the download dialog', () => {
  it('is a modal at 1024×640: focus stays inside, Esc closes it and the focus returns to the button', async () => {
    const session = await open({ viewport: { width: 1024, height: 640 } });
    const { app, page, demo } = session;
    await app.tryDemo();
    await app.query('conference', { confrId: demo.files[0]!.confrId });
    await app.selectAll();
    await page.getByTestId('open-download').click();
    const dialog = page.locator('dialog.modal[open]');
    await dialog.waitFor();
    const box = await dialog.boundingBox();
    if (!box) throw new Error('not laid out');
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(640);
    expect(box.x + box.width).toBeLessThanOrEqual(1024);
    const start = await dialog.getByTestId('start-download').boundingBox();
    expect(start && start.y + start.height).toBeLessThanOrEqual(640);

    for (let i = 0; i < 25; i += 1) {
      await page.keyboard.press('Tab');
      expect(await page.evaluate(focusInDialog)).toBe(true);
    }
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await page.evaluate(focusedTestId)).toBe('open-download');
    expect(session.pageErrors).toEqual([]);
  });

  it('names files by a preset in the UI language, in words, on disk', async () => {
    const session = await open();
    const { app, page, demo, outDir } = session;
    await app.tryDemo();
    const meeting = demo.files[0]!.confrId;
    const files = demo.files.filter((f) => f.confrId === meeting);

    await app.setLanguage('zh-CN');
    await app.query('conference', { confrId: meeting });
    await app.selectAll();
    await page.getByTestId('open-download').click();
    const panel = page.getByTestId('download-panel');
    // the presets read as the names they make; the raw pattern waits under Advanced
    const naming = panel.locator('select[name="naming"]');
    expect(await naming.locator('option:checked').innerText()).toBe('按日期、再按会议分文件夹：16-20-41 陈静 摄像头 1000184');
    expect(await panel.locator('input[name="template"]').isVisible()).toBe(false);
    await panel.locator('[data-testid="naming-example"]', { hasText: /\/08-30-15 alice 摄像头 1000184\.webm$/ }).waitFor();
    await panel.locator('input[name="folder"]').fill(path.join(outDir, 'zh'));
    await panel.getByTestId('start-download').click();
    await app.waitAllDone(files.length);

    const zh = filesUnder(path.join(outDir, 'zh'));
    expect(zh).toHaveLength(files.length);
    for (const f of files) {
      const words = { ONLY_REC_ONE_AV: '摄像头', ONLY_REC_ONE_DESKTOP: '屏幕共享', MERGE_ALL: '合成', ONLY_REC_ONE: '单人' }[f.recordType];
      const user = f.userName.replace(/^.*_/, '');
      const name = zh.find((n) => n.includes(` ${f.id}.`));
      expect(name, String(f.id)).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\d/${meeting}/\\d\\d-\\d\\d-\\d\\d .+ ${words} ${f.id}\\.(webm|mkv|mp4)$`));
      if (!user.includes('_')) expect(name).toContain(` ${user} `);
    }
    expect(zh.join('\n')).not.toContain('ONLY_REC_ONE');

    // in English, "one folder" and the words in English
    await app.setLanguage('en');
    await app.go('find');
    await app.selectAll();
    await page.getByTestId('open-download').click();
    await panel.locator('select[name="naming"]').selectOption('flat');
    await panel.getByTestId('naming-example').getByText('Example: 2024-05-01 08-30-15 alice Camera 1000184.webm', { exact: true }).waitFor();
    await panel.locator('input[name="folder"]').fill(path.join(outDir, 'en'));
    await panel.getByTestId('start-download').click();
    const again = page.getByTestId('confirm-again');
    await again.waitFor();
    await again.getByRole('button', { name: 'Download again' }).click();
    await page.locator('main.screen[data-screen="queue"]').waitFor();
    const enDir = path.join(outDir, 'en');
    await expect.poll(() => (fs.existsSync(enDir) ? filesUnder(enDir).filter((n) => !n.endsWith('.part')).length : 0), { timeout: 120_000 }).toBe(files.length);
    await app.waitAllDone(files.length);
    const en = filesUnder(enDir);
    expect(en).toHaveLength(files.length);
    expect(en.some((n) => / Camera \d+\.\w+$/.test(n))).toBe(true);
    expect(en.every((n) => !n.includes('/'))).toBe(true);
    // the copies asked for in another folder are there; the saved ones stay where they were
    expect(filesUnder(path.join(outDir, 'zh'))).toEqual(zh);
    expect(session.pageErrors).toEqual([]);
  });
});
