// `npm run screenshots`: drives the real renderer against the real service and demo server (the same
// harness as the browser tests) and writes a PNG of every screen in both languages to docs/screenshots/.
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScreenName } from '../test/renderer/app.ts';
import { closeShared, startSession, type Session } from '../test/renderer/session.ts';

const OUT = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
const SCREENS: readonly ScreenName[] = ['connect', 'find', 'queue', 'history', 'settings'];
const LANGUAGES = ['en', 'zh-CN'] as const;

async function shoot(session: Session, name: string): Promise<void> {
  const file = path.join(OUT, `${name}.png`);
  await session.page.screenshot({ path: file });
  console.log(path.relative(process.cwd(), file));
}

async function main(): Promise<void> {
  await mkdir(OUT, { recursive: true });
  const session = await startSession();
  try {
    const { app, page } = session;
    // a wrong secret: said beside the button, nothing saved, "Save anyway" offered (中文, 1024×640)
    await app.setLanguage('zh-CN');
    await page.setViewportSize({ width: 1024, height: 640 });
    await app.go('connect');
    const form = page.getByTestId('connection-form');
    await form.locator('input[name="server"]').fill(session.demo.url);
    await form.locator('input[name="appkey"]').fill(`${session.demo.org}#${session.demo.app}`);
    await form.locator('input[name="clientId"]').fill(session.demo.clientId);
    await form.locator('input[name="clientSecret"]').fill('not-the-secret');
    await page.getByTestId('save-and-test').click();
    await page.getByTestId('save-anyway').waitFor();
    await shoot(session, 'connect-failed-zh-CN-1024x640');
    await form.getByRole('button', { name: '清空' }).click();
    await page.setViewportSize({ width: 1280, height: 800 });
    await app.setLanguage('en');
    await app.tryDemo();
    const found = await app.query('range', { preset: 'month' });
    await app.selectAll();
    await app.download({ pick: true, folder: session.outDir, convert: false, concurrency: 3 });
    await app.waitAllDone(found);
    await app.query('range', { preset: 'month' });
    // A partial selection shows the count and estimated size.
    await page.locator('[data-testid="results-table"] tbody tr[data-row-id] input[type="checkbox"]').nth(1).check();
    await page.locator('[data-testid="results-table"] tbody tr[data-row-id] input[type="checkbox"]').nth(2).check();
    for (const language of LANGUAGES) {
      await app.setLanguage(language);
      for (const screen of SCREENS) {
        await app.go(screen);
        if (screen === 'history') await page.locator(`[data-testid="history-count"][data-count="${found}"]`).waitFor();
        await shoot(session, `${screen}-${language}`);
      }
    }
    // every screen in the small window, in both languages and both themes: what is cut shows here
    await page.setViewportSize({ width: 1024, height: 640 });
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const language of LANGUAGES) {
        await app.setLanguage(language);
        for (const screen of SCREENS) {
          await app.go(screen);
          await shoot(session, `${screen}-${language}-1024x640${scheme === 'dark' ? '-dark' : ''}`);
        }
      }
    }
    await app.setLanguage('en');
    // Settings' download speed with office hours open, scrolled into view, in both languages
    await app.go('settings');
    await page.locator('input[name="officeEnabled"]').check();
    await page.getByTestId('bandwidth').scrollIntoViewIfNeeded();
    await shoot(session, 'settings-speed-en-1024x640-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 800 });
    await app.setLanguage('zh-CN');
    await app.go('settings');
    await page.locator('input[name="officeEnabled"]').check();
    await page.getByTestId('bandwidth').scrollIntoViewIfNeeded();
    await shoot(session, 'settings-speed-zh-CN');
    // Settings → Advanced: ffmpeg, how secrets are kept, the update address (one typed wrongly, said beside it)
    const advanced = async (name: string): Promise<void> => {
      const details = page.getByTestId('advanced');
      if ((await details.getAttribute('open')) === null) await details.locator('summary').click();
      await page.locator('input[name="updateFeed"]').fill('http://updates.example');
      await page.locator('input[name="updateFeed"]').scrollIntoViewIfNeeded();
      await shoot(session, name);
      await page.locator('input[name="updateFeed"]').fill('');
    };
    await page.setViewportSize({ width: 1024, height: 640 });
    await advanced('settings-advanced-zh-CN-1024x640');
    await app.setLanguage('en');
    await page.emulateMedia({ colorScheme: 'dark' });
    await advanced('settings-advanced-en-1024x640-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 800 });
    await app.setLanguage('zh-CN');

    // Downloading saved files again asks first; then mid-run, with the host throttling, from the queue and from Find
    await app.setLanguage('en');
    await app.query('range', { preset: 'month' });
    await app.selectAll();
    await page.getByTestId('open-download').click();
    await page.getByTestId('download-panel').getByTestId('pick-folder').click();
    await page.getByTestId('download-panel').scrollIntoViewIfNeeded();
    await shoot(session, 'download-panel-en');
    await app.setLanguage('zh-CN');
    await page.setViewportSize({ width: 1024, height: 640 });
    await page.getByTestId('naming-example').getByText('摄像头').waitFor();
    await page.getByTestId('download-panel').scrollIntoViewIfNeeded();
    await shoot(session, 'download-panel-zh-CN-1024x640');
    await page.setViewportSize({ width: 1280, height: 800 });
    await app.setLanguage('en');
    await page.getByTestId('start-download').click();
    await page.getByTestId('confirm-again').waitFor();
    await shoot(session, 'download-again-en');
    // mid-run: the host slow, throttling some requests and missing three files
    session.demo.faults.bytesPerSecond = 8_000;
    session.demo.faults.fileThrottle = { count: 6, retryAfterSeconds: 30 };
    session.demo.faults.missingIds = session.demo.files.slice(1, 4).map((f) => f.id);
    await page.getByTestId('confirm-again').getByRole('button', { name: 'Download again' }).click();
    await page.getByTestId('retry').first().waitFor({ timeout: 20_000 });
    await page.locator('[data-testid="filters"] button[data-filter="failed"][data-count="3"]').waitFor({ timeout: 20_000 });
    await shoot(session, 'queue-running-en');
    await app.setLanguage('zh-CN');
    await page.setViewportSize({ width: 1024, height: 640 });
    await shoot(session, 'queue-running-zh-CN-1024x640');
    // one failed file's details, from the Failed filter
    const details = async (name: string): Promise<void> => {
      await page.locator('[data-testid="filters"] button[data-filter="failed"]').click();
      await page.locator('[data-testid="queue-table"] tbody tr[data-state="failed"] button.who').first().click();
      await page.getByTestId('detail').waitFor();
      await shoot(session, name);
      await page.getByTestId('detail-close').click();
      await page.locator('[data-testid="filters"] button[data-filter="all"]').click();
    };
    await details('queue-detail-zh-CN-1024x640');
    await app.go('settings');
    await page.getByTestId('bandwidth').scrollIntoViewIfNeeded();
    await shoot(session, 'settings-speed-zh-CN-1024x640');
    await page.setViewportSize({ width: 1280, height: 800 });
    await app.go('find');
    await page.getByTestId('tab-progress').waitFor();
    await shoot(session, 'find-running-zh-CN');
    await app.setLanguage('en');
    await app.go('queue');
    await details('queue-detail-en');

    // the end, three files not saved: the banner, in both languages, light and dark
    session.demo.faults.bytesPerSecond = undefined;
    session.demo.faults.fileThrottle = undefined;
    await page.locator('[data-testid="end-banner"][data-not-saved="3"]').waitFor({ timeout: 120_000 });
    await shoot(session, 'queue-end-failed-en');
    await app.setLanguage('zh-CN');
    await shoot(session, 'queue-end-failed-zh-CN');
    await page.setViewportSize({ width: 1024, height: 640 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await shoot(session, 'queue-end-failed-zh-CN-1024x640-dark');
    await app.setLanguage('en');
    await shoot(session, 'queue-end-failed-en-1024x640-dark');
    session.demo.faults.missingIds = undefined;

    // History → Check files, with one file deleted and one edited since they were saved
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 800 });
    const saved = await session.service.handlers['history:list']({});
    const [gone, edited] = saved;
    if (gone && edited) {
      rmSync(gone.path, { force: true });
      const fd = openSync(edited.path, 'r+');
      writeSync(fd, Buffer.from('x'), 0, 1, Math.floor(edited.size / 2));
      closeSync(fd);
    }
    await app.go('history');
    await page.getByTestId('verify').click();
    await page.getByTestId('verify-report').waitFor();
    await shoot(session, 'history-verify-en');
    await app.setLanguage('zh-CN');
    await page.setViewportSize({ width: 1024, height: 640 });
    await shoot(session, 'history-verify-zh-CN-1024x640');
  } finally {
    await session.close();
    await closeShared();
  }
}

await main();
