// The one window: hardened webPreferences, the built renderer served from a custom scheme with a strict
// CSP header, navigation and new windows refused, permissions denied.
import { BrowserWindow, protocol, session, shell, type WebContents } from 'electron';
import {
  ALLOWED_PERMISSIONS,
  APP_ORIGIN,
  APP_SCHEME,
  devContentSecurityPolicy,
  isExternalLinkAllowed,
  isTrustedUrl,
  WEB_PREFERENCES,
} from '../desktop/security.ts';
import { rendererResponse } from '../desktop/renderer-files.ts';

/** Must run before `app.ready`. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/** Serves `rendererDir` as app://renderer/ (desktop/renderer-files.ts: never anything outside it). */
export function serveRenderer(rendererDir: string): void {
  protocol.handle(APP_SCHEME, (request) => rendererResponse(rendererDir, request.url));
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
