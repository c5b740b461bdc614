// Failures a user meets on the Connect screen are shown in their language: a wrong secret, an
// unreachable server and a bug of ours, against the real service and demo server.
import { describe, expect, it, vi } from 'vitest';
import type { Handlers } from '../../main/ipc/contract.ts';
import { en } from '../../renderer/src/lib/i18n/en.ts';
import { zhCN } from '../../renderer/src/lib/i18n/zh-CN.ts';
import { sessionPerTest, type Session } from './session.ts';

const open = sessionPerTest();

async function fillConnection(s: Session, server: string, secret: string): Promise<void> {
  const form = s.page.getByTestId('connection-form');
  await form.locator('input[name="name"]').fill('Staging');
  await form.locator('input[name="server"]').fill(server);
  // Pasting an appkey fills org and app.
  await form.locator('input[name="appkey"]').fill(`${s.demo.org}#${s.demo.app}`);
  await form.locator('input[name="clientId"]').fill(s.demo.clientId);
  await form.locator('input[name="clientSecret"]').fill(secret);
  await s.page.getByTestId('save-and-test').click();
}

describe('connection errors', () => {
  it('a wrong secret shows the translated AUTH_FAILED message, in both languages', async () => {
    const session = await open();
    const { app, page, demo } = session;
    await app.go('connect');
    await fillConnection(session, demo.url, 'not-the-secret');
    await page.locator('[data-testid="connect-status"] [data-error-code="AUTH_FAILED"]').waitFor({ timeout: 60_000 });
    expect(await page.locator('input[name="org"]').inputValue()).toBe(demo.org);
    expect(await page.locator('input[name="app"]').inputValue()).toBe(demo.app);
    expect(await app.alert().innerText()).toContain(en['error.AUTH_FAILED']);

    await app.setLanguage('zh-CN');
    expect(await app.alert().innerText()).toContain(zhCN['error.AUTH_FAILED']);

    // The right secret then works and says how many recordings it saw.
    await page.locator('input[name="clientSecret"]').fill(demo.clientSecret);
    await page.getByTestId('save-and-test').click();
    await page.locator('[data-testid="connect-status"] [data-status="ok"]').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('connect-status').innerText()).toContain('连接成功');
  });

  it('an unreachable server shows the translated NETWORK message', async () => {
    const session = await open();
    const { app, page } = session;
    await app.go('connect');
    await fillConnection(session, 'http://127.0.0.1:9', 'whatever');
    await page.locator('[data-testid="connect-status"] [data-error-code="NETWORK"]').waitFor({ timeout: 90_000 });
    expect(await app.alert().innerText()).toContain(en['error.NETWORK']);
  });

  it('a bug in a handler reaches the window as INTERNAL, "Something went wrong in the app", in both languages, not as a server problem', async () => {
    const session = await open();
    const { app, page, demo, service } = session;
    // A local bug: the handler reads a property of undefined.
    const handlers = service.handlers as { -readonly [C in keyof Handlers]: Handlers[C] };
    handlers['connections:test'] = async () => ({ recordsSeen: (undefined as unknown as { records: unknown[] }).records.length });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      await app.go('connect');
      await fillConnection(session, demo.url, demo.clientSecret);
      await page.locator('[data-testid="connect-status"] [data-error-code="INTERNAL"]').waitFor({ timeout: 60_000 });
      const english = await app.alert().innerText();
      expect(english).toContain(en['error.INTERNAL']);
      expect(en['error.INTERNAL']).toContain('Something went wrong in the app');
      expect(english).not.toContain(en['error.SERVER_ERROR']);

      await app.setLanguage('zh-CN');
      const chinese = await app.alert().innerText();
      expect(chinese).toContain(zhCN['error.INTERNAL']);
      expect(chinese).not.toContain(zhCN['error.SERVER_ERROR']);
      // Logged in main with its stack.
      const log = logged.mock.calls.flat().map(String).join('\n');
      expect(log).toContain('connections:test failed unexpectedly');
      expect(log).toMatch(/TypeError: Cannot read properties of undefined[^\n]*\n\s+at /);
    } finally {
      logged.mockRestore();
    }
  });
});
