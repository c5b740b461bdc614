// emrec against a server whose paging is broken, and a period across a daylight-saving fold: real
// child processes of the launcher against the demo server on 127.0.0.1.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServer, syntheticCatalogue, type DemoServer } from '../../main/demo/server.ts';
import { connFlags, runEmrec } from '../helpers/cli.ts';

let work: string;
const servers: DemoServer[] = [];

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'emrec-paging-'));
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  if (work) await rm(work, { recursive: true, force: true });
});

async function serve(options: Parameters<typeof startDemoServer>[0]): Promise<DemoServer> {
  const server = await startDemoServer(options);
  servers.push(server);
  return server;
}

const stateDir = (name: string): string[] => ['--state-dir', path.join(work, `state-${name}`)];

async function filesUnder(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
  } catch {
    return [];
  }
}

describe('a server that ignores startId (always answers the first page)', () => {
  let server: DemoServer;
  beforeAll(async () => {
    server = await serve({ catalogue: syntheticCatalogue({ count: 338, size: 1000, perConference: 20 }) });
  });

  it('emrec list --days N: PAGING_BROKEN on stderr, exit 3, no partial list on stdout', async () => {
    server.faults.ignoreStartId = true;
    try {
      for (const json of [[], ['--json']]) {
        const result = await runEmrec(['list', ...connFlags(server), '--days', '3', ...json, ...stateDir('list')]);
        expect(result.code, result.stderr).toBe(3);
        expect(result.stderr).toContain('PAGING_BROKEN');
        expect(result.stderr).toMatch(/time range listing audio\/\d{14}\/\d{14}\/\d+\/100/);
        expect(result.stdout).toBe('');
      }
    } finally {
      server.faults.ignoreStartId = false;
    }
    // The same server with honest paging lists all 338.
    const healthy = await runEmrec(['list', ...connFlags(server), '--days', '3', '--json', ...stateDir('list')]);
    expect(healthy.code, healthy.stderr).toBe(0);
    expect((JSON.parse(healthy.stdout) as unknown[]).length).toBe(338);
  });

  it('emrec download --days N: PAGING_BROKEN on stderr, exit 3, no file fetched or written', async () => {
    const out = path.join(work, 'out-broken');
    server.faults.ignoreStartId = true;
    server.resetStats();
    try {
      const result = await runEmrec(['download', ...connFlags(server), '--days', '3', '--out', out, '--json', ...stateDir('download')]);
      expect(result.code, result.stderr).toBe(3);
      expect(result.stderr).toContain('PAGING_BROKEN');
      expect(server.stats.fileRequests).toBe(0);
      expect(await filesUnder(out)).toEqual([]);
      // The summary (if printed) says nothing was queued from the partial list.
      for (const line of result.stdout.trim().split('\n').filter((l) => l.startsWith('{'))) {
        expect(JSON.parse(line)).toMatchObject({ downloaded: 0, files: [] });
      }
    } finally {
      server.faults.ignoreStartId = false;
    }
  });

  it('emrec sync (pages of 7, startId excluded) is refused the same way', async () => {
    const exclusive = await serve({ startIdInclusive: false, catalogue: syntheticCatalogue({ count: 30, size: 1000, perConference: 10 }) });
    exclusive.faults.ignoreStartId = true;
    const out = path.join(work, 'out-sync');
    const result = await runEmrec(['sync', ...connFlags(exclusive), '--page-size', '7', '--out', out, ...stateDir('sync')]);
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toContain('PAGING_BROKEN');
    expect(exclusive.stats.fileRequests).toBe(0);
    expect(await filesUnder(out)).toEqual([]);
  });
});

describe('a period across the America/New_York fall-back', () => {
  it('sends begin <= end over the repeated hour and finds the recordings of both 01:xx hours', async () => {
    const NY = 'America/New_York';
    const times = ['2026-11-01 01:55:00', '2026-11-01 01:05:00', '2026-11-01 02:30:00', '2026-11-01 00:59:00'];
    const catalogue = syntheticCatalogue({ count: times.length, size: 1000, perConference: 1, timezone: NY }).map((f, i) => ({
      ...f,
      confrBeginTime: times[i]!,
      confrEndTime: times[i]!,
    }));
    const server = await serve({ catalogue, timezone: NY });
    const result = await runEmrec([
      'list',
      ...connFlags(server),
      '--timezone',
      NY,
      '--from',
      '2026-11-01T01:50-04:00',
      '--to',
      '2026-11-01T01:10-05:00',
      '--json',
      ...stateDir('dst'),
    ]);
    expect(result.code, result.stderr).toBe(0);
    const ranges = Object.keys(server.stats.requestsByPath)
      .map((p) => /\/audio\/(\d{14})\/(\d{14})\/\d+\/\d+$/.exec(p))
      .filter((m): m is RegExpExecArray => m !== null);
    expect(ranges.length).toBeGreaterThan(0);
    for (const [, begin, end] of ranges) expect(begin! <= end!, `${begin} > ${end}`).toBe(true);
    expect(ranges[0]!.slice(1)).toEqual(['20261101010000', '20261101015959']);
    const found = (JSON.parse(result.stdout) as { confrBeginTime: string }[]).map((r) => r.confrBeginTime).sort();
    // 01:55 EDT and 01:05 EST are inside the period; 02:30 EST and 00:59 EDT are not.
    expect(found).toEqual(['2026-11-01 01:05:00', '2026-11-01 01:55:00']);
  });

  it('refuses a truly inverted period (01:10 EST is after 01:50 EDT) with exit 2', async () => {
    const result = await runEmrec([
      'list',
      '--server',
      'http://127.0.0.1:9',
      '--org',
      'o',
      '--app',
      'a',
      '--token',
      't',
      '--timezone',
      'America/New_York',
      '--from',
      '2026-11-01T01:10-05:00',
      '--to',
      '2026-11-01T01:50-04:00',
      ...stateDir('dst-inverted'),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--from must be before --to/);
  });
});
