// Log lines never carry credentials: unit cases on the shapes real lines take (got's errors, HTTP
// headers, JSON bodies, signed OSS/S3 links, electron-updater's feed lines), then `emrec --log-file`
// against the demo server: the file has the run, and none of the secret, the token or a signature.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redact, redactValue } from '../../main/core/redact.ts';
import { startDemoServer, syntheticCatalogue, type DemoServer } from '../../main/demo/server.ts';
import { connFlags, runEmrec } from '../helpers/cli.ts';

describe('redact', () => {
  it.each([
    ['authorization: Bearer YWMtAbC-123_xyz.def', 'authorization: [redacted]'],
    ['GET https://a1.easemob.com/org/app/token {"grant_type":"client_credentials","client_id":"YXA6abcdefgh12","client_secret":"YXA6s3cr3tValue"}', 'client_secret":"[redacted]"'],
    ['{"access_token":"YWMtlongtokenvalue1234","expires_in":5183999}', '"access_token":"[redacted]"'],
    ['download https://oss.example.com/rec/1.webm?Expires=1700000000&OSSAccessKeyId=LTAI5t&Signature=abc%2Bdef', 'https://oss.example.com/rec/1.webm?[redacted]'],
    ['HttpError: 403 from https://bucket.s3.amazonaws.com/k.mkv?X-Amz-Signature=aa11&X-Amz-Credential=AKIA', 'https://bucket.s3.amazonaws.com/k.mkv?[redacted]'],
    ['Checking for update on https://updates.example.com/feed?token=ghp_secret123', 'https://updates.example.com/feed?[redacted]'],
    ['--client-secret=YXA6sEcReT99 --token YWMtzzzzzzzzzzzz', '--client-secret=[redacted] --token [redacted]'],
    ['password: hunter2, user: bob', 'password: [redacted]'],
  ])('%s', (line, expected) => {
    const out = redact(line);
    expect(out).toContain(expected);
    for (const secret of ['YWMtAbC', 's3cr3t', 'YWMtlong', 'Signature=abc', 'X-Amz-Signature', 'ghp_secret', 'sEcReT99', 'YWMtzzz', 'hunter2', 'LTAI5t']) expect(out).not.toContain(secret);
  });

  it('keeps what is not a credential', () => {
    const line = 'saved 1000184 /home/qa/录制/2026-11-16/16-20-41 陈静 摄像头 1000184.webm (12.5 MB) from https://a1.easemob.com/org/app';
    expect(redact(line)).toBe(line);
  });

  it('redacts errors (message and stack) and plain data', () => {
    const error = new Error('Request to https://h/x.webm?Signature=s1 failed');
    const out = redactValue(error) as Error;
    expect(out.message).toBe('Request to https://h/x.webm?[redacted] failed');
    expect(out.stack).not.toContain('Signature=s1');
    expect(redactValue({ auth: { clientSecret: 'YXA6abcdefghij' }, url: 'https://h/f?sig=1' })).toEqual({ auth: { clientSecret: '[redacted]' }, url: 'https://h/f?[redacted]' });
  });
});

describe('emrec --log-file', () => {
  let server: DemoServer;
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'emrec-log-'));
    server = await startDemoServer({ catalogue: syntheticCatalogue({ count: 3, size: 50_000, perConference: 3 }) });
  });
  afterAll(async () => {
    await server?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('writes the run — listed (with the signed links), saved, summary — and no credential', async () => {
    const logFile = path.join(work, 'logs', 'emrec.log');
    const r = await runEmrec(['download', ...connFlags(server), '--days', '3', '--out', path.join(work, 'out'), '--state-dir', path.join(work, 'state'), '--log-file', logFile]);
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(logFile, 'utf8');
    expect(text.match(/\blisted\b/g)).toHaveLength(3);
    expect(text.match(/\]\s+done \d+/g)).toHaveLength(3);
    expect(text).toContain('summary');
    expect(text).toMatch(/listed \d+ \S+ http:\/\/127\.0\.0\.1:\d+\/\S+\?\[redacted\]/);
    expect(text).not.toContain(server.clientSecret);
    expect(text).not.toMatch(/Signature=|OSSAccessKeyId=|Expires=/);
    expect(text).not.toMatch(/YWMt/);
  });
});
