// The folder is the truth of last resort, through the real emrec launcher, real sockets and real files:
// a file history names that was deleted or cut is fetched again; a stranger's file at a recording's
// name — even one of the very same size — is never taken for the recording, never overwritten, and
// the person is told where the recording went instead.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startDemoServer, syntheticCatalogue, type DemoServer } from '../../main/demo/server.ts';
import { connFlags, lastJsonLine, runEmrec, sha256File, type Summary } from '../helpers/cli.ts';

const COUNT = 6;
const SIZE = 400_000;
let work: string;
let server: DemoServer;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'emrec-folder-truth-'));
  server = await startDemoServer({ catalogue: syntheticCatalogue({ count: COUNT, size: SIZE, perConference: COUNT }) });
});
afterAll(async () => {
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});
beforeEach(() => server.resetStats());

const args = (out: string, state: string): string[] => ['download', ...connFlags(server), '--days', '3', '--out', out, '--json', '--state-dir', state];

async function firstRun(name: string): Promise<{ out: string; state: string; files: Summary['files'] }> {
  const out = path.join(work, `${name}-out`);
  const state = path.join(work, `${name}-state`);
  const result = await runEmrec(args(out, state));
  expect(result.code, result.stderr).toBe(0);
  const { files } = lastJsonLine<Summary>(result.stdout);
  expect(files).toHaveLength(COUNT);
  server.resetStats();
  return { out, state, files };
}

describe('the folder is the truth', () => {
  it('a file deleted or cut since history recorded it is fetched again, in place; the intact ones are not', async () => {
    const { out, state, files } = await firstRun('lost');
    const [gone, cut] = files;
    if (!gone || !cut) throw new Error('no files');
    fs.rmSync(path.join(out, gone.path));
    fs.truncateSync(path.join(out, cut.path), 1000);

    const result = await runEmrec(args(out, state));
    expect(result.code, result.stderr).toBe(0);
    const summary = lastJsonLine<Summary>(result.stdout);
    expect(summary.downloaded).toBe(2);
    expect(summary.skipped).toBe(COUNT - 2);
    for (const file of [gone, cut]) expect(await sha256File(path.join(out, file.path))).toBe(await server.expectedSha256(file.id));
    expect(server.stats.fileBytesSent).toBeLessThanOrEqual(2 * SIZE * 1.05);
  });

  it('a stranger\'s file of the very same size at a recording\'s name is kept as it is; the recording is saved beside it and the person told', async () => {
    const { out, files } = await firstRun('stranger');
    const [victim] = files;
    if (!victim) throw new Error('no files');
    const strangerBytes = randomBytes(SIZE); // the same size as the recording, other bytes
    fs.writeFileSync(path.join(out, victim.path), strangerBytes);

    // the state is lost (a new state folder): every file in the folder must be judged by its content
    const result = await runEmrec(args(out, path.join(work, 'stranger-state-2')));
    expect(result.code, result.stderr).toBe(0);
    const summary = lastJsonLine<Summary>(result.stdout);
    expect(summary.skipped).toBe(COUNT - 1); // the others adopted, not fetched again
    expect(summary.downloaded).toBe(1);
    const saved = summary.files.find((f) => f.id === victim.id);
    expect(saved?.path).not.toBe(victim.path);
    expect(saved?.path).not.toMatch(new RegExp(`_${victim.id}_${victim.id}\\.`)); // no doubled id
    expect(saved?.path).toBe(victim.path.replace(/(\.[^.]+)$/, ' (2)$1'));
    expect(await sha256File(path.join(out, saved?.path ?? ''))).toBe(await server.expectedSha256(victim.id));
    expect(fs.readFileSync(path.join(out, victim.path)).equals(strangerBytes)).toBe(true);
    expect(result.stderr).toContain(path.join(out, victim.path));
    expect(result.stderr).toMatch(/different file/);
    expect(server.stats.fileBytesSent).toBeLessThanOrEqual(SIZE * 1.05 + COUNT * 64 * 1024);
  });

  it('a file preallocated with zeros and only its end written (a segmented downloader\'s leftover) is not taken for the recording', async () => {
    const { out, files } = await firstRun('prealloc');
    const [victim] = files;
    if (!victim) throw new Error('no files');
    const real = fs.readFileSync(path.join(out, victim.path));
    const tail = 16 * 1024;
    const leftover = Buffer.concat([Buffer.alloc(real.length - tail), real.subarray(real.length - tail)]);
    fs.writeFileSync(path.join(out, victim.path), leftover);
    // and a segmented downloader's (4 parts, each begun at its quarter, the last one finished) for another
    const other = files[1]!;
    const otherReal = fs.readFileSync(path.join(out, other.path));
    const quarter = Math.floor(otherReal.length / 4);
    const segmented = Buffer.alloc(otherReal.length);
    for (let part = 0; part < 4; part += 1) otherReal.copy(segmented, part * quarter, part * quarter, part * quarter + 25_000);
    otherReal.copy(segmented, 3 * quarter, 3 * quarter);
    fs.writeFileSync(path.join(out, other.path), segmented);

    const result = await runEmrec(args(out, path.join(work, 'prealloc-state-2')));
    expect(result.code, result.stderr).toBe(0);
    const saved = lastJsonLine<Summary>(result.stdout).files.find((f) => f.id === victim.id);
    expect(saved?.status).toBe('done');
    expect(saved?.path).toBe(victim.path.replace(/(\.[^.]+)$/, ' (2)$1'));
    expect(await sha256File(path.join(out, saved?.path ?? ''))).toBe(await server.expectedSha256(victim.id));
    expect(fs.readFileSync(path.join(out, victim.path)).equals(leftover)).toBe(true);
    const otherSaved = lastJsonLine<Summary>(result.stdout).files.find((f) => f.id === other.id);
    expect(otherSaved?.status).toBe('done');
    expect(await sha256File(path.join(out, otherSaved?.path ?? ''))).toBe(await server.expectedSha256(other.id));
    expect(fs.readFileSync(path.join(out, other.path)).equals(segmented)).toBe(true);
  });
});

describe('converted files', () => {
  it('a converted mp4 cut since the run is fetched and converted again, to the same size', async () => {
    const media = await startDemoServer();
    try {
      const confrId = media.files[0]!.confrId;
      const out = path.join(work, 'convert-out');
      const state = path.join(work, 'convert-state');
      const convertArgs = ['download', ...connFlags(media), '--conference', confrId, '--out', out, '--json', '--state-dir', state, '--convert', 'mp4'];
      const first = await runEmrec(convertArgs);
      expect(first.code, first.stderr).toBe(0);
      const converted = lastJsonLine<Summary>(first.stdout).files.find((f) => f.path.endsWith('.mp4') && !/MERGE/.test(f.path));
      if (!converted) throw new Error(`no converted file in ${first.stdout}`);
      const file = path.join(out, converted.path);
      const size = fs.statSync(file).size;
      fs.truncateSync(file, 1000);

      const again = await runEmrec(convertArgs);
      expect(again.code, again.stderr).toBe(0);
      const summary = lastJsonLine<Summary>(again.stdout);
      expect(summary.files.find((f) => f.id === converted.id)?.status).toBe('done');
      expect(summary.downloaded).toBe(1);
      expect(fs.statSync(file).size).toBe(size);
    } finally {
      await media.close();
    }
  });
});
