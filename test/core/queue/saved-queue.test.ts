// The saved queue (moved out of the history store): unfinished files of several apps and folders side
// by side, written atomically and debounced, read back by a restarted process, and a cache only: a
// missing or damaged file reads as empty.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { SAVED_QUEUE_FILE, SavedQueue, type SavedEntry } from '../../../main/core/queue/saved-queue.ts';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emrec-saved-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const entry = (id: number, appkey = 'o#a', outDir = '/out', state: SavedEntry['state'] = 'waiting'): SavedEntry => ({
  id,
  appkey,
  outDir,
  path: `${id}.webm`,
  state,
  record: { id, url: `http://h/${id}.webm` },
});
const file = (): string => path.join(dir, SAVED_QUEUE_FILE);

it('keeps entries of several apps and folders, debounced, and a restart reads them back', () => {
  const saved = new SavedQueue(dir);
  saved.put(entry(1, 'o#b'));
  saved.flush();
  saved.put(entry(1));
  saved.put(entry(2));
  expect(JSON.parse(fs.readFileSync(file(), 'utf8')).entries).toHaveLength(1); // not written yet
  saved.put(entry(7, 'o#a', '/other', 'paused'));
  saved.delete('o#a', 1);
  saved.put(entry(2, 'o#a', '/out', 'failed')); // a change replaces the entry
  saved.flush();
  const fresh = new SavedQueue(dir);
  expect(fresh.entries().map((e) => `${e.appkey}:${e.outDir}:${e.id}:${e.state}`).sort()).toEqual(['o#a:/other:7:paused', 'o#a:/out:2:failed', 'o#b:/out:1:waiting']);
  expect(fresh.get('o#b', 1)?.record.url).toBe('http://h/1.webm');
  expect(fs.readdirSync(dir).sort()).toEqual([SAVED_QUEUE_FILE]); // no temp files left
  for (const e of fresh.entries()) fresh.delete(e.appkey, e.id);
  fresh.flush();
  expect(fs.existsSync(file())).toBe(false);
});

it('reads a damaged, foreign or partly bad file as what it can use, never throws', () => {
  fs.writeFileSync(file(), '{"version":1,"entries":[{"id":1');
  expect(new SavedQueue(dir).entries()).toEqual([]);
  fs.writeFileSync(file(), JSON.stringify({ version: 1, entries: [entry(3), { id: 'x' }, { ...entry(4), path: '' }] }));
  expect(new SavedQueue(dir).entries().map((e) => e.id)).toEqual([3]);
  fs.writeFileSync(file(), JSON.stringify([entry(5)]));
  expect(new SavedQueue(dir).entries()).toEqual([]);
});

it('reports a write it could not make and tries again with the next change', () => {
  const errors: unknown[] = [];
  const blocked = path.join(dir, 'not-a-folder');
  fs.writeFileSync(blocked, '');
  const saved = new SavedQueue(blocked, (e) => errors.push(e));
  saved.put(entry(1));
  saved.flush();
  expect(errors).toHaveLength(1);
  saved.flush();
  expect(errors).toHaveLength(2); // still pending, tried again
});
