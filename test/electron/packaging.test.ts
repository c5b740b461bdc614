// electron-builder with a stub Electron (no download) must produce an unpacked Linux app whose app.asar
// holds the built main, preload and renderer and nothing dev-only, with ffmpeg unpacked and executable.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
const asar = require('@electron/asar') as {
  listPackage(file: string, options: { isPack: boolean }): string[];
  extractFile(archive: string, filename: string): Buffer;
};

let tmp: string;
let appDir: string;
let files: string[];
const onLinux = process.platform === 'linux';

beforeAll(async () => {
  if (!onLinux) return;
  tmp = await mkdtemp(path.join(os.tmpdir(), 'emrec-pack-'));
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build-electron.ts')], { cwd: root, stdio: 'pipe' });
  // always build: a renderer left in dist/ by an earlier run must not be what gets checked
  execFileSync(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '-c', 'renderer/vite.config.ts'], { cwd: root, stdio: 'pipe' });
  const stub = path.join(tmp, 'electron-stub');
  mkdirSync(path.join(stub, 'resources'), { recursive: true });
  writeFileSync(path.join(stub, 'electron'), '#!/bin/sh\necho stub\n');
  chmodSync(path.join(stub, 'electron'), 0o755);
  writeFileSync(path.join(stub, 'LICENSE'), 'stub');
  const out = path.join(tmp, 'release');
  execFileSync(
    process.execPath,
    [
      path.join(root, 'node_modules', 'electron-builder', 'cli.js'),
      '--config', 'electron-builder.yml', '--linux', 'dir', '--publish', 'never',
      `-c.electronDist=${stub}`, '-c.electronVersion=45.5.0', `-c.directories.output=${out}`,
    ],
    { cwd: root, stdio: 'pipe', env: { ...process.env, ELECTRON_BUILDER_CACHE: path.join(tmp, 'cache') } },
  );
  appDir = path.join(out, 'linux-unpacked');
  files = asar.listPackage(path.join(appDir, 'resources', 'app.asar'), { isPack: false }).map((f) => f.split(path.sep).join('/'));
}, 600_000);

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe.skipIf(!onLinux)('packaged Linux app (electron-builder --dir, stub Electron)', () => {
  it('has the executable and app.asar', () => {
    expect(statSync(path.join(appDir, 'easemob-recording-downloader')).mode & 0o111).not.toBe(0);
    expect(existsSync(path.join(appDir, 'resources', 'app.asar'))).toBe(true);
  });

  it('holds the built main, preload and renderer, and package.json points at main', () => {
    for (const f of ['/dist/main/app.js', '/dist/main/service/index.js', '/dist/main/core/queue/download-queue.js', '/dist/preload.cjs', '/dist/renderer/index.html', '/assets/icon.png']) {
      expect(files, f).toContain(f);
    }
    const html = asar.extractFile(path.join(appDir, 'resources', 'app.asar'), 'dist/renderer/index.html').toString('utf8');
    for (const [, ref] of html.matchAll(/(?:src|href)="\.\/([^"]+)"/g)) expect(files).toContain(`/dist/renderer/${ref}`);
    const pkg = JSON.parse(asar.extractFile(path.join(appDir, 'resources', 'app.asar'), 'package.json').toString('utf8')) as { main: string; type: string };
    expect(pkg.main).toBe('dist/main/app.js');
    expect(pkg.type).toBe('module');
    const preload = asar.extractFile(path.join(appDir, 'resources', 'app.asar'), 'dist/preload.cjs').toString('utf8');
    expect(preload).toContain('exposeInMainWorld');
    expect(preload).not.toMatch(/^\s*(import|export)\s/m); // CommonJS for the sandbox
  });

  it('holds no sources, tests or dev-only packages', () => {
    const own = files.filter((f) => !f.startsWith('/node_modules/'));
    expect(own.filter((f) => /\.(ts|map)$/.test(f) || f.startsWith('/test') || f.startsWith('/main/') || f.startsWith('/renderer/') || f.startsWith('/scripts') || f.startsWith('/bench'))).toEqual([]);
    for (const dev of ['vitest', 'typescript', 'vite', 'svelte', 'electron', 'electron-builder', 'playwright-core', 'esbuild', 'csv-parse']) {
      expect(files, dev).not.toContain(`/node_modules/${dev}`);
    }
    expect(files.some((f) => f.startsWith('/node_modules/got/'))).toBe(true);
  });

  it('keeps ffmpeg and ffprobe unpacked and executable, with the licence note', () => {
    const unpacked = path.join(appDir, 'resources', 'app.asar.unpacked', 'node_modules');
    const pairs = [
      ['@ffmpeg-installer', 'ffmpeg'],
      ['@ffprobe-installer', 'ffprobe'],
    ] as const;
    for (const [scope, name] of pairs) {
      const binary = path.join(unpacked, scope, `${process.platform}-${process.arch}`, name);
      expect(statSync(binary).mode & 0o111, binary).not.toBe(0);
      const run = spawnSync(binary, ['-version'], { encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toContain(`${name} version`);
    }
    expect(readFileSync(path.join(appDir, 'resources', 'licenses', 'FFMPEG-NOTICE.txt'), 'utf8')).toContain('GNU General Public License');
  });
});
