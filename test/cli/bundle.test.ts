// The bundle bin/emrec.js runs (scripts/build-cli.ts), built into a folder of its own: it must stay
// ASCII (else V8 keeps its whole source twice as large), must not load undici, which the ESM face
// of node:http pulls in and emrec never uses, and carries zod's English texts only. All cost memory and
// start-up time at every run.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServer, syntheticCatalogue, type DemoServer } from '../../main/demo/server.ts';
import { connFlags } from '../helpers/cli.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..', '..');
let work: string;
let bundle: string;
let server: DemoServer;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'emrec-bundle-'));
  bundle = path.join(work, 'dist', 'emrec.mjs');
  await mkdir(path.dirname(bundle));
  await copyFile(path.join(root, 'package.json'), path.join(work, 'package.json')); // the bundle reads its version there
  await run(process.execPath, [path.join(root, 'scripts', 'build-cli.ts'), '--out', bundle], { cwd: root });
  server = await startDemoServer({ catalogue: syntheticCatalogue({ count: 120, size: 1000, perConference: 50 }) });
}, 60_000);

afterAll(async () => {
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the emrec bundle', () => {
  it('is ASCII only', async () => {
    const text = await readFile(bundle, 'utf8');
    expect(text.length).toBeGreaterThan(100_000);
    expect(/[^\x00-\x7f].{0,40}/su.exec(text)?.[0]).toBeUndefined();
  });

  it("carries zod's English error texts and none of its other 62 languages", async () => {
    const text = await readFile(bundle, 'utf8');
    expect(text).toContain('Invalid input: expected'); // en, zod's default
    expect(text).not.toContain('Entrada inv'); // es, one of those cut (scripts/build-cli.ts)
  });

  it('lists recordings without loading undici', async () => {
    const probe = path.join(work, 'probe.mjs');
    await writeFile(probe, "process.on('exit', () => process.stderr.write(`\\nLOADED ${JSON.stringify(process.moduleLoadList)}\\n`));\n");
    const { stdout, stderr } = await run(process.execPath, ['--import', probe, bundle, 'list', ...connFlags(server), '--days', '3', '--json', '--state-dir', path.join(work, 'state')]);
    expect((JSON.parse(stdout) as unknown[]).length).toBe(120);
    const loaded = JSON.parse(/LOADED (.*)/.exec(stderr)?.[1] ?? '[]') as string[];
    expect(loaded).toContain('NativeModule http'); // the probe sees what was loaded
    expect(loaded.filter((m) => m.includes('undici'))).toEqual([]);
  });
});
