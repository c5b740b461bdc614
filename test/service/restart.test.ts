// Quitting during downloads pauses and saves the queue; the next service over the same state offers it back.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { startDemoServer } from '../../main/demo/server.ts';
import { createService } from '../../main/service/index.ts';
import { waitForEvent, testSecretBox } from './helpers.ts';

it('saves paused and failed files on dispose; the next run restores them and finishes both', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'emrec-svc-restart-'));
  const demo = await startDemoServer();
  const make = () =>
    createService({ stateDir: path.join(root, 'state'), secrets: testSecretBox, systemLanguage: 'en', version: '0', home: root, demo: { start: async () => demo } });
  const outDir = path.join(root, 'out');
  const file = demo.files[3]!;
  const other = demo.files.find((f) => f.confrId === file.confrId && f.id !== file.id)!;
  try {
    const first = make();
    const connectionId = (await first.handlers['demo:connect'](undefined)).id;
    const pages = waitForEvent(first, 'query:page', (p) => p.done, 'query end');
    const { queryId } = await first.handlers['query:start']({ connectionId, template: '{id}.{ext}', query: { kind: 'conference', confrId: file.confrId } });
    await pages;
    demo.faults.bytesPerSecond = 2_000;
    const moving = waitForEvent(first, 'download:progress', (p) => p.items.some((i) => i.id === file.id && i.bytes > 0), 'first bytes');
    await first.handlers['download:start']({ connectionId, queryId, ids: [file.id], outDir, template: '{id}.{ext}', convert: false, keepOriginal: true, concurrency: 1 });
    await moving;
    expect(first.downloadsBusy).toBe(true);
    // a second file fails: the file host has lost it for the moment
    demo.faults.filesMissing = true;
    const failed = waitForEvent(first, 'download:progress', (p) => p.items.some((i) => i.id === other.id && i.state === 'failed'), 'a failure');
    await first.handlers['download:start']({ connectionId, queryId, ids: [other.id], outDir, template: '{id}.{ext}', convert: false, keepOriginal: true, concurrency: 2 });
    await failed;
    demo.faults.filesMissing = false;
    first.pauseAll();
    await first.dispose();
    demo.faults.bytesPerSecond = undefined;

    const second = make();
    try {
      expect(second.savedQueueCount()).toBe(2);
      expect(await second.restoreQueue()).toBe(2);
      // paused and failed are never final for a later run: both run again, shown in their true state
      const restored = (await second.handlers['download:snapshot'](undefined)).items;
      expect(restored.map((i) => i.id).sort()).toEqual([file.id, other.id].sort());
      for (const item of restored) expect(['waiting', 'downloading']).toContain(item.state);
      await second.downloadsIdle();
      const final = (await second.handlers['download:snapshot'](undefined)).items;
      expect(final.map((i) => i.state)).toEqual(['done', 'done']);
      for (const item of final) {
        const saved = path.join(outDir, item.path);
        expect(createHash('sha256').update(readFileSync(saved)).digest('hex')).toBe(await demo.expectedSha256(item.id));
      }
      expect(second.savedQueueCount()).toBe(0);
    } finally {
      await second.dispose();
    }
  } finally {
    await demo.close();
    await rm(root, { recursive: true, force: true });
  }
});
