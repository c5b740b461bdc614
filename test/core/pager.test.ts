import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createApiClient } from '../../main/core/api-client.ts';
import type { Connection } from '../../main/core/connection.ts';
import { listAll, pageRecords, type Page } from '../../main/core/pager.ts';
import type { Query } from '../../main/core/record.ts';
import { buildRangeQuery } from '../../main/core/time.ts';
import { MemoryTokenCache } from '../../main/core/token.ts';
import type { DemoServer } from '../../main/demo/server.ts';
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

  it('stops when a server ignores startId and repeats the same full page', async () => {
    // A server that always answers the same two records, whatever startId says.
    let requests = 0;
    const raw = createServer((_req, res) => {
      requests += 1;
      res.end(JSON.stringify([{ id: 1, url: 'http://h/1' }, { id: 2, url: 'http://h/2' }, { url: 'no id' }]));
    });
    raw.listen(0, '127.0.0.1');
    await once(raw, 'listening');
    try {
      const client = createApiClient(
        { server: `http://127.0.0.1:${(raw.address() as AddressInfo).port}`, org: 'o', app: 'a', timezone: ZONE, auth: { type: 'token', token: 'T' } },
        { tokenCache: new MemoryTokenCache(), retry: FAST },
      );
      const result = await listAll(client, ALL_TIME, { pageSize: 3 });
      expect(ids(result.records)).toEqual([1, 2]);
      expect(result.invalid).toHaveLength(2); // one per page, reported, not fatal
      expect(requests).toBe(2);
    } finally {
      raw.closeAllConnections();
      await new Promise((resolve) => raw.close(resolve));
    }
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
    expect(s.stats.apiRequests).toBe(2);
  });
});
