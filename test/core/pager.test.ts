import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiClient } from '../../main/core/api-client.ts';
import type { Connection } from '../../main/core/connection.ts';
import { listAll, pageRecords, type Page } from '../../main/core/pager.ts';
import type { Query } from '../../main/core/record.ts';
import { buildRangeQuery } from '../../main/core/time.ts';
import { MemoryTokenCache } from '../../main/core/token.ts';
import { exitCodeFor } from '../../main/cli/exit-codes.ts';
import { syntheticCatalogue, type DemoServer } from '../../main/demo/server.ts';
import { demoServers } from '../helpers/demo.ts';

const ZONE = 'Asia/Shanghai';
const ALL_TIME = buildRangeQuery('2000-01-01', '2099-12-31', ZONE);
const FAST = { limit: 3, networkLimit: 2, baseDelayMs: 5, maxDelayMs: 20 } as const;

const demo = demoServers();

function clientOf(s: DemoServer) {
  const conn: Connection = {
    server: s.url,
    org: s.org,
    app: s.app,
    timezone: ZONE,
    auth: { type: 'client', clientId: s.clientId, clientSecret: s.clientSecret },
  };
  return createApiClient(conn, { tokenCache: new MemoryTokenCache(), retry: FAST });
}

async function collect(pages: AsyncGenerator<Page>): Promise<Page[]> {
  const out: Page[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

const ids = (records: readonly { id: number }[]): number[] => records.map((r) => r.id);

async function caught(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

const raws: Server[] = [];
afterEach(async () => {
  for (const raw of raws.splice(0)) {
    raw.closeAllConnections();
    await new Promise((resolve) => raw.close(resolve));
  }
});

/** A bare HTTP server answering each paged listing with `answer(startId)` as a JSON array; closed after the test. */
async function rawServer(answer: (startId: number) => unknown[]) {
  const paths: string[] = [];
  const raw = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    paths.push(pathname);
    const startId = Number(pathname.split('/').at(-2));
    res.end(JSON.stringify(answer(startId)));
  });
  raws.push(raw);
  raw.listen(0, '127.0.0.1');
  await once(raw, 'listening');
  const client = createApiClient(
    { server: `http://127.0.0.1:${(raw.address() as AddressInfo).port}`, org: 'o', app: 'a', timezone: ZONE, auth: { type: 'token', token: 'T' } },
    { tokenCache: new MemoryTokenCache(), retry: FAST },
  );
  return { client, requests: () => [...paths] };
}

describe('pageRecords', () => {
  for (const startIdInclusive of [true, false]) {
    for (const pageSize of [3, 4]) {
      it(`walks a range in pages of ${pageSize} when startId is ${startIdInclusive ? 'included' : 'excluded'}`, async () => {
        const s = await demo({ startIdInclusive });
        const pages = await collect(pageRecords(clientOf(s), ALL_TIME, { pageSize }));
        const all = pages.flatMap((p) => ids(p.records));
        expect(all).toEqual(ids(s.files)); // every file, once, in id order
        expect(new Set(all).size).toBe(all.length);
        expect(pages.map((p) => p.pageIndex)).toEqual(pages.map((_, i) => i));
        expect(pages.length).toBeGreaterThan(5);
        expect(pages.every((p) => p.records.length <= pageSize && p.invalid.length === 0)).toBe(true);
        // One request per page; never more than needed to see the end.
        expect(s.stats.apiRequests).toBe(pages.length);
        const news = startIdInclusive ? pageSize - 1 : pageSize;
        expect(pages.length).toBeLessThanOrEqual(Math.ceil(s.files.length / news) + 1);
        // Requests ask for exactly `pageSize` items.
        const paths = Object.keys(s.stats.requestsByPath).filter((p) => p.includes('/audio/'));
        expect(paths.every((p) => p.endsWith(`/${pageSize}`))).toBe(true);
        expect(paths[0]).toMatch(new RegExp(`/audio/${ALL_TIME.begin}/${ALL_TIME.end}/0/${pageSize}$`));
      });
    }
  }

  it('walks the merged endpoint', async () => {
    const s = await demo({ startIdInclusive: true });
    const pages = await collect(pageRecords(clientOf(s), { ...ALL_TIME, kind: 'merged' }, { pageSize: 2 }));
    const merged = s.files.filter((f) => f.recordType === 'MERGE_ALL');
    expect(merged.length).toBeGreaterThan(2);
    expect(pages.flatMap((p) => ids(p.records))).toEqual(ids(merged));
    const paths = Object.keys(s.stats.requestsByPath).filter((p) => !p.endsWith('/token'));
    expect(paths.length).toBe(pages.length);
    expect(paths.every((p) => p.includes('/audio/merge/'))).toBe(true);
  });

  it('stops at once on a short first page', async () => {
    const s = await demo();
    const pages = await collect(pageRecords(clientOf(s), ALL_TIME));
    expect(pages).toHaveLength(1);
    expect(ids(pages[0]!.records)).toEqual(ids(s.files));
    expect(s.stats.apiRequests).toBe(1);
  });

  it('makes one request for conference and user queries', async () => {
    const s = await demo();
    const client = clientOf(s);
    const first = s.files[0]!;
    const conference: Query = { kind: 'conference', confrId: first.confrId };
    const pages = await collect(pageRecords(client, conference, { pageSize: 1 }));
    expect(pages).toHaveLength(1);
    expect(ids(pages[0]!.records)).toEqual(ids(s.files.filter((f) => f.confrId === first.confrId)));
    const user = await listAll(client, { kind: 'user', confrId: first.confrId, userName: first.userName });
    expect(ids(user.records)).toEqual(ids(s.files.filter((f) => f.confrId === first.confrId && f.userName === first.userName)));
    expect(s.stats.apiRequests).toBe(2);
  });

  it('collects everything with listAll', async () => {
    const s = await demo({ startIdInclusive: false });
    const result = await listAll(clientOf(s), ALL_TIME, { pageSize: 5 });
    expect(ids(result.records)).toEqual(ids(s.files));
    expect(result.invalid).toEqual([]);
  });

  it('refuses a page size above 100 before any request', async () => {
    const s = await demo();
    await expect(collect(pageRecords(clientOf(s), ALL_TIME, { pageSize: 101 }))).rejects.toMatchObject({ code: 'BAD_INPUT' });
    expect(s.stats.apiRequests + s.stats.tokenRequests).toBe(0);
  });

  it('refuses, with PAGING_BROKEN, a server that ignores startId and repeats the same full page', async () => {
    // A server that always answers the same two records (and one unusable item), whatever startId says.
    const raw = await rawServer(() => [{ id: 1, url: 'http://h/1' }, { id: 2, url: 'http://h/2' }, { url: 'no id' }]);
    const pages: Page[] = [];
    const error = await caught(async () => {
      for await (const page of pageRecords(raw.client, ALL_TIME, { pageSize: 3 })) pages.push(page);
    });
    expect(error).toMatchObject({ code: 'PAGING_BROKEN', details: { endpoint: 'range', startId: 2, pageSize: 3 } });
    expect((error as Error).message).toContain(`audio/${ALL_TIME.begin}/${ALL_TIME.end}/2/3`);
    expect(pages).toEqual([]); // the first page is never handed out: nothing of a partial list is used
    expect(raw.requests()).toEqual([`/o/a/audio/${ALL_TIME.begin}/${ALL_TIME.end}/0/3`, `/o/a/audio/${ALL_TIME.begin}/${ALL_TIME.end}/2/3`]);
    await expect(listAll(raw.client, ALL_TIME, { pageSize: 3 })).rejects.toMatchObject({ code: 'PAGING_BROKEN' });
  });

  for (const startIdInclusive of [true, false]) {
    it(`refuses the demo server ignoring startId over 338 records (startId ${startIdInclusive ? 'included' : 'excluded'}), before yielding a page`, async () => {
      const s = await demo({ startIdInclusive, catalogue: syntheticCatalogue({ count: 338, size: 1000, perConference: 20 }) });
      s.faults.ignoreStartId = true;
      const pages: Page[] = [];
      const error = await caught(async () => {
        for await (const page of pageRecords(clientOf(s), ALL_TIME)) pages.push(page);
      });
      expect(error).toMatchObject({ code: 'PAGING_BROKEN', details: { endpoint: 'range', pageSize: 100, seen: 100 } });
      expect((error as Error).message).toMatch(/time range listing audio\/\d{14}\/\d{14}\/\d+\/100/);
      expect(pages).toEqual([]);
      expect(s.stats.apiRequests).toBe(2);
      // The same server with honest paging: all 338, in order.
      s.faults.ignoreStartId = false;
      const all = await listAll(clientOf(s), ALL_TIME);
      expect(ids(all.records)).toEqual(ids(s.files));
      expect(all.records).toHaveLength(338);
    });
  }

  it('refuses the merged endpoint ignoring startId, naming that endpoint', async () => {
    const s = await demo();
    s.faults.ignoreStartId = true;
    const error = await caught(() => listAll(clientOf(s), { ...ALL_TIME, kind: 'merged' }, { pageSize: 2 }));
    expect(error).toMatchObject({ code: 'PAGING_BROKEN', details: { endpoint: 'merged' } });
    expect((error as Error).message).toContain('merged, time range listing audio/merge/');
  });

  it('still ends normally when a server ignoring startId has everything on the first (short) page', async () => {
    const s = await demo();
    s.faults.ignoreStartId = true;
    const result = await listAll(clientOf(s), ALL_TIME);
    expect(ids(result.records)).toEqual(ids(s.files));
    expect(s.stats.apiRequests).toBe(1);
  });

  for (const startIdInclusive of [true, false]) {
    it(`walks pages of one when startId is ${startIdInclusive ? 'included (each page is then only the startId record)' : 'excluded'}`, async () => {
      const s = await demo({ startIdInclusive });
      const result = await listAll(clientOf(s), ALL_TIME, { pageSize: 1 });
      expect(ids(result.records)).toEqual(ids(s.files));
      // Included: the startId record, then one probe from startId + 1 per record.
      expect(s.stats.apiRequests).toBeLessThanOrEqual(startIdInclusive ? 2 * s.files.length + 1 : s.files.length + 1);
    });
  }

  it('refuses pages of one from a server ignoring startId', async () => {
    const s = await demo({ startIdInclusive: true });
    s.faults.ignoreStartId = true;
    await expect(listAll(clientOf(s), ALL_TIME, { pageSize: 1 })).rejects.toMatchObject({ code: 'PAGING_BROKEN', details: { reason: 'backwards' } });
    expect(s.stats.apiRequests).toBe(3);
  });

  it('refuses ids that go back below startId, even with new ids on the page', async () => {
    const raw = await rawServer((startId) =>
      startId === 0 ? [1, 2, 3].map((id) => ({ id, url: `http://h/${id}` })) : [2, 4, 5].map((id) => ({ id, url: `http://h/${id}` })),
    );
    await expect(listAll(raw.client, ALL_TIME, { pageSize: 3 })).rejects.toMatchObject({
      code: 'PAGING_BROKEN',
      details: { reason: 'backwards', id: 2, startId: 3 },
    });
  });

  it('refuses a full page whose ids are not ascending (its last id is no cursor)', async () => {
    const raw = await rawServer(() => [5, 9, 7].map((id) => ({ id, url: `http://h/${id}` })));
    const error = await caught(() => listAll(raw.client, ALL_TIME, { pageSize: 3 }));
    expect(error).toMatchObject({ code: 'PAGING_BROKEN', details: { reason: 'backwards', id: 7, after: 9, startId: 0 } });
    expect(raw.requests()).toHaveLength(1);
  });

  it('accepts a short last page in any order, and a short first page in any order', async () => {
    const raw = await rawServer((startId) =>
      startId === 0 ? [1, 2, 3].map((id) => ({ id, url: `http://h/${id}` })) : [5, 4].map((id) => ({ id, url: `http://h/${id}` })),
    );
    expect(ids((await listAll(raw.client, ALL_TIME, { pageSize: 3 })).records)).toEqual([1, 2, 3, 5, 4]);
    const single = await rawServer(() => [9, 3].map((id) => ({ id, url: `http://h/${id}` })));
    expect(ids((await listAll(single.client, ALL_TIME, { pageSize: 3 })).records)).toEqual([9, 3]);
  });

  it('refuses a full page with no usable id (no cursor to go on from)', async () => {
    const raw = await rawServer(() => [{ url: 'a' }, { url: 'b' }]);
    await expect(listAll(raw.client, ALL_TIME, { pageSize: 2 })).rejects.toMatchObject({ code: 'PAGING_BROKEN', details: { reason: 'no-new-id' } });
  });

  it('is exit 3 for the CLI (an API failure)', () => {
    expect(exitCodeFor('PAGING_BROKEN')).toBe(3);
  });

  it('passes a cancel signal to its requests', async () => {
    const s = await demo({ startIdInclusive: false });
    const controller = new AbortController();
    const pages: Page[] = [];
    await expect(
      (async () => {
        for await (const page of pageRecords(clientOf(s), ALL_TIME, { pageSize: 3, signal: controller.signal })) {
          pages.push(page);
          if (page.pageIndex === 1) controller.abort();
        }
      })(),
    ).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(pages).toHaveLength(2);
    // Each page is handed out once the next answer shows the paging advanced: one request ahead.
    expect(s.stats.apiRequests).toBe(3);
  });
});
