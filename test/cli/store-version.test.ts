// A state folder written by a newer emrec is neither read as ours nor rewritten: the run stops with
// STORE_TOO_NEW (exit 4) naming the file, and the file is byte-identical afterwards.
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDemoServer, type DemoServer } from '../../main/demo/server.ts';
import { connFlags, runEmrec } from '../helpers/cli.ts';

let work: string;
let server: DemoServer;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'emrec-store-version-'));
  server = await startDemoServer();
});
afterAll(async () => {
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

it('a store of a newer format: exit 4 with STORE_TOO_NEW naming the file, nothing downloaded, the file untouched', async () => {
  const state = path.join(work, 'state');
  fs.mkdirSync(state, { recursive: true });
  const store = path.join(state, 'emrec-store.json');
  const text = `${JSON.stringify({ version: 99, history: { 'x#y:1': { shape: 'of the future' } }, queue: [] })}\n`;
  fs.writeFileSync(store, text);
  const out = path.join(work, 'out');
  const result = await runEmrec(['download', ...connFlags(server), '--days', '3', '--out', out, '--json', '--state-dir', state]);
  expect(result.code, result.stderr).toBe(4);
  expect(result.stderr).toContain(store);
  expect(result.stderr).toMatch(/newer version/);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(fs.readFileSync(store, 'utf8')).toBe(text);
  expect(server.stats.fileBytesSent).toBe(0);
});

it('a corrupt store is backed up and reset with one warning, said once; the run goes on', async () => {
  const state = path.join(work, 'corrupt-state');
  fs.mkdirSync(state, { recursive: true });
  fs.writeFileSync(path.join(state, 'emrec-store.json'), '{"version":1,"history":{');
  const result = await runEmrec(['download', ...connFlags(server), '--days', '3', '--out', path.join(work, 'corrupt-out'), '--json', '--state-dir', state]);
  expect(result.code, result.stderr).toBe(0);
  expect(result.stderr.match(/has been reset/g)).toHaveLength(1);
  expect(fs.readdirSync(state).filter((name) => name.includes('.corrupt-'))).toHaveLength(1);
});
