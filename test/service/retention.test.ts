// The retention period per connection: saved with it, read as 30 from connections saved before it
// existed, and added to each row's call end as `deletesAt` (rows from a real demo server and toRow itself).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileTemplate, DEFAULT_TEMPLATE } from '../../main/core/naming.ts';
import { startDemoServer } from '../../main/demo/server.ts';
import type { ConnectionInput, RecordRow } from '../../main/ipc/contract.ts';
import { toRow } from '../../main/service/rows.ts';
import { demoConnectionInput, last30Days, runQuery, startHarness, testSecretBox, type Harness } from './helpers.ts';

const DAY = 24 * 3600_000;

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const input = (over: Partial<ConnectionInput> = {}): ConnectionInput => demoConnectionInput(h, 'Private deployment', over);

/** Every row with a call end is deleted `days` after it; the query found something to check. */
function expectDeletion(rows: readonly RecordRow[], days: number): void {
  const ended = rows.filter((r) => r.end !== undefined);
  expect(ended.length).toBeGreaterThan(0);
  for (const row of ended) expect(Date.parse(row.deletesAt!) - Date.parse(row.end!), `row ${row.id}`).toBe(days * DAY);
}

describe('retention period', () => {
  it('saves 30 days by default and another period when given, and keeps it on an update without one', async () => {
    const cloud = await h.ok('connections:save', input({ name: 'Cloud' }));
    expect(cloud.retentionDays).toBe(30);
    const seven = await h.ok('connections:save', input({ retentionDays: 7 }));
    expect(seven.retentionDays).toBe(7);
    const renamed = await h.ok('connections:save', input({ id: seven.id, name: 'Renamed', auth: { type: 'client', clientId: h.demo.clientId, clientSecret: '' } }));
    expect(renamed.retentionDays).toBe(7);
    const list = await h.ok('connections:list');
    expect(list.find((c) => c.id === seven.id)?.retentionDays).toBe(7);
    expect(list.find((c) => c.id === cloud.id)?.retentionDays).toBe(30);
    const stored = JSON.parse(readFileSync(path.join(h.stateDir, 'emrec-app.json'), 'utf8')) as { connections: { id: string; retentionDays?: number }[] };
    expect(stored.connections.find((c) => c.id === seven.id)?.retentionDays).toBe(7);
  });

  it.each([0, 3651, 7.5, '7', -1])('refuses a retention period of %j', async (retentionDays) => {
    const result = await h.raw('connections:save', { ...input(), retentionDays });
    expect(result.ok ? 'ok' : result.error.code).toBe('BAD_INPUT');
  });

  it("dates each row's deletion from its connection's period", async () => {
    const seven = await h.ok('connections:save', input({ name: 'Seven', retentionDays: 7 }));
    const cloud = await h.ok('connections:save', input({ name: 'Thirty' }));
    const short = await runQuery(h, seven.id, last30Days());
    const long = await runQuery(h, cloud.id, last30Days());
    expect(short.rows).toHaveLength(h.demo.files.length);
    expectDeletion(short.rows, 7);
    expectDeletion(long.rows, 30);
    // The catalogue spans the last month: with 7 days some are already past their deletion date, with 30 none are.
    const now = Date.now();
    expect(short.rows.some((r) => Date.parse(r.deletesAt!) < now)).toBe(true);
    expect(long.rows.every((r) => Date.parse(r.deletesAt!) > now)).toBe(true);
  });
});

describe('toRow deletesAt', () => {
  const ctx = { zone: 'Asia/Shanghai', template: compileTemplate(DEFAULT_TEMPLATE), downloaded: () => false, now: Date.parse('2024-05-20T00:00:00Z') };
  const record = { id: 1, url: 'https://files.example/a.webm', confrBeginTime: '2024-05-01 08:30:15', confrEndTime: '2024-05-01 09:00:15', recordTime: '2024-05-01 09:00:20' };

  it('adds the retention days to the call end (Beijing time in, UTC out)', () => {
    expect(toRow(record, { ...ctx, retentionDays: 7 }).deletesAt).toBe('2024-05-08T01:00:15.000Z');
    expect(toRow(record, ctx).deletesAt).toBe('2024-05-31T01:00:15.000Z');
  });

  it('falls back to the recording time, then the start, and has none without any time', () => {
    const { confrEndTime: _end, ...noEnd } = record;
    expect(toRow(noEnd, { ...ctx, retentionDays: 7 }).deletesAt).toBe('2024-05-08T01:00:20.000Z');
    const { recordTime: _time, ...onlyBegin } = noEnd;
    expect(toRow(onlyBegin, { ...ctx, retentionDays: 1 }).deletesAt).toBe('2024-05-02T00:30:15.000Z');
    expect(toRow({ id: 2, url: 'https://files.example/b.mp4' }, ctx).deletesAt).toBeUndefined();
  });
});

describe('connections saved before the retention period existed', () => {
  it('read as 30 days, query with 30 and keep the field once saved again', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'emrec-svc-retention-'));
    const demo = await startDemoServer();
    const old = {
      id: 'old-connection',
      name: 'Saved by 0.1',
      server: demo.url,
      org: demo.org,
      app: demo.app,
      timezone: 'Asia/Shanghai',
      authType: 'client',
      clientId: demo.clientId,
      secret: testSecretBox.encrypt(demo.clientSecret),
    };
    mkdirSync(path.join(root, 'state'), { recursive: true });
    const file = path.join(root, 'state', 'emrec-app.json');
    writeFileSync(file, JSON.stringify({ version: 1, settings: {}, connections: [old], activeConnectionId: old.id }));
    const m = await startHarness({ root, service: { demo: { start: async () => demo } } });
    try {
      const [listed] = await m.ok('connections:list');
      expect(listed).toMatchObject({ id: old.id, name: old.name, retentionDays: 30, active: true, hasSecret: true });
      const { rows } = await runQuery(m, old.id, last30Days());
      expect(rows).toHaveLength(demo.files.length);
      expectDeletion(rows, 30);

      await m.ok('connections:save', {
        id: old.id,
        name: 'Renamed',
        server: demo.url,
        org: demo.org,
        app: demo.app,
        timezone: 'Asia/Shanghai',
        auth: { type: 'client', clientId: demo.clientId, clientSecret: '' },
      });
      const saved = JSON.parse(readFileSync(file, 'utf8')) as { connections: { id: string; retentionDays?: number }[] };
      expect(saved.connections.find((c) => c.id === old.id)?.retentionDays).toBe(30);
    } finally {
      await m.close();
      await demo.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
