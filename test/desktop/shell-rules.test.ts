// The shell's decisions, in plain Node: when updates are announced and may install, what the close
// button does, and what the diagnostics zip holds.
import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { onClose } from '../../main/desktop/close-to-tray.ts';
import { diagnosticsFileName, diagnosticsZip } from '../../main/desktop/diagnostics.ts';
import { announce, feedFor, mayInstall } from '../../main/desktop/update-policy.ts';
import type { SavedConnection, Settings } from '../../main/ipc/contract.ts';

const idle = { downloadsBusy: false, archiveRunning: false };
const downloading = { downloadsBusy: true, archiveRunning: false };
const archiving = { downloadsBusy: false, archiveRunning: true };

describe('update policy', () => {
  it('keeps background checks silent unless an update is ready', () => {
    expect(announce('background', { kind: 'none', version: '1.0.0' }, idle)).toEqual({ show: 'nothing' });
    expect(announce('background', { kind: 'error' }, idle)).toEqual({ show: 'nothing' });
    expect(announce('background', { kind: 'available', version: '1.1.0' }, idle)).toEqual({ show: 'nothing' });
    expect(announce('background', { kind: 'downloaded', version: '1.1.0' }, idle).show).toBe('restart?');
  });

  it('answers every check the person starts', () => {
    expect(announce('user', { kind: 'none', version: '1.0.0' }, idle)).toEqual({ show: 'message', message: 'update.none', version: '1.0.0' });
    expect(announce('user', { kind: 'error' }, idle)).toEqual({ show: 'message', message: 'update.failed' });
    expect(announce('user', { kind: 'available', version: '1.1.0' }, idle)).toMatchObject({ show: 'message', message: 'update.available', detail: 'update.downloading' });
  });

  it('never offers to restart, nor installs, while downloads or the auto-archive run', () => {
    for (const busy of [downloading, archiving]) {
      expect(announce('user', { kind: 'downloaded', version: '1.1.0' }, busy)).toEqual({ show: 'message', message: 'update.ready', detail: 'update.readyBusy', version: '1.1.0' });
      expect(mayInstall(true, busy)).toBe(false);
    }
    expect(mayInstall(true, idle)).toBe(true);
    expect(mayInstall(false, idle)).toBe(false);
  });

  it('uses a configured feed as a generic server, the built-in one otherwise', () => {
    expect(feedFor('')).toBeUndefined();
    expect(feedFor('  ')).toBeUndefined();
    expect(feedFor('https://updates.corp.example/emrec/')).toEqual({ provider: 'generic', url: 'https://updates.corp.example/emrec/' });
  });
});

describe('the close button', () => {
  it('closes when nothing runs, hides while work runs, and tells only the first time', () => {
    expect(onClose({ quitting: false, downloadsBusy: false, autoArchive: false, toldBefore: false })).toEqual({ action: 'close' });
    expect(onClose({ quitting: true, downloadsBusy: true, autoArchive: true, toldBefore: false })).toEqual({ action: 'close' });
    expect(onClose({ quitting: false, downloadsBusy: true, autoArchive: false, toldBefore: false })).toEqual({ action: 'hide', tell: true });
    expect(onClose({ quitting: false, downloadsBusy: false, autoArchive: true, toldBefore: true })).toEqual({ action: 'hide', tell: false });
  });
});

describe('the diagnostics zip', () => {
  const settings: Settings = { language: 'zh-CN', defaultFolder: '/home/qa/录制', template: '{id}.{ext}', concurrency: 3, connections: 6, convert: false, keepOriginal: true, ffmpegPath: '', updateFeed: '' };
  const connection: SavedConnection = { id: 'c1', name: '总部', server: 'https://a1.easemob.com', org: 'org', app: 'app', timezone: 'Asia/Shanghai', retentionDays: 30, authType: 'client', clientId: 'YXA6clientid123', hasSecret: true, active: true };
  const zip = diagnosticsZip({
    info: { version: '1.2.3', platform: 'linux', ffmpeg: { available: true, version: '6.0' }, secrets: { encrypted: true } },
    settings,
    connections: [connection],
    logs: [
      { name: 'main.log', text: '[info] started\n[warn] GET https://h/a.webm?Signature=zzz failed\nAuthorization: Bearer YWMtsecrettoken99\n' },
      { name: 'main.old.log', text: '[info] older\n' },
    ],
    now: new Date('2026-12-03T08:00:00Z'),
  });
  const files = unzipSync(zip);

  it('holds the logs, the settings, the connections and the app’s facts', () => {
    expect(Object.keys(files).sort()).toEqual(['about.json', 'connections.json', 'logs/main.log', 'logs/main.old.log', 'settings.json']);
    expect(JSON.parse(strFromU8(files['settings.json']!))).toEqual(settings);
    expect(JSON.parse(strFromU8(files['about.json']!))).toMatchObject({ version: '1.2.3', exportedAt: '2026-12-03T08:00:00.000Z' });
    expect(JSON.parse(strFromU8(files['connections.json']!))[0]).toMatchObject({ name: '总部', org: 'org', hasSecret: true });
    expect(diagnosticsFileName(new Date('2026-12-03T08:00:00Z'))).toBe('easemob-recording-downloader-diagnostics-2026-12-03.zip');
  });

  it('holds no token, signature or client credential, even from a line logged unredacted', () => {
    const all = Object.values(files).map((f) => strFromU8(f)).join('\n');
    expect(all).not.toMatch(/YWMt|YXA6|Signature=/);
    expect(strFromU8(files['logs/main.log']!)).toContain('https://h/a.webm?[redacted] failed');
  });
});
