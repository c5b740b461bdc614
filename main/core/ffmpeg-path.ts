// Finds a working ffmpeg + ffprobe pair: the user's setting, then the copies bundled from npm, then
// the system PATH. Each candidate is run and checked for the codecs conversion needs, so a broken or
// stripped-down build falls through to the next one instead of failing mid-conversion.
import { execFile } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { EmrecError } from './errors.ts';

export type FfmpegSource = 'user' | 'bundled' | 'system';

/** A checked ffmpeg/ffprobe pair and what the conversion command needs to know about it. */
export interface FfmpegInfo {
  readonly ffmpeg: string;
  readonly ffprobe: string;
  readonly source: FfmpegSource;
  /** `ffmpeg -version` first line's version, e.g. `5.1.6` or `N-47683-g0e8eb07980-static`. */
  readonly version: string;
  /** `-fps_mode` (ffmpeg ≥ 5.1) or the older `-vsync`. */
  readonly fpsModeOption: '-fps_mode' | '-vsync';
}

export interface ResolveFfmpegOptions {
  /** The user's setting: the ffmpeg binary, or a folder holding ffmpeg and ffprobe. */
  readonly userPath?: string | undefined;
  /** A folder holding the bundled binaries; by default the @ffmpeg-installer/@ffprobe-installer packages. */
  readonly bundledDir?: string | undefined;
  /** false skips the bundled copies (tests, or a user who wants the system build). Default true. */
  readonly bundled?: boolean;
  /** The PATH searched for system binaries; default `process.env.PATH`. */
  readonly pathEnv?: string | undefined;
}

/** Decoders and encoders conversion relies on; a build missing one is skipped. */
const REQUIRED_ENCODERS = [['libx264'], ['aac']] as const;
const REQUIRED_DECODERS = [['h264'], ['vp8', 'libvpx'], ['vp9', 'libvpx-vp9'], ['opus', 'libopus'], ['vorbis', 'libvorbis'], ['aac']] as const;

const EXE = process.platform === 'win32' ? '.exe' : '';
const cache = new Map<string, FfmpegInfo>();

/**
 * In a packaged Electron app, binaries shipped inside `app.asar` cannot be executed: electron-builder
 * puts them in `app.asar.unpacked` (asarUnpack) and the npm packages still report the asar path.
 */
export function unpackedPath(p: string): string {
  return p.replace(/([\\/])app\.asar(?=[\\/])/, '$1app.asar.unpacked');
}

/**
 * Returns the first usable ffmpeg/ffprobe pair, cached per options. Throws CONVERT_UNAVAILABLE with
 * every candidate tried and why it was rejected.
 */
export async function resolveFfmpeg(options: ResolveFfmpegOptions = {}): Promise<FfmpegInfo> {
  const key = JSON.stringify([options.userPath, options.bundledDir, options.bundled, options.pathEnv ?? process.env.PATH]);
  const cached = cache.get(key);
  if (cached) return cached;

  const rejected: string[] = [];
  for (const candidate of candidates(options, rejected)) {
    const problem = await checkCandidate(candidate);
    if (typeof problem === 'string') {
      rejected.push(`${candidate.label}: ${problem}`);
      continue;
    }
    cache.set(key, problem);
    return problem;
  }
  throw new EmrecError(
    'CONVERT_UNAVAILABLE',
    `MP4 conversion is unavailable: no usable ffmpeg was found (${rejected.join('; ')}). ` +
      'Downloads still work; set the ffmpeg path in the settings or install ffmpeg on the system PATH.',
    { details: { tried: rejected } },
  );
}

/** Forgets cached results (after the user changes the ffmpeg setting). */
export function clearFfmpegCache(): void {
  cache.clear();
}

interface Candidate {
  readonly label: string;
  readonly source: FfmpegSource;
  /** The pair to check, or why there is none. */
  readonly locate: () => Promise<Pair | string>;
}

interface Pair {
  readonly ffmpeg: string;
  readonly ffprobe: string;
}

function* candidates(options: ResolveFfmpegOptions, rejected: string[]): Generator<Candidate> {
  const { userPath } = options;
  if (userPath) yield { label: `user setting "${userPath}"`, source: 'user', locate: () => userPair(userPath) };
  if (options.bundled !== false) {
    const bundled = bundledPaths(options.bundledDir);
    if (typeof bundled === 'string') rejected.push(`bundled copy: ${bundled}`);
    else yield { label: `bundled copy "${bundled.ffmpeg}"`, source: 'bundled', locate: async () => bundled };
  }
  const dirs = systemDirs(options.pathEnv ?? process.env.PATH ?? '');
  if (dirs.length === 0) rejected.push('system PATH: PATH is empty');
  else yield { label: 'system PATH', source: 'system', locate: () => systemPair(dirs) };
}

/**
 * The folders searched for a system ffmpeg: PATH, and on macOS also Homebrew's and MacPorts' — an app
 * started from the Finder or the Dock gets launchd's PATH (/usr/bin:/bin:/usr/sbin:/sbin), not the shell's.
 */
export function systemDirs(pathEnv: string, platform: NodeJS.Platform = process.platform): string[] {
  const dirs = pathEnv.split(platform === 'win32' ? ';' : ':').filter(Boolean);
  if (platform === 'darwin') for (const dir of ['/opt/homebrew/bin', '/usr/local/bin', '/opt/local/bin']) if (!dirs.includes(dir)) dirs.push(dir);
  return dirs;
}

function bundledPaths(bundledDir: string | undefined): Pair | string {
  if (bundledDir) {
    return { ffmpeg: path.join(bundledDir, `ffmpeg${EXE}`), ffprobe: path.join(bundledDir, `ffprobe${EXE}`) };
  }
  try {
    const require = createRequire(import.meta.url);
    const ffmpeg = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
    const ffprobe = (require('@ffprobe-installer/ffprobe') as { path: string }).path;
    return { ffmpeg: unpackedPath(ffmpeg), ffprobe: unpackedPath(ffprobe) };
  } catch (error) {
    // The packages throw a string or an Error when this platform has no binary.
    return `not installed for ${process.platform}-${process.arch} (${error instanceof Error ? error.message : String(error)})`;
  }
}

async function systemPair(dirs: readonly string[]): Promise<Pair | string> {
  const ffmpeg = await findOnPath(`ffmpeg${EXE}`, dirs);
  if (!ffmpeg) return 'ffmpeg not found';
  const ffprobe = await findOnPath(`ffprobe${EXE}`, dirs);
  if (!ffprobe) return 'ffprobe not found';
  return { ffmpeg, ffprobe };
}

async function checkCandidate(candidate: Candidate): Promise<FfmpegInfo | string> {
  const pair = await candidate.locate();
  if (typeof pair === 'string') return pair;
  const { ffmpeg, ffprobe } = pair;
  for (const binary of [ffmpeg, ffprobe]) {
    if (!(await isExecutable(binary))) return `${binary} does not exist or is not executable`;
  }
  try {
    const versionText = await run(ffmpeg, ['-version']);
    await run(ffprobe, ['-version']);
    const version = /version\s+(\S+)/.exec(versionText)?.[1] ?? 'unknown';
    const encoders = await run(ffmpeg, ['-hide_banner', '-encoders']);
    const decoders = await run(ffmpeg, ['-hide_banner', '-decoders']);
    const missing = [
      ...REQUIRED_ENCODERS.filter((names) => !names.some((n) => hasCodec(encoders, n))).map((n) => `encoder ${n[0]}`),
      ...REQUIRED_DECODERS.filter((names) => !names.some((n) => hasCodec(decoders, n))).map((n) => `decoder ${n[0]}`),
    ];
    if (missing.length > 0) return `ffmpeg ${version} lacks ${missing.join(', ')}`;
    const fpsModeOption = (await supportsFpsMode(ffmpeg)) ? '-fps_mode' : '-vsync';
    return { ffmpeg, ffprobe, source: candidate.source, version, fpsModeOption };
  } catch (error) {
    return `does not run (${error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)})`;
  }
}

/** The user may point at the ffmpeg binary or at the folder holding both. */
async function userPair(userPath: string): Promise<Pair | string> {
  const info = await stat(userPath).catch(() => undefined);
  if (!info) return 'not found';
  if (info.isDirectory()) {
    return { ffmpeg: path.join(userPath, `ffmpeg${EXE}`), ffprobe: path.join(userPath, `ffprobe${EXE}`) };
  }
  const dir = path.dirname(userPath);
  const base = path.basename(userPath);
  const probeBase = base.replace(/ffmpeg/i, 'ffprobe');
  if (probeBase === base) return 'the ffmpeg setting must name the ffmpeg binary or its folder';
  return { ffmpeg: userPath, ffprobe: path.join(dir, probeBase) };
}

async function findOnPath(name: string, dirs: readonly string[]): Promise<string | undefined> {
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    const info = await stat(file);
    if (!info.isFile()) return false;
    await access(file, process.platform === 'win32' ? fsConstants.F_OK : fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function hasCodec(listing: string, name: string): boolean {
  return new RegExp(`^\\s*[A-Z.]{6}\\s+${name.replace(/[-.]/g, '\\$&')}\\s`, 'm').test(listing);
}

/** `-fps_mode` replaced `-vsync` in ffmpeg 5.1; try it on a one-frame null encode. */
async function supportsFpsMode(ffmpeg: string): Promise<boolean> {
  try {
    await run(ffmpeg, ['-hide_banner', '-v', 'error', '-f', 'lavfi', '-i', 'nullsrc=s=16x16:d=0.04', '-fps_mode', 'vfr', '-f', 'null', '-']);
    return true;
  } catch {
    return false;
  }
}

function run(file: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 20_000, maxBuffer: 8 * 1024 * 1024, windowsHide: true }, (error, stdout) => {
      if (error) reject(error);
      else resolve(stdout);
    });
  });
}
