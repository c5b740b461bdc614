// `emrec verify` and `emrec import` through the real launcher: after a download, a deleted file and a
// same-size edit (which a size check cannot see) are found and named, in English and Chinese, with exit
// code 1; an intact archive exits 0. A folder imported into a new state folder (a reinstall, a second
// computer) makes the next download fetch nothing at all.
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServer, syntheticCatalogue, type DemoServer } from '../../main/demo/server.ts';
import type { ImportReport } from '../../main/core/import-folder.ts';
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

  it('import: a folder this app filled, added to a new history, is not fetched again (not one file request)', async () => {
    const out = path.join(work, 'import-out');
    const first = await runEmrec(['download', ...connFlags(server), '--days', '3', '--out', out, '--json', '--state-dir', path.join(work, 'import-a')]);
    expect(first.code, first.stderr).toBe(0);
    const { files } = lastJsonLine<Summary>(first.stdout);
    fs.writeFileSync(path.join(out, 'notes.mp4'), 'not a recording'); // a name without an id: said, not imported

    const fresh = path.join(work, 'import-b'); // the reinstall: history gone
    const imported = await runEmrec(['import', out, '--org', server.org, '--app', server.app, '--state-dir', fresh, '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(lastJsonLine<ImportReport>(imported.stdout)).toEqual({ scanned: files.length + 1, added: files.length, known: 0, unrecognised: ['notes.mp4'] });
    const again = await runEmrec(['import', out, '--org', server.org, '--app', server.app, '--state-dir', fresh]);
    expect(again.stdout).toBe(`${files.length + 1} media files: 0 added to history, ${files.length} already there, 1 not recognised\n`);

    server.resetStats();
    const second = await runEmrec(['download', ...connFlags(server), '--days', '3', '--out', out, '--json', '--state-dir', fresh]);
    expect(second.code, second.stderr).toBe(0);
    expect(lastJsonLine<Summary>(second.stdout)).toMatchObject({ downloaded: 0, skipped: files.length });
    expect(server.stats.fileRequests).toBe(0);
    const verified = await runEmrec(['verify', '--state-dir', fresh]);
    expect(verified.code).toBe(0);
  });

  it('import: a folder that is not there is said as such, in the user language, not as a bug of ours', async () => {
    const missing = path.join(work, 'no-such-folder');
    for (const [env, words] of [[{}, 'There is no folder'], [{ LANG: 'zh_CN.UTF-8' }, '没有文件夹']] as const) {
      const run = await runEmrec(['import', missing, '--org', server.org, '--app', server.app, '--state-dir', path.join(work, 'import-missing')], env);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain(words);
      expect(run.stderr).toContain(missing);
      expect(run.stderr).not.toMatch(/internal error|this is a bug|at async/);
    }
  });
});
