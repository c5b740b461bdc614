// Every state × action of the transition table, against the real queue, demo server and files: an
// allowed action does what it says; any other is refused with NOT_ALLOWED and changes nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient } from '../../../main/core/api-client.ts';
import { openConfStore } from '../../../main/core/conf-store.ts';
import { isEmrecError } from '../../../main/core/errors.ts';
import { History } from '../../../main/core/history.ts';
import type { ItemState } from '../../../main/core/progress.ts';
import { DownloadQueue, type DownloadJob } from '../../../main/core/queue/download-queue.ts';
import { ALLOWED, ITEM_ACTIONS, ITEM_STATES, isAllowed, type ItemAction } from '../../../main/core/queue/states.ts';
import type { Recording } from '../../../main/core/record.ts';
import { MemoryTokenCache } from '../../../main/core/token.ts';
import { startDemoServer, syntheticCatalogue, type DemoServer } from '../../../main/demo/server.ts';

const SIZE = 400_000;
let demo: DemoServer;
let records: Recording[];
let root: string;

beforeAll(async () => {
  demo = await startDemoServer({ catalogue: syntheticCatalogue({ count: 3, size: SIZE, perConference: 3 }) });
  const client = createApiClient(
    { server: demo.url, org: demo.org, app: demo.app, timezone: 'Asia/Shanghai', auth: { type: 'client', clientId: demo.clientId, clientSecret: demo.clientSecret } },
    { tokenCache: new MemoryTokenCache() },
  );
  records = [...(await client.listConference(demo.files[0]!.confrId)).records].sort((a, b) => a.id - b.id);
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'emrec-states-'));
});

afterAll(async () => {
  await demo?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

interface Setup {
  readonly q: DownloadQueue;
  readonly job: DownloadJob;
  readonly id: number;
  readonly partOf: () => string;
  readonly release: () => void;
}

const until = async (condition: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 500 && !condition(); i += 1) await new Promise((r) => setTimeout(r, 10));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
};

/** A queue with the file `records[1]` brought into `state`. */
async function inState(state: ItemState, n: number): Promise<Setup> {
  const dir = path.join(root, `${state}-${n}`);
  const history = new History(openConfStore(path.join(dir, 'store')).store);
  const q = new DownloadQueue({ history, concurrency: 1, retry: { limit: 1, baseDelayMs: 5, maxDelayMs: 10 } });
  let release = (): void => {};
  const hold = new Promise<void>((r) => (release = r));
  const job: DownloadJob = {
    appkey: `${demo.org}#${demo.app}`,
    outDir: path.join(dir, 'out'),
    template: '{id}.{ext}',
    ...(state === 'converting' ? { postProcess: async (_i, abs) => (await hold, { path: abs }) } : {}),
  };
  const [first, target] = [records[0]!, records[1]!];
  const view = (): ItemState | undefined => q.snapshot().find((i) => i.id === target.id)?.state;
  const partOf = (): string => path.join(job.outDir, `${target.id}.webm.part`);
  Object.assign(demo.faults, { bytesPerSecond: undefined, filesMissing: false });
  switch (state) {
    case 'waiting':
      demo.faults.bytesPerSecond = 50_000; // the first file holds the one slot
      q.add([first, target], job);
      await until(() => view() === 'waiting' && q.snapshot()[0]?.state === 'downloading', 'waiting');
      break;
    case 'downloading':
    case 'paused':
      demo.faults.bytesPerSecond = 100_000;
      q.add([target], job);
      await until(() => (q.snapshot()[0]?.bytes ?? 0) > 20_000, 'bytes');
      if (state === 'paused') q.pause(target.id);
      break;
    case 'converting':
      q.add([target], job);
      await until(() => view() === 'converting', 'converting');
      break;
    case 'done':
    case 'cancelled':
      q.add([target], job);
      await q.onIdle();
      if (state === 'cancelled') {
        demo.faults.bytesPerSecond = 100_000;
        q.add([target], { ...job, force: true });
        await until(() => (q.snapshot()[0]?.bytes ?? 0) > 20_000, 'bytes');
        q.cancel(target.id);
        await q.onIdle();
      }
      break;
    case 'skipped':
      q.add([target], job);
      await q.onIdle();
      {
        const again = new DownloadQueue({ history });
        again.add([target], job);
        return { q: again, job, id: target.id, partOf, release };
      }
    case 'failed':
      demo.faults.filesMissing = true;
      q.add([target], job);
      await q.onIdle();
      demo.faults.filesMissing = false;
      break;
  }
  expect(view()).toBe(state);
  return { q, job, id: target.id, partOf, release };
}

/** What an allowed action leads to, once the queue has settled. */
const OUTCOME: Partial<Record<`${ItemState}:${ItemAction}`, ItemState>> = {
  'waiting:pause': 'paused',
  'waiting:cancel': 'cancelled',
  'downloading:pause': 'paused',
  'downloading:cancel': 'cancelled',
  'paused:resume': 'done',
  'paused:cancel': 'cancelled',
  'converting:pause': 'paused',
  'converting:cancel': 'cancelled',
  'failed:retry': 'done',
  'failed:cancel': 'cancelled',
  'cancelled:retry': 'done',
};

describe('the transition table', () => {
  it('names an outcome for exactly the allowed pairs', () => {
    for (const state of ITEM_STATES) {
      for (const action of ITEM_ACTIONS) expect(OUTCOME[`${state}:${action}`] !== undefined, `${state}:${action}`).toBe(isAllowed(state, action));
    }
    expect(Object.keys(ALLOWED).sort()).toEqual([...ITEM_STATES].sort());
  });

  let n = 0;
  for (const state of ITEM_STATES) {
    for (const action of ITEM_ACTIONS) {
      it(`${state} × ${action}: ${isAllowed(state, action) ? `→ ${OUTCOME[`${state}:${action}`]}` : 'refused'}`, async () => {
        const { q, id, partOf, release } = await inState(state, (n += 1));
        try {
          if (!isAllowed(state, action)) {
            const before = q.snapshot().find((i) => i.id === id);
            let error: unknown;
            try {
              q[action](id);
            } catch (e) {
              error = e;
            }
            expect(isEmrecError(error, 'NOT_ALLOWED'), String(error)).toBe(true);
            expect((error as { details?: unknown }).details).toMatchObject({ id, action, state });
            expect(q.snapshot().find((i) => i.id === id)?.state).toBe(before?.state);
            return;
          }
          demo.faults.bytesPerSecond = undefined;
          q[action](id);
          release();
          await q.onIdle();
          const outcome = OUTCOME[`${state}:${action}`];
          expect(q.snapshot().find((i) => i.id === id)?.state).toBe(outcome);
          if (outcome === 'cancelled') expect(fs.existsSync(partOf())).toBe(false);
          if (outcome === 'paused') expect(fs.existsSync(partOf())).toBe(state === 'downloading');
          if (outcome === 'done') expect(fs.statSync(partOf().replace(/\.part$/, '')).size).toBe(SIZE);
        } finally {
          release();
          demo.faults.bytesPerSecond = undefined;
          q.cancel();
          await q.onIdle();
        }
      });
    }
  }

  it('bulk actions apply to the files whose state allows them and leave the rest', async () => {
    const { q, job } = await inState('failed', 99);
    q.add([records[0]!], job);
    await q.onIdle();
    expect(q.snapshot().map((i) => i.state).sort()).toEqual(['done', 'failed']);
    q.pause(); // nothing to pause: no error
    q.retry();
    await q.onIdle();
    expect(q.snapshot().map((i) => i.state)).toEqual(['done', 'done']);
  });
});
