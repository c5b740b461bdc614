// The window's security settings in one place, as plain constants and pure checks, so a test can
// assert each of them without an Electron binary (Electron's security checklist, items 2–4, 6–7, 13–15).

/** The custom scheme the built renderer is served from in production. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'renderer';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** Every window's webPreferences (the preload path is added at creation). */
export const WEB_PREFERENCES = Object.freeze({
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  webviewTag: false,
  navigateOnDragDrop: false,
  spellcheck: false,
  safeDialogs: true,
});

/**
 * Strict CSP: only our own scripts and styles, no eval, no remote anything, no framing. The page uses
 * no data: images, fonts or fetch (it talks to main through the preload only), so none are allowed.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/** The dev-server variant: Vite injects styles as <style> elements and talks to its HMR websocket. */
export function devContentSecurityPolicy(devOrigin: string): string {
  const ws = devOrigin.replace(/^http/, 'ws');
  return CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'").replace("default-src 'none'", `default-src 'none'; connect-src 'self' ${ws}`);
}

/**
 * The same policy as index.html's <meta> tag (a page obeys both the header and the meta, so they must
 * agree, or Vite's dev styles are blocked by the meta). frame-ancestors cannot be set by a meta tag.
 */
export function metaContentSecurityPolicy(policy: string): string {
  return policy
    .split(';')
    .map((d) => d.trim())
    .filter((d) => !d.startsWith('frame-ancestors'))
    .join('; ');
}

/** Origins allowed to load in the window and to call IPC: our scheme, or the dev server in `npm run dev`. */
export function trustedOrigins(devServerUrl?: string): string[] {
  return devServerUrl ? [APP_ORIGIN, new URL(devServerUrl).origin] : [APP_ORIGIN];
}

function originOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    // `app://renderer/...` has origin "null" in WHATWG URL for non-special schemes: build it by hand.
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return undefined;
  }
}

/** True when a frame at `url` is one of ours (IPC sender check). */
export function isTrustedUrl(url: string | undefined, origins: readonly string[]): boolean {
  if (!url) return false;
  const origin = originOf(url);
  return origin !== undefined && origins.includes(origin);
}

/** Navigation is refused outright: the app is one page. Links may open in the browser only when http(s). */
export function isExternalLinkAllowed(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

/** Permissions the renderer may get: none (no camera, mic, notifications from the page, geolocation...). */
export const ALLOWED_PERMISSIONS: readonly string[] = Object.freeze([]);
