// The app and emrec on one state folder (or one download folder): while either downloads, the other is
// told ALREADY_RUNNING (the app's error, emrec's exit 2) instead of writing the same files; each gets the
// folder once free.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { isEmrecError } from '../../main/core/errors.ts';
import { startDemoServer } from '../../main/demo/server.ts';
import { createService } from '../../main/service/index.ts';
import { connFlags, runEmrec, startEmrec } from '../helpers/cli.ts';
import { testSecretBox, waitForEvent } from './helpers.ts';

it('the app and emrec never download from one state folder at once', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'emrec-svc-lock-'));
  const demo = await startDemoServer();
  const stateDir = path.join(root, 'state');
  const outDir = path.join(root, 'out');
  const service = createService({ stateDir, secrets: testSecretBox, systemLanguage: 'en', version: '0', home: root, demo: { start: async () => demo } });
  try {
    const connectionId = (await service.handlers['demo:connect'](undefined)).id;
    const file = demo.files[0]!;
    const pages = waitForEvent(service, 'query:page', (p) => p.done, 'query end');
    const { queryId } = await service.handlers['query:start']({ connectionId, template: '{id}.{ext}', query: { kind: 'conference', confrId: file.confrId } });
    await pages;
    const start = { connectionId, queryId, ids: [file.id], outDir, template: '{id}.{ext}', convert: false, keepOriginal: true, concurrency: 1 };
    const cli = ['download', ...connFlags(demo), '--conference', file.confrId, '--out', outDir, '--json', '--state-dir', stateDir];

    // emrec downloads: the app is refused with ALREADY_RUNNING naming it
    demo.faults.bytesPerSecond = 200_000;
    const run = startEmrec(cli);
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => demo.stats.fileBytesSent > 0 && (clearInterval(timer), resolve()), 10);
    });
    const refused = await service.handlers['download:start'](start).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isEmrecError(refused, 'ALREADY_RUNNING'), String(refused)).toBe(true);
    expect(String((refused as Error).message)).toContain(`pid ${run.child.pid}`);
    demo.faults.bytesPerSecond = undefined;
    expect((await run.done).code).toBe(0);

    // the app downloads: emrec stops with exit 2; once the app is idle, emrec runs (and skips what the app saved)
    await service.handlers['history:list']({}); // (history read again after emrec's run)
    demo.faults.bytesPerSecond = 10_000;
    const busy = waitForEvent(service, 'download:progress', (p) => p.counts.downloading > 0, 'app downloading');
    await service.handlers['download:start']({ ...start, force: true });
    await busy;
    const second = await runEmrec(cli);
    expect(second.code, second.stderr).toBe(2);
    expect(second.stderr).toMatch(/desktop app/);
    demo.faults.bytesPerSecond = undefined;
    await service.downloadsIdle();
    const third = await runEmrec(cli);
    expect(third.code, third.stderr).toBe(0);

    // emrec with a state folder of its own, into the folder the app is filling: exit 2 naming the folder
    demo.faults.bytesPerSecond = 10_000;
    const filling = waitForEvent(service, 'download:progress', (p) => p.counts.downloading > 0, 'app downloading again');
    await service.handlers['download:start']({ ...start, force: true });
    await filling;
    const own = await runEmrec([...cli.slice(0, -1), path.join(root, 'cron-state')]);
    expect(own.code, own.stderr).toBe(2);
    expect(own.stderr).toContain(outDir);
    expect(own.stderr).toMatch(/desktop app/);
    demo.faults.bytesPerSecond = undefined;
    await service.downloadsIdle();
  } finally {
    await service.dispose();
    await demo.close();
    await rm(root, { recursive: true, force: true });
  }
});
