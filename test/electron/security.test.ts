// The window's security settings: webPreferences as created, the CSP, navigation/new-window refusal,
// permission denial and the IPC sender check. Electron itself is replaced by recording fakes.
import { beforeEach, describe, expect, it, vi } from 'vitest';

const created: { options: Record<string, unknown>; url?: string }[] = [];
const handlers = new Map<string, (...args: unknown[]) => void>();
let windowOpen: ((d: { url: string }) => { action: string }) | undefined;
let permission: ((wc: unknown, p: string, cb: (ok: boolean) => void) => void) | undefined;
const openedExternally: string[] = [];

vi.mock('electron', () => {
  class BrowserWindow {
    webContents = {};
    constructor(options: Record<string, unknown>) {
      created.push({ options });
    }
    once(): void {}
    loadURL(url: string): Promise<void> {
      created.at(-1)!.url = url;
      return Promise.resolve();
    }
  }
  return {
    BrowserWindow,
    protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
    session: { defaultSession: { webRequest: { onHeadersReceived: vi.fn() } } },
    shell: { openExternal: (url: string) => void openedExternally.push(url) },
  };
});

const { WEB_PREFERENCES, CONTENT_SECURITY_POLICY, devContentSecurityPolicy, isTrustedUrl, isExternalLinkAllowed, trustedOrigins, APP_ORIGIN } = await import('../../main/desktop/security.ts');
const { createMainWindow, hardenContents } = await import('../../main/shell/window.ts');
const { createIpcInvoke } = await import('../../main/ipc/guard.ts');

function directives(csp: string): Map<string, string[]> {
  return new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
}

describe('window creation options', () => {
  it('creates the window with every security setting on, the preload, and our own page', () => {
    createMainWindow({ preload: '/app/dist/preload.cjs', title: 't' });
    const { options, url } = created.at(-1)!;
    const prefs = options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      preload: '/app/dist/preload.cjs',
    });
    expect(url).toBe(`${APP_ORIGIN}/index.html`);
    expect(Object.isFrozen(WEB_PREFERENCES)).toBe(true);
  });
});

describe('Content-Security-Policy', () => {
  it('allows only our own scripts, no eval, no inline script, nothing remote', () => {
    const d = directives(CONTENT_SECURITY_POLICY);
    expect(d.get('default-src')).toEqual(["'none'"]);
    expect(d.get('script-src')).toEqual(["'self'"]);
    expect(d.get('object-src')).toEqual(["'none'"]);
    expect(d.get('base-uri')).toEqual(["'none'"]);
    expect(d.get('frame-ancestors')).toEqual(["'none'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|unsafe-inline|https?:|\*/);
  });

  it('allows nothing the page does not use: no data: images, no fonts, no connections', () => {
    const d = directives(CONTENT_SECURITY_POLICY);
    expect(d.get('img-src')).toEqual(["'self'"]);
    expect(d.has('font-src')).toBe(false);
    expect(d.has('connect-src')).toBe(false);
    expect(CONTENT_SECURITY_POLICY).not.toContain('data:');
  });

  it('relaxes only styles and the HMR socket for the dev server, never scripts', () => {
    const d = directives(devContentSecurityPolicy('http://127.0.0.1:5173'));
    expect(d.get('script-src')).toEqual(["'self'"]);
    expect(d.get('connect-src')).toEqual(["'self'", 'ws://127.0.0.1:5173']);
    expect(devContentSecurityPolicy('http://127.0.0.1:5173')).not.toContain('unsafe-eval');
  });
});

describe('navigation, new windows and permissions', () => {
  beforeEach(() => {
    handlers.clear();
    openedExternally.length = 0;
  });
  const contents = {
    on: (event: string, fn: (...args: unknown[]) => void) => void handlers.set(event, fn),
    setWindowOpenHandler: (fn: typeof windowOpen) => void (windowOpen = fn),
    session: {
      setPermissionRequestHandler: (fn: typeof permission) => void (permission = fn),
      setPermissionCheckHandler: vi.fn(),
    },
  };

  it('prevents every navigation, redirect and webview', () => {
    hardenContents(contents as never, [APP_ORIGIN]);
    for (const event of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      const preventDefault = vi.fn();
      handlers.get(event)!({ preventDefault }, 'https://evil.example');
      expect(preventDefault, event).toHaveBeenCalled();
    }
  });

  it('denies window.open, handing only http(s) links to the browser', () => {
    hardenContents(contents as never, [APP_ORIGIN]);
    expect(windowOpen!({ url: 'https://www.easemob.com/' })).toEqual({ action: 'deny' });
    expect(windowOpen!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(windowOpen!({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' });
    expect(openedExternally).toEqual(['https://www.easemob.com/']);
    expect(isExternalLinkAllowed('smb://host/share')).toBe(false);
  });

  it('denies permission requests', () => {
    hardenContents(contents as never, [APP_ORIGIN]);
    for (const p of ['media', 'geolocation', 'notifications', 'openExternal']) {
      const cb = vi.fn();
      permission!({ getURL: () => `${APP_ORIGIN}/index.html` }, p, cb);
      expect(cb).toHaveBeenCalledWith(false);
    }
  });
});

describe('IPC sender check', () => {
  const handlersStub = new Proxy({}, { get: () => async () => 'answered' }) as never;
  const invoke = createIpcInvoke(handlersStub, trustedOrigins());

  it('answers our top frame', async () => {
    expect(await invoke({ senderFrame: { url: `${APP_ORIGIN}/index.html`, parent: null } }, 'app:info', undefined)).toEqual({ ok: true, value: 'answered' });
  });

  it.each([
    ['a foreign origin', { url: 'https://evil.example/', parent: null }],
    ['a file: page', { url: 'file:///tmp/x.html', parent: null }],
    ['a look-alike host', { url: 'app://renderer.evil/index.html', parent: null }],
    ['a subframe of ours', { url: `${APP_ORIGIN}/index.html`, parent: {} }],
    ['a destroyed frame', null],
  ])('refuses %s with a typed error', async (_name, senderFrame) => {
    const r = await invoke({ senderFrame } as never, 'app:info', undefined);
    expect(r.ok ? 'ok' : r.error.code).toBe('BAD_INPUT');
  });

  it('still validates arguments for our frame', async () => {
    const r = await invoke({ senderFrame: { url: `${APP_ORIGIN}/`, parent: null } }, 'shell:openPath', { path: 1 });
    expect(r.ok ? 'ok' : r.error.code).toBe('BAD_INPUT');
  });

  it('trusts the dev server only when given', () => {
    expect(isTrustedUrl('http://127.0.0.1:5173/', trustedOrigins())).toBe(false);
    expect(isTrustedUrl('http://127.0.0.1:5173/', trustedOrigins('http://127.0.0.1:5173'))).toBe(true);
    expect(isTrustedUrl(undefined, trustedOrigins())).toBe(false);
  });
});
