// Failures a user meets on the Connect screen are shown in their language: a wrong secret, an
// unreachable server and a bug of ours, against the real service and demo server.
import { describe, expect, it, vi } from 'vitest';
import type { Handlers } from '../../main/ipc/contract.ts';
import { en } from '../../main/messages/en.ts';
import { zhCN } from '../../main/messages/zh-CN.ts';
import { closedPort, rawServer } from '../helpers/http-server.ts';
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
  it('a wrong secret says to copy the client ID and secret again, the server\'s words as details, in both languages', async () => {
    const session = await open();
    const { app, page, demo } = session;
    await app.go('connect');
    await fillConnection(session, demo.url, 'not-the-secret');
    await page.locator('[data-testid="connect-status"] [data-error-code="AUTH_FAILED"][data-error-reason="wrong_credentials"]').waitFor({ timeout: 60_000 });
    expect(await page.locator('input[name="org"]').inputValue()).toBe(demo.org);
    expect(await page.locator('input[name="app"]').inputValue()).toBe(demo.app);
    const english = await app.alert().innerText();
    expect(english).toContain('The client ID or client secret is wrong. Copy both again from the Easemob console');
    expect(english).toContain('Details: client_id or client_secret is wrong');

    await app.setLanguage('zh-CN');
    const chinese = await app.alert().innerText();
    expect(chinese).toContain('Client ID 或 Client Secret 不正确。请从环信控制台');
    expect(chinese).toContain('详细信息：client_id or client_secret is wrong');
    expect(chinese).not.toContain('服务器返回');

    // The right secret then works and says how many recordings it saw.
    await page.locator('input[name="clientSecret"]').fill(demo.clientSecret);
    await page.getByTestId('save-and-test').click();
    await page.locator('[data-testid="connect-status"] [data-status="ok"]').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('connect-status').innerText()).toContain('连接成功');
  });

  it('a connection that fails its test is not saved or made active; the result is beside the button at 1024×640; saved anyway it is marked and not used', async () => {
    const session = await open({ viewport: { width: 1024, height: 640 } });
    const { app, page, demo, service } = session;
    await app.go('connect');
    await fillConnection(session, demo.url, 'not-the-secret');
    const status = page.locator('[data-testid="connect-status"] [data-error-code="AUTH_FAILED"]');
    await status.waitFor({ timeout: 60_000 });
    // nothing saved, nothing active, every typed field kept (the secret too)
    expect(await service.handlers['connections:list'](undefined)).toEqual([]);
    expect(await page.locator('input[name="clientSecret"]').inputValue()).toBe('not-the-secret');
    // the message is in view, right by the button that ran the test
    const button = await page.getByTestId('save-and-test').boundingBox();
    const said = await status.boundingBox();
    if (!button || !said) throw new Error('not laid out');
    expect(said.y).toBeGreaterThanOrEqual(0);
    expect(button.y + button.height).toBeLessThanOrEqual(640); // the buttons in view too
    expect(Math.abs(button.y - (said.y + said.height))).toBeLessThan(80);

    await app.setLanguage('zh-CN');
    await page.getByTestId('save-anyway').click();
    await page.getByText('已保存，但未启用：测试没有通过。').waitFor();
    const saved = await service.handlers['connections:list'](undefined);
    expect(saved).toHaveLength(1);
    expect(saved[0]?.active).toBe(false);
    expect(await page.getByTestId('sign-in-failed').innerText()).toBe('登录失败');
    // no active connection: no button to go on to Find with it
    expect(await page.locator('main button.primary', { hasText: zhCN['connect.next'] }).count()).toBe(0);
    expect(session.pageErrors).toEqual([]);
  });

  it('an empty or wrong field gets the app\'s own message next to it, in the UI language, and nothing is sent', async () => {
    const session = await open();
    const { app, page, service } = session;
    await app.setLanguage('zh-CN');
    await app.go('connect');
    const form = page.getByTestId('connection-form');
    await form.locator('input[name="org"]').fill('my org');
    await page.getByTestId('save-and-test').click();
    const said = (field: string) => form.locator(`[data-field-error="${field}"]`).innerText();
    expect(await said('org')).toBe('“组织名称（org）”中不能有空格、#、/ 或 ?。');
    expect(await said('app')).toBe('请填写“应用名称（app）”。');
    expect(await said('clientId')).toBe('请填写“Client ID”。');
    expect(await said('clientSecret')).toBe('请填写“Client Secret”。');
    expect(await form.locator('[data-field-error="server"]').count()).toBe(0); // the cloud address is there
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } | null } }).document.activeElement?.getAttribute('name'))).toBe('org');
    expect(await form.locator('input[name="org"]').getAttribute('aria-invalid')).toBe('true');
    expect(await service.handlers['connections:list'](undefined)).toEqual([]);

    await app.setLanguage('en');
    await form.locator('input[name="server"]').fill('a1.easemob.com');
    await page.getByTestId('save-and-test').click();
    expect(await said('server')).toBe('Enter the server address, starting with https:// or http://.');
    expect(await said('app')).toBe('Fill in “App name”.');
    expect(session.pageErrors).toEqual([]);
  });

  it('an unreachable server says nothing answers at the address', async () => {
    const session = await open();
    const { app, page } = session;
    await app.go('connect');
    await fillConnection(session, `http://127.0.0.1:${await closedPort()}`, 'whatever');
    await page.locator('[data-testid="connect-status"] [data-error-code="NETWORK"][data-error-reason="refused"]').waitFor({ timeout: 90_000 });
    expect(await app.alert().innerText()).toContain(en['reason.refused']);
  });

  it('a web page at the address, an unknown app and HTTPS to a plain server each say what to check, in both languages', async () => {
    const session = await open();
    const { app, page, demo } = session;
    const website = await rawServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<!DOCTYPE html><html><body><h1>Not Found</h1></body></html>');
    });
    try {
      await app.go('connect');
      const cases = [
        { server: website.base, reason: 'not_easemob', en: 'is not the Easemob REST API', zh: '不是环信 REST API' },
        { server: demo.url.replace('http://', 'https://'), reason: 'tls', en: 'security certificate could not be checked', zh: '无法验证服务器的安全证书' },
      ] as const;
      for (const c of cases) {
        await app.setLanguage('en');
        await fillConnection(session, c.server, demo.clientSecret);
        await page.locator(`[data-testid="connect-status"] [data-error-reason="${c.reason}"]`).waitFor({ timeout: 60_000 });
        const english = await app.alert().innerText();
        expect(english).toContain(c.en);
        expect(english).not.toContain('<html'); // the page's markup is no "details"
        await app.setLanguage('zh-CN');
        expect(await app.alert().innerText()).toContain(c.zh);
      }
      // the demo server answers organization_application_not_found for an unknown org
      const form = page.getByTestId('connection-form');
      await form.locator('input[name="server"]').fill(demo.url);
      await form.locator('input[name="appkey"]').fill(`no-such-org#${demo.app}`);
      await page.getByTestId('save-and-test').click();
      await page.locator('[data-testid="connect-status"] [data-error-reason="app_not_found"]').waitFor({ timeout: 60_000 });
      expect(await app.alert().innerText()).toContain('这个服务器上没有这个组织名称和应用名称的应用');
      await app.setLanguage('en');
      expect(await app.alert().innerText()).toContain('This server has no app with this org name and app name');
      expect(session.pageErrors).toEqual([]);
    } finally {
      await website.close();
    }
  });

  it('a bug in a handler reaches the window as INTERNAL, "Something went wrong in the app", in both languages, not as a server problem', async () => {
    const session = await open();
    const { app, page, demo, service } = session;
    // A local bug: the handler reads a property of undefined.
    const handlers = service.handlers as { -readonly [C in keyof Handlers]: Handlers[C] };
    handlers['connections:check'] = async () => ({ recordsSeen: (undefined as unknown as { records: unknown[] }).records.length });
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
      expect(log).toContain('connections:check failed unexpectedly');
      expect(log).toMatch(/TypeError: Cannot read properties of undefined[^\n]*\n\s+at /);
    } finally {
      logged.mockRestore();
    }
  });
});
