// The demo server over real sockets: token grant, the four list endpoints, paging, response shapes,
// every fault switch, and the file host's Range/If-Range/ETag/expiry behaviour.
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingSchema } from '../../main/core/record.ts';
import { runDemo } from '../../main/demo/cli-demo.ts';
import { demoCatalogue, syntheticCatalogue } from '../../main/demo/catalogue.ts';
import type { DemoFile } from '../../main/demo/catalogue.ts';
import { startDemoServer } from '../../main/demo/server.ts';
import type { DemoOptions, DemoServer } from '../../main/demo/server.ts';

type Rec = Record<string, unknown> & { id: number; url: string; confrId: string; userName: string; recordType: string };

let mediaDir: string;
const servers: DemoServer[] = [];

beforeAll(async () => {
  mediaDir = await mkdtemp(join(tmpdir(), 'emrec-demo-test-'));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await rm(mediaDir, { recursive: true, force: true });
});

async function start(options: DemoOptions = {}): Promise<DemoServer> {
  const server = await startDemoServer({ mediaDir, ...options });
  servers.push(server);
  return server;
}

async function token(server: DemoServer, secret = server.clientSecret): Promise<Response> {
  return fetch(`${server.url}/${server.org}/${server.app}/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', client_id: server.clientId, client_secret: secret }),
  });
}

async function bearer(server: DemoServer): Promise<string> {
  const body = (await (await token(server)).json()) as { access_token: string };
  return body.access_token;
}

function list(server: DemoServer, path: string, accessToken?: string): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (accessToken !== undefined) headers['Authorization'] = `Bearer ${accessToken}`;
  return fetch(`${server.url}/${server.org}/${server.app}/audio/${path}`, { headers });
}

async function entities(response: Response): Promise<Rec[]> {
  expect(response.status).toBe(200);
  const body = (await response.json()) as { entities: Rec[] };
  return body.entities;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const compact = (local: string): string => local.replace(/\D/g, '');
const ALL_TIME = '20000101000000/20991231235959';

/** A raw GET that reports exactly what arrived before the connection ended, however it ended. */
function rawGet(url: string, headers: Record<string, string> = {}, idleMs?: number) {
  return new Promise<{ status: number; headers: Record<string, unknown>; bytes: Buffer; complete: boolean; idle: boolean }>((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      let idle = false;
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', () => undefined); // a cut body: what arrived is the answer
      const finish = (): void => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes: Buffer.concat(chunks), complete: res.complete, idle });
      res.on('close', finish);
      if (idleMs !== undefined) {
        req.setTimeout(idleMs, () => {
          idle = true;
          req.destroy();
        });
      }
    });
    req.on('error', (e) => (e.message.includes('socket hang up') ? undefined : reject(e)));
    req.end();
  });
}

describe('token endpoint', () => {
  let server: DemoServer;
  beforeAll(async () => {
    server = await start();
  });

  it('grants a token for the right client credentials', async () => {
    const res = await token(server);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body['access_token']).toMatch(/^YWMt/);
    expect(body['expires_in']).toBe(7200);
    expect(body['application']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a wrong secret with a 401 JSON error', async () => {
    const res = await token(server, 'wrong');
    expect(res.status).toBe(401);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body['error']).toBeTypeOf('string');
    expect(body['error_description']).toMatch(/client/);
  });

  it('answers 404 for an unknown org/app and 400 for another grant type', async () => {
    const res = await fetch(`${server.url}/nobody/nothing/token`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as Record<string, unknown>)['error']).toBe('organization_application_not_found');
    const bad = await fetch(`${server.url}/${server.org}/${server.app}/token`, { method: 'POST', body: JSON.stringify({ grant_type: 'password' }) });
    expect(bad.status).toBe(400);
  });

  it('honours a ttl and counts token requests', async () => {
    server.resetStats();
    const res = await fetch(`${server.url}/${server.org}/${server.app}/token`, {
      method: 'POST',
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: server.clientId, client_secret: server.clientSecret, ttl: 60 }),
    });
    expect(((await res.json()) as Record<string, unknown>)['expires_in']).toBe(60);
    expect(server.stats.tokenRequests).toBe(1);
    expect(server.stats.apiRequests).toBe(0);
  });

  it('rejects list calls with no token, a bogus token or an expired one', async () => {
    const none = await list(server, server.files[0]!.confrId);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: 'unauthorized', error_description: expect.any(String) });
    expect((await list(server, server.files[0]!.confrId, 'YWMtbogus')).status).toBe(401);

    const shortLived = await start({ tokenTtlSeconds: -1 });
    const res = await list(shortLived, shortLived.files[0]!.confrId, await bearer(shortLived));
    expect(res.status).toBe(401);
    expect(((await res.json()) as Record<string, unknown>)['error_description']).toMatch(/expired/);
  });
});

describe('list endpoints', () => {
  let server: DemoServer;
  let auth: string;
  beforeAll(async () => {
    server = await start();
    auth = await bearer(server);
  });

  it('serves a realistic catalogue that the record schema accepts', async () => {
    const records = await entities(await list(server, `${ALL_TIME}/0/100`, auth));
    expect(records.length).toBe(server.files.length);
    expect(records.length).toBeGreaterThanOrEqual(25);
    expect(records.length).toBeLessThanOrEqual(40);
    const ids = records.map((r) => r.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of records) expect(RecordingSchema.safeParse(r).success).toBe(true);
    const types = new Set(records.map((r) => r.recordType));
    expect(types).toEqual(new Set(['ONLY_REC_ONE_AV', 'ONLY_REC_ONE_DESKTOP', 'MERGE_ALL']));
    expect(new Set(records.map((r) => new URL(r.url).pathname.split('.').pop()))).toEqual(new Set(['webm', 'mkv', 'mp4']));
    expect(records.some((r) => /_[\u4e00-\u9fff]+$/.test(r.userName))).toBe(true);
    expect(records.some((r) => /_[a-z.]+$/.test(r.userName))).toBe(true);
    const url = new URL(records[0]!.url);
    expect(url.origin).toBe(server.url);
    expect([...url.searchParams.keys()]).toEqual(['Expires', 'OSSAccessKeyId', 'Signature']);
    expect(records[0]!['expireTime']).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    // Within the last 30 days, server-local.
    const monthAgo = compact(new Date(Date.now() - 30 * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 19));
    for (const r of records) expect(compact(String(r['confrBeginTime'])) > monthAgo).toBe(true);
  });

  it('lists one conference sorted by id, and 404s a conference with no files', async () => {
    const confrId = server.files[5]!.confrId;
    const records = await entities(await list(server, encodeURIComponent(confrId), auth));
    expect(records.map((r) => r.id)).toEqual(server.files.filter((f) => f.confrId === confrId).map((f) => f.id));
    const missing = await list(server, 'IM_NO_SUCH_CONFERENCE', auth);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'not_found', error_description: expect.stringContaining('IM_NO_SUCH_CONFERENCE') });
  });

  it('lists one user in a conference, Chinese names included', async () => {
    const file = server.files.find((f) => f.userName.endsWith('_张伟'))!;
    const res = await list(server, `${encodeURIComponent(file.userName)}/${encodeURIComponent(file.confrId)}`, auth);
    const records = await entities(res);
    expect(records.length).toBeGreaterThan(0);
    expect(records.every((r) => r.userName === file.userName && r.confrId === file.confrId)).toBe(true);
    expect(records.map((r) => r.id)).toEqual(server.files.filter((f) => f.userName === file.userName && f.confrId === file.confrId).map((f) => f.id));
    expect((await list(server, `${encodeURIComponent('demo-org#demo-app_nobody')}/${file.confrId}`, auth)).status).toBe(404);
  });

  it('filters the range endpoints by confrBeginTime, merged files only on audio/merge', async () => {
    const day = compact(server.files[0]!.confrBeginTime).slice(0, 8);
    const expected = server.files.filter((f) => compact(f.confrBeginTime).startsWith(day));
    const records = await entities(await list(server, `${day}000000/${day}235959/0/100`, auth));
    expect(records.map((r) => r.id)).toEqual(expected.map((f) => f.id));
    const merged = await entities(await list(server, `merge/${ALL_TIME}/0/100`, auth));
    expect(merged.length).toBeGreaterThan(0);
    expect(merged.map((r) => r.id)).toEqual(server.files.filter((f) => f.recordType === 'MERGE_ALL').map((f) => f.id));
    // A range that ends just before the first conference begins holds nothing.
    const before = String(Number(compact(server.files[0]!.confrBeginTime)) - 1);
    expect(await entities(await list(server, `20000101000000/${before}/0/100`, auth))).toEqual([]);
  });

  it('rejects length > 100, malformed times and bad counts with 400', async () => {
    for (const path of [`${ALL_TIME}/0/101`, `merge/${ALL_TIME}/0/500`, `2024010100000/20241231000000/0/10`, `20241301000000/20241231000000/0/10`, `20241231000000/20240101000000/0/10`, `${ALL_TIME}/x/10`, `${ALL_TIME}/0/0`]) {
      const res = await list(server, path, auth);
      expect(res.status, path).toBe(400);
      expect(((await res.json()) as Record<string, unknown>)['error_description'], path).toBeTypeOf('string');
    }
    expect((await list(server, `${ALL_TIME}/0/100`, auth)).status).toBe(200);
  });

  it('404s an unknown org/app with JSON', async () => {
    const res = await fetch(`${server.url}/other-org/${server.app}/audio/${ALL_TIME}/0/10`, { headers: { Authorization: `Bearer ${auth}` } });
    expect(res.status).toBe(404);
    expect(((await res.json()) as Record<string, unknown>)['error']).toBe('organization_application_not_found');
  });
});

describe('paging', () => {
  async function walk(server: DemoServer, auth: string, length: number): Promise<Rec[][]> {
    const pages: Rec[][] = [];
    let startId = 0;
    for (let guard = 0; guard < 50; guard++) {
      const page = await entities(await list(server, `${ALL_TIME}/${startId}/${length}`, auth));
      pages.push(page);
      if (page.length < length) break;
      startId = page[page.length - 1]!.id;
    }
    return pages;
  }

  it('includes startId again by default', async () => {
    const server = await start();
    const pages = await walk(server, await bearer(server), 5);
    expect(pages[1]![0]!.id).toBe(pages[0]![4]!.id);
    const unique = [...new Set(pages.flat().map((r) => r.id))];
    expect(unique).toEqual(server.files.map((f) => f.id));
  });

  it('starts after startId when exclusive', async () => {
    const server = await start({ startIdInclusive: false });
    const pages = await walk(server, await bearer(server), 5);
    const ids = pages.flat().map((r) => r.id);
    expect(ids).toEqual(server.files.map((f) => f.id));
  });
});

describe('response shapes', () => {
  it.each(['array', 'object', 'data', 'entities'] as const)('answers in the %s shape', async (shape) => {
    const server = await start({ responseShape: shape });
    const auth = await bearer(server);
    const single = server.files.find((f) => f.recordType === 'ONLY_REC_ONE_DESKTOP')!;
    const one = (await (await list(server, `${encodeURIComponent(single.userName)}/${single.confrId}`, auth)).json()) as unknown;
    const many = (await (await list(server, `${ALL_TIME}/0/3`, auth)).json()) as unknown;
    const oneDesktop = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]).filter((r) => (r as Rec).recordType === 'ONLY_REC_ONE_DESKTOP');
    switch (shape) {
      case 'array':
        expect(Array.isArray(many) && many.length === 3).toBe(true);
        break;
      case 'object':
        expect(Array.isArray(many) && many.length === 3).toBe(true);
        break;
      case 'data':
        expect((many as { data: unknown[] }).data).toHaveLength(3);
        break;
      case 'entities':
        expect(many).toMatchObject({ action: 'get', count: 3, entities: expect.any(Array) });
        break;
    }
    const onesRecords = shape === 'data' ? (one as { data: unknown[] }).data : shape === 'entities' ? (one as { entities: unknown[] }).entities : one;
    const wanted = server.files.filter((f) => f.userName === single.userName && f.confrId === single.confrId);
    if (shape === 'object' && wanted.length === 1) {
      expect(Array.isArray(one)).toBe(false);
      expect((one as Rec).id).toBe(single.id);
    }
    expect(oneDesktop(onesRecords).map((r) => (r as Rec).id)).toEqual([single.id]);
  });

  it('answers a bare object in the object shape when exactly one record matches', async () => {
    const server = await start({ responseShape: 'object' });
    const auth = await bearer(server);
    const counts = new Map<string, number>();
    for (const f of server.files) counts.set(`${f.userName}|${f.confrId}`, (counts.get(`${f.userName}|${f.confrId}`) ?? 0) + 1);
    const lone = server.files.find((f) => counts.get(`${f.userName}|${f.confrId}`) === 1)!;
    const body = (await (await list(server, `${encodeURIComponent(lone.userName)}/${lone.confrId}`, auth)).json()) as Rec;
    expect(Array.isArray(body)).toBe(false);
    expect(body.id).toBe(lone.id);
  });
});

describe('API faults', () => {
  let server: DemoServer;
  let auth: string;
  let path: string;
  beforeAll(async () => {
    server = await start();
    auth = await bearer(server);
    path = `${ALL_TIME}/0/10`;
  });

  it('throttles the next N list requests with 429 and Retry-After, then recovers', async () => {
    server.faults.throttle = { count: 2, status: 429, retryAfterSeconds: 3 };
    for (let i = 0; i < 2; i++) {
      const res = await list(server, path, auth);
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('3');
      expect(await res.json()).toMatchObject({ error: expect.any(String), error_description: expect.any(String) });
    }
    expect((await list(server, path, auth)).status).toBe(200);
    expect(server.faults.throttle.count).toBe(0);
  });

  it('throttles with 503 and no Retry-After', async () => {
    server.faults.throttle = { count: 1, status: 503 };
    const res = await list(server, path, auth);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBeNull();
    expect((await list(server, path, auth)).status).toBe(200);
  });

  it('answers 500 for the next N requests', async () => {
    server.faults.serverErrors = 2;
    expect((await list(server, path, auth)).status).toBe(500);
    expect((await list(server, path, auth)).status).toBe(500);
    expect((await list(server, path, auth)).status).toBe(200);
  });

  it('kills tokens after N authorised calls; a new token works', async () => {
    server.faults.tokenInvalidAfterCalls = 2;
    const fresh = await bearer(server);
    expect((await list(server, path, fresh)).status).toBe(200);
    expect((await list(server, path, fresh)).status).toBe(200);
    const dead = await list(server, path, fresh);
    expect(dead.status).toBe(401);
    expect(((await dead.json()) as Record<string, unknown>)['error']).toBe('unauthorized');
    expect((await list(server, path, await bearer(server))).status).toBe(200);
    delete server.faults.tokenInvalidAfterCalls;
  });

  it('answers 200 with bodies in no accepted shape', async () => {
    server.faults.badJsonNext = 2;
    const first = await list(server, path, auth);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ foo: 1 });
    const second = await list(server, path, auth);
    expect(second.status).toBe(200);
    expect(await second.text()).toMatch(/<html/);
    expect((await entities(await list(server, path, auth))).length).toBe(10);
  });
});

describe('file host', () => {
  let server: DemoServer;
  let auth: string;
  let records: Rec[];
  const fresh = async (id: number): Promise<Rec> => {
    const all = await entities(await list(server, `${ALL_TIME}/0/100`, auth));
    return all.find((r) => r.id === id)!;
  };

  beforeAll(async () => {
    const now = new Date();
    const synthetic = syntheticCatalogue({ count: 2, size: 1_000_003, now });
    const real = demoCatalogue(now);
    const pick = (pred: (f: DemoFile) => boolean): DemoFile => real.find(pred)!;
    const catalogue = [
      pick((f) => f.media.kind === 'ffmpeg' && f.media.spec.container === 'webm' && f.media.spec.video === 'vp8'),
      pick((f) => f.media.kind === 'ffmpeg' && f.media.spec.container === 'mkv'),
      pick((f) => f.recordType === 'MERGE_ALL'),
      ...synthetic,
    ];
    server = await start({ catalogue });
    auth = await bearer(server);
    records = await entities(await list(server, `${ALL_TIME}/0/100`, auth));
  });

  it('serves real ffmpeg media byte-identically with ETag, Content-Length and type', async () => {
    const magic = { webm: '1a45dfa3', mkv: '1a45dfa3' } as const;
    for (const record of records.filter((r) => r.id < 2_000_000)) {
      const res = await fetch(record.url);
      expect(res.status).toBe(200);
      const bytes = new Uint8Array(await res.arrayBuffer());
      const ext = new URL(record.url).pathname.split('.').pop()!;
      expect(res.headers.get('content-type')).toBe({ webm: 'video/webm', mkv: 'video/x-matroska', mp4: 'video/mp4' }[ext]);
      expect(Number(res.headers.get('content-length'))).toBe(bytes.length);
      expect(res.headers.get('etag')).toMatch(/^"[0-9A-F]{32}"$/);
      expect(res.headers.get('accept-ranges')).toBe('bytes');
      expect(sha256(bytes)).toBe(await server.expectedSha256(record.id));
      if (ext === 'mp4') expect(Buffer.from(bytes.subarray(4, 8)).toString('latin1')).toBe('ftyp');
      else expect(Buffer.from(bytes.subarray(0, 4)).toString('hex')).toBe(magic[ext as 'webm' | 'mkv']);
    }
    // Generated via temp + rename: no temp files left behind.
    expect((await readdir(mediaDir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('serves synthetic files byte-identically, whole and in odd ranges', async () => {
    const record = records.find((r) => r.id >= 2_000_000)!;
    const whole = new Uint8Array(await (await fetch(record.url)).arrayBuffer());
    expect(whole.length).toBe(1_000_003);
    expect(sha256(whole)).toBe(await server.expectedSha256(record.id));
    for (const [start, end] of [[0, 0], [17, 70_000], [262_143, 262_145], [999_990, 1_000_002]] as const) {
      const res = await fetch(record.url, { headers: { Range: `bytes=${start}-${end}` } });
      expect(res.status).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/1000003`);
      expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(whole.subarray(start, end + 1)))).toBe(true);
    }
    const other = records.filter((r) => r.id >= 2_000_000)[1]!;
    expect(await server.expectedSha256(other.id)).not.toBe(await server.expectedSha256(record.id));
  });

  it('handles Range forms, 416, If-Range and HEAD', async () => {
    const record = records.find((r) => r.id >= 2_000_000)!;
    const head = await fetch(record.url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    const etag = head.headers.get('etag')!;
    const size = Number(head.headers.get('content-length'));

    const suffix = await fetch(record.url, { headers: { Range: 'bytes=-10' } });
    expect(suffix.status).toBe(206);
    expect(suffix.headers.get('content-range')).toBe(`bytes ${size - 10}-${size - 1}/${size}`);
    expect((await suffix.arrayBuffer()).byteLength).toBe(10);

    const open = await fetch(record.url, { headers: { Range: `bytes=${size - 5}-` } });
    expect(open.status).toBe(206);
    expect(Number(open.headers.get('content-length'))).toBe(5);
    await open.arrayBuffer();

    const beyond = await fetch(record.url, { headers: { Range: `bytes=${size}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${size}`);
    await beyond.arrayBuffer();

    const matching = await fetch(record.url, { headers: { Range: 'bytes=100-', 'If-Range': etag } });
    expect(matching.status).toBe(206);
    await matching.arrayBuffer();
    const stale = await fetch(record.url, { headers: { Range: 'bytes=100-', 'If-Range': '"0000"' } });
    expect(stale.status).toBe(200);
    expect((await stale.arrayBuffer()).byteLength).toBe(size);
  });

  it('changeFile gives new bytes and a new ETag, so an old If-Range gets the whole new file', async () => {
    const record = records.find((r) => r.id < 2_000_000 && r.url.includes('.mkv'))!;
    const before = await fetch(record.url);
    const oldEtag = before.headers.get('etag')!;
    const oldSha = sha256(new Uint8Array(await before.arrayBuffer()));
    server.changeFile(record.id);
    const newSha = await server.expectedSha256(record.id);
    expect(newSha).not.toBe(oldSha);
    const after = await fetch(record.url, { headers: { Range: 'bytes=10-', 'If-Range': oldEtag } });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(oldEtag);
    expect(sha256(new Uint8Array(await after.arrayBuffer()))).toBe(newSha);

    const synthetic = records.find((r) => r.id >= 2_000_000)!;
    const synthOld = await server.expectedSha256(synthetic.id);
    const synthEtag = (await fetch(synthetic.url, { method: 'HEAD' })).headers.get('etag');
    server.changeFile(synthetic.id);
    const head = await fetch(synthetic.url, { method: 'HEAD' });
    expect(head.headers.get('etag')).not.toBe(synthEtag);
    expect(await server.expectedSha256(synthetic.id)).not.toBe(synthOld);
  });

  it('ignoreRange answers 200 with the whole file', async () => {
    const record = records.find((r) => r.id >= 2_000_000)!;
    server.faults.ignoreRange = true;
    const res = await fetch(record.url, { headers: { Range: 'bytes=100-199' } });
    server.faults.ignoreRange = false;
    expect(res.status).toBe(200);
    expect(res.headers.get('content-range')).toBeNull();
    expect(sha256(new Uint8Array(await res.arrayBuffer()))).toBe(await server.expectedSha256(record.id));
  });

  it('cutAfterBytes drops the connection after exactly that many body bytes, then clears', async () => {
    const record = records.find((r) => r.id >= 2_000_000)!;
    server.faults.cutAfterBytes = { bytes: 4321, times: 1 };
    const cut = await rawGet(record.url);
    expect(cut.status).toBe(200);
    expect(cut.complete).toBe(false);
    expect(cut.bytes.length).toBe(4321);
    expect(server.faults.cutAfterBytes).toBeUndefined();
    const whole = await rawGet(record.url);
    expect(whole.complete).toBe(true);
    expect(sha256(whole.bytes)).toBe(await server.expectedSha256(record.id));
    // A resumed request picks up where the cut left off.
    const rest = await rawGet(record.url, { Range: `bytes=4321-` });
    expect(rest.status).toBe(206);
    expect(Buffer.concat([cut.bytes, rest.bytes]).equals(whole.bytes)).toBe(true);
  });

  it('stall pauses the body after afterBytes (the client sees an idle connection there)', async () => {
    const record = records.find((r) => r.id >= 2_000_000)!;
    server.faults.stall = { afterBytes: 5000, ms: 600_000, times: 1 };
    const stalled = await rawGet(record.url, {}, 1500);
    expect(stalled.idle).toBe(true);
    expect(stalled.bytes.length).toBe(5000);
    expect(server.faults.stall).toBeUndefined();
    const next = await rawGet(record.url, {}, 30_000);
    expect(next.complete).toBe(true);
  });

  it('bytesPerSecond paces the body and keeps it intact', async () => {
    const record = records.find((r) => r.id >= 2_000_000)!;
    server.faults.bytesPerSecond = 400_000;
    const began = Date.now();
    const res = await rawGet(record.url, { Range: 'bytes=0-199999' });
    const elapsed = Date.now() - began;
    delete server.faults.bytesPerSecond;
    expect(res.bytes.length).toBe(200_000);
    // A lower bound only: 200 kB at 400 kB/s cannot arrive in much under half a second.
    expect(elapsed).toBeGreaterThanOrEqual(400);
  });

  it('lineBytesPerSecond is shared by all bodies at once: two ranges take as long together as their bytes on one line', async () => {
    const record = records.find((r) => r.id >= 2_000_000)!;
    server.faults.lineBytesPerSecond = 800_000;
    server.resetStats();
    const began = Date.now();
    const [a, b] = await Promise.all([rawGet(record.url, { Range: 'bytes=0-199999' }), rawGet(record.url, { Range: 'bytes=200000-399999' })]);
    const elapsed = Date.now() - began;
    delete server.faults.lineBytesPerSecond;
    expect(a.bytes.length + b.bytes.length).toBe(400_000);
    expect(server.stats.peakFileResponses).toBe(2);
    // A lower bound only: 400 kB at 800 kB/s in all cannot arrive in much under half a second.
    expect(elapsed).toBeGreaterThanOrEqual(400);
  });

  it('expireUrlsNow expires issued URLs with the OSS XML; a new listing signs working URLs', async () => {
    const old = await fresh(records[0]!.id);
    expect((await fetch(old.url, { method: 'HEAD' })).status).toBe(200);
    server.faults.expireUrlsNow = true;
    const denied = await fetch(old.url);
    expect(denied.status).toBe(403);
    expect(denied.headers.get('content-type')).toBe('application/xml');
    const xml = await denied.text();
    expect(xml).toContain('<Code>AccessDenied</Code>');
    expect(xml).toContain('Request has expired');
    const renewed = await fresh(records[0]!.id);
    expect(renewed.url).not.toBe(old.url);
    const ok = await fetch(renewed.url);
    expect(ok.status).toBe(200);
    expect(sha256(new Uint8Array(await ok.arrayBuffer()))).toBe(await server.expectedSha256(records[0]!.id));
    expect((await fetch(old.url, { method: 'HEAD' })).status).toBe(403);
    server.faults.expireUrlsNow = false;
    expect((await fetch(old.url, { method: 'HEAD' })).status).toBe(200);
  });

  it('refuses tampered or unsigned URLs with 403 XML', async () => {
    const url = new URL(records[0]!.url);
    url.searchParams.set('Signature', 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=');
    const bad = await fetch(url);
    expect(bad.status).toBe(403);
    expect(await bad.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    const bare = await fetch(`${url.origin}${url.pathname}`);
    expect(bare.status).toBe(403);
    expect(await bare.text()).toContain('<Code>AccessDenied</Code>');
  });

  it('counts requests and bytes, keyed by path without signatures', async () => {
    server.resetStats();
    expect(server.stats).toEqual({ apiRequests: 0, tokenRequests: 0, fileRequests: 0, fileBytesSent: 0, openFileResponses: 0, peakFileResponses: 0, requestsByPath: {} });
    const t = await bearer(server);
    const listed = await entities(await list(server, `${ALL_TIME}/0/100`, t));
    const record = listed.find((r) => r.id >= 2_000_000)!;
    await (await fetch(record.url)).arrayBuffer();
    await (await fetch(record.url, { headers: { Range: 'bytes=0-99' } })).arrayBuffer();
    expect(server.stats.tokenRequests).toBe(1);
    expect(server.stats.apiRequests).toBe(1);
    expect(server.stats.fileRequests).toBe(2);
    expect(server.stats.fileBytesSent).toBe(1_000_003 + 100);
    expect(server.stats.peakFileResponses).toBe(1); // one after the other
    expect(server.stats.openFileResponses).toBe(0);
    const pathname = new URL(record.url).pathname;
    expect(server.stats.requestsByPath[pathname]).toBe(2);
    expect(server.stats.requestsByPath[`/${server.org}/${server.app}/token`]).toBe(1);
    expect(Object.keys(server.stats.requestsByPath).some((k) => k.includes('Signature'))).toBe(false);
  });
});

describe('already-expired URLs', () => {
  it('answers 403 Request has expired when Expires is past', async () => {
    const server = await start({ urlTtlSeconds: -60, catalogue: syntheticCatalogue({ count: 1, size: 1000 }) });
    const [record] = await entities(await list(server, `${ALL_TIME}/0/10`, await bearer(server)));
    const res = await fetch(record!.url);
    expect(res.status).toBe(403);
    const xml = await res.text();
    expect(xml).toMatch(/<Code>AccessDenied<\/Code>[\s\S]*Request has expired/);
  });
});

describe('runDemo', () => {
  it('starts a server and prints how to use it', async () => {
    let printed = '';
    const server = await runDemo({ prepare: false, out: { write: (t: string) => (printed += t) } });
    servers.push(server);
    expect(printed).toContain(server.url);
    expect(printed).toContain(server.clientId);
    expect(printed).toContain(server.clientSecret);
    expect(printed).toContain(`npx emrec list --server ${server.url}`);
    expect((await token(server)).status).toBe(200);
  });
});
