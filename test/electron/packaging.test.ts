// electron-builder with a stub Electron (no download) must produce an unpacked Linux app whose app.asar
// holds the built main, preload and renderer and nothing dev-only, with ffmpeg unpacked and executable.
//
// Two builds run side by side: `--linux deb` for x64 and `--linux dir --arm64`.
// How far the deb gets here: past electron-builder's metadata step (homepage, author/maintainer), the
// app layout, the afterPack hook and the .desktop entry, up to the call of fpm. fpm itself is a Ruby
// bundle electron-builder downloads from GitHub, which this machine cannot reach, so CUSTOM_FPM_PATH
// points electron-builder at a stand-in that records the arguments it is handed (and copies the .desktop
// file it is asked to install) and writes a placeholder where the .deb would be. The .deb itself is
// therefore never built here; fpm's `-s dir` packs the unpacked folder with the modes it has on disk, so
// the modes are checked in that folder. The real .deb is built by .github/workflows/release.yml.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
const asar = require('@electron/asar') as {
  listPackage(file: string, options: { isPack: boolean }): string[];
  extractFile(archive: string, filename: string): Buffer;
};

let tmp: string;
let appDir: string;
let arm64Dir: string;
let outDir: string;
let files: string[];
let debLog: string;
let fpmArgs: string[];
let desktopEntry: string;
const onLinux = process.platform === 'linux';
const rootPkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  version: string;
  homepage?: string;
  author?: { name?: string; email?: string };
  desktopName?: string;
};

/** The CPU an ELF binary is built for, from e_machine in its header. */
function elfMachine(file: string): string {
  const head = readFileSync(file).subarray(0, 20);
  if (head.readUInt32BE(0) !== 0x7f454c46) return 'not ELF';
  const machine = head[5] === 2 ? head.readUInt16BE(18) : head.readUInt16LE(18);
  return ({ 0x3e: 'x86-64', 0xb7: 'aarch64' } as Record<number, string>)[machine] ?? `machine ${machine}`;
}

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
  // the fpm stand-in (see the note at the top): records its arguments and the .desktop file it is given
  const fpm = path.join(tmp, 'fpm');
  writeFileSync(
    fpm,
    `#!${process.execPath}
const fs = require('node:fs');
const args = process.argv.slice(2);
fs.writeFileSync(process.env.FPM_RECORD, JSON.stringify(args));
const desktop = args.find((a) => /\\.desktop=/.test(a));
if (desktop) fs.copyFileSync(desktop.slice(0, desktop.indexOf('=')), process.env.FPM_RECORD + '.desktop');
fs.writeFileSync(args[args.indexOf('--package') + 1], 'placeholder: fpm is not available on this machine');
`,
  );
  chmodSync(fpm, 0o755);
  const builder = (args: string[], out: string) =>
    promisify(execFile)(
      process.execPath,
      [
        path.join(root, 'node_modules', 'electron-builder', 'cli.js'),
        '--config', 'electron-builder.yml', ...args, '--publish', 'never',
        `-c.electronDist=${stub}`, '-c.electronVersion=45.5.0', `-c.directories.output=${out}`,
        // the release workflow passes the repository's; a clone of this repo has no GitHub remote to detect it from
        '-c.publish.owner=example-owner', '-c.publish.repo=example-repo',
      ],
      {
        cwd: root,
        maxBuffer: 32 * 1024 * 1024,
        env: { ...process.env, ELECTRON_BUILDER_CACHE: path.join(tmp, 'cache'), CUSTOM_FPM_PATH: fpm, FPM_RECORD: path.join(tmp, 'fpm-args.json') },
      },
    ).then(({ stdout, stderr }) => stdout + stderr, (error: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`electron-builder ${args.join(' ')} failed: ${error.message}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
    });
  const out = path.join(tmp, 'release');
  const outArm = path.join(tmp, 'release-arm64');
  [debLog] = await Promise.all([builder(['--linux', 'deb', '--x64'], out), builder(['--linux', 'dir', '--arm64'], outArm)]);
  fpmArgs = JSON.parse(readFileSync(path.join(tmp, 'fpm-args.json'), 'utf8')) as string[];
  desktopEntry = readFileSync(path.join(tmp, 'fpm-args.json.desktop'), 'utf8');
  outDir = out;
  appDir = path.join(out, 'linux-unpacked');
  arm64Dir = path.join(outArm, 'linux-arm64-unpacked');
  files = asar.listPackage(path.join(appDir, 'resources', 'app.asar'), { isPack: false }).map((f) => f.split(path.sep).join('/'));
}, 600_000);

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe.skipIf(!onLinux)('packaged Linux app (electron-builder --linux deb up to fpm, stub Electron)', () => {
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

  it('bundles its own arch\'s ffmpeg and ffprobe in resources/ffmpeg, mode 0755, and they run', () => {
    for (const name of ['ffmpeg', 'ffprobe']) {
      const binary = path.join(appDir, 'resources', 'ffmpeg', name);
      // 0755, not the 0744 the npm postinstall leaves: installed from the deb, owned by root, every user runs it
      expect((statSync(binary).mode & 0o777).toString(8), binary).toBe('755');
      expect(elfMachine(binary), binary).toBe('x86-64');
      const run = spawnSync(binary, ['-version'], { encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toContain(`${name} version`);
    }
    expect(readFileSync(path.join(appDir, 'resources', 'licenses', 'FFMPEG-NOTICE.txt'), 'utf8')).toContain('GNU General Public License');
  });

  it('keeps the npm copies unpacked from app.asar for its own arch (the lookup the app uses today), mode 0755', () => {
    const unpacked = path.join(appDir, 'resources', 'app.asar.unpacked', 'node_modules');
    const pairs = [
      ['@ffmpeg-installer', 'ffmpeg'],
      ['@ffprobe-installer', 'ffprobe'],
    ] as const;
    for (const [scope, name] of pairs) {
      expect(files).toContain(`/node_modules/${scope}/linux-x64/${name}`); // listed in app.asar, so require() finds it
      const binary = path.join(unpacked, scope, 'linux-x64', name);
      expect((statSync(binary).mode & 0o777).toString(8), binary).toBe('755');
      expect(elfMachine(binary), binary).toBe('x86-64');
      const run = spawnSync(binary, ['-version'], { encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
    }
  });

  it('an arm64 package built on this x64 machine carries aarch64 ffmpeg and ffprobe, and not the host\'s', () => {
    for (const name of ['ffmpeg', 'ffprobe']) {
      const binary = path.join(arm64Dir, 'resources', 'ffmpeg', name);
      expect((statSync(binary).mode & 0o777).toString(8), binary).toBe('755');
      expect(elfMachine(binary), binary).toBe('aarch64');
    }
    const unpacked = path.join(arm64Dir, 'resources', 'app.asar.unpacked', 'node_modules');
    for (const scope of ['@ffmpeg-installer', '@ffprobe-installer']) {
      expect(readdirSync(path.join(unpacked, scope)).filter((d) => d.includes('-')), scope).toEqual([]);
    }
  });
});

describe('package metadata for the installers', () => {
  it('has a homepage and an author with name and email (the deb target needs them)', () => {
    expect(() => new URL(rootPkg.homepage ?? '')).not.toThrow();
    expect(rootPkg.author?.name).toBeTruthy();
    expect(rootPkg.author?.email).toMatch(/^[^@\s]+@[^@\s]+$/);
  });
});

describe.skipIf(!onLinux)('electron-builder --linux deb (stub Electron, fpm stand-in)', () => {
  it('gets past the metadata step to fpm, which it hands the homepage and maintainer', () => {
    expect(debLog).not.toMatch(/Please specify project homepage|author is missed/);
    expect(fpmArgs.slice(0, 5)).toEqual(['-s', 'dir', '--force', '-t', 'deb']);
    const arg = (flag: string) => fpmArgs[fpmArgs.indexOf(flag) + 1];
    expect(arg('--url')).toBe(rootPkg.homepage);
    expect(arg('--maintainer')).toMatch(/<[^@\s]+@[^@\s]+>$/);
    expect(arg('--name')).toBe('easemob-recording-downloader');
    expect(fpmArgs).toContain(`${appDir}/=/opt/Easemob Recording Downloader`); // the folder whose modes the tests above check
  });

  it('names the .desktop file after desktopName, which the packed package.json carries (launcher progress on Linux)', () => {
    const pkg = JSON.parse(asar.extractFile(path.join(appDir, 'resources', 'app.asar'), 'package.json').toString('utf8')) as { desktopName?: string };
    expect(pkg.desktopName).toBe('easemob-recording-downloader.desktop');
    const desktopArg = fpmArgs.find((a) => a.includes('=/usr/share/applications/'));
    expect(desktopArg?.slice(desktopArg.lastIndexOf('/') + 1)).toBe(pkg.desktopName);
    expect(desktopEntry).toContain(`StartupWMClass=${pkg.desktopName!.replace(/\.desktop$/, '')}`);
    expect(desktopEntry).toMatch(/^Exec=.*easemob-recording-downloader/m);
    expect(desktopEntry).toContain('Name[zh_CN]=环信录制下载器');
  });

  it('writes the updater config into the app and the feed file next to the package (the publish section)', () => {
    const appUpdate = readFileSync(path.join(appDir, 'resources', 'app-update.yml'), 'utf8');
    expect(appUpdate).toMatch(/^provider: github$/m);
    expect(appUpdate).toMatch(/^owner: example-owner$/m);
    expect(appUpdate).toContain('updaterCacheDirName: easemob-recording-downloader-updater');
    // latest-linux.yml: what electron-updater reads from the release (its hash here is the placeholder's)
    const feed = readFileSync(path.join(outDir, 'latest-linux.yml'), 'utf8');
    expect(feed.split('\n')).toContain(`version: ${rootPkg.version}`);
    expect(feed.split('\n')).toContain(`  - url: easemob-recording-downloader-${rootPkg.version}-linux-amd64.deb`);
  });
});
