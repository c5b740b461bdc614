import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ErrorInfo } from '../../main/core/errors.ts';
import { openConfStore, STORE_CONFIG_NAME } from '../../main/core/conf-store.ts';
import { History, type HistoryEntry, type QueueEntry } from '../../main/core/history.ts';

let dir: string;
const file = (): string => path.join(dir, `${STORE_CONFIG_NAME}.json`);
const backups = (): string[] => fs.readdirSync(dir).filter((f) => f.includes('.corrupt-'));

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emrec-history-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const entry = (id: number, over: Partial<HistoryEntry> = {}): HistoryEntry => ({
  id,
  appkey: 'o#a',
  confrId: 'C1',
  user: 'alice',
  recordType: 'ONLY_REC_ONE_AV',
  path: `/out/${id}.webm`,
  size: 10,
  sha256: 'ab'.repeat(32),
  finishedAt: '2024-05-01T00:00:00.000Z',
  ...over,
});

const queueEntry = (id: number, appkey = 'o#a', outDir = '/out'): QueueEntry => ({
  id,
  appkey,
  outDir,
  path: `${id}.webm`,
  state: 'waiting',
  record: { id, url: `http://h/${id}.webm` },
});

describe('History over a conf store', () => {
  it('adds, finds, lists and removes entries, and they survive a reopen', () => {
    const { store, warnings } = openConfStore(dir);
    expect(warnings).toEqual([]);
    const h = new History(store);
    expect(h.has('o#a', 1)).toBe(false);
    h.add(entry(1));
    h.add(entry(2, { convert: { path: '/out/2.mp4', mode: 'remux', ffmpegVersion: '5.1' } }));
    h.add(entry(1, { appkey: 'o#b' }));
    expect(h.has('o#a', 1)).toBe(true);
    expect(h.has('o#a', 3)).toBe(false);
    expect(h.get('o#a', 2)?.convert?.mode).toBe('remux');
    expect(h.all()).toHaveLength(3);
    expect(h.remove('o#a', 1)).toBe(true);
    expect(h.remove('o#a', 1)).toBe(false);

    const again = new History(openConfStore(dir).store);
    expect(again.has('o#a', 1)).toBe(false);
    expect(again.has('o#b', 1)).toBe(true);
    expect(again.get('o#a', 2)?.sha256).toBe('ab'.repeat(32));
  });

  it('keeps entries another process added (read-modify-write)', () => {
    const a = new History(openConfStore(dir).store);
    const b = new History(openConfStore(dir).store);
    a.add(entry(1));
    b.add(entry(2));
    a.reload();
    expect(a.has('o#a', 1) && a.has('o#a', 2)).toBe(true);
  });

  it('drops malformed history entries instead of failing', () => {
    fs.writeFileSync(file(), JSON.stringify({ version: 1, tokens: {}, history: { 'o#a|1': { id: 'x' }, 'o#a|2': entry(2) }, queue: [] }));
    const h = new History(openConfStore(dir).store);
    expect(h.all().map((e) => e.id)).toEqual([2]);
  });

  it('caches tokens for the API client', () => {
    const h = new History(openConfStore(dir).store);
    const cache = h.tokenCache();
    expect(cache.get('k')).toBeUndefined();
    cache.set('https://a1.easemob.com|o|a|id', { token: 'T', expiresAt: 123, issuedAt: 100 });
    const other = new History(openConfStore(dir).store).tokenCache();
    expect(other.get('https://a1.easemob.com|o|a|id')).toEqual({ token: 'T', expiresAt: 123, issuedAt: 100 });
    other.delete('https://a1.easemob.com|o|a|id');
    expect(cache.get('https://a1.easemob.com|o|a|id')).toBeUndefined();
  });

  it('saves the queue debounced, per app and folder, and flushes on demand', () => {
    const { store } = openConfStore(dir);
    const h = new History(store);
    h.saveQueue([queueEntry(1, 'o#b')], { appkey: 'o#b', outDir: '/out' });
    h.flush();
    h.saveQueue([queueEntry(1), queueEntry(2)], { appkey: 'o#a', outDir: '/out' });
    // not written yet: conf writes synchronously, so saves are batched
    expect(JSON.parse(fs.readFileSync(file(), 'utf8')).queue).toHaveLength(1);
    h.saveQueue([queueEntry(2)], { appkey: 'o#a', outDir: '/out' });
    // a second queue of the same app into another folder keeps the first one's entries
    h.saveQueue([queueEntry(7, 'o#a', '/other')], { appkey: 'o#a', outDir: '/other' });
    h.flush();
    h.saveQueue([queueEntry(8, 'o#a', '/other')], { appkey: 'o#a', outDir: '/other' });
    h.flush();
    const onDisk = JSON.parse(fs.readFileSync(file(), 'utf8')).queue as QueueEntry[];
    expect(onDisk.map((e) => `${e.appkey}:${e.outDir}:${e.id}`).sort()).toEqual(['o#a:/other:8', 'o#a:/out:2', 'o#b:/out:1']);
    const fresh = new History(openConfStore(dir).store);
    expect(fresh.loadQueue('o#a').map((e) => e.id).sort()).toEqual([2, 8]);
    expect(fresh.loadQueue()).toHaveLength(3);
  });
});

describe('store file safety', () => {
  it('backs up a corrupt JSON file, resets it and warns STORE_CORRUPT', () => {
    fs.writeFileSync(file(), '{"version":1,"history":{"o#a|1": {');
    const { store, warnings } = openConfStore(dir);
    expect(warnings.map((w) => w.code)).toEqual(['STORE_CORRUPT']);
    const [backup] = backups();
    expect(backup).toMatch(/^emrec-store\.corrupt-.+\.json$/);
    expect(fs.readFileSync(path.join(dir, backup as string), 'utf8')).toBe('{"version":1,"history":{"o#a|1": {');
    expect(warnings[0]?.details?.backup).toBe(path.join(dir, backup as string));
    const h = new History(store);
    expect(h.all()).toEqual([]);
    h.add(entry(1));
    expect(JSON.parse(fs.readFileSync(file(), 'utf8')).history['o#a|1'].id).toBe(1);
  });

  it('treats a wrong top-level shape as corrupt too (backup, no crash)', () => {
    fs.writeFileSync(file(), JSON.stringify({ version: 1, queue: 'nope' }));
    const { store, warnings } = openConfStore(dir);
    expect(warnings[0]?.code).toBe('STORE_CORRUPT');
    expect(backups()).toHaveLength(1);
    expect(new History(store).loadQueue()).toEqual([]);
  });

  it('reports corruption that appears while running through onWarning', () => {
    const seen: ErrorInfo[] = [];
    const { store } = openConfStore(dir, { onWarning: (w) => seen.push(w) });
    const h = new History(store);
    h.add(entry(1));
    fs.writeFileSync(file(), 'garbage');
    h.reload();
    expect(h.all()).toEqual([]);
    expect(seen.map((w) => w.code)).toEqual(['STORE_CORRUPT']);
    expect(backups()).toHaveLength(1);
  });

  it('writes atomically: the file is replaced by rename, never rewritten in place, and no temp files remain', () => {
    const { store } = openConfStore(dir);
    const h = new History(store);
    h.add(entry(1));
    const before = fs.statSync(file()).ino;
    h.add(entry(2));
    expect(fs.statSync(file()).ino).not.toBe(before);
    expect(fs.readdirSync(dir).filter((f) => f !== `${STORE_CONFIG_NAME}.json`)).toEqual([]);
    expect(Object.keys(JSON.parse(fs.readFileSync(file(), 'utf8')).history)).toHaveLength(2);
  });
});
