// The archive check over real files: each way a saved file can stop being the recording is found,
// and what is as recorded is not.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../main/core/history.ts';
import { verifyHistory } from '../../main/core/verify.ts';

let dir: string;
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function saved(id: number, bytes: Buffer, extra: Partial<HistoryEntry> = {}): HistoryEntry {
  const file = path.join(dir, `${id}.webm`);
  fs.writeFileSync(file, bytes);
  return { id, appkey: 'o#a', confrId: 'C', user: 'u', recordType: 'ONLY_REC_ONE_AV', path: file, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), finishedAt: new Date().toISOString(), ...extra };
}

describe('verifyHistory', () => {
  it('finds a deleted, a cut and a same-size edited file, and passes the intact ones and a converted file whose original is gone', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emrec-verify-'));
    const bytes = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed) & 255));
    const intact = saved(1, bytes(5000, 1));
    const deleted = saved(2, bytes(5000, 2));
    fs.rmSync(deleted.path);
    const cut = saved(3, bytes(5000, 3));
    fs.truncateSync(cut.path, 4000);
    const edited = saved(4, bytes(5000, 4));
    const fd = fs.openSync(edited.path, 'r+');
    fs.writeSync(fd, Buffer.from([0xff]), 0, 1, 2500); // one byte, same size
    fs.closeSync(fd);
    const mp4 = path.join(dir, '5.mp4');
    fs.writeFileSync(mp4, bytes(3000, 5));
    const converted = saved(5, bytes(5000, 5), { convert: { path: mp4, mode: 'remux', ffmpegVersion: '7', size: 3000 } });
    fs.rmSync(converted.path); // not kept after conversion: fine
    const convertedGone = saved(6, bytes(5000, 6), { convert: { path: path.join(dir, '6.mp4'), mode: 'remux', ffmpegVersion: '7', size: 3000 } });

    const seen: number[] = [];
    const report = await verifyHistory([intact, deleted, cut, edited, converted, convertedGone], { onProgress: (n) => seen.push(n) });
    expect(report.checked).toBe(6);
    expect(report.ok).toBe(2);
    expect(report.findings.map((f) => [f.id, f.problem])).toEqual([
      [2, 'missing'],
      [3, 'size'],
      [4, 'content'],
      [6, 'missing'],
    ]);
    expect(report.findings[1]).toMatchObject({ expectedSize: 5000, actualSize: 4000 });
    expect(report.findings[3]?.path).toBe(path.join(dir, '6.mp4'));
    expect(seen.at(-1)).toBe(6);
  });
});
