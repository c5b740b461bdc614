// `npm run dev` renders styled: the page obeys both the header Electron sets for the dev server and
// index.html's <meta> policy, so both must allow Vite's injected <style> elements (before, the meta
// said style-src 'self' and the app came up unstyled). The built page's meta is the header's policy.
// Vite's real dev server, Debian's Chromium, the header added as Electron's onHeadersReceived does.
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, devContentSecurityPolicy, metaContentSecurityPolicy } from '../../main/desktop/security.ts';
import { buildRenderer, launchChromium } from '../renderer/browser.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
let server: ViteDevServer;
let browser: Browser;
let url: string;

/** A port nobody listens on now (Vite's HMR client needs the real one, not 0). */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

beforeAll(async () => {
  const port = await freePort();
  server = await createServer({ configFile: path.join(ROOT, 'renderer/vite.config.ts'), server: { host: '127.0.0.1', port, strictPort: true }, logLevel: 'error' });
  await server.listen();
  url = server.resolvedUrls!.local[0]!;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

it('the dev page is styled under the dev header and the meta, with no CSP violation', async () => {
  const page = await browser.newPage();
  const header = devContentSecurityPolicy(new URL(url).origin);
  await page.route('**/*', async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': header } });
  });
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  await page.goto(url);
  // app.css's --bg arrives as a <style> element Vite injects
  await page.waitForFunction(
    () => {
      const g = globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string }; document: { body: unknown } };
      return g.getComputedStyle(g.document.body).backgroundColor !== 'rgba(0, 0, 0, 0)';
    },
    undefined,
    { timeout: 30_000 },
  );
  const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(meta).toBe(metaContentSecurityPolicy(header));
  expect(await page.locator('style').count()).toBeGreaterThan(0);
  expect(violations).toEqual([]);
  await page.close();
}, 60_000);

it('the built page carries the header’s own policy in its meta (frame-ancestors only in the header)', async () => {
  const html = await readFile(path.join(await buildRenderer(), 'index.html'), 'utf8');
  const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
  expect(meta).toBe(metaContentSecurityPolicy(CONTENT_SECURITY_POLICY));
  expect(meta).not.toContain('unsafe-inline');
  expect(meta).not.toContain('frame-ancestors');
}, 120_000);
