// The bytes behind each demo file. Real media is made once by ffmpeg and cached on disk (temp + rename,
// so parallel test workers can share the cache); synthetic files are AES-CTR keystreams, generated on the
// fly for any range with no big buffers, so a 1 GB file streams as fast as the socket takes it.
import { createCipheriv, createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import PQueue from 'p-queue';
import type { DemoFile, FfmpegMediaSpec } from './catalogue.ts';
import { demoExtension } from './catalogue.ts';

/** Bump to regenerate every cached media file. */
const MEDIA_VERSION = 'v1';
export const DEFAULT_MEDIA_DIR = join(tmpdir(), `emrec-demo-media-${MEDIA_VERSION}`);

const CONTENT_TYPES = { webm: 'video/webm', mkv: 'video/x-matroska', mp4: 'video/mp4' } as const;
const CHUNK = 256 * 1024;

/** One version of one file's content, able to stream any byte range. */
export interface MediaBody {
  readonly size: number;
  /** Quoted strong validator, as object storage sends it. */
  readonly etag: string;
  readonly lastModified: Date;
  readonly contentType: string;
  /** Bytes `start..end` inclusive, in chunks of at most 256 KiB. */
  open(start: number, end: number): AsyncIterable<Buffer> | Iterable<Buffer>;
}

let ffmpegPathPromise: Promise<string> | undefined;

/** System `ffmpeg` on PATH, else the one `@ffmpeg-installer/ffmpeg` ships. */
function findFfmpeg(): Promise<string> {
  ffmpegPathPromise ??= (async () => {
    const onPath = await new Promise<boolean>((resolve) => {
      execFile('ffmpeg', ['-hide_banner', '-version'], { timeout: 10_000 }, (error) => resolve(error === null));
    });
    if (onPath) return 'ffmpeg';
    const installer = (await import('@ffmpeg-installer/ffmpeg')) as unknown as { default?: { path: string }; path?: string };
    const path = installer.default?.path ?? installer.path;
    if (path === undefined) throw new Error('no ffmpeg on PATH and @ffmpeg-installer/ffmpeg gave no path');
    return path;
  })();
  return ffmpegPathPromise;
}

function ffmpegArgs(spec: FfmpegMediaSpec, version: number, out: string): string[] {
  // A changed file (version > 0) gets another tone and pattern phase: new bytes, maybe a new size.
  const frequency = spec.frequency + version * 37;
  const size = `${spec.width}x${spec.height}`;
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-threads', '1'];
  if (spec.video !== 'none') args.push('-f', 'lavfi', '-i', `${spec.pattern}=size=${size}:rate=15:duration=${spec.seconds}`);
  args.push('-f', 'lavfi', '-i', `sine=frequency=${frequency}:sample_rate=48000:duration=${spec.seconds}`);
  if (spec.video === 'vp8') args.push('-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '150k');
  if (spec.video === 'h264') args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '15');
  if (spec.audio === 'opus') args.push('-c:a', 'libopus', '-b:a', '32k');
  else args.push('-c:a', 'aac', '-b:a', '48k');
  if (spec.container === 'mp4') args.push('-movflags', '+faststart');
  args.push('-map_metadata', '-1', '-shortest', '-f', { webm: 'webm', mkv: 'matroska', mp4: 'mp4' }[spec.container], out);
  return args;
}

const inFlight = new Map<string, Promise<string>>();
// The machine has two cores: never run more ffmpeg processes than that.
const ffmpegSlots = new PQueue({ concurrency: 2 });

/** Path of the cached media for `spec` at `version`, generating it on first use. */
function ensureMedia(mediaDir: string, spec: FfmpegMediaSpec, version: number): Promise<string> {
  const key = createHash('sha1').update(JSON.stringify([MEDIA_VERSION, spec, version])).digest('hex').slice(0, 20);
  const path = join(mediaDir, `${key}.${spec.container}`);
  let pending = inFlight.get(path);
  if (pending === undefined) {
    pending = ffmpegSlots.add(() => generate(mediaDir, spec, version, path));
    inFlight.set(path, pending);
    pending.catch(() => inFlight.delete(path));
  }
  return pending;
}

async function generate(mediaDir: string, spec: FfmpegMediaSpec, version: number, path: string): Promise<string> {
  const existing = await stat(path).catch(() => undefined);
  if (existing !== undefined && existing.size > 0) return path;
  await mkdir(mediaDir, { recursive: true });
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const ffmpeg = await findFfmpeg();
  try {
    await new Promise<void>((resolve, reject) => {
      execFile(ffmpeg, ffmpegArgs(spec, version, temp), { timeout: 120_000 }, (error, _stdout, stderr) => {
        if (error) reject(new Error(`ffmpeg could not make demo media: ${stderr.trim() || error.message}`, { cause: error }));
        else resolve();
      });
    });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return path;
}

async function hashFile(path: string, algorithm: string): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function fileBody(path: string, size: number, md5: string, lastModified: Date, extension: keyof typeof CONTENT_TYPES): MediaBody {
  return {
    size,
    etag: `"${md5.toUpperCase()}"`,
    lastModified,
    contentType: CONTENT_TYPES[extension],
    open: (start, end) => createReadStream(path, { start, end, highWaterMark: CHUNK }),
  };
}

/** Deterministic pseudo-random bytes: the AES-128-CTR keystream of a key derived from seed, size and version. */
function* keystream(key: Buffer, start: number, end: number): Generator<Buffer> {
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(BigInt(Math.floor(start / 16)), 8);
  const cipher = createCipheriv('aes-128-ctr', key, iv);
  const zeros = Buffer.alloc(CHUNK);
  let skip = start % 16;
  let left = end - start + 1;
  while (left > 0) {
    const want = Math.min(CHUNK, left + skip);
    let block = cipher.update(zeros.subarray(0, want));
    if (skip > 0) {
      block = block.subarray(skip);
      skip = 0;
    }
    left -= block.length;
    yield block;
  }
}

function syntheticBody(file: DemoFile & { media: { kind: 'synthetic' } }, version: number, lastModified: Date): MediaBody {
  const { size, seed } = file.media;
  const key = createHash('sha256').update(`emrec-demo:${seed}:${size}:${version}`).digest().subarray(0, 16);
  return {
    size,
    etag: `"${createHash('md5').update(`${seed}:${size}:${version}`).digest('hex').toUpperCase()}"`,
    lastModified,
    contentType: CONTENT_TYPES[demoExtension(file)],
    open: (start, end) => keystream(key, start, end),
  };
}

/** Makes and remembers the body of each (file, version); also the expected sha256 for tests. */
export class MediaStore {
  readonly #mediaDir: string;
  readonly #bodies = new Map<string, Promise<MediaBody>>();
  readonly #sha = new Map<string, Promise<string>>();

  constructor(mediaDir: string = DEFAULT_MEDIA_DIR) {
    this.#mediaDir = mediaDir;
  }

  body(file: DemoFile, version: number): Promise<MediaBody> {
    const key = `${file.id}:${version}`;
    let body = this.#bodies.get(key);
    if (body === undefined) {
      body = this.#make(file, version);
      this.#bodies.set(key, body);
      body.catch(() => this.#bodies.delete(key));
    }
    return body;
  }

  async #make(file: DemoFile, version: number): Promise<MediaBody> {
    // Last-Modified: when the recording finished, moved on by a minute per change.
    const lastModified = new Date(Date.parse(file.recordTime.replace(' ', 'T') + 'Z') + version * 60_000);
    const safeDate = Number.isNaN(lastModified.getTime()) ? new Date(0) : lastModified;
    if (file.media.kind === 'synthetic') return syntheticBody({ ...file, media: file.media }, version, safeDate);
    const path = await ensureMedia(this.#mediaDir, file.media.spec, version);
    const [info, md5] = await Promise.all([stat(path), hashFile(path, 'md5')]);
    return fileBody(path, info.size, md5, safeDate, file.media.spec.container);
  }

  /** Hex sha256 of the file's content at `version`: what a byte-identical download hashes to. */
  sha256(file: DemoFile, version: number): Promise<string> {
    const key = `${file.id}:${version}`;
    let sha = this.#sha.get(key);
    if (sha === undefined) {
      sha = (async () => {
        const body = await this.body(file, version);
        const hash = createHash('sha256');
        if (body.size > 0) for await (const chunk of body.open(0, body.size - 1)) hash.update(chunk);
        return hash.digest('hex');
      })();
      this.#sha.set(key, sha);
      sha.catch(() => this.#sha.delete(key));
    }
    return sha;
  }
}
