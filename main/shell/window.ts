// The one window: hardened webPreferences, the built renderer served from a custom scheme with a strict
// CSP header, navigation and new windows refused, permissions denied.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { BrowserWindow, protocol, session, shell, type WebContents } from 'electron';
import {
  ALLOWED_PERMISSIONS,
  APP_HOST,
  APP_ORIGIN,
  APP_SCHEME,
  CONTENT_SECURITY_POLICY,
  devContentSecurityPolicy,
  isExternalLinkAllowed,
  isTrustedUrl,
  WEB_PREFERENCES,
} from '../desktop/security.ts';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};

/** Must run before `app.ready`. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/** Serves `rendererDir` as app://renderer/, never anything outside it. */
export function serveRenderer(rendererDir: string): void {
  const root = path.resolve(rendererDir);
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const rel = decodeURIComponent(url.pathname).replace(/^\/+/, '') || 'index.html';
    const file = path.resolve(root, rel);
    if (url.host !== APP_HOST || (file !== root && !file.startsWith(root + path.sep))) return new Response('Forbidden', { status: 403 });
    try {
      const body = await readFile(file);
      return new Response(body, {
        headers: { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'content-security-policy': CONTENT_SECURITY_POLICY },
      });
    } catch {
      return new Response('Not found', { status: 404 });
    }
  });
}

/** Refuses navigation, new windows, webviews and permission requests for any web contents. */
export function hardenContents(contents: WebContents, origins: readonly string[]): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isExternalLinkAllowed(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  contents.session.setPermissionRequestHandler((wc, permission, callback) => {
    callback(ALLOWED_PERMISSIONS.includes(permission) && isTrustedUrl(wc.getURL(), origins));
  });
  contents.session.setPermissionCheckHandler(() => false);
}

export interface WindowOptions {
  readonly preload: string;
  readonly icon?: string;
  readonly title: string;
  /** Vite dev server URL in `npm run dev`; the built renderer otherwise. */
  readonly devServerUrl?: string;
}

export function createMainWindow(options: WindowOptions): BrowserWindow {
  if (options.devServerUrl) {
    const csp = devContentSecurityPolicy(new URL(options.devServerUrl).origin);
    session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
      callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } });
    });
  }
  const win = new BrowserWindow({
    width: 1200,
    height: 800,
    minWidth: 860,
    minHeight: 560,
    show: false,
    title: options.title,
    ...(options.icon ? { icon: options.icon } : {}),
    webPreferences: { ...WEB_PREFERENCES, preload: options.preload },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(options.devServerUrl ?? `${APP_ORIGIN}/index.html`);
  return win;
}
