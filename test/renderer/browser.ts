// Builds the renderer once per test process, serves it from 127.0.0.1 with the CSP Electron uses,
// and launches Debian's Chromium. Used by the renderer tests and scripts/screenshots.ts.
import { createReadStream } from 'node:fs';
import { mkdtemp, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { CONTENT_SECURITY_POLICY } from '../../main/desktop/security.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The very CSP the Electron window sends with the renderer (renderer/index.html repeats a looser one as a meta tag). */
export const RENDERER_CSP = CONTENT_SECURITY_POLICY;

let built: Promise<string> | undefined;

/** Runs `vite build` for renderer/ into a fresh temp folder (once per process); returns that folder. */
export function buildRenderer(): Promise<string> {
  built ??= (async () => {
    const outDir = await mkdtemp(path.join(os.tmpdir(), 'emrec-renderer-'));
    const { build } = await import('vite');
    await build({
      configFile: path.join(ROOT, 'renderer/vite.config.ts'),
      build: { outDir, emptyOutDir: true },
      logLevel: 'error',
    });
    return outDir;
  })();
  return built;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

export interface StaticServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves `dir` read-only on 127.0.0.1 with the renderer's CSP header. */
export async function serveStatic(dir: string): Promise<StaticServer> {
  const server = http.createServer((req, res) => {
    void (async () => {
      const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      if (pathname === '/favicon.ico') {
        // Chromium asks for it on its own; Electron loading from file: does not.
        res.writeHead(204).end();
        return;
      }
      const file = path.join(dir, pathname === '/' ? 'index.html' : pathname);
      if (!file.startsWith(dir + path.sep)) {
        res.writeHead(403).end();
        return;
      }
      try {
        if (!(await stat(file)).isFile()) throw new Error('not a file');
      } catch {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, {
        'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'Content-Security-Policy': RENDERER_CSP,
        'Cache-Control': 'no-store',
      });
      createReadStream(file).pipe(res);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Debian's Chromium, headless, without sandbox or background traffic. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    // Debian's Chromium here; the release workflow's Mac and Windows runners point at their Chrome
    executablePath: process.env.EMREC_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}
