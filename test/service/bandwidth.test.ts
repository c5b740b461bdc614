// The app's bandwidth setting: one limit for every download, a lower one in office hours, applied to
// files already downloading. The rule is checked on its own; the service test asserts only a lower
// bound on the time (a loaded machine is only slower); accuracy is `BENCH=limit npm run bench`.
import { describe, expect, it } from 'vitest';
import { syntheticCatalogue } from '../../main/demo/server.ts';
import type { Bandwidth } from '../../main/ipc/contract.ts';
import { bandwidthAt } from '../../main/service/downloads.ts';
import { last30Days, runQuery, startHarness } from './helpers.ts';

const office = (enabled: boolean): Bandwidth['office'] => ({ enabled, limit: 1_000, days: [1, 2, 3, 4, 5], from: '09:00', to: '18:00' });

describe('bandwidthAt', () => {
  const mondayNoonShanghai = new Date('2026-12-07T04:00:00Z');
  const mondayNightShanghai = new Date('2026-12-07T14:00:00Z');
  it('is the office-hours limit inside the window (this computer\'s zone), the everyday one outside, none when unset', () => {
    expect(bandwidthAt(undefined, mondayNoonShanghai, 'Asia/Shanghai')).toBeUndefined();
    expect(bandwidthAt({ limit: 0, office: office(false) }, mondayNoonShanghai, 'Asia/Shanghai')).toBeUndefined();
    expect(bandwidthAt({ limit: 5_000, office: office(false) }, mondayNoonShanghai, 'Asia/Shanghai')).toBe(5_000);
    expect(bandwidthAt({ limit: 5_000, office: office(true) }, mondayNoonShanghai, 'Asia/Shanghai')).toBe(1_000);
    expect(bandwidthAt({ limit: 5_000, office: office(true) }, mondayNightShanghai, 'Asia/Shanghai')).toBe(5_000);
    expect(bandwidthAt({ limit: 0, office: office(true) }, mondayNightShanghai, 'Asia/Shanghai')).toBeUndefined();
    expect(bandwidthAt({ limit: 0, office: office(true) }, mondayNoonShanghai, 'America/New_York')).toBeUndefined(); // Sunday 23:00 there
  });
});

it('a limit saved in Settings holds the app\'s downloads to it: 3 MB at 1 MB/s take at least ~2.7 s', async () => {
  const h = await startHarness({ demo: { catalogue: syntheticCatalogue({ count: 3, size: 1_000_000, perConference: 3 }) } });
  try {
    const connectionId = (await h.ok('demo:connect')).id;
    const { queryId, rows } = await runQuery(h, connectionId, last30Days());
    expect(rows).toHaveLength(3);
    const saved = await h.ok('settings:set', { bandwidth: { limit: 1024 * 1024, office: office(false) } });
    expect(saved.bandwidth?.limit).toBe(1024 * 1024);
    const started = performance.now();
    await h.ok('download:start', { connectionId, queryId, ids: rows.map((r) => r.id), outDir: h.outDir, template: '{id}.{ext}', convert: false, keepOriginal: true, concurrency: 3 });
    await h.service.downloadsIdle();
    const seconds = (performance.now() - started) / 1000;
    expect((await h.ok('history:list', {})).length).toBe(3);
    expect(seconds).toBeGreaterThan(2.7); // 3,000,000 B at 1,048,576 B/s = 2.86 s
  } finally {
    await h.close();
  }
});
