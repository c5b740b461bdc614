import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConvertStep, defaultConvertConcurrency } from '../../main/core/convert-step.ts';
import { convertFile, durationFromTimes, planConversion } from '../../main/core/convert.ts';
import { isEmrecError } from '../../main/core/errors.ts';
import { clearFfmpegCache, resolveFfmpeg, unpackedPath, type FfmpegInfo } from '../../main/core/ffmpeg-path.ts';
import { probeFile, streamTimes, type ProbeResult } from '../../main/core/probe.ts';
import { ffmpegTo, lavfi, makeMedia, MEDIA_DIR, run, sha256, type MediaName } from '../fixtures/make-media.ts';

let tmp: string;
let bundled: FfmpegInfo;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'emrec-convert-'));
  bundled = await resolveFfmpeg();
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A fresh folder holding a copy of the sample, so each conversion starts clean. */
async function sample(name: MediaName): Promise<{ dir: string; input: string }> {
  const dir = await mkdtemp(path.join(tmp, 'case-'));
  const input = path.join(dir, name);
  await copyFile(await makeMedia(name), input);
  return { dir, input };
}

/** Duration from the packets actually in the file (the header may lie or be missing). */
async function packetDuration(ffprobe: string, file: string): Promise<number> {
  const csv = await run(ffprobe, ['-v', 'error', '-show_entries', 'packet=pts_time,duration_time', '-of', 'csv=p=0', file]);
  let start = Infinity;
  let end = 0;
  for (const line of csv.split('\n')) {
    const [pts, dur] = line.split(',').map(Number);
    if (pts === undefined || !Number.isFinite(pts)) continue;
    start = Math.min(start, pts);
    end = Math.max(end, pts + (Number.isFinite(dur) ? (dur ?? 0) : 0));
  }
  return end - start;
}

async function decodeErrors(ffmpeg: string, file: string): Promise<string> {
  return run(ffmpeg, ['-hide_banner', '-v', 'error', '-i', file, '-f', 'null', '-'], undefined).then(
    () => '',
    (error: Error) => error.message,
  );
}

async function frameSizes(ffprobe: string, file: string): Promise<Set<string>> {
  const csv = await run(ffprobe, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=width,height', '-of', 'csv=p=0', file]);
  return new Set(csv.split('\n').map((line) => line.replace(/,+$/, '')).filter(Boolean));
}

const CASES: readonly {
  name: MediaName;
  mode: 'remux' | 'transcode';
  video: 'copy' | 'h264' | null;
  audio: 'copy' | 'aac' | null;
  ext: 'mp4' | 'm4a';
  size?: string;
}[] = [
  { name: 'vp8-opus-noduration.webm', mode: 'transcode', video: 'h264', audio: 'aac', ext: 'mp4', size: '320,240' },
  { name: 'vp9-opus-odd.webm', mode: 'transcode', video: 'h264', audio: 'aac', ext: 'mp4', size: '160,120' },
  { name: 'h264-opus.mkv', mode: 'transcode', video: 'copy', audio: 'aac', ext: 'mp4', size: '320,240' },
  { name: 'h264-aac.mkv', mode: 'remux', video: 'copy', audio: 'copy', ext: 'mp4', size: '320,240' },
  { name: 'opus-only.webm', mode: 'transcode', video: null, audio: 'aac', ext: 'm4a' },
  { name: 'desktop-vp8.webm', mode: 'transcode', video: 'h264', audio: null, ext: 'mp4', size: '320,180' },
  { name: 'reschange.webm', mode: 'transcode', video: 'h264', audio: 'aac', ext: 'mp4', size: '320,240' },
  { name: 'truncated.webm', mode: 'transcode', video: 'h264', audio: 'aac', ext: 'mp4', size: '320,240' },
];

const systemFfmpeg = await resolveFfmpeg({ bundled: false }).catch(() => undefined);
const SOURCES: readonly { label: string; get: () => FfmpegInfo }[] = [
  { label: 'bundled ffmpeg', get: () => bundled },
  ...(systemFfmpeg ? [{ label: `system ffmpeg ${systemFfmpeg.version}`, get: () => systemFfmpeg }] : []),
];

describe.each(SOURCES)('convertFile with the $label', ({ get }) => {
  it.each(CASES)('converts $name ($mode, video $video, audio $audio)', async ({ name, mode, video, audio, ext, size }) => {
    const ff = get();
    const { dir, input } = await sample(name);
    const before = await sha256(input);
    const percents: number[] = [];
    const result = await convertFile({ input, ffmpeg: ff, keepOriginal: true, onProgress: (p) => percents.push(p) });

    expect(result.mode).toBe(mode);
    expect(result.plan.video).toBe(video);
    expect(result.plan.audio).toBe(audio);
    expect(result.ffmpegVersion).toBe(ff.version);
    expect(result.output).toBe(path.join(dir, `${path.basename(name, path.extname(name))}.${ext}`));
    expect((await readdir(dir)).sort()).toEqual([name, path.basename(result.output)].sort());
    expect(await sha256(input)).toBe(before);

    const out = await probeFile(ff.ffprobe, result.output);
    expect(out.streams.filter((s) => s.type === 'video').map((s) => s.codec)).toEqual(video ? ['h264'] : []);
    expect(out.streams.filter((s) => s.type === 'audio').map((s) => s.codec)).toEqual(audio ? ['aac'] : []);
    expect(out.durationSec).toBeDefined();
    expect(Math.abs((out.durationSec ?? 0) - (await packetDuration(ff.ffprobe, input)))).toBeLessThan(0.5);
    expect(await decodeErrors(ff.ffmpeg, result.output)).toBe('');
    if (size) expect(await frameSizes(ff.ffprobe, result.output)).toEqual(new Set([size]));

    expect(percents.at(-1)).toBe(100);
    expect(percents.every((p, i) => p >= 0 && p <= 100 && (i === 0 || p >= (percents[i - 1] ?? 0)))).toBe(true);
  });
});

describe('sample files are the awkward cases they claim to be', () => {
  it('the live VP8 file has no duration and a variable frame rate', async () => {
    const probe = await probeFile(bundled.ffprobe, await makeMedia('vp8-opus-noduration.webm'));
    expect(probe.durationSec).toBeUndefined();
    const csv = await run(bundled.ffprobe, ['-v', 'error', '-select_streams', 'v', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', await makeMedia('vp8-opus-noduration.webm')]);
    const gaps = new Set(csv.split('\n').filter(Boolean).map(Number).map((t, i, all) => (i === 0 ? 0 : Math.round((t - (all[i - 1] ?? 0)) * 100))));
    expect(gaps.size).toBeGreaterThan(2);
  });

  it('the resolution-change file has frames of two sizes', async () => {
    expect(await frameSizes(bundled.ffprobe, await makeMedia('reschange.webm'))).toEqual(new Set(['320,240', '160,120']));
  });

  it('the truncated file is damaged at the end', async () => {
    const file = await makeMedia('truncated.webm');
    const probe = await probeFile(bundled.ffprobe, file);
    // The header still says 3 s but the packets stop well before.
    expect(probe.durationSec ?? 0).toBeGreaterThan((await packetDuration(bundled.ffprobe, file)) + 0.3);
  });
});

describe('convertFile behaviour', () => {
  it('copies the H.264 and AAC streams unchanged when remuxing', async () => {
    const { input } = await sample('h264-aac.mkv');
    const result = await convertFile({ input, ffmpeg: bundled });
    const packets = (file: string, stream: string) =>
      run(bundled.ffprobe, ['-v', 'error', '-select_streams', stream, '-show_entries', 'packet=size', '-of', 'csv=p=0', file]);
    const params = (file: string) =>
      run(bundled.ffprobe, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,profile,level,width,height,pix_fmt', '-of', 'csv=p=0', file]);
    expect(await packets(result.output, 'v:0')).toBe(await packets(input, 'v:0'));
    expect(await packets(result.output, 'a:0')).toBe(await packets(input, 'a:0'));
    expect(await params(result.output)).toBe(await params(input));
  });

  it('keeps variable frame timing instead of duplicating frames', async () => {
    const { input } = await sample('vp8-opus-noduration.webm');
    const result = await convertFile({ input, ffmpeg: bundled });
    const count = async (file: string) =>
      (await run(bundled.ffprobe, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts', '-of', 'csv=p=0', file])).trim().split('\n').length;
    expect(await count(result.output)).toBe(await count(input));
  });

  it('puts the index at the front (+faststart)', async () => {
    const { input } = await sample('h264-opus.mkv');
    const result = await convertFile({ input, ffmpeg: bundled });
    const bytes = await readFile(result.output);
    expect(bytes.indexOf('moov')).toBeGreaterThan(0);
    expect(bytes.indexOf('moov')).toBeLessThan(bytes.indexOf('mdat'));
  });

  it('leaves .mp4 files as they are', async () => {
    const { dir, input } = await sample('h264-aac.mp4');
    const before = await sha256(input);
    const result = await convertFile({ input, ffmpeg: bundled, keepOriginal: false });
    expect(result).toMatchObject({ mode: 'none', output: input });
    expect(await readdir(dir)).toEqual(['h264-aac.mp4']);
    expect(await sha256(input)).toBe(before);
  });

  it('removes the original when asked not to keep it', async () => {
    const { dir, input } = await sample('h264-opus.mkv');
    const result = await convertFile({ input, ffmpeg: bundled, keepOriginal: false });
    expect(await readdir(dir)).toEqual(['h264-opus.mp4']);
    expect(result.output).toBe(path.join(dir, 'h264-opus.mp4'));
  });

  it('does not overwrite an existing file of the output name', async () => {
    const { dir, input } = await sample('h264-aac.mkv');
    await writeFile(path.join(dir, 'h264-aac.mp4'), 'someone else');
    const result = await convertFile({ input, ffmpeg: bundled });
    expect(result.output).toBe(path.join(dir, 'h264-aac (2).mp4'));
  });

  it('converting again after a run stopped before recording it keeps the one conversion, no "name (2)"', async () => {
    for (const name of ['h264-aac.mkv', 'vp8-opus-noduration.webm'] as const) {
      const { dir, input } = await sample(name);
      const first = await convertFile({ input, ffmpeg: bundled });
      const again = await convertFile({ input, ffmpeg: bundled });
      expect(again.output, name).toBe(first.output);
      expect((await readdir(dir)).sort(), name).toEqual([name, path.basename(first.output)].sort());
    }
  });

  it('a different media file at the output name is kept and the conversion goes beside it', async () => {
    const { dir, input } = await sample('h264-aac.mkv');
    const other = await sample('h264-opus.mkv');
    const otherMp4 = (await convertFile({ input: other.input, ffmpeg: bundled })).output;
    await copyFile(otherMp4, path.join(dir, 'h264-aac.mp4'));
    const result = await convertFile({ input, ffmpeg: bundled });
    expect(result.output).toBe(path.join(dir, 'h264-aac (2).mp4'));
  });

  it('converting again when another file holds the first name finds its own "name (2)" instead of adding "name (3)"', async () => {
    const { dir, input } = await sample('vp8-opus-noduration.webm');
    await writeFile(path.join(dir, 'vp8-opus-noduration.mp4'), 'someone else');
    const outputs = [];
    for (let run = 0; run < 3; run++) outputs.push((await convertFile({ input, ffmpeg: bundled })).output);
    expect(new Set(outputs)).toEqual(new Set([path.join(dir, 'vp8-opus-noduration (2).mp4')]));
    expect((await readdir(dir)).sort()).toEqual(['vp8-opus-noduration (2).mp4', 'vp8-opus-noduration.mp4', 'vp8-opus-noduration.webm']);
  });

  it('two originals of one name (rec.webm and rec.mkv) convert at once, each to its own file', async () => {
    const dir = await mkdtemp(path.join(tmp, 'same-name-'));
    await copyFile(await makeMedia('vp8-opus-noduration.webm'), path.join(dir, 'rec.webm'));
    await copyFile(await makeMedia('h264-opus.mkv'), path.join(dir, 'rec.mkv'));
    const results = await Promise.all(['rec.webm', 'rec.mkv'].map((name) => convertFile({ input: path.join(dir, name), ffmpeg: bundled })));
    expect(new Set(results.map((r) => path.basename(r.output)))).toEqual(new Set(['rec.mp4', 'rec (2).mp4']));
    for (const r of results) expect((await probeFile(bundled.ffprobe, r.output)).streams.length).toBe(2);
    expect((await readdir(dir)).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('a cancel while the streams\' timing is read is CANCELLED, not a crash', async () => {
    const { input } = await sample('h264-aac.mkv');
    const error = await streamTimes(bundled.ffprobe, input, [{ index: 0, strict: true }], AbortSignal.abort()).then(() => undefined, (e: unknown) => e);
    expect((error as { code?: string }).code).toBe('CANCELLED');
  });

  it.skipIf(process.getuid?.() !== 0)('a disk that fills while converting is DISK_FULL naming the folder, not a conversion failure; the original is kept (tmpfs, root)', async () => {
    const mnt = await mkdtemp(path.join(tmp, 'full-'));
    const source = await makeMedia('vp8-opus-noduration.webm');
    const size = statSync(source).size;
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size + 8192}`, 'tmpfs', mnt]);
    try {
      const input = path.join(mnt, 'in.webm');
      await copyFile(source, input);
      const before = await sha256(input);
      const error = await convertFile({ input, ffmpeg: bundled, keepOriginal: false }).then(() => undefined, (e: unknown) => e);
      expect((error as { code?: string }).code, String(error)).toBe('DISK_FULL');
      expect(String((error as Error).message)).toContain(mnt);
      expect(await readdir(mnt)).toEqual(['in.webm']);
      expect(await sha256(input)).toBe(before);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });

  it('reports progress from the expected duration when the file has none', async () => {
    const { input } = await sample('vp8-opus-noduration.webm');
    const percents: number[] = [];
    await convertFile({ input, ffmpeg: bundled, expectedDurationSec: 3, onProgress: (p) => percents.push(p) });
    expect(percents.at(-1)).toBe(100);
    expect(percents.every((p, i) => i === 0 || p >= (percents[i - 1] ?? 0))).toBe(true);
  });

  it('cancelling leaves the original byte-identical and no other file', async () => {
    const dir = await mkdtemp(path.join(tmp, 'cancel-'));
    const input = path.join(dir, 'long.webm');
    const cached = path.join(MEDIA_DIR, 'cancel-long-v1.webm');
    if (!existsSync(cached)) {
      await mkdir(MEDIA_DIR, { recursive: true });
      const partial = `${cached}.${process.pid}.part.webm`;
      await ffmpegTo(partial, [...lavfi(20, '640x480'), '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '800k', '-c:a', 'libopus', '-f', 'webm']);
      await rename(partial, cached);
    }
    await copyFile(cached, input);
    const before = await sha256(input);
    const controller = new AbortController();
    const conversion = convertFile({
      input,
      ffmpeg: bundled,
      keepOriginal: false,
      signal: controller.signal,
      onProgress: () => controller.abort(), // cancel at the first progress report, while ffmpeg runs
    });
    await expect(conversion).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(await readdir(dir)).toEqual(['long.webm']);
    expect(await sha256(input)).toBe(before);
  });

  it('an already-aborted signal converts nothing', async () => {
    const { dir, input } = await sample('h264-opus.mkv');
    const controller = new AbortController();
    controller.abort();
    await expect(convertFile({ input, ffmpeg: bundled, signal: controller.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(await readdir(dir)).toEqual(['h264-opus.mkv']);
  });

  it('fails with CONVERT_FAILED on a file that is not media, leaving nothing behind', async () => {
    const dir = await mkdtemp(path.join(tmp, 'bad-'));
    const input = path.join(dir, 'bad.webm');
    await writeFile(input, 'not a video at all');
    await expect(convertFile({ input, ffmpeg: bundled })).rejects.toMatchObject({ code: 'CONVERT_FAILED' });
    expect(await readdir(dir)).toEqual(['bad.webm']);
  });
});

describe('createConvertStep', () => {
  const item = (rel: string, percents: number[]) => ({
    id: 1,
    record: { id: 1, url: `https://x/${rel}`, confrBeginTime: '2024-03-01 10:00:00', confrEndTime: '2024-03-01 10:00:03' },
    path: rel,
    reportConvert: (percent: number) => percents.push(percent),
  });

  it('converts a finished download and returns what history records', async () => {
    const { dir, input } = await sample('vp8-opus-noduration.webm');
    const step = await createConvertStep({ ffmpeg: bundled, keepOriginal: false, concurrency: 1 });
    const percents: number[] = [];
    const out = await step(item('vp8-opus-noduration.webm', percents), input, new AbortController().signal);
    const output = path.join(dir, 'vp8-opus-noduration.mp4');
    expect(out).toEqual({ path: output, convert: { path: output, mode: 'transcode', ffmpegVersion: bundled.version, size: statSync(output).size } });
    expect(await readdir(dir)).toEqual(['vp8-opus-noduration.mp4']);
    expect(percents.at(-1)).toBe(100);
  });

  it('a file cancelled while waiting for a slot is left alone', async () => {
    const first = await sample('h264-opus.mkv');
    const second = await sample('h264-aac.mkv');
    const before = await sha256(second.input);
    const step = await createConvertStep({ ffmpeg: bundled, keepOriginal: false, concurrency: 1 });
    const waiting = new AbortController();
    const running = step(item('h264-opus.mkv', []), first.input, new AbortController().signal);
    const queued = step(item('h264-aac.mkv', []), second.input, waiting.signal);
    waiting.abort();
    await expect(queued).rejects.toMatchObject({ code: 'CANCELLED' });
    await running;
    expect(await readdir(second.dir)).toEqual(['h264-aac.mkv']);
    expect(await sha256(second.input)).toBe(before);
  });

  it('resolves ffmpeg itself, falling through a bad user setting', async () => {
    await expect(createConvertStep({ keepOriginal: true, userPath: path.join(tmp, 'nothing-here') })).resolves.toBeTypeOf('function');
    clearFfmpegCache();
  });

  it('defaults to half the cores, at least one', () => {
    expect(defaultConvertConcurrency()).toBe(Math.max(1, Math.floor(os.availableParallelism() / 2)));
  });
});

describe('planConversion', () => {
  const probe = (...streams: { type: 'video' | 'audio'; codec: string; pixFmt?: string }[]): ProbeResult => ({
    formatName: 'matroska,webm',
    streams: streams.map((s, index) => ({ index, attachedPic: false, ...s })),
  });

  it('re-encodes what MP4 does not play everywhere and copies what it does', () => {
    expect(planConversion(probe({ type: 'video', codec: 'hevc' }, { type: 'audio', codec: 'vorbis' }), '.mkv')).toMatchObject({
      mode: 'transcode',
      video: 'h264',
      audio: 'aac',
    });
    expect(planConversion(probe({ type: 'video', codec: 'h264', pixFmt: 'yuv444p' }), 'mkv')).toMatchObject({ video: 'h264' });
    expect(planConversion(probe({ type: 'video', codec: 'h264', pixFmt: 'yuv420p' }), 'mkv')).toMatchObject({ mode: 'remux', outExt: 'mp4' });
    expect(planConversion(probe({ type: 'audio', codec: 'aac' }), 'mkv')).toMatchObject({ mode: 'remux', outExt: 'm4a' });
    // an .mp4 is left as it is when it holds what plays everywhere, and converted when it does not
    expect(planConversion(probe({ type: 'video', codec: 'h264', pixFmt: 'yuv420p' }, { type: 'audio', codec: 'aac' }), 'MP4')).toMatchObject({ mode: 'none' });
    expect(planConversion(probe({ type: 'audio', codec: 'aac' }), 'm4a')).toMatchObject({ mode: 'none', outExt: 'm4a' });
    expect(planConversion(probe({ type: 'video', codec: 'vp8' }), 'MP4')).toMatchObject({ mode: 'transcode', video: 'h264' });
    expect(planConversion(probe({ type: 'video', codec: 'h264', pixFmt: 'yuv420p' }, { type: 'audio', codec: 'opus' }), 'mp4')).toMatchObject({ mode: 'transcode', video: 'copy', audio: 'aac', outExt: 'mp4' });
  });

  it('refuses a file without audio or video', () => {
    expect(() => planConversion({ formatName: 'x', streams: [] }, 'webm')).toThrow(expect.objectContaining({ code: 'CONVERT_FAILED' }));
  });
});

describe('durationFromTimes', () => {
  it('is the seconds between the conference times', () => {
    expect(durationFromTimes('2024-03-01 10:00:00', '2024-03-01 10:31:05')).toBe(1865);
    expect(durationFromTimes('2024-03-01 10:00:00', undefined)).toBeUndefined();
    expect(durationFromTimes('garbage', '2024-03-01 10:31:05')).toBeUndefined();
    expect(durationFromTimes('2024-03-01 10:31:05', '2024-03-01 10:00:00')).toBeUndefined();
  });
});

describe('resolveFfmpeg', () => {
  it('says clearly why conversion is unavailable when nothing runs', async () => {
    clearFfmpegCache();
    const error = await resolveFfmpeg({ userPath: path.join(tmp, 'no-such', 'ffmpeg'), bundled: false, pathEnv: '' }).catch((e: unknown) => e);
    expect(isEmrecError(error, 'CONVERT_UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toContain(path.join(tmp, 'no-such', 'ffmpeg'));
    expect((error as Error).message).toMatch(/PATH/);
    expect((error as Error).message).toMatch(/Downloads still work/);
  });

  it('skips a PATH without ffmpeg', async () => {
    const empty = await mkdtemp(path.join(tmp, 'path-'));
    const error = await resolveFfmpeg({ bundled: false, pathEnv: empty }).catch((e: unknown) => e);
    expect(isEmrecError(error, 'CONVERT_UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toContain('ffmpeg not found');
  });

  it.runIf(process.platform !== 'win32')('falls through from a user binary that does not run to the bundled copy', async () => {
    const dir = await mkdtemp(path.join(tmp, 'fake-'));
    for (const name of ['ffmpeg', 'ffprobe']) {
      await writeFile(path.join(dir, name), '#!/bin/sh\nexit 3\n');
      await chmod(path.join(dir, name), 0o755);
    }
    const info = await resolveFfmpeg({ userPath: dir, pathEnv: '' });
    expect(info.source).toBe('bundled');
    expect(info.ffmpeg).toBe(bundled.ffmpeg);
  });

  it.runIf(process.platform !== 'win32')('uses a working user setting first, by binary or by folder', async () => {
    const dir = await mkdtemp(path.join(tmp, 'user-'));
    await symlink(bundled.ffmpeg, path.join(dir, 'ffmpeg'));
    await symlink(bundled.ffprobe, path.join(dir, 'ffprobe'));
    const byFolder = await resolveFfmpeg({ userPath: dir });
    expect(byFolder).toMatchObject({ source: 'user', ffmpeg: path.join(dir, 'ffmpeg'), ffprobe: path.join(dir, 'ffprobe') });
    const byBinary = await resolveFfmpeg({ userPath: path.join(dir, 'ffmpeg') });
    expect(byBinary).toMatchObject({ source: 'user', version: bundled.version });
  });

  it('checks the bundled copy has the codecs conversion needs', () => {
    expect(bundled.source).toBe('bundled');
    expect(bundled.version).not.toBe('unknown');
  });

  it('maps asar paths to the unpacked folder', () => {
    expect(unpackedPath('/opt/App/resources/app.asar/node_modules/@ffmpeg-installer/linux-x64/ffmpeg')).toBe(
      '/opt/App/resources/app.asar.unpacked/node_modules/@ffmpeg-installer/linux-x64/ffmpeg',
    );
    expect(unpackedPath('C:\\App\\resources\\app.asar\\node_modules\\ffmpeg.exe')).toBe('C:\\App\\resources\\app.asar.unpacked\\node_modules\\ffmpeg.exe');
    expect(unpackedPath('/opt/App/resources/app.asar.unpacked/x/ffmpeg')).toBe('/opt/App/resources/app.asar.unpacked/x/ffmpeg');
    expect(unpackedPath('/home/me/node_modules/ffmpeg')).toBe('/home/me/node_modules/ffmpeg');
  });
});
