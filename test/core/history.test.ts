import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ErrorInfo } from '../../main/core/errors.ts';
import { openConfStore, STORE_CONFIG_NAME } from '../../main/core/conf-store.ts';
import { History, type StoreBackend } from '../../main/core/history.ts';
import { counted, entry } from './store/helpers.ts';

let dir: string;
const JOURNAL = `${STORE_CONFIG_NAME}.history.jsonl`;
const file = (): string => path.join(dir, `${STORE_CONFIG_NAME}.json`);
const journal = (): string => path.join(dir, JOURNAL);
const backups = (): string[] => fs.readdirSync(dir).filter((f) => f.includes('.corrupt-'));

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emrec-history-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
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
    h.flush(); // an add goes to the journal; the fold writes the store
    expect(JSON.parse(fs.readFileSync(file(), 'utf8')).history['o#a|1'].id).toBe(1);
  });

  it('treats a wrong top-level shape as corrupt too (backup, no crash)', () => {
    fs.writeFileSync(file(), JSON.stringify({ version: 1, queue: 'nope' }));
    const { store, warnings } = openConfStore(dir);
    expect(warnings[0]?.code).toBe('STORE_CORRUPT');
    expect(backups()).toHaveLength(1);
    expect(new History(store).all()).toEqual([]);
  });

  it('reports corruption that appears while running through onWarning', () => {
    const seen: ErrorInfo[] = [];
    const { store } = openConfStore(dir, { onWarning: (w) => seen.push(w) });
    const h = new History(store);
    h.add(entry(1));
    fs.writeFileSync(file(), 'garbage');
    h.reload();
    // the store is reset, but the entry is still in the journal, so it survives the corruption
    expect(h.all().map((e) => e.id)).toEqual([1]);
    expect(seen.map((w) => w.code)).toEqual(['STORE_CORRUPT']);
    expect(backups()).toHaveLength(1);
  });

  it('writes atomically: the file is replaced by rename, never rewritten in place, and no temp files remain', () => {
    const { store } = openConfStore(dir);
    const h = new History(store);
    h.add(entry(1));
    h.flush();
    const before = fs.statSync(file()).ino;
    h.add(entry(2));
    h.flush();
    expect(fs.statSync(file()).ino).not.toBe(before);
    expect(fs.readdirSync(dir).filter((f) => f !== `${STORE_CONFIG_NAME}.json` && f !== JOURNAL)).toEqual([]);
    expect(fs.statSync(path.join(dir, JOURNAL)).size).toBe(0); // folded, then emptied
    expect(Object.keys(JSON.parse(fs.readFileSync(file(), 'utf8')).history)).toHaveLength(2);
  });
});

const journalLines = (): string[] => fs.readFileSync(journal(), 'utf8').split('\n').filter((l) => l !== '');

/** A child process that adds entries `from..to` to the history in `dir`, printing each id once add() returned. */
function child(args: { from: number; to: number; foldMinLines: number; close?: boolean }): ReturnType<typeof spawn> {
  const script = path.join(dir, `child-${args.from}.mts`);
  const url = (rel: string): string => pathToFileURL(path.resolve(rel)).href;
  fs.writeFileSync(
    script,
    `import { openConfStore } from ${JSON.stringify(url('main/core/conf-store.ts'))};
import { History } from ${JSON.stringify(url('main/core/history.ts'))};
const h = new History(openConfStore(${JSON.stringify(dir)}).store, { foldMinLines: ${args.foldMinLines} });
for (let id = ${args.from}; id <= ${args.to}; id++) {
  h.add({ id, appkey: 'o#a', confrId: 'C1', user: 'alice', recordType: 'ONLY_REC_ONE_AV', path: '/out/' + id + '.webm', size: 10, sha256: 'ab'.repeat(32), finishedAt: '2024-05-01T00:00:00.000Z' });
  process.stdout.write(id + '\\n');
}
${args.close ? 'h.close();' : ''}
`,
  );
  return spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
}

describe('the history journal', () => {
  it('an add is one journal line, not a store write; flush folds them in one write and empties the journal', () => {
    const { backend, writes } = counted(openConfStore(dir).store);
    const h = new History(backend);
    expect(h.journalPath).toBe(journal());
    for (let id = 1; id <= 50; id++) h.add(entry(id));
    h.remove('o#a', 7);
    expect(writes()).toBe(0);
    expect(fs.existsSync(file())).toBe(false);
    expect(journalLines()).toHaveLength(51);
    expect(JSON.parse(journalLines()[50]!)).toEqual({ op: 'remove', appkey: 'o#a', id: 7 });
    // another process (here: a fresh History) sees them from the journal alone
    expect(new History(openConfStore(dir).store).all()).toHaveLength(49);
    h.flush();
    expect(writes()).toBe(1);
    expect(fs.statSync(journal()).size).toBe(0);
    expect(Object.keys(JSON.parse(fs.readFileSync(file(), 'utf8')).history)).toHaveLength(49);
    h.flush(); // nothing new: no write
    expect(writes()).toBe(1);
  });

  it('replays the journal at open: a torn last line is ignored, garbled lines are skipped, the next add starts a fresh line', () => {
    const line = (id: number): string => JSON.stringify({ op: 'add', entry: entry(id) });
    fs.writeFileSync(
      journal(),
      [line(1), 'garbage{', line(2), JSON.stringify({ op: 'add', entry: { id: 'bad' } }), line(3), JSON.stringify({ op: 'remove', appkey: 'o#a', id: 2 })].join('\n') +
        '\n' +
        line(4).slice(0, 40), // kill -9 in the middle of a write
    );
    const h = new History(openConfStore(dir).store);
    expect(h.all().map((e) => e.id)).toEqual([1, 3]);
    h.add(entry(5));
    const again = new History(openConfStore(dir).store);
    expect(again.all().map((e) => e.id)).toEqual([1, 3, 5]);
    again.flush();
    expect(new History(openConfStore(dir).store).all().map((e) => e.id)).toEqual([1, 3, 5]);
    expect(fs.statSync(journal()).size).toBe(0);
  });

  it('keeps every add that returned when the process is killed with SIGKILL mid-run (folds included)', async () => {
    const proc = child({ from: 1, to: 1_000_000, foldMinLines: 100 });
    let seen = 0;
    let buffered = '';
    await new Promise<void>((resolve) => {
      proc.stdout!.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        if (lines.length > 0) seen = Number(lines[lines.length - 1]);
        if (seen >= 500 && !proc.killed) {
          proc.kill('SIGKILL');
          resolve();
        }
      });
    });
    await new Promise((r) => proc.once('exit', r));
    const h = new History(openConfStore(dir).store);
    const ids = new Set(h.all().map((e) => e.id));
    for (let id = 1; id <= seen; id++) expect(ids.has(id)).toBe(true);
    // some of it was folded into the store during the run
    expect(Object.keys(JSON.parse(fs.readFileSync(file(), 'utf8')).history).length).toBeGreaterThan(0);
  });

  it('keeps every entry when two processes add and fold at once', async () => {
    const a = child({ from: 1, to: 400, foldMinLines: 40, close: true });
    const b = child({ from: 1001, to: 1400, foldMinLines: 40, close: true });
    const codes = await Promise.all([a, b].map((p) => new Promise<number | null>((r) => p.once('exit', r))));
    expect(codes).toEqual([0, 0]);
    const ids = new History(openConfStore(dir).store).all().map((e) => e.id);
    expect(ids).toHaveLength(800);
    expect(new Set(ids).size).toBe(800);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.lock') || f.endsWith('.tmp'))).toEqual([]);
  });

  it("reload() applies another History's lines and its fold in journal order", () => {
    const a = new History(openConfStore(dir).store);
    const b = new History(openConfStore(dir).store);
    a.add(entry(1));
    a.add(entry(2));
    b.reload();
    expect(b.remove('o#a', 1)).toBe(true);
    b.add(entry(3));
    a.reload();
    expect(a.all().map((e) => e.id).sort()).toEqual([2, 3]);
    b.flush(); // b folds and empties the journal
    a.add(entry(1, { path: '/out/again.webm' }));
    b.reload();
    expect(b.get('o#a', 1)?.path).toBe('/out/again.webm');
    expect(b.all().map((e) => e.id).sort()).toEqual([1, 2, 3]);
    a.reload();
    expect(a.all().map((e) => e.id).sort()).toEqual([1, 2, 3]);
    a.close();
    b.close();
    expect(new History(openConfStore(dir).store).all().map((e) => e.id).sort()).toEqual([1, 2, 3]);
  });

  it('folds by itself in batches that grow with the history, so store writes stay few', () => {
    const { backend, writes } = counted(openConfStore(dir).store);
    const h = new History(backend, { foldMinLines: 100, foldRatio: 0.25, sync: 'none' });
    for (let id = 1; id <= 5000; id++) h.add(entry(id));
    // folds at 100, 200, 300, 400, 500, then every quarter of the history: about 17 in all, not 5000
    expect(writes()).toBeGreaterThan(5);
    expect(writes()).toBeLessThan(25);
    expect(journalLines().length).toBeLessThan(5000 / 4);
    expect(new History(openConfStore(dir).store).all()).toHaveLength(5000);
  });

  it('a fold that fails (full disk) keeps the journal and reports it; nothing is lost, the next fold saves it', () => {
    const seen: ErrorInfo[] = [];
    const real = openConfStore(dir).store;
    let full = true;
    const backend: StoreBackend = {
      get path() {
        return real.path;
      },
      get store() {
        return real.store;
      },
      set store(value) {
        real.store = value;
      },
      get(key) {
        return real.get(key);
      },
      set(key, value) {
        if (full) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        real.set(key, value);
      },
      delete(key) {
        real.delete(key);
      },
    };
    const h = new History(backend, { onWarning: (w) => seen.push(w), foldMinLines: 10 });
    for (let id = 1; id <= 25; id++) h.add(entry(id)); // the fold at 10 fails, retried at 20
    h.flush();
    expect(seen.map((w) => w.code)).toEqual(['DISK_FULL', 'DISK_FULL', 'DISK_FULL']);
    expect(seen[0]?.message).toContain(JOURNAL);
    expect(seen[0]?.details?.dir).toBe(dir);
    expect(journalLines()).toHaveLength(25);
    expect(new History(openConfStore(dir).store).all()).toHaveLength(25);
    full = false;
    h.flush();
    expect(fs.statSync(journal()).size).toBe(0);
    expect(Object.keys(JSON.parse(fs.readFileSync(file(), 'utf8')).history)).toHaveLength(25);
  });

  it('without a journal (journal: false) every change is written to the store at once', () => {
    const { backend, writes } = counted(openConfStore(dir).store);
    const h = new History(backend, { journal: false });
    h.add(entry(1));
    h.add(entry(2));
    expect(writes()).toBe(2);
    expect(fs.existsSync(journal())).toBe(false);
    expect(new History(openConfStore(dir).store).all()).toHaveLength(2);
  });
});
