// Settings → connections in all: the app's downloads open that many connections to the file host, a
// large file taking the ones files at a time leave free, and never fewer than the files at a time.
import { expect, it } from 'vitest';
import { syntheticCatalogue } from '../../main/demo/server.ts';
import { last30Days, runQuery, startHarness } from './helpers.ts';

it('a large file downloads over the connections set in Settings, and the batch never opens more', async () => {
  const h = await startHarness({ demo: { catalogue: syntheticCatalogue({ count: 1, size: 40 * 1024 * 1024, perConference: 1 }) } });
  try {
    const connectionId = (await h.ok('demo:connect')).id;
    const { queryId, rows } = await runQuery(h, connectionId, last30Days());
    const start = (force: boolean) =>
      h.ok('download:start', { connectionId, queryId, ids: rows.map((r) => r.id), outDir: h.outDir, template: '{id}.{ext}', convert: false, keepOriginal: true, concurrency: 1, force });
    expect((await h.ok('settings:get')).connections).toBe(6);
    expect((await h.ok('settings:set', { connections: 4 })).connections).toBe(4);
    h.demo.faults.bytesPerSecond = 10 * 1024 * 1024;
    h.demo.resetStats();
    await start(false);
    await h.service.downloadsIdle();
    expect(h.demo.stats.peakFileResponses).toBe(4);
    const [entry] = await h.ok('history:list', {});
    expect(entry?.sha256).toBe(await h.demo.expectedSha256(rows[0]!.id));

    await h.ok('settings:set', { connections: 1 });
    h.demo.resetStats();
    await start(true);
    await h.service.downloadsIdle();
    expect(h.demo.stats.peakFileResponses).toBe(1);
  } finally {
    await h.close();
  }
});
