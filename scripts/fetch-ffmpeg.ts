// Puts the ffmpeg and ffprobe of one target platform and arch into .cache/ffmpeg/<platform>-<arch>/, for
// electron-builder's afterPack hook (scripts/after-pack.cjs) to copy into that target's package.
//
// npm installs only the build machine's optional dependency (@ffmpeg-installer/linux-x64 on a Linux x64
// host, say), so a package for any other platform or arch would ship the wrong binary or none. This
// script takes the versions @ffmpeg-installer/ffmpeg and @ffprobe-installer/ffprobe pin in their
// optionalDependencies, fetches those packages' tarballs with `npm pack` (the npm registry, integrity
// checked by npm) or copies them from node_modules when the host's own package is that version,
// checks that each binary is an executable of the target's format and CPU, and leaves it mode 0755.
//
//   node scripts/fetch-ffmpeg.ts                          the host's platform and arch
//   node scripts/fetch-ffmpeg.ts --platform win32 --arch x64
//   node scripts/fetch-ffmpeg.ts --target darwin-arm64 --target darwin-x64
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';

export type Platform = 'darwin' | 'linux' | 'win32';
export type Arch = 'x64' | 'arm64';
export const TARGETS: readonly `${Platform}-${Arch}`[] = ['darwin-arm64', 'darwin-x64', 'linux-arm64', 'linux-x64', 'win32-x64'];

const TOOLS = [
  { tool: 'ffmpeg', wrapper: '@ffmpeg-installer/ffmpeg', scope: '@ffmpeg-installer' },
  { tool: 'ffprobe', wrapper: '@ffprobe-installer/ffprobe', scope: '@ffprobe-installer' },
] as const;

export interface FetchedTarget {
  readonly dir: string;
  readonly binaries: readonly string[];
  readonly packages: Readonly<Record<string, string>>;
}

/** Where the binaries of a target go, under the project root. */
export function targetDir(root: string, platform: Platform, arch: Arch): string {
  return path.join(root, '.cache', 'ffmpeg', `${platform}-${arch}`);
}

/** Fetches (or reuses) the ffmpeg and ffprobe of one target; returns where they are. */
export function fetchFfmpeg(root: string, platform: Platform, arch: Arch, log: (line: string) => void = () => undefined): FetchedTarget {
  const key = `${platform}-${arch}`;
  if (!TARGETS.includes(key as (typeof TARGETS)[number])) throw new Error(`no bundled ffmpeg for ${key}: the npm packages exist for ${TARGETS.join(', ')}`);
  const exe = platform === 'win32' ? '.exe' : '';
  const dir = targetDir(root, platform, arch);
  const packages: Record<string, string> = {};
  for (const { wrapper, scope } of TOOLS) {
    const manifest = JSON.parse(readFileSync(path.join(root, 'node_modules', wrapper, 'package.json'), 'utf8')) as { optionalDependencies?: Record<string, string> };
    const name = `${scope}/${key}`;
    const version = manifest.optionalDependencies?.[name];
    if (!version) throw new Error(`${wrapper} names no ${name} in its optionalDependencies`);
    packages[name] = version;
  }
  const stampFile = path.join(dir, 'SOURCE.json');
  const binaries = TOOLS.map(({ tool }) => path.join(dir, tool + exe));
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp(packages) && binaries.every((b) => existsSync(b))) {
    for (const b of binaries) checkBinary(b, platform, arch);
    log(`${key}: already in ${path.relative(root, dir)}`);
    return { dir, binaries, packages };
  }

  const staging = mkdtempSync(path.join(os.tmpdir(), 'emrec-ffmpeg-'));
  try {
    const stage = path.join(staging, key);
    mkdirSync(stage, { recursive: true });
    for (const { tool, scope } of TOOLS) {
      const name = `${scope}/${key}`;
      const version = packages[name]!;
      const target = path.join(stage, tool + exe);
      const installed = path.join(root, 'node_modules', scope, key);
      if (readVersion(installed) === version && existsSync(path.join(installed, tool + exe))) {
        copyFileSync(path.join(installed, tool + exe), target);
        log(`${key}: ${tool} from node_modules/${name}@${version}`);
      } else {
        const tarball = npmPack(`${name}@${version}`, staging);
        writeFileSync(target, extractFromTarball(readFileSync(tarball), `package/${tool}${exe}`));
        log(`${key}: ${tool} from the npm registry, ${name}@${version}`);
      }
      chmodSync(target, 0o755);
      checkBinary(target, platform, arch);
    }
    writeFileSync(path.join(stage, 'SOURCE.json'), stamp(packages));
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(path.dirname(dir), { recursive: true });
    try {
      renameSync(stage, dir);
    } catch {
      // another volume (tmpdir on tmpfs): copy instead
      mkdirSync(dir, { recursive: true });
      for (const file of [...TOOLS.map(({ tool }) => tool + exe), 'SOURCE.json']) copyFileSync(path.join(stage, file), path.join(dir, file));
      for (const b of binaries) chmodSync(b, 0o755);
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return { dir, binaries, packages };
}

function stamp(packages: Record<string, string>): string {
  return `${JSON.stringify(packages, null, 2)}\n`;
}

function readVersion(packageDir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** `npm pack <spec>` into dir (no install, so no os/cpu check); returns the tarball's path. */
function npmPack(spec: string, dir: string): string {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const out = execFileSync(npm, ['pack', spec, '--json', '--silent', '--pack-destination', dir], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    shell: process.platform === 'win32', // npm.cmd cannot be spawned without a shell
    maxBuffer: 16 * 1024 * 1024,
  });
  const [info] = JSON.parse(out) as { filename: string }[];
  if (!info) throw new Error(`npm pack ${spec} printed no tarball`);
  return path.join(dir, info.filename);
}

/** One file out of a gzipped ustar archive (npm's tarballs), without relying on the host's tar. */
export function extractFromTarball(gz: Buffer, wanted: string): Buffer {
  const tar = gunzipSync(gz);
  let longName: string | undefined;
  for (let at = 0; at + 512 <= tar.length; ) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, length: number) => header.subarray(start, start + length).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1);
    const prefix = field(345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    longName = undefined;
    const body = tar.subarray(at + 512, at + 512 + size);
    if (type === 'x') {
      const pathRecord = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'));
      if (pathRecord) longName = pathRecord[1];
    } else if (type === 'L') {
      longName = body.toString('utf8').replace(/\0.*$/s, '');
    } else if ((type === '0' || type === '') && name === wanted) {
      return Buffer.from(body);
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`${wanted} is not in the tarball`);
}

/** The executable format and CPU a binary is built for, read from its header. */
export function binaryTarget(file: string): { platform: Platform; arch: string } | undefined {
  const head = readFileSync(file).subarray(0, 4096);
  if (head.length >= 20 && head.readUInt32BE(0) === 0x7f454c46) {
    const machine = head[5] === 2 ? head.readUInt16BE(18) : head.readUInt16LE(18);
    return { platform: 'linux', arch: ({ 0x3e: 'x64', 0xb7: 'arm64', 0x03: 'ia32', 0x28: 'arm' } as Record<number, string>)[machine] ?? `elf-machine-${machine}` };
  }
  if (head.length >= 8 && head.readUInt32LE(0) === 0xfeedfacf) {
    const cpu = head.readUInt32LE(4);
    return { platform: 'darwin', arch: ({ 0x01000007: 'x64', 0x0100000c: 'arm64' } as Record<number, string>)[cpu] ?? `mach-o-cpu-${cpu}` };
  }
  if (head.length >= 0x40 && head.toString('latin1', 0, 2) === 'MZ') {
    const pe = head.readUInt32LE(0x3c);
    if (pe + 6 <= head.length && head.toString('latin1', pe, pe + 4) === 'PE\0\0') {
      const machine = head.readUInt16LE(pe + 4);
      return { platform: 'win32', arch: ({ 0x8664: 'x64', 0xaa64: 'arm64', 0x14c: 'ia32' } as Record<number, string>)[machine] ?? `pe-machine-${machine}` };
    }
  }
  return undefined;
}

function checkBinary(file: string, platform: Platform, arch: Arch): void {
  const found = binaryTarget(file);
  if (found?.platform !== platform || found.arch !== arch) {
    throw new Error(`${file} is ${found ? `${found.platform}-${found.arch}` : 'not an executable'}, expected ${platform}-${arch}`);
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      platform: { type: 'string', default: process.platform },
      arch: { type: 'string', default: process.arch },
      target: { type: 'string', multiple: true },
    },
  });
  const root = path.resolve(import.meta.dirname, '..');
  const targets = values.target?.length ? values.target : [`${values.platform}-${values.arch}`];
  for (const target of targets) {
    const [platform, arch] = target.split('-') as [Platform, Arch];
    const fetched = fetchFfmpeg(root, platform, arch, (line) => console.log(line));
    console.log(`${target}: ${fetched.binaries.map((b) => path.relative(root, b)).join(', ')}`);
  }
}
