// query:*, download:*, history:* and shell:* with the real core, a real demo server and real files.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueueProgress } from '../../main/core/progress.ts';
import type { RecordRow } from '../../main/ipc/contract.ts';
import { last30Days, runQuery, startHarness, waitForEvent, type Harness } from './helpers.ts';

let h: Harness;
let connectionId: string;
let queryId: string;
let rows: RecordRow[];
const TEMPLATE = '{date}/{confrId}/{time}_{user}_{recordType}_{id}.{ext}';

beforeAll(async () => {
  h = await startHarness();
  connectionId = (await h.ok('demo:connect')).id;
  const result = await runQuery(h, connectionId, last30Days());
  queryId = result.queryId;
  rows = result.rows;
});
afterAll(async () => {
  await h.close();
});

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
const allSettled = (p: QueueProgress): boolean =>
  p.counts.waiting + p.counts.downloading + p.counts.converting === 0 && p.counts.done + p.counts.failed + p.counts.skipped + p.counts.cancelled > 0;

async function download(ids: number[], extra: Record<string, unknown> = {}) {
  const settled = waitForEvent(h.service, 'download:progress', allSettled, 'downloads to settle');
  const started = await h.ok('download:start', {
    connectionId, queryId, ids, outDir: h.outDir, template: TEMPLATE, convert: false, keepOriginal: true, concurrency: 2, ...extra,
  });
  if (started.queued > 0) await settled;
  await h.service.downloadsIdle();
  return started;
}

describe('query', () => {
  it('streams every record of a range as rows', () => {
    expect(rows.map((r) => r.id).sort()).toEqual(h.demo.files.map((f) => f.id).sort());
    const old = rows.find((r) => r.id === h.demo.files[0]!.id)!;
    const file = h.demo.files[0]!;
    expect(old).toMatchObject({
      confrId: file.confrId,
      recordType: file.recordType,
      format: 'webm',
      mayBeIncomplete: false,
      downloaded: false,
      durationSec: 8 * 60,
      estimatedBytes: expect.any(Number),
    });
    expect(old.plannedPath).toMatch(new RegExp(`^\\d{4}-\\d{2}-\\d{2}/${file.confrId}/\\d{6}_.+_${file.recordType}_${file.id}\\.webm$`));
    expect(Date.parse(old.begin!)).toBeLessThan(Date.parse(old.end!));
    expect(Date.parse(old.expiresAt!)).toBeGreaterThan(Date.now());
  });

  it('answers conference, user and merged queries', async () => {
    const file = h.demo.files[0]!;
    const conf = await runQuery(h, connectionId, { kind: 'conference', confrId: file.confrId });
    expect(conf.rows.length).toBe(h.demo.files.filter((f) => f.confrId === file.confrId).length);
    const user = file.userName.slice(file.userName.indexOf('_') + 1);
    const one = await runQuery(h, connectionId, { kind: 'user', confrId: file.confrId, userName: user });
    expect(one.rows.length).toBeGreaterThan(0);
    expect(one.rows.every((r) => r.user === user)).toBe(true);
    const merged = await runQuery(h, connectionId, last30Days('merged'));
    expect(merged.rows.length).toBe(h.demo.files.filter((f) => f.recordType === 'MERGE_ALL').length);
    expect(merged.rows.every((r) => r.format === 'mp4')).toBe(true);
  });

  it('ends a failing query with an error page', async () => {
    const result = await runQuery(h, connectionId, { kind: 'user', confrId: 'no-such-conference', userName: 'nobody' });
    expect(result.last?.done).toBe(true);
    expect(result.last?.error?.code).toBe('NOT_FOUND');
  });


  it.each([
    ['from after to', () => ({ connectionId, template: TEMPLATE, query: { kind: 'range', from: new Date().toISOString(), to: new Date(Date.now() - 86400_000).toISOString() } })],
    ['a date without offset', () => ({ connectionId, template: TEMPLATE, query: { kind: 'range', from: '2024-01-01T00:00:00', to: '2024-01-02T00:00:00' } })],
    ['an unknown kind', () => ({ connectionId, template: TEMPLATE, query: { kind: 'everything' } })],
    ['an empty conference id', () => ({ connectionId, template: TEMPLATE, query: { kind: 'conference', confrId: '   ' } })],
    ['an extra key', () => ({ connectionId, template: TEMPLATE, query: { kind: 'conference', confrId: 'x' }, limit: 5 })],
    ['a template escaping the folder', () => ({ connectionId, template: '../../{id}.{ext}', query: { kind: 'conference', confrId: 'x' } })],
    ['a malformed connection id', () => ({ connectionId: '../x', template: TEMPLATE, query: { kind: 'conference', confrId: 'x' } })],
  ])('refuses %s with BAD_INPUT', async (_name, make) => {
    const result = await h.raw('query:start', make());
    expect(result.ok ? 'ok' : result.error.code).toBe('BAD_INPUT');
  });

  it('cancels a running query', async () => {
    const pages: string[] = [];
    const stop = h.service.on('query:page', (p) => void pages.push(p.queryId));
    h.demo.faults.throttle = { count: 1, status: 503, retryAfterSeconds: 30 };
    const { queryId: id } = await h.ok('query:start', { connectionId, query: last30Days(), template: TEMPLATE });
    const done = waitForEvent(h.service, 'query:page', (p) => p.queryId === id && p.done, 'the cancelled page');
    await h.ok('query:cancel', { queryId: id });
    const last = await done;
    stop();
    h.demo.faults.throttle = { count: 0, status: 429 };
    expect(last.error?.code).toBe('CANCELLED');
    expect((await h.call('query:cancel', { queryId: 'unknown' })).ok).toBe(false);
  });
});

describe('download', () => {
  it('downloads chosen records into the output folder, records history and skips them next time', async () => {
    const ids = h.demo.files.slice(0, 2).map((f) => f.id);
    const started = await download(ids);
    expect(started).toEqual({ queued: 2, skipped: 0 });
    const snapshot = await h.ok('download:snapshot');
    for (const id of ids) {
      const item = snapshot.items.find((i) => i.id === id)!;
      expect(item.state).toBe('done');
      const file = path.join(h.outDir, item.path);
      expect(sha(file)).toBe(await h.demo.expectedSha256(id));
      expect(item.path).toBe(rows.find((r) => r.id === id)!.plannedPath);
    }
    const history = await h.ok('history:list', {});
    expect(history.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(history.every((r) => r.exists)).toBe(true);

    const again = await h.ok('download:start', {
      connectionId, queryId, ids, outDir: h.outDir, template: TEMPLATE, convert: false, keepOriginal: true, concurrency: 2,
    });
    expect(again).toEqual({ queued: 0, skipped: 2 });
    const requery = await runQuery(h, connectionId, last30Days());
    expect(requery.rows.filter((r) => r.downloaded).map((r) => r.id).sort()).toEqual([...ids].sort());
  });

  it('converts to MP4 when asked', async () => {
    const file = h.demo.files.find((f) => f.media.kind === 'ffmpeg' && f.media.spec.container === 'webm' && f.media.spec.video !== 'none' && !h.demo.files.slice(0, 2).includes(f))!;
    await download([file.id], { convert: true, keepOriginal: true });
    const entry = (await h.ok('history:list', { search: String(file.id) }))[0]!;
    expect(entry.convertedPath).toMatch(/\.mp4$/);
    expect(existsSync(entry.convertedPath!)).toBe(true);
    expect(existsSync(entry.path)).toBe(true);
  });

  it('pauses, resumes and cancels', async () => {
    const file = h.demo.files.at(-1)!;
    h.demo.faults.bytesPerSecond = 4_000;
    const downloading = waitForEvent(h.service, 'download:progress', (p) => p.items.some((i) => i.id === file.id && i.state === 'downloading' && i.bytes > 0), 'bytes');
    await h.ok('download:start', { connectionId, queryId, ids: [file.id], outDir: h.outDir, template: TEMPLATE, convert: false, keepOriginal: true, concurrency: 1 });
    await downloading;
    const paused = waitForEvent(h.service, 'download:progress', (p) => p.items.some((i) => i.id === file.id && i.state === 'paused'), 'paused');
    await h.ok('download:pause', { id: file.id });
    await paused;
    expect(h.service.savedQueueCount()).toBeGreaterThan(0);
    h.demo.faults.bytesPerSecond = undefined;
    const done = waitForEvent(h.service, 'download:progress', (p) => p.items.some((i) => i.id === file.id && i.state === 'done'), 'done');
    await h.ok('download:resume', {});
    await done;
    const item = (await h.ok('download:snapshot')).items.find((i) => i.id === file.id)!;
    expect(sha(path.join(h.outDir, item.path))).toBe(await h.demo.expectedSha256(file.id));
    await h.ok('download:cancel', {});
    await h.ok('download:retry', {});
  });

  it.each([
    ['a relative folder', { outDir: 'out' }],
    ['a folder with ..', { outDir: '/tmp/../etc' }],
    ['a template with ..', { template: '{id}/../../../x.{ext}' }],
    ['an absolute template', { template: '/etc/{id}' }],
    ['an extra key', { evil: 1 }],
    ['no ids', { ids: [] }],
    ['negative ids', { ids: [-1] }],
    ['ids not in the query', { ids: [1] }],
    ['string concurrency', { concurrency: '2' }],
    ['zero concurrency', { concurrency: 0 }],
    ['an unknown query', { queryId: 'nope' }],
  ] as [string, Record<string, unknown>][])('refuses %s', async (_name, extra) => {
    const arg = { connectionId, queryId, ids: [h.demo.files[0]!.id], outDir: h.outDir, template: TEMPLATE, convert: false, keepOriginal: true, concurrency: 1, ...extra };
    const result = await h.raw('download:start', arg);
    expect(result.ok ? 'ok' : result.error.code).toBe(extra.queryId === 'nope' ? 'NOT_FOUND' : 'BAD_INPUT');
  });

  it.each(['download:pause', 'download:resume', 'download:cancel', 'download:retry'])('%s refuses malformed targets', async (channel) => {
    for (const arg of [{ id: 'x' }, { id: -1 }, { id: 1, more: true }, 5]) {
      const result = await h.raw(channel, arg);
      expect(result.ok ? 'ok' : result.error.code).toBe('BAD_INPUT');
    }
  });
});

describe('history and shell', () => {
  it('searches, exports CSV with a BOM, re-downloads and removes', async () => {
    const all = await h.ok('history:list', {});
    expect(all.length).toBeGreaterThanOrEqual(3);
    const target = all[0]!;
    expect((await h.ok('history:list', { search: target.confrId })).every((r) => r.confrId === target.confrId)).toBe(true);
    expect(await h.ok('history:list', { search: 'no such thing at all' })).toEqual([]);

    const csvPath = path.join(h.root, 'export', '历史.csv');
    const exported = await h.ok('history:exportCsv', { path: csvPath });
    expect(exported).toEqual({ path: csvPath, rows: all.length });
    const text = readFileSync(csvPath, 'utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const records = parse(text.slice(1), { columns: true }) as Record<string, string>[];
    expect(records.map((r) => Number(r.id)).sort()).toEqual(all.map((r) => r.id).sort());
    for (const bad of [{ path: 'relative.csv' }, { path: '/tmp/../etc/x.csv' }, { path: path.join(h.root, 'x.sh') }, { path: 5 }]) {
      const r = await h.raw('history:exportCsv', bad);
      expect(r.ok ? 'ok' : r.error.code).toBe('BAD_INPUT');
    }

    const before = h.demo.stats.fileRequests;
    const redone = await h.ok('history:redownload', { key: target.key });
    expect(redone.queued).toBe(1);
    await h.service.downloadsIdle();
    expect(h.demo.stats.fileRequests).toBeGreaterThan(before);
    expect(sha(target.path)).toBe(await h.demo.expectedSha256(target.id));

    await h.ok('history:remove', { key: target.key });
    expect((await h.ok('history:list', {})).map((r) => r.key)).not.toContain(target.key);
    for (const [channel, arg, code] of [
      ['history:remove', { key: target.key }, 'NOT_FOUND'],
      ['history:remove', { key: 'garbage' }, 'BAD_INPUT'],
      ['history:redownload', { key: 'a|b' }, 'BAD_INPUT'],
      ['history:remove', { key: '' }, 'BAD_INPUT'],
      ['history:list', { search: 5 }, 'BAD_INPUT'],
      ['history:list', { search: 'x', more: 1 }, 'BAD_INPUT'],
    ] as const) {
      const r = await h.raw(channel, arg);
      expect(r.ok ? 'ok' : r.error.code, `${channel} ${JSON.stringify(arg)}`).toBe(code);
    }
  });

  it('opens only paths inside known folders or saved files', async () => {
    const entry = (await h.ok('history:list', {}))[0]!;
    await h.ok('shell:showItem', { path: entry.path });
    await h.ok('shell:openPath', { path: h.outDir });
    await h.ok('shell:openPath', { path: path.dirname(entry.path) });
    expect(h.shown).toContain(entry.path);
    expect(h.opened).toEqual([h.outDir, path.dirname(entry.path)]);
    for (const p of ['/etc/passwd', `${h.outDir}/../../etc/passwd`, 'relative/file', h.root, `${h.outDir}-sibling/x`, '/']) {
      for (const channel of ['shell:openPath', 'shell:showItem'] as const) {
        const r = await h.raw(channel, { path: p });
        expect(r.ok ? 'ok' : r.error.code, `${channel} ${p}`).toBe('BAD_INPUT');
      }
    }
    expect(h.opened).toHaveLength(2);
  });

  it('lets the user pick a folder, which may then be opened', async () => {
    const picked = await h.ok('dialog:pickFolder', {});
    expect(picked).toBe(h.outDir);
    expect((await h.raw('dialog:pickFolder', { defaultPath: 3 })).ok).toBe(false);
  });
});

// last: its queries push the first query out of the few kept
describe('meetings without recordings', () => {
  it('names meetings without recordings as missing, not as a failed query, and lists many meetings in one', async () => {
    const single = await runQuery(h, connectionId, { kind: 'conference', confrId: 'no-such-conference' });
    expect(single.last?.done).toBe(true);
    expect(single.last?.error).toBeUndefined();
    expect(single.pages.flatMap((p) => p.missing ?? [])).toEqual(['no-such-conference']);

    const meetings = [...new Set(h.demo.files.map((f) => f.confrId))].slice(0, 2);
    const many = await runQuery(h, connectionId, { kind: 'conferences', confrIds: [...meetings, 'no-such-conference', meetings[0]!] });
    expect(many.last?.error).toBeUndefined();
    expect(many.rows.map((r) => r.id).sort()).toEqual(h.demo.files.filter((f) => meetings.includes(f.confrId)).map((f) => f.id).sort());
    expect(many.pages.flatMap((p) => p.missing ?? [])).toEqual(['no-such-conference']);
  });

  it('keeps when the meeting took place with the history entry, whatever the file is named', async () => {
    const { queryId: id } = await h.ok('query:start', { connectionId, query: last30Days(), template: '{id}.{ext}' });
    await waitForEvent(h.service, 'query:page', (p) => p.queryId === id && p.done, 'the last page');
    const file = h.demo.files.at(-1)!;
    const saved = waitForEvent(h.service, 'download:progress', (p) => p.items.some((i) => i.id === file.id && i.state === 'done' && i.path.endsWith(`${file.id}.${i.path.split('.').pop()}`)), 'the file saved');
    await h.ok('download:start', { connectionId, queryId: id, ids: [file.id], outDir: path.join(h.outDir, 'by-id'), template: '{id}.{ext}', convert: false, keepOriginal: true, concurrency: 1, force: true });
    await saved;
    const row = (await h.ok('history:list', { search: String(file.id) })).find((r) => r.id === file.id)!;
    expect(path.basename(row.path)).toMatch(new RegExp(`^${file.id}\\.`));
    expect(row.recordedAt).toBe(DateTime.fromFormat(file.confrBeginTime, 'yyyy-MM-dd HH:mm:ss', { zone: 'Asia/Shanghai' }).toJSDate().toISOString());
  });
});
