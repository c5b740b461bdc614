// emrec as a user runs it: a real child process against the demo server on 127.0.0.1.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServer, type DemoServer } from '../../main/demo/server.ts';
import { connFlags, lastJsonLine, runEmrec, sha256File, type Summary } from '../helpers/cli.ts';

let server: DemoServer;
let work: string;

beforeAll(async () => {
  server = await startDemoServer();
  await server.prepareMedia();
  work = await mkdtemp(path.join(tmpdir(), 'emrec-cli-'));
});

afterAll(async () => {
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

const stateDir = (name: string): string[] => ['--state-dir', path.join(work, `state-${name}`)];
const firstConference = (): string => server.files[0]!.confrId;

describe('emrec usage', () => {
  it('prints help and version with exit 0', async () => {
    const help = await runEmrec(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('download');
    const downloadHelp = await runEmrec(['download', '--help']);
    expect(downloadHelp.code).toBe(0);
    expect(downloadHelp.stdout).toContain('--concurrency');
    const version = await runEmrec(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each([
    ['missing credentials', ['list', '--server', 'http://127.0.0.1:9', '--org', 'o', '--app', 'a', '--days', '1'], /--client-id and --client-secret/],
    ['missing server', ['list', '--org', 'o', '--app', 'a', '--token', 't', '--days', '1'], /--server/],
    ['reversed range', ['list', '--server', 'http://127.0.0.1:9', '--org', 'o', '--app', 'a', '--token', 't', '--from', '2026-05-02', '--to', '2026-05-01'], /--from must be before --to/],
    ['unknown timezone', ['list', '--server', 'http://127.0.0.1:9', '--org', 'o', '--app', 'a', '--token', 't', '--days', '1', '--timezone', 'Mars/Olympus'], /Unknown timezone "Mars\/Olympus"/],
    ['unreadable date', ['list', '--server', 'http://127.0.0.1:9', '--org', 'o', '--app', 'a', '--token', 't', '--from', 'yesterday-ish', '--to', '2026-05-01'], /from/],
    ['no query', ['list', '--server', 'http://127.0.0.1:9', '--org', 'o', '--app', 'a', '--token', 't'], /--conference ID/],
    ['conference and period', ['list', '--server', 'http://127.0.0.1:9', '--org', 'o', '--app', 'a', '--token', 't', '--conference', 'X', '--days', '2'], /not both/],
    ['concurrency out of range', ['download', '--concurrency', '17', '--demo', '--days', '1'], /from 1 to 16/],
    ['unknown option', ['list', '--bogus'], /unknown option/],
    ['bad server address', ['list', '--server', 'ftp://x', '--org', 'o', '--app', 'a', '--token', 't', '--days', '1'], /--server/],
    ['bad name template', ['list', '--demo', '--days', '1', '--name', '{nope}.{ext}'], /nope/],
    ['page size over the API limit', ['list', '--demo', '--days', '1', '--page-size', '101'], /from 1 to 100/],
  ])('%s: one-line error naming the fix, exit 2', async (_name, args, message) => {
    const result = await runEmrec([...args, ...stateDir('usage')]);
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(2);
  });

  it('wrong client secret is an authentication failure, exit 3, without the secret in the output', async () => {
    const flags = connFlags(server).map((f) => (f === server.clientSecret ? 'wrong-secret-123' : f));
    const result = await runEmrec(['list', ...flags, '--days', '30', ...stateDir('auth')]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/client id and secret|rejected|AUTH|401|invalid/i);
    expect(result.stderr).not.toContain('wrong-secret-123');
  });

  it('an unknown conference is an API failure, exit 3', async () => {
    const result = await runEmrec(['list', ...connFlags(server), '--conference', 'NO_SUCH_CONFERENCE', ...stateDir('nf')]);
    expect(result.code).toBe(3);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('emrec in Chinese', () => {
  const zh = { LANG: 'zh_CN.UTF-8' };

  it('names the fix in Chinese for bad input, with the exact English detail, exit 2', async () => {
    const result = await runEmrec(['list', '--server', 'http://127.0.0.1:9', '--org', 'o', '--app', 'a', '--days', '1', ...stateDir('zh')], zh);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('缺少凭据');
    expect(result.stderr).toContain('--client-id and --client-secret');
    const reversed = await runEmrec(['list', '--server', 'http://127.0.0.1:9', '--org', 'o', '--app', 'a', '--token', 't', '--from', '2026-05-02', '--to', '2026-05-01'], zh);
    expect(reversed.stderr).toContain('--from 须早于 --to');
  });

  it('says an authentication failure in Chinese, exit 3', async () => {
    const flags = connFlags(server).map((f) => (f === server.clientSecret ? 'wrong-secret-123' : f));
    const result = await runEmrec(['list', ...flags, '--days', '30', ...stateDir('zh-auth')], { LC_ALL: 'zh_CN.UTF-8' });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('Client ID 或 Client Secret 不正确');
    expect(result.stderr).not.toContain('wrong-secret-123');
  });
});

describe('emrec list', () => {
  it('lists a conference as JSON with the planned path', async () => {
    const confrId = firstConference();
    const result = await runEmrec(['list', ...connFlags(server), '--conference', confrId, '--json', ...stateDir('list')]);
    expect(result.code, result.stderr).toBe(0);
    const rows = JSON.parse(result.stdout) as { id: number; confrId: string; url: string; path: string }[];
    const expected = server.files.filter((f) => f.confrId === confrId).map((f) => f.id);
    expect(rows.map((r) => r.id).sort()).toEqual([...expected].sort());
    for (const row of rows) {
      expect(row.path).toMatch(new RegExp(`^\\d{4}-\\d{2}-\\d{2}/${confrId}/.+_${row.id}\\.(webm|mkv|mp4)$`));
    }
  });

  it('lists a period from the environment variables and reuses the cached token on the next run', async () => {
    const env = {
      EASEMOB_SERVER: server.url,
      EASEMOB_ORG: server.org,
      EASEMOB_APP: server.app,
      EASEMOB_CLIENT_ID: server.clientId,
      EASEMOB_CLIENT_SECRET: server.clientSecret,
    };
    server.resetStats();
    const first = await runEmrec(['list', '--days', '31', '--json', ...stateDir('env')], env);
    expect(first.code, first.stderr).toBe(0);
    const ids = (JSON.parse(first.stdout) as { id: number }[]).map((r) => r.id);
    expect(ids).toEqual(server.files.map((f) => f.id).sort((a, b) => a - b));
    const second = await runEmrec(['list', '--days', '31', '--merged', '--json', ...stateDir('env')], env);
    expect(second.code, second.stderr).toBe(0);
    const merged = JSON.parse(second.stdout) as { recordType: string }[];
    expect(merged.length).toBeGreaterThan(0);
    expect(merged.every((r) => r.recordType === 'MERGE_ALL')).toBe(true);
    expect(server.stats.tokenRequests).toBe(1);
  });

  it('pages with a smaller --page-size and still lists every file once', async () => {
    server.resetStats();
    const result = await runEmrec(['list', ...connFlags(server), '--days', '31', '--page-size', '5', '--json', ...stateDir('paged')]);
    expect(result.code, result.stderr).toBe(0);
    const ids = (JSON.parse(result.stdout) as { id: number }[]).map((r) => r.id);
    expect(ids).toEqual(server.files.map((f) => f.id).sort((a, b) => a - b));
    expect(server.stats.apiRequests).toBeGreaterThanOrEqual(Math.ceil(server.files.length / 5));
  });

  it('runs against an in-process demo server with --demo', async () => {
    const result = await runEmrec(['list', '--demo', '--days', '31', '--json', ...stateDir('demo')]);
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as unknown[]).length).toBeGreaterThan(10);
  });
});

describe('emrec download', () => {
  it('downloads a conference byte-identical, then skips it all on the next run', async () => {
    const out = path.join(work, 'out-dl');
    const args = ['download', ...connFlags(server), '--conference', firstConference(), '--out', out, '--json', ...stateDir('dl')];
    const result = await runEmrec(args);
    expect(result.code, result.stderr).toBe(0);
    const summary = lastJsonLine<Summary>(result.stdout);
    const expected = server.files.filter((f) => f.confrId === firstConference());
    expect(summary.downloaded).toBe(expected.length);
    expect(summary.failed).toBe(0);
    for (const file of summary.files) {
      expect(file.status).toBe('done');
      expect(await sha256File(path.join(out, file.path))).toBe(await server.expectedSha256(file.id));
    }
    expect(summary.bytes).toBeGreaterThan(0);

    const again = await runEmrec(args);
    expect(again.code, again.stderr).toBe(0);
    const second = lastJsonLine<Summary>(again.stdout);
    expect(second).toMatchObject({ downloaded: 0, skipped: expected.length, failed: 0 });
  });

  it('exits 1 and names the reason when files fail (every URL already expired)', async () => {
    const expired = await startDemoServer({ urlTtlSeconds: -60 });
    try {
      const confrId = expired.files[0]!.confrId;
      const out = path.join(work, 'out-expired');
      const result = await runEmrec(['download', ...connFlags(expired), '--conference', confrId, '--out', out, '--json', ...stateDir('expired')]);
      expect(result.code, result.stderr).toBe(1);
      const summary = lastJsonLine<Summary>(result.stdout);
      expect(summary.downloaded).toBe(0);
      expect(summary.failed).toBe(expired.files.filter((f) => f.confrId === confrId).length);
      expect(summary.files.every((f) => f.error === 'URL_EXPIRED')).toBe(true);
      expect(result.stderr).not.toMatch(/Signature=|OSSAccessKeyId=/);
    } finally {
      await expired.close();
    }
  });
});

describe('emrec sync', () => {
  it('saves the last 30 days, then only what is new', async () => {
    const out = path.join(work, 'out-sync');
    const args = ['sync', ...connFlags(server), '--out', out, '--json', ...stateDir('sync')];
    const first = await runEmrec(args);
    expect(first.code, first.stderr).toBe(0);
    const summary = lastJsonLine<Summary>(first.stdout);
    expect(summary.downloaded).toBe(server.files.length);
    const again = await runEmrec(args);
    expect(lastJsonLine<Summary>(again.stdout)).toMatchObject({ downloaded: 0, skipped: server.files.length, failed: 0 });
  });
});

describe('emrec download --convert mp4', () => {
  it('leaves mp4 files that decode cleanly, keeping the originals when asked', async () => {
    const { execFileSync } = await import('node:child_process');
    const { existsSync } = await import('node:fs');
    const confrId = firstConference();
    const out = path.join(work, 'out-convert');
    const result = await runEmrec(['download', ...connFlags(server), '--conference', confrId, '--out', out, '--convert', 'mp4', '--keep-original', '--json', ...stateDir('convert')]);
    expect(result.code, result.stderr).toBe(0);
    const summary = lastJsonLine<Summary>(result.stdout);
    expect(summary.downloaded).toBe(server.files.filter((f) => f.confrId === confrId).length);
    for (const file of summary.files) {
      expect(file.path).toMatch(/\.(mp4|m4a)$/);
      const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', path.join(out, file.path)], { encoding: 'utf8' })) as {
        streams: { codec_type: string; codec_name: string }[];
      };
      for (const stream of probe.streams) expect(stream.codec_name).toBe(stream.codec_type === 'video' ? 'h264' : 'aac');
      expect(execFileSync('ffmpeg', ['-v', 'error', '-i', path.join(out, file.path), '-f', 'null', '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })).toBe('');
    }
    const originals = server.files.filter((f) => f.confrId === confrId && f.recordType !== 'MERGE_ALL');
    expect(originals.length).toBeGreaterThan(0);
    for (const original of originals) {
      const converted = summary.files.find((f) => f.id === original.id)!;
      const base = path.join(out, converted.path).replace(/\.(mp4|m4a)$/, '');
      expect(['.webm', '.mkv'].some((ext) => existsSync(base + ext)), `original of ${converted.path} kept`).toBe(true);
    }
  });
});
