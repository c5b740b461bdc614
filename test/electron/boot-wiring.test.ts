// A WIRING test, not the Electron end-to-end test (that one is smoke.test.ts and needs the real
// binary, which cannot be downloaded here). The built main (main/app.ts compiled as for the package)
// boots in plain Node under a stand-in `electron` module that records calls (stand-in/electron.mjs,
// resolved for every import and require by stand-in/register.mjs), and stand-in/driver.mjs calls the
// handler the shell registered as the window would. It proves the shell's wiring: boot → one window
// with the hardened options → every contract channel answered by the one invoke handler → a query
// and a download through it → quit during the download pauses and saves the queue → the next boot
// offers to resume. It proves nothing about Electron's own behaviour.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invokeChannels } from '../../main/ipc/contract.ts';

const root = path.resolve(import.meta.dirname, '../..');
const standIn = path.join(import.meta.dirname, 'stand-in');
// inside the repository, so the build finds node_modules; outside dist/, so the packaging test's build is untouched
const build = path.join(root, 'node_modules', '.cache', `emrec-wiring-${process.pid}`);
let userData: string;

interface Report {
  readonly window: { readonly options: { readonly title: string; readonly webPreferences: Record<string, unknown> }; readonly url: string };
  readonly handlers: readonly string[];
  readonly calls: readonly string[];
  readonly trayImage: { readonly scaleFactor: number } | null;
  readonly menu: readonly string[];
  readonly channels: Record<string, string>;
  readonly foreignFrame: { readonly ok: boolean; readonly error?: { readonly code: string } };
  readonly listed?: number;
  readonly queued?: { readonly queued: number };
  readonly quitDialog?: readonly { readonly message: string; readonly buttons: readonly string[] }[];
  readonly exited?: number;
  readonly doneBeforeQuit?: number;
  readonly dialogs?: readonly { readonly message: string; readonly buttons: readonly string[] }[];
}

function boot(phase: 'first' | 'second'): Promise<Report> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', path.join(standIn, 'register.mjs'), path.join(standIn, 'driver.mjs')], {
      env: { ...process.env, PHASE: phase, STAND_IN_USER_DATA: userData, MAIN_ENTRY: path.join(build, 'dist', 'main', 'app.js') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('close', (code) => {
      const line = out.trim().split('\n').at(-1);
      if (code !== 0 || !line) reject(new Error(`driver exited ${code}: ${err}\n${out}`));
      else resolve(JSON.parse(line) as Report);
    });
  });
}

let first: Report;
let second: Report;
beforeAll(async () => {
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build-electron.ts'), '--out', path.join(build, 'dist')], { cwd: root, stdio: 'pipe' });
  mkdirSync(path.join(build, 'assets'), { recursive: true });
  for (const icon of ['icon.png', 'tray.png']) copyFileSync(path.join(root, 'assets', icon), path.join(build, 'assets', icon));
  userData = await mkdtemp(path.join(os.tmpdir(), 'emrec-wiring-'));
  first = await boot('first');
  second = await boot('second');
}, 180_000);

afterAll(async () => {
  await rm(build, { recursive: true, force: true });
  if (userData) await rm(userData, { recursive: true, force: true });
});

describe('the built main under a stand-in electron (wiring only)', () => {
  it('boots one window with the hardened options, our page and the preload, titled in the app’s language', () => {
    const { options, url } = first.window;
    expect(options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
    expect(options.webPreferences.preload).toBe(path.join(build, 'dist', 'preload.cjs'));
    expect(url).toBe('app://renderer/index.html');
    expect(options.title).toBe('环信录制文件下载器'); // the stand-in's locale is zh-CN
    expect(first.calls).toContain('protocol.handle');
    expect(first.trayImage).toEqual({ scaleFactor: 2 }); // the tray's own 32 px icon as 16 pt
    expect(first.menu).toEqual(['文件', '编辑', '视图', '窗口', '帮助']);
  });

  it('answers every contract channel through the one invoke handler, and refuses a foreign frame', () => {
    expect(first.handlers).toContain('emrec:invoke');
    expect(Object.keys(first.channels).sort()).toEqual(Object.keys(invokeChannels).sort());
    for (const [channel, answer] of Object.entries(first.channels)) expect(answer, channel).toBe('BAD_INPUT'); // validated, not unknown
    expect(first.foreignFrame).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
  });

  it('lists and downloads through the handlers; quitting mid-download asks, pauses and exits', () => {
    expect(first.listed).toBe(6);
    expect(first.queued?.queued).toBe(6);
    expect(first.quitDialog).toEqual([{ message: '下载仍在进行', buttons: ['暂停并退出', '取消'] }]);
    expect(first.exited).toBe(0);
    expect(first.doneBeforeQuit).toBeLessThan(6);
    const parts = readdirSync(path.join(userData, 'out')).filter((f) => f.endsWith('.part'));
    expect(parts.length).toBeGreaterThan(0); // kept for the resume
    expect(existsSync(path.join(userData, 'logs', 'main.log'))).toBe(true);
  });

  it('offers to resume the saved downloads at the next boot', () => {
    expect(second.dialogs?.[0]?.message).toMatch(/^上次有 \d 个下载未完成$/);
    expect(second.dialogs?.[0]?.buttons).toEqual(['继续下载', '稍后']);
  });
});
