// One test session: a real demo server, the real service over a temp state folder and a temp
// output folder, the built renderer served on 127.0.0.1, and a Chromium page bridged to the service.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach } from 'vitest';
import { startDemoServer, type DemoOptions, type DemoServer } from '../../main/demo/server.ts';
import { createService, plainSecretBox, type Service } from '../../main/service/index.ts';
import type { SecretBox } from '../../main/service/secret-box.ts';
import { App } from './app.ts';
import { bridge } from './bridge.ts';
import { buildRenderer, launchChromium, serveStatic, type StaticServer } from './browser.ts';

export interface SessionOptions {
  /** The OS language the service reports on first start (default en-US). */
  readonly systemLanguage?: string;
  readonly demo?: DemoOptions;
  readonly viewport?: { readonly width: number; readonly height: number };
  readonly colorScheme?: 'light' | 'dark';
  /** Runs before the session's service starts, over its state folder and demo server (an earlier run of the app). */
  readonly before?: (stateDir: string, demo: DemoServer, outDir: string) => Promise<void>;
  /** Takes up what an earlier run left unfinished, as the app does when the person says yes at start. */
  readonly restore?: boolean;
  /** How secrets are kept (default: plainly, never asking, as for the CLI). */
  readonly secrets?: SecretBox;
}

export interface Session {
  readonly app: App;
  readonly page: Page;
  readonly service: Service;
  readonly demo: DemoServer;
  readonly stateDir: string;
  /** What the folder picker answers. */
  readonly outDir: string;
  /** What the save dialog answers for the CSV export. */
  readonly csvPath: string;
  /** Paths the app asked the OS to open / show. */
  readonly opened: string[];
  readonly shown: string[];
  /** Console errors and page errors seen so far. */
  readonly pageErrors: string[];
  close(): Promise<void>;
}

let browser: Promise<Browser> | undefined;
let server: Promise<StaticServer> | undefined;

/** Shared per test file: one Chromium and one static server. */
async function shared(): Promise<{ browser: Browser; server: StaticServer }> {
  browser ??= launchChromium();
  server ??= buildRenderer().then(serveStatic);
  return { browser: await browser, server: await server };
}

/**
 * For a test file: `const open = sessionPerTest();`, then `const session = await open(options)` in a test.
 * Each session is closed after its test, the shared browser and server after the file.
 */
export function sessionPerTest(): (options?: SessionOptions) => Promise<Session> {
  let current: Session | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  afterAll(closeShared);
  return async (options) => (current = await startSession(options));
}

/** Closes the shared browser and server (call in afterAll). */
export async function closeShared(): Promise<void> {
  const b = browser;
  const s = server;
  browser = undefined;
  server = undefined;
  await Promise.all([b?.then((x) => x.close()).catch(() => undefined), s?.then((x) => x.close()).catch(() => undefined)]);
}

export async function startSession(options: SessionOptions = {}): Promise<Session> {
  const { browser: chromium, server: web } = await shared();
  const root = await mkdtemp(path.join(os.tmpdir(), 'emrec-ui-'));
  const stateDir = path.join(root, 'state');
  const outDir = path.join(root, 'out');
  const csvPath = path.join(root, 'history.csv');
  const opened: string[] = [];
  const shown: string[] = [];
  const pageErrors: string[] = [];
  const demo = await startDemoServer(options.demo);
  await options.before?.(stateDir, demo, outDir);
  const service = createService({
    stateDir,
    secrets: options.secrets ?? plainSecretBox,
    systemLanguage: options.systemLanguage ?? 'en-US',
    version: '0.1.0-test',
    home: root,
    pickFolder: async () => outDir,
    pickSavePath: async () => csvPath,
    openPath: async (target) => {
      opened.push(target);
    },
    showItem: (target) => {
      shown.push(target);
    },
    demo: { start: async () => demo },
  });
  if (options.restore) await service.restoreQueue();
  let context: BrowserContext | undefined;
  let stopEvents = (): void => undefined;
  const close = async (): Promise<void> => {
    stopEvents();
    await context?.close().catch(() => undefined);
    await service.dispose();
    await demo.close().catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  };
  try {
    context = await chromium.newContext({
      viewport: options.viewport ?? { width: 1280, height: 800 },
      colorScheme: options.colorScheme ?? 'light',
    });
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    stopEvents = await bridge(page, service);
    const app = new App(page);
    await app.open(web.url);
    return { app, page, service, demo, stateDir, outDir, csvPath, opened, shown, pageErrors, close };
  } catch (error) {
    await close();
    throw error;
  }
}
