// What the desktop shell added to the window, driven as a person would in Chromium: on Linux without a
// keyring, a "Don't save" answer is said next to the connection and can be changed in Settings →
// Advanced (it used to block saving secrets forever); the update address is checked as it is typed
// and saved once it is whole; a click on the "finished with failures" notification shows the failed files.
import { describe, expect, it } from 'vitest';
import { createOsSecretBox, type KeychainLike } from '../../main/service/os-secret-box.ts';
import type { Page } from 'playwright-core';
import { sessionPerTest } from './session.ts';

/** Linux's basic_text fallback: available, but not real encryption. */
const noKeyring: KeychainLike = {
  isEncryptionAvailable: () => true,
  getSelectedStorageBackend: () => 'basic_text',
  encryptString: (s) => Buffer.from(s),
  decryptString: (b) => b.toString(),
};

const open = sessionPerTest();

/** Opens Settings → Advanced (it starts open when ffmpeg is missing). */
async function openAdvanced(page: Page): Promise<void> {
  const advanced = page.getByTestId('advanced');
  if ((await advanced.getAttribute('open')) === null) await advanced.locator('summary').click();
}

describe('secrets without a keyring', () => {
  it('a refusal is said beside the connection and changed in Settings → Advanced, in Chinese', async () => {
    let consent: boolean | undefined = false; // "Don't save" answered at an earlier start
    let asked = 0;
    const secrets = createOsSecretBox(noKeyring, 'linux', { get: () => consent, set: (v) => void (consent = v) }, () => (asked++, false));
    const session = await open({ secrets, systemLanguage: 'zh-CN' });
    const { app, page, demo } = session;
    await app.go('connect');
    const form = page.getByTestId('connection-form');
    const fill = async (): Promise<void> => {
      await form.locator('input[name="name"]').fill('总部');
      await form.locator('input[name="server"]').fill(demo.url);
      await form.locator('input[name="appkey"]').fill(`${demo.org}#${demo.app}`);
      await form.locator('input[name="clientId"]').fill(demo.clientId);
      await form.locator('input[name="clientSecret"]').fill(demo.clientSecret);
      await page.getByTestId('save-and-test').click();
    };
    await fill();
    const refused = page.locator('[data-testid="connect-status"] [data-error-reason="no_keyring"]');
    await refused.waitFor({ timeout: 20_000 });
    expect(await refused.innerText()).toContain('请在“设置 → 高级”中打开“以明文保存”');
    expect(asked).toBe(0);

    await app.go('settings');
    await openAdvanced(page);
    const box = page.getByTestId('secrets');
    expect(await box.innerText()).toContain('此系统没有密钥环');
    const toggle = box.getByRole('checkbox', { name: '以明文保存在本机的设置文件中' });
    expect(await toggle.isChecked()).toBe(false);
    await toggle.check();
    await expect.poll(() => consent).toBe(true);

    await app.go('connect');
    // what was typed is still there after the visit to Settings
    expect(await form.locator('input[name="name"]').inputValue()).toBe('总部');
    expect(await form.locator('input[name="server"]').inputValue()).toBe(demo.url);
    expect(await form.locator('input[name="clientSecret"]').inputValue()).toBe(demo.clientSecret);
    await page.getByTestId('save-and-test').click();
    await page.locator('[data-testid="connect-status"] [data-status="ok"]').waitFor({ timeout: 20_000 });
    expect((await session.service.handlers['connections:list'](undefined)).map((c) => c.name)).toEqual(['总部']);
  });
});

describe('updates and notifications', () => {
  it('checks the update address as it is typed and saves it once it is a whole https:// address', async () => {
    const session = await open();
    const { app, page, service } = session;
    await app.go('settings');
    await openAdvanced(page);
    const feed = page.getByRole('textbox', { name: 'Update address' });
    await feed.fill('http://updates.corp.example');
    await page.getByText('Enter an address starting with https://.').waitFor();
    expect(await feed.getAttribute('aria-invalid')).toBe('true');
    await feed.fill('https://updates.corp.example/emrec/');
    await expect.poll(() => service.settings().updateFeed, { timeout: 10_000 }).toBe('https://updates.corp.example/emrec/');
    expect(await feed.getAttribute('aria-invalid')).toBe('false');
    expect(await page.getByTestId('secrets').count()).toBe(0); // secrets kept plainly by design here: nothing to ask
  });

  it('a click on "finished with failures" shows the Downloads screen filtered to the failed files', async () => {
    const session = await open();
    const { app, page, service, demo } = session;
    await app.tryDemo();
    const found = await app.query('range', { preset: 'month' });
    await app.selectAll();
    demo.faults.filesMissing = true;
    await app.download({ convert: false });
    await page.getByTestId('end-banner').waitFor({ timeout: 60_000 });
    await app.go('settings');
    service.show({ screen: 'queue', filter: 'failed' }); // what the notification's click handler does
    await page.locator('main.screen[data-screen="queue"]').waitFor();
    await page.locator('[data-testid="filters"] [data-filter="failed"][aria-pressed="true"]').waitFor();
    expect(found).toBeGreaterThan(0);
  });
});
