// A full disk and a read-only folder, on a real small tmpfs (CI runs as root; skipped with the reason
// where mounting is not permitted). The store write must be atomic there: either the new file or the
// previous one, byte for byte, never a cut file, and a typed error naming the folder.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Conf from 'conf';
import { afterEach, beforeEach, describe, expect, it, type TestContext } from 'vitest';
import { openConfStore, STORE_CONFIG_NAME } from '../../../main/core/conf-store.ts';
import { EmrecError, type ErrorInfo } from '../../../main/core/errors.ts';
import { History } from '../../../main/core/history.ts';
import { writeFileAtomic } from '../../../main/core/store/atomic-file.ts';
import { FileTokenCache, TOKENS_FILE } from '../../../main/core/store/token-cache.ts';
import { openStateFiles } from '../../../main/service/state-files.ts';
import { entry, fillDisk, mountTmpfs, remount, unmount } from './helpers.ts';

let root: string;
let mnt: string;
let mountProblem: string | undefined;
let mounted = false;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'emrec-fulldisk-'));
  mnt = path.join(root, 'mnt');
  fs.mkdirSync(mnt);
  mountProblem = mountTmpfs(mnt, '1m');
  mounted = mountProblem === undefined;
});
afterEach(() => {
  if (mounted) unmount(mnt);
  fs.rmSync(root, { recursive: true, force: true });
});

function needsMount(ctx: TestContext): void {
  if (mountProblem !== undefined) ctx.skip(mountProblem);
}

const storeFile = (): string => path.join(mnt, `${STORE_CONFIG_NAME}.json`);
const leftovers = (): string[] => fs.readdirSync(mnt).filter((f) => f.endsWith('.tmp') || f.endsWith('.lock'));

function caught(fn: () => void): EmrecError {
  try {
    fn();
  } catch (error) {
    if (error instanceof EmrecError) return error;
    throw error;
  }
  throw new Error('expected a typed error');
}

describe('store files on a full disk', () => {
  it("shows why conf's own writer is never used: atomically renames a cut file over the store", (ctx) => {
    needsMount(ctx);
    const conf = new Conf<Record<string, unknown>>({ cwd: mnt, configName: 'plain', projectName: 'x' });
    conf.set('history', { a: 'x'.repeat(100_000) });
    const filler = fillDisk(mnt, 16_384);
    conf.set('history', { a: 'y'.repeat(200_000) }); // no error...
    const size = fs.statSync(path.join(mnt, 'plain.json')).size;
    expect(size).toBe(16_384); // ...and the store is cut at exactly the free bytes, as seen in the field
    expect(() => JSON.parse(fs.readFileSync(path.join(mnt, 'plain.json'), 'utf8'))).toThrow();
    fs.rmSync(filler);
  });

  it('writeFileAtomic: a write that does not fit throws ENOSPC and leaves the previous file byte-identical', (ctx) => {
    needsMount(ctx);
    const file = path.join(mnt, 'f.json');
    writeFileAtomic(file, 'x'.repeat(100_000));
    fillDisk(mnt, 16_384);
    expect(() => writeFileAtomic(file, 'y'.repeat(200_000))).toThrow(/ENOSPC/);
    expect(fs.readFileSync(file, 'utf8')).toBe('x'.repeat(100_000));
    expect(leftovers()).toEqual([]);
  });

  it('a fold on a full disk throws DISK_FULL naming the folder; the store stays as it was, the journal keeps every entry', (ctx) => {
    needsMount(ctx);
    const journal = path.join(root, 'journal.jsonl'); // on the roomy disk: only the store write meets the full one
    const seen: ErrorInfo[] = [];
    const h = new History(openConfStore(mnt).store, { journal, onWarning: (w) => seen.push(w) });
    for (let id = 1; id <= 200; id++) h.add(entry(id));
    h.flush();
    const before = fs.readFileSync(storeFile());
    const filler = fillDisk(mnt, 16_384);
    for (let id = 201; id <= 600; id++) h.add(entry(id));
    const error = caught(() => h.fold());
    expect(error.code).toBe('DISK_FULL');
    expect(error.message).toContain(mnt);
    expect(error.details).toMatchObject({ dir: mnt, file: storeFile() });
    expect(fs.readFileSync(storeFile()).equals(before)).toBe(true);
    expect(leftovers()).toEqual([]);
    h.flush(); // reported, not thrown: nothing is lost
    expect(seen.map((w) => w.code)).toEqual(['DISK_FULL']);
    expect(new History(openConfStore(mnt).store, { journal }).all()).toHaveLength(600);
    fs.rmSync(filler);
    h.flush();
    expect(Object.keys(JSON.parse(fs.readFileSync(storeFile(), 'utf8')).history)).toHaveLength(600);
    expect(fs.statSync(journal).size).toBe(0);
  });

  it('a journal line on a full disk throws DISK_FULL; the entry is kept and written once there is room', (ctx) => {
    needsMount(ctx);
    const h = new History(openConfStore(mnt).store);
    h.add(entry(1));
    const filler = fillDisk(mnt, 0);
    let failedAt = 0;
    for (let id = 2; id <= 200 && failedAt === 0; id++) {
      try {
        h.add(entry(id)); // the last page of the journal may still take a few
      } catch (error) {
        expect(error).toBeInstanceOf(EmrecError);
        expect((error as EmrecError).code).toBe('DISK_FULL');
        expect((error as EmrecError).details?.dir).toBe(mnt);
        failedAt = id;
      }
    }
    expect(failedAt).toBeGreaterThan(1);
    expect(h.has('o#a', failedAt)).toBe(true); // held here meanwhile: this run does not fetch it again
    fs.rmSync(filler);
    h.add(entry(1000));
    const reopened = new History(openConfStore(mnt).store);
    for (let id = 1; id <= failedAt; id++) expect(reopened.has('o#a', id)).toBe(true);
    expect(reopened.has('o#a', 1000)).toBe(true);
  });

  it('the settings file on a full disk: DISK_FULL, the previous file kept', (ctx) => {
    needsMount(ctx);
    const { appState } = openStateFiles(mnt);
    appState.set('settings', { concurrency: 4 });
    const file = path.join(mnt, 'emrec-app.json');
    const before = fs.readFileSync(file);
    fillDisk(mnt, 0);
    const error = caught(() => appState.set('outputFolders', Array.from({ length: 5000 }, (_, i) => `/a/long/folder/name/${i}`)));
    expect(error.code).toBe('DISK_FULL');
    expect(error.details?.dir).toBe(mnt);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(appState.get('settings')).toEqual({ concurrency: 4 });
  });

  it('the token cache on a full disk reports the failure and keeps working (a cache, not the truth)', (ctx) => {
    needsMount(ctx);
    const seen: ErrorInfo[] = [];
    const cache = new FileTokenCache(path.join(mnt, TOKENS_FILE), { onWarning: (w) => seen.push(w) });
    cache.set('k1', { token: 'T1', expiresAt: Number.MAX_SAFE_INTEGER });
    fillDisk(mnt, 0);
    cache.set('k2', { token: 'T2'.repeat(5000), expiresAt: Number.MAX_SAFE_INTEGER });
    expect(seen.map((w) => w.code)).toEqual(['DISK_FULL']);
    expect(cache.get('k1')?.token).toBe('T1');
  });
});

describe('store files in a read-only folder', () => {
  it('FOLDER_NOT_WRITABLE for the fold, a journal line and the settings; nothing cut', (ctx) => {
    needsMount(ctx);
    const h = new History(openConfStore(mnt).store);
    h.add(entry(1));
    h.flush();
    h.add(entry(2));
    h.close(); // folds, and closes the journal (a read-only remount needs no file open for writing)
    const { appState } = openStateFiles(mnt);
    appState.set('settings', { concurrency: 2 });
    const before = fs.readFileSync(storeFile());
    remount(mnt, 'ro');
    const add = caught(() => h.add(entry(3)));
    expect(add.code).toBe('FOLDER_NOT_WRITABLE');
    expect(add.details?.dir).toBe(mnt);
    expect(h.has('o#a', 3)).toBe(true); // held until it can be written
    const fold = caught(() => h.fold());
    expect(fold.code).toBe('FOLDER_NOT_WRITABLE');
    expect(fold.message).toContain(mnt);
    expect(caught(() => appState.set('settings', { concurrency: 3 })).code).toBe('FOLDER_NOT_WRITABLE');
    expect(fs.readFileSync(storeFile()).equals(before)).toBe(true);
    expect(new History(openConfStore(mnt).store).all().map((e) => e.id)).toEqual([1, 2]);
    remount(mnt, 'rw');
    h.close(); // writable again: the held entry is saved
    expect(new History(openConfStore(mnt).store).all().map((e) => e.id)).toEqual([1, 2, 3]);
  });

  it('a corrupt store in a read-only folder is reported once and read as empty, without piling up backups', (ctx) => {
    needsMount(ctx);
    fs.writeFileSync(storeFile(), '{"version":1,"history":{');
    remount(mnt, 'ro');
    const seen: ErrorInfo[] = [];
    const { store, warnings } = openConfStore(mnt, { onWarning: (w) => seen.push(w) });
    expect(warnings.map((w) => w.code)).toEqual(['STORE_CORRUPT']);
    expect(warnings[0]?.details?.backup).toBeUndefined(); // no room to copy it aside
    const h = new History(store);
    expect(h.all()).toEqual([]);
    h.reload();
    store.get('queue');
    expect([...warnings, ...seen]).toHaveLength(1); // said while opening, and not again on later reads
    remount(mnt, 'rw');
  });
});
