// `emrec verify` through the real launcher: after a download, a deleted file and a same-size edit
// (which a size check cannot see) are found and named, in English and Chinese, with exit code 1;
// an intact archive exits 0.
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServer, syntheticCatalogue, type DemoServer } from '../../main/demo/server.ts';
import type { VerifyReport } from '../../main/core/verify.ts';
import { connFlags, lastJsonLine, runEmrec, type Summary } from '../helpers/cli.ts';

let work: string;
let server: DemoServer;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'emrec-verify-cli-'));
  server = await startDemoServer({ catalogue: syntheticCatalogue({ count: 4, size: 100_000, perConference: 4 }) });
});
afterAll(async () => {
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('emrec verify', () => {
  it('exits 0 on an intact archive, and 1 naming a deleted and a same-size edited file', async () => {
    const out = path.join(work, 'out');
    const state = path.join(work, 'state');
    const first = await runEmrec(['download', ...connFlags(server), '--days', '3', '--out', out, '--json', '--state-dir', state]);
    expect(first.code, first.stderr).toBe(0);
    const { files } = lastJsonLine<Summary>(first.stdout);

    const intact = await runEmrec(['verify', '--state-dir', state]);
    expect(intact.code, intact.stderr).toBe(0);
    expect(intact.stdout).toBe('4 files checked: 4 intact, 0 missing or changed\n');

    const [gone, edited] = files;
    if (!gone || !edited) throw new Error('no files');
    fs.rmSync(path.join(out, gone.path));
    const fd = fs.openSync(path.join(out, edited.path), 'r+');
    fs.writeSync(fd, Buffer.from('x'), 0, 1, 50_000);
    fs.closeSync(fd);

    const json = await runEmrec(['verify', '--state-dir', state, '--json']);
    expect(json.code).toBe(1);
    const report = lastJsonLine<VerifyReport>(json.stdout);
    expect(report).toMatchObject({ checked: 4, ok: 2 });
    expect(report.findings.map((f) => [f.id, f.problem, f.path]).sort()).toEqual(
      [
        [gone.id, 'missing', path.join(out, gone.path)],
        [edited.id, 'content', path.join(out, edited.path)],
      ].sort(),
    );
    const zh = await runEmrec(['verify', '--state-dir', state], { LANG: 'zh_CN.UTF-8' });
    expect(zh.code).toBe(1);
    expect(zh.stdout).toContain(`缺失\t${gone.id}\t${path.join(out, gone.path)}`);
    expect(zh.stdout).toContain(`内容已改变\t${edited.id}`);
    expect(zh.stdout).toContain('检查了 4 个文件：2 个完好，2 个有问题');
  });
});
