// Quitting during downloads pauses and saves the queue; the next service over the same state offers it back.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { startDemoServer } from '../../main/demo/server.ts';
import { createService } from '../../main/service/index.ts';
import { last30Days, runQuery, startHarness, testSecretBox, waitForEvent } from './helpers.ts';

it('saves a paused queue on dispose and restores it in the next run', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'emrec-svc-restart-'));
  const first = await startHarness({ root });
  const connectionId = (await first.ok('demo:connect')).id;
  const { queryId } = await runQuery(first, connectionId, last30Days());
  const file = first.demo.files[3]!;
  first.demo.faults.bytesPerSecond = 2_000;
  const moving = waitForEvent(first.service, 'download:progress', (p) => p.items.some((i) => i.id === file.id && i.bytes > 0), 'first bytes');
  await first.ok('download:start', { connectionId, queryId, ids: [file.id], outDir: first.outDir, template: '{id}.{ext}', convert: false, keepOriginal: true, concurrency: 1 });
  await moving;
  expect(first.service.downloadsBusy).toBe(true);
  first.service.pauseAll();
  await first.close(); // keeps root
  const demo = await startDemoServer();
  const second = createService({ stateDir: first.stateDir, secrets: testSecretBox, systemLanguage: 'en', version: '0', home: root, demo: { start: async () => demo } });
  try {
    expect(second.savedQueueCount()).toBe(1);
    // The demo server restarted on another port: reconnecting updates the saved demo connection.
    await second.handlers['demo:connect'](undefined);
    expect(second.restoreQueue()).toBe(1);
    const item = (await second.handlers['download:snapshot'](undefined)).items[0]!;
    expect(item).toMatchObject({ id: file.id, state: 'paused' });
    const done = waitForEvent(second, 'download:progress', (p) => p.items.some((i) => i.id === file.id && i.state === 'done'), 'done');
    await second.handlers['download:resume']({});
    await done;
    const saved = path.join(first.outDir, `${file.id}.webm`);
    expect(createHash('sha256').update(readFileSync(saved)).digest('hex')).toBe(await demo.expectedSha256(file.id));
  } finally {
    await second.dispose();
    await demo.close();
    await rm(root, { recursive: true, force: true });
  }
});
