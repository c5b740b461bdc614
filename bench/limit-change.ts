// The bandwidth limit changed while the app downloads (Settings → Download speed, as a person does
// mid-run): 4 downloads under 2 MB/s, lowered to 500 kB/s, raised back. The bytes on disk are sampled
// every 100 ms; "took effect" is the time from the change until the rate over the next second is
// within 10 % of the new limit. Goal: within 2 s. Through the real service (settings:set), in-process.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { syntheticCatalogue } from '../main/demo/server.ts';
import { last30Days, runQuery, startHarness } from '../test/service/helpers.ts';

export interface LimitChangeRow {
  readonly change: string;
  readonly limit: number;
  /** Seconds from the change until a one-second window ran within 10 % of the new limit (undefined: never). */
  readonly tookEffectSec: number | undefined;
  /** Average rate from 2 s after the change to the next change, and its ratio to the limit. */
  readonly averageBytesPerSec: number;
  readonly ratio: number;
}

async function onDisk(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])) {
    if (entry.isFile() && !entry.name.endsWith('.lock') && !entry.name.endsWith('.json')) {
      total += (await stat(path.join(entry.parentPath, entry.name)).catch(() => ({ size: 0 }))).size;
    }
  }
  return total;
}

export async function benchLimitChange(options: { high?: number; low?: number; phaseSec?: number } = {}): Promise<LimitChangeRow[]> {
  const high = options.high ?? 2_000_000;
  const low = options.low ?? 500_000;
  const phase = (options.phaseSec ?? 6) * 1000;
  const h = await startHarness({ demo: { catalogue: syntheticCatalogue({ count: 4, size: Math.ceil((high * 3 * (phase / 1000)) / 4) + 1_000_000, perConference: 4 }) } });
  const office = { enabled: false, limit: 1, days: [], from: '09:00', to: '18:00' };
  const samples: { t: number; bytes: number }[] = [];
  try {
    const connectionId = (await h.ok('demo:connect')).id;
    const { queryId, rows } = await runQuery(h, connectionId, last30Days());
    await h.ok('settings:set', { bandwidth: { limit: high, office } });
    await h.ok('download:start', { connectionId, queryId, ids: rows.map((r) => r.id), outDir: h.outDir, template: '{id}.{ext}', convert: false, keepOriginal: true, concurrency: 4 });
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        // a file caught mid-rename (.part gone, final not yet listed) would read as bytes lost: the count only grows
        samples.push({ t: performance.now(), bytes: Math.max(samples.at(-1)?.bytes ?? 0, await onDisk(h.outDir)) });
        await sleep(100);
      }
    })();
    const changes: { at: number; limit: number; change: string }[] = [];
    await sleep(phase);
    changes.push({ at: performance.now(), limit: low, change: `${high} → ${low} B/s` });
    await h.ok('settings:set', { bandwidth: { limit: low, office } });
    await sleep(phase);
    changes.push({ at: performance.now(), limit: high, change: `${low} → ${high} B/s` });
    await h.ok('settings:set', { bandwidth: { limit: high, office } });
    await sleep(phase);
    const end = performance.now();
    sampling = false;
    await sampler;
    await h.ok('download:pause', {});
    const bytesAt = (t: number): number => {
      // linear between the samples around t
      const i = samples.findIndex((s) => s.t >= t);
      if (i === -1) return samples.at(-1)?.bytes ?? 0;
      if (i === 0) return samples[0]?.bytes ?? 0;
      const a = samples[i - 1]!;
      const b = samples[i]!;
      return a.bytes + ((b.bytes - a.bytes) * (t - a.t)) / (b.t - a.t);
    };
    return changes.map(({ at, limit, change }, k) => {
      const until = changes[k + 1]?.at ?? end;
      let tookEffectSec: number | undefined;
      for (let t = at; t + 1000 <= until; t += 50) {
        const rate = bytesAt(t + 1000) - bytesAt(t);
        if (Math.abs(rate - limit) <= 0.1 * limit) {
          tookEffectSec = Math.round((t - at) / 10) / 100;
          break;
        }
      }
      const average = ((bytesAt(until) - bytesAt(at + 2000)) * 1000) / (until - at - 2000);
      return { change, limit, tookEffectSec, averageBytesPerSec: Math.round(average), ratio: Math.round((average / limit) * 1000) / 1000 };
    });
  } finally {
    await h.close();
  }
}
