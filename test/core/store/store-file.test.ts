// The one store-file layer, as both stores use it through conf: one zod schema per file, the corrupt-file
// backup, atomic writes under a lock file that a dead process cannot hold for ever.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openConfStore, STORE_CONFIG_NAME } from '../../../main/core/conf-store.ts';
import type { ErrorInfo } from '../../../main/core/errors.ts';
import { History } from '../../../main/core/history.ts';
import { lockPathOf } from '../../../main/core/store/file-lock.ts';
import { HISTORY_STORE } from '../../../main/core/store/history.ts';
import { parseStoreText } from '../../../main/core/store/store-file.ts';
import { openStateFiles } from '../../../main/service/state-files.ts';
import { entry } from './helpers.ts';

let dir: string;
const appFile = (): string => path.join(dir, 'emrec-app.json');
const storeFile = (): string => path.join(dir, `${STORE_CONFIG_NAME}.json`);
const backups = (prefix: string): string[] => fs.readdirSync(dir).filter((f) => f.startsWith(`${prefix}.corrupt-`));

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emrec-storefile-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the settings file through the store-file layer', () => {
  it('reads defaults, writes atomically (a new inode each time, mode 600), keeps keys it does not know', () => {
    const { appState, warnings } = openStateFiles(dir);
    expect(warnings).toEqual([]);
    expect(appState.get('settings')).toEqual({});
    expect(appState.get('connections')).toEqual([]);
    expect(appState.get('activeConnectionId')).toBeNull();
    appState.set('settings', { concurrency: 4 });
    const first = fs.statSync(appFile());
    expect(first.mode & 0o777).toBe(0o600);
    const text = JSON.parse(fs.readFileSync(appFile(), 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(appFile(), JSON.stringify({ ...text, fromANewerVersion: { x: 1 } }));
    appState.set('activeConnectionId', 'c1');
    expect(fs.statSync(appFile()).ino).not.toBe(first.ino);
    const reopened = openStateFiles(dir).appState;
    expect(reopened.get('settings')).toEqual({ concurrency: 4 });
    expect(reopened.get('activeConnectionId')).toBe('c1');
    expect(JSON.parse(fs.readFileSync(appFile(), 'utf8')).fromANewerVersion).toEqual({ x: 1 });
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp') || f.endsWith('.lock'))).toEqual([]);
  });

  it('backs up and resets a file that is not JSON or whose settings/connections have the wrong shape', () => {
    for (const [i, text] of ['{"settings": {"concurrency": 4}, "connections": [tru', '{"settings": [], "connections": []}', '{"connections": {}}'].entries()) {
      fs.writeFileSync(appFile(), text);
      const { appState, warnings } = openStateFiles(dir);
      expect(warnings.map((w) => w.code)).toEqual(['STORE_CORRUPT']);
      expect(warnings[0]?.message).toMatch(/^The settings file emrec-app\.json was .+ and has been reset; the old file was kept as emrec-app\.corrupt-/);
      expect(backups('emrec-app')).toHaveLength(i + 1);
      expect(appState.get('connections')).toEqual([]);
      expect(JSON.parse(fs.readFileSync(appFile(), 'utf8')).connections).toEqual([]); // reset on disk too
    }
  });

  it('reads a bad value of a key that can be lost without harm as its default: no reset, no backup', () => {
    fs.writeFileSync(appFile(), JSON.stringify({ settings: { concurrency: 2 }, connections: [], activeConnectionId: 5, outputFolders: 'x', archiveLastRun: [] }));
    const { appState, warnings } = openStateFiles(dir);
    expect(warnings).toEqual([]);
    expect(backups('emrec-app')).toEqual([]);
    expect(appState.get('settings')).toEqual({ concurrency: 2 });
    expect(appState.get('activeConnectionId')).toBeNull();
    expect(appState.get('outputFolders')).toEqual([]);
    expect(appState.get('archiveLastRun')).toBeNull();
  });

  it('refuses to write a store its own schema would refuse, and leaves the file', () => {
    const { appState } = openStateFiles(dir);
    appState.set('settings', { concurrency: 1 });
    const before = fs.readFileSync(appFile(), 'utf8');
    expect(() => appState.set('connections', 'not a list')).toThrow(/Refusing to write an invalid settings file/);
    expect(fs.readFileSync(appFile(), 'utf8')).toBe(before);
  });
});

describe('the history store file', () => {
  it('opens an older file (tokens inside, conf bookkeeping) and keeps what it does not use', () => {
    fs.writeFileSync(
      storeFile(),
      JSON.stringify({ version: 1, tokens: { k: { token: 'T', expiresAt: 1 } }, history: { 'o#a|1': entry(1) }, __internal__: { migrations: { version: '0.1.0' } } }),
    );
    const { store, warnings } = openConfStore(dir);
    expect(warnings).toEqual([]);
    expect(store.get('queue')).toEqual([]);
    const h = new History(store);
    expect(h.all().map((e) => e.id)).toEqual([1]);
    h.add(entry(2));
    h.flush();
    const onDisk = JSON.parse(fs.readFileSync(storeFile(), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(onDisk.history as object)).toEqual(['o#a|1', 'o#a|2']);
    expect(onDisk.tokens).toEqual({ k: { token: 'T', expiresAt: 1 } });
  });

  it('names what is wrong without quoting the file', () => {
    expect(parseStoreText(HISTORY_STORE, '{"history": {"t": "TOKEN-123"')).toEqual({ problem: expect.stringMatching(/^not valid JSON/) });
    expect(parseStoreText(HISTORY_STORE, '{"history": {"t": "TOKEN-123"').problem).not.toContain('TOKEN');
    expect(parseStoreText(HISTORY_STORE, '[1]').problem).toBe('not a JSON object');
    expect(parseStoreText(HISTORY_STORE, '{"queue": {}}').problem).toMatch(/^not in the expected shape \("queue": /);
    expect(parseStoreText(HISTORY_STORE, '{}').data).toEqual({ version: 1, history: {}, queue: [] });
  });
});

describe('a state folder that does not exist yet', () => {
  it('is made by the first write, as conf made it', () => {
    const state = path.join(dir, 'not', 'yet');
    const h = new History(openConfStore(state).store);
    h.add(entry(1));
    h.flush();
    openStateFiles(state).appState.set('settings', { concurrency: 2 });
    expect(fs.readdirSync(state).sort()).toEqual(['emrec-app.json', 'emrec-store.history.jsonl', 'emrec-store.json']);
  });
});

describe('the store lock file', () => {
  it('takes over a lock left by a process that is gone', () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid; // exited: its pid names no one now
    fs.writeFileSync(lockPathOf(storeFile()), `${dead}\n`);
    const h = new History(openConfStore(dir).store);
    h.add(entry(1));
    h.flush();
    expect(fs.existsSync(lockPathOf(storeFile()))).toBe(false);
    expect(new History(openConfStore(dir).store).has('o#a', 1)).toBe(true);
  });

  it('takes over a lock that is too old to be held, even by a live process', () => {
    fs.writeFileSync(lockPathOf(storeFile()), `${process.ppid}\n`);
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(lockPathOf(storeFile()), old, old);
    const seen: ErrorInfo[] = [];
    const h = new History(openConfStore(dir).store, { onWarning: (w) => seen.push(w) });
    h.add(entry(1));
    h.flush();
    expect(seen).toEqual([]);
    expect(fs.existsSync(lockPathOf(storeFile()))).toBe(false);
  });
});
