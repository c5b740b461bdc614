// A finished file stays in the queue (its row on the Downloads screen) for the rest of the batch, so at
// a year's size what each one keeps is the queue's memory. Measured as the live heap, after a full GC,
// that N downloaded files add over the records they came from.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApiClient } from '../../../main/core/api-client.ts';
import { openConfStore } from '../../../main/core/conf-store.ts';
import { History } from '../../../main/core/history.ts';
import { DownloadQueue } from '../../../main/core/queue/download-queue.ts';
import type { Recording } from '../../../main/core/record.ts';
import { MemoryTokenCache } from '../../../main/core/token.ts';
import { startDemoServer, syntheticCatalogue, type DemoServer } from '../../../main/demo/server.ts';

const CONFERENCES = 8;
const PER_CONFERENCE = 100;
let demo: DemoServer;
let records: Recording[];
let root: string;

v8.setFlagsFromString('--expose-gc');
v8.setFlagsFromString('--no-flush-bytecode'); // else code unused for a few GCs is dropped between the two readings
const gc = vm.runInNewContext('gc') as () => void;
const liveHeap = async (): Promise<number> => {
  for (let i = 0; i < 3; i += 1) {
    await new Promise((r) => setImmediate(r));
    gc();
  }
  return process.memoryUsage().heapUsed;
};

beforeAll(async () => {
  demo = await startDemoServer({ catalogue: syntheticCatalogue({ count: CONFERENCES * PER_CONFERENCE, size: 1_000, perConference: PER_CONFERENCE }) });
  const client = createApiClient(
    { server: demo.url, org: demo.org, app: demo.app, timezone: 'Asia/Shanghai', auth: { type: 'client', clientId: demo.clientId, clientSecret: demo.clientSecret } },
    { tokenCache: new MemoryTokenCache() },
  );
  const confrIds = [...new Set(demo.files.map((f) => f.confrId))];
  records = (await Promise.all(confrIds.map(async (c) => (await client.listConference(c)).records))).flat();
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'emrec-item-memory-'));
});

afterAll(async () => {
  await demo?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

it('keeps under 2 KB per finished file, history entry included (no item falls into the larger dictionary shape)', async () => {
  expect(records).toHaveLength(CONFERENCES * PER_CONFERENCE);
  const run = async (name: string): Promise<DownloadQueue> => {
    const q = new DownloadQueue({ history: new History(openConfStore(path.join(root, name, 'store')).store), concurrency: 8 });
    q.add(records, { appkey: `${demo.org}#${demo.app}`, outDir: path.join(root, name, 'out'), template: '{id}.{ext}' });
    await q.onIdle();
    return q;
  };
  const warm = await run('warm-up'); // the demo server (in this process) caches what it served once
  const before = await liveHeap();
  const q = await run('measured');
  const perFile = ((await liveHeap()) - before) / records.length;
  expect([warm.count('done'), q.count('done')]).toEqual([records.length, records.length]);
  console.log(`live heap per finished file: ${(perFile / 1024).toFixed(2)} KB`);
  expect(perFile).toBeLessThan(2 * 1024);
});
