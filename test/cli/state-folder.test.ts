// A state folder emrec cannot use, through the real emrec launcher, the in-process demo server (--demo)
// and real files: a folder where one of its files belongs, a file where the folder (or one on its path)
// belongs. Each is a local problem the person fixes: FOLDER_NOT_WRITABLE naming the path and what to
// move, exit 4, no stack trace; nothing in the way is touched.
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastJsonLine, runEmrec, type RunResult, type Summary } from '../helpers/cli.ts';

let work: string;
let n = 0;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'emrec-state-folder-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** A fresh state folder and output folder under `work`. */
function folders(): { state: string; out: string } {
  n += 1;
  return { state: path.join(work, `state-${n}`), out: path.join(work, `out-${n}`) };
}

const download = (state: string, out: string, env: NodeJS.ProcessEnv = {}): Promise<RunResult> =>
  runEmrec(['download', '--demo', '--days', '31', '--json', '--out', out, '--state-dir', state], env);

/** One clear line naming `where` and what to do: no stack trace, no bare errno text. */
function expectLocalProblem(result: RunResult, where: string, what: RegExp): void {
  expect(result.code, result.stderr).toBe(4);
  expect(result.stderr).toContain(where);
  expect(result.stderr).toMatch(what);
  expect(result.stderr).toMatch(/move or rename/);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stderr).not.toMatch(/illegal operation on a directory|file already exists|not a directory, /);
}

describe('an unusable state folder', () => {
  for (const name of ['emrec-store.json', 'emrec-store.history.jsonl', 'emrec-tokens.json']) {
    it(`a folder where ${name} belongs stops the run before any download: FOLDER_NOT_WRITABLE naming it, exit 4`, async () => {
      const { state, out } = folders();
      const inTheWay = path.join(state, name);
      fs.mkdirSync(path.join(inTheWay, 'keep'), { recursive: true });
      const result = await download(state, out);
      expectLocalProblem(result, inTheWay, /a folder is in its place/);
      // nothing was downloaded; where the run got as far as listing, the summary says why it stopped
      const files = fs.existsSync(out) ? fs.readdirSync(out, { recursive: true }).filter((f) => String(f).endsWith('.webm')) : [];
      expect(files).toEqual([]);
      if (result.stdout.trim() !== '') expect(lastJsonLine<Summary & { error?: string }>(result.stdout)).toMatchObject({ downloaded: 0, error: 'FOLDER_NOT_WRITABLE' });
      expect(fs.statSync(inTheWay).isDirectory()).toBe(true); // left as it was
      expect(fs.readdirSync(inTheWay)).toEqual(['keep']);
    });
  }

  it('list says the same for a folder where the store file belongs', async () => {
    const { state } = folders();
    fs.mkdirSync(path.join(state, 'emrec-store.json'), { recursive: true });
    const result = await runEmrec(['list', '--demo', '--days', '31', '--state-dir', state]);
    expectLocalProblem(result, path.join(state, 'emrec-store.json'), /a folder is in its place/);
  });

  it('a state folder path that is a regular file: FOLDER_NOT_WRITABLE naming it, exit 4, the file untouched', async () => {
    const { state, out } = folders();
    fs.writeFileSync(state, 'not a folder');
    const result = await download(state, out);
    expectLocalProblem(result, state, /is a file/);
    expect(fs.readFileSync(state, 'utf8')).toBe('not a folder');
  });

  it('a state folder below a regular file: FOLDER_NOT_WRITABLE, exit 4', async () => {
    const { state, out } = folders();
    fs.writeFileSync(state, 'not a folder');
    const below = path.join(state, 'sub');
    const result = await download(below, out);
    expectLocalProblem(result, below, /is a file/);
  });

  it("a folder where the run lock emrec.lock belongs is no other run's lock: FOLDER_NOT_WRITABLE at once, exit 4", async () => {
    const { state, out } = folders();
    fs.mkdirSync(path.join(state, 'emrec.lock'), { recursive: true });
    const started = performance.now();
    const result = await download(state, out);
    expectLocalProblem(result, path.join(state, 'emrec.lock'), /a folder is in its place/);
    expect(performance.now() - started).toBeLessThan(15_000); // no wait for a holder that does not exist
  });

  it("a folder where the store's lock belongs: the files are downloaded, the record of them fails clearly, exit 4", async () => {
    const { state, out } = folders();
    const lock = path.join(state, 'emrec-store.json.lock');
    fs.mkdirSync(lock, { recursive: true });
    const result = await download(state, out);
    expectLocalProblem(result, lock, /a folder is in its place/);
    const summary = lastJsonLine<Summary & { stateError?: string }>(result.stdout);
    expect(summary.downloaded).toBeGreaterThan(0);
    expect(summary.failed).toBe(0);
    expect(summary.stateError).toBe('FOLDER_NOT_WRITABLE');
  });

  it('says it in Chinese under a Chinese locale, with the path in brackets', async () => {
    const { state, out } = folders();
    fs.mkdirSync(path.join(state, 'emrec-store.json'), { recursive: true });
    const result = await download(state, out, { LANG: 'zh_CN.UTF-8' });
    expect(result.code, result.stderr).toBe(4);
    expect(result.stderr).toMatch(/那里却是一个文件夹：请把它移走或改名/);
    expect(result.stderr).toContain(path.join(state, 'emrec-store.json'));
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
