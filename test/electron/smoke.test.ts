// Launches the real app with Playwright's _electron where an Electron binary is installed; elsewhere
// (as on machines that cannot download it) the test is skipped and says why.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

/** The Electron binary's path, or why there is none (read without requiring `electron`, which would try to download it). */
function electronBinary(): { path?: string; reason?: string } {
  const dir = path.join(root, 'node_modules', 'electron');
  const pathFile = path.join(dir, 'path.txt');
  if (!existsSync(pathFile)) return { reason: 'node_modules/electron/path.txt is missing: the Electron binary was never downloaded' };
  const binary = path.join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  if (!existsSync(binary)) return { reason: `${binary} does not exist` };
  if (!existsSync(path.join(root, 'dist', 'main', 'app.js'))) return { reason: 'dist/main is not built (npm run build)' };
  return { path: binary };
}

const found = electronBinary();

describe('Electron smoke test', () => {
  it.skipIf(found.path === undefined)(`opens the window with a working window.api${found.reason ? ` — skipped: ${found.reason}` : ''}`, async () => {
    const { _electron } = await import('playwright-core');
    const userData = await mkdtemp(path.join(os.tmpdir(), 'emrec-electron-'));
    const app = await _electron.launch({ executablePath: found.path!, args: [root, `--user-data-dir=${userData}`], env: { ...process.env, EMREC_DEV_SERVER_URL: '' } });
    try {
      const page = await app.firstWindow();
      await page.waitForFunction(() => typeof (globalThis as { api?: unknown }).api === 'object');
      const info = await page.evaluate(() => (globalThis as unknown as { api: { invoke(c: string, a?: unknown): Promise<unknown> } }).api.invoke('app:info'));
      expect(info).toMatchObject({ ok: true });
      expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
      expect(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
    } finally {
      await app.close().catch(() => undefined);
      await rm(userData, { recursive: true, force: true });
    }
  }, 120_000);
});
