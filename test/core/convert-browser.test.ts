// Conversion of real browser recordings (test/fixtures/browser-recordings.ts: Chromium's and Firefox
// ESR's MediaRecorder on fake devices — no duration, no cues, 1 ms timestamps, variable frame rate,
// a resolution change, a screen-share-like 3 fps, a recording cut at 60 %), with the bundled and the
// system ffmpeg: files that open everywhere (H.264 yuv420p tagged avc1, AAC, moov before mdat), as
// long as the source, every frame kept, audio and video starting as they did.
import { spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertFile } from '../../main/core/convert.ts';
import { resolveFfmpeg, type FfmpegInfo } from '../../main/core/ffmpeg-path.ts';
import { browserRecordings, RECORDING_NAMES, type RecordingName } from '../fixtures/browser-recordings.ts';

let tmp: string;
let recordings: Record<RecordingName, string>;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'emrec-browser-convert-'));
  recordings = await browserRecordings();
}, 120_000);
afterAll(() => rm(tmp, { recursive: true, force: true }));

const bundled = await resolveFfmpeg();
const system = await resolveFfmpeg({ bundled: false }).catch(() => undefined);
const SOURCES: readonly { label: string; ff: FfmpegInfo }[] = [{ label: 'bundled', ff: bundled }, ...(system ? [{ label: `system ${system.version}`, ff: system }] : [])];

const probe = (ffprobe: string, args: readonly string[], file: string): string =>
  spawnSync(ffprobe, ['-v', 'quiet', ...args, '-of', 'csv=p=0', file], { encoding: 'utf8' }).stdout.trim();
/** Frames a decoder gets out of the file's main video stream. */
const frames = (ffprobe: string, file: string): number => Number(probe(ffprobe, ['-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames'], file));
const times = (ffprobe: string, file: string, stream: string, field = 'pts_time'): number[] =>
  probe(ffprobe, ['-select_streams', stream, '-show_entries', `packet=${field}`], file).split('\n').map((line) => Number.parseFloat(line)).filter(Number.isFinite);
/** When a stream's first decoded frame is shown: what is heard and seen, after the decoder drops what the file marks as warm-up (Opus pre-skip). */
const start = (ffprobe: string, file: string, stream: string): number =>
  Math.min(...probe(ffprobe, ['-select_streams', stream, '-show_entries', 'frame=best_effort_timestamp_time', '-read_intervals', '%+#5'], file).split('\n').map((l) => Number.parseFloat(l)).filter(Number.isFinite));
/** From the first packet to the end of the last, whatever the header says (the sources state none). */
function span(ffprobe: string, file: string): number {
  const rows = probe(ffprobe, ['-show_entries', 'packet=pts_time,duration_time'], file).split('\n').map((l) => l.split(',').map((v) => Number.parseFloat(v)));
  const starts = rows.map(([t]) => t ?? NaN).filter(Number.isFinite);
  const ends = rows.map(([t, d]) => (t ?? NaN) + (Number.isFinite(d) ? (d ?? 0) : 0)).filter(Number.isFinite);
  return Math.max(...ends) - Math.min(...starts);
}
/** ffmpeg's complaints decoding the whole file: what the strict check prints (`output` options added after the input). */
const decodeErrors = (ffmpeg: string, file: string, output: readonly string[] = []): string =>
  spawnSync(ffmpeg, ['-hide_banner', '-v', 'error', '-i', file, ...output, '-f', 'null', '-'], { encoding: 'utf8' }).stderr.trim();
/** The frame rate ffmpeg assumes for a file's video (its "tbr"), on whose 1/rate grid the strict check decodes. */
const assumedRate = (ffprobe: string, file: string): number => {
  const [num, den] = probe(ffprobe, ['-select_streams', 'v:0', '-show_entries', 'stream=r_frame_rate'], file).split('/').map(Number);
  return (num ?? 0) / (den || 1);
};
/** Presentation times of the video frames. */
const frameTimes = (ffprobe: string, file: string): number[] =>
  probe(ffprobe, ['-select_streams', 'v:0', '-show_entries', 'frame=best_effort_timestamp_time'], file).split('\n').map((l) => Number.parseFloat(l)).filter(Number.isFinite);
const fromFirst = (times: readonly number[]): number[] => times.map((t) => t - (times[0] ?? 0));
/** Top-level MP4 boxes in order (faststart: moov before mdat). */
async function boxes(file: string): Promise<string[]> {
  const data = await readFile(file);
  const out: string[] = [];
  for (let at = 0; at + 8 <= data.length; ) {
    const size = data.readUInt32BE(at);
    out.push(data.toString('latin1', at + 4, at + 8));
    if (size < 8) break;
    at += size;
  }
  return out;
}

/** What each recording is: how browsers save it, and what the conversion must do with it. */
const AUDIO_ONLY: readonly RecordingName[] = ['chromium-audio'];
/** H.264 from Chromium's MediaRecorder: its video is copied as it is (only the Opus beside it is encoded). */
const VIDEO_COPIED: readonly RecordingName[] = ['chromium-h264', 'chromium-mp4-opus'];
const MATROSKA = RECORDING_NAMES.filter((name) => name !== 'chromium-mp4-opus');
/** A recording of an earlier set whose last frame the bundled 2018 ffmpeg used to drop (its MP4 ended the edit list where that frame began). */
const KEPT = { 'chromium-resize-last-frame': path.join(import.meta.dirname, '..', 'fixtures', 'recordings-kept', 'chromium-resize-last-frame.webm') } as const;
const CASES = [...RECORDING_NAMES, ...(Object.keys(KEPT) as (keyof typeof KEPT)[])];
const fileOf = (name: (typeof CASES)[number]): string => (name in KEPT ? KEPT[name as keyof typeof KEPT] : recordings[name as RecordingName]);

describe('the recordings are what browsers write', () => {
  it('WebM/Matroska without a duration, on a 1 ms timebase, Chromium’s and Firefox’s, one cut short; an MP4 with Opus inside', () => {
    for (const name of MATROSKA) {
      const file = recordings[name];
      expect(probe(bundled.ffprobe, ['-show_entries', 'format=format_name'], file), name).toContain('matroska');
      expect(probe(bundled.ffprobe, ['-show_entries', 'format=duration'], file), name).toBe('N/A');
      expect(probe(bundled.ffprobe, ['-select_streams', AUDIO_ONLY.includes(name) ? 'a:0' : 'v:0', '-show_entries', 'stream=time_base'], file), name).toBe('1/1000');
    }
    expect(probe(bundled.ffprobe, ['-select_streams', 'v:0', '-show_entries', 'stream=codec_name'], recordings['chromium-vp9'])).toBe('vp9');
    for (const name of VIDEO_COPIED) expect(probe(bundled.ffprobe, ['-select_streams', 'v:0', '-show_entries', 'stream=codec_name'], recordings[name]), name).toBe('h264');
    expect(probe(bundled.ffprobe, ['-select_streams', 'a:0', '-show_entries', 'stream=codec_name'], recordings['chromium-mp4-opus'])).toBe('opus');
    expect(probe(bundled.ffprobe, ['-show_entries', 'stream=codec_type'], recordings['chromium-audio'])).toBe('audio');
    const sizes = new Set(probe(bundled.ffprobe, ['-select_streams', 'v:0', '-show_entries', 'frame=width,height'], recordings['chromium-resize']).split('\n'));
    expect(sizes).toEqual(new Set(['640,360', '320,240']));
    const lowGaps = times(bundled.ffprobe, recordings['chromium-lowfps'], 'v:0').sort((a, b) => a - b).map((t, i, all) => t - (all[i - 1] ?? t)).slice(1);
    expect(lowGaps.sort((a, b) => a - b)[Math.floor(lowGaps.length / 2)]).toBeGreaterThan(0.2); // a few frames a second, like a shared screen
  });
});

describe.each(SOURCES)('converting browser recordings with the $label ffmpeg', ({ ff }) => {
  it.each(CASES)('%s', async (name) => {
    const dir = await mkdtemp(path.join(tmp, `${name}-`));
    const input = path.join(dir, path.basename(fileOf(name)));
    await copyFile(fileOf(name), input);
    const original = await readFile(input);
    const result = await convertFile({ input, ffmpeg: ff, keepOriginal: true });
    const out = result.output;
    const ref = bundled.ffprobe;
    const audioOnly = (AUDIO_ONLY as readonly string[]).includes(name);
    expect(result.mode).toBe('transcode');
    expect(out).not.toBe(input);
    expect(await readFile(input)).toEqual(original); // the original is only read
    expect(path.extname(out)).toBe(audioOnly ? '.m4a' : '.mp4');

    // plays everywhere: AAC tagged mp4a, moov before mdat; H.264 in yuv420p tagged avc1, even dimensions
    expect(probe(ref, ['-select_streams', 'a:0', '-show_entries', 'stream=codec_name,codec_tag_string'], out)).toBe('aac,mp4a');
    const order = await boxes(out);
    expect(order.indexOf('moov')).toBeLessThan(order.indexOf('mdat'));
    expect(Math.abs(span(ref, out) - span(ref, input))).toBeLessThan(0.5);
    if (audioOnly) {
      expect(probe(ref, ['-show_entries', 'stream=codec_type'], out)).toBe('audio');
      expect(decodeErrors(ff.ffmpeg, out)).toBe('');
      return;
    }
    expect(probe(ref, ['-select_streams', 'v:0', '-show_entries', 'stream=codec_name,codec_tag_string,pix_fmt'], out)).toBe('h264,avc1,yuv420p');
    const profile = (file: string): string => probe(ref, ['-select_streams', 'v:0', '-show_entries', 'stream=profile'], file);
    // a copied video keeps its own profile; an encoded one is Main or High (what players expect; not Baseline)
    if ((VIDEO_COPIED as readonly string[]).includes(name)) expect(profile(out)).toBe(profile(input));
    else expect(['Main', 'High']).toContain(profile(out));
    const [w, h] = probe(ref, ['-select_streams', 'v:0', '-show_entries', 'stream=width,height'], out).split(',').map(Number);
    expect((w ?? 1) % 2 + (h ?? 1) % 2).toBe(0);

    // the same recording: every frame, each at its time in the source (variable frame rate kept), audio and video starting as they did
    expect(frames(ref, out)).toBe(frames(ref, input));
    const [shown, recorded] = [fromFirst(frameTimes(ref, out)), fromFirst(frameTimes(ref, input))];
    expect(shown.length).toBe(recorded.length);
    expect(Math.max(...shown.map((t, i) => Math.abs(t - (recorded[i] ?? Infinity))))).toBeLessThanOrEqual(0.0015);
    const offset = (file: string): number => start(ref, file, 'v:0') - start(ref, file, 'a:0');
    expect(Math.abs(offset(out) - offset(input)) * 1000).toBeLessThanOrEqual(40);

    // timestamps a strict player accepts: decoding times strictly increasing in the file
    const dts = times(ref, out, 'v:0', 'dts_time');
    expect(dts.length).toBe(frames(ref, out));
    expect(dts.every((t, i) => i === 0 || t > (dts[i - 1] ?? -Infinity))).toBe(true);
    // The strict check prints nothing when ffmpeg decodes on the file's own timebase, as players
    // do. Plain `-f null` puts every frame on a 1/rate grid of the rate it assumes (a standard rate
    // guessed from the first frames, e.g. 30 for a camera at 30.1 fps): two frames the recorder sent
    // 30 ms apart can round to one tick, and it complains once for each. It may complain only that often,
    // counted from the file's own frame times: keeping every frame at its time (above) outranks that check.
    expect(decodeErrors(ff.ffmpeg, out, ['-enc_time_base', '-1'])).toBe('');
    const origin = Number(probe(ref, ['-show_entries', 'format=start_time'], out));
    const ticks = frameTimes(ref, out).map((t) => Math.round((t - origin) * assumedRate(ref, out)));
    const shared = ticks.length - new Set(ticks).size;
    expect(decodeErrors(ff.ffmpeg, out).split('\n').filter(Boolean).length).toBeLessThanOrEqual(shared);
  }, 60_000);
});

describe.each(SOURCES)('a recorder that restarted and appended to the same file, with the $label ffmpeg', ({ ff }) => {
  // the second recording's timestamps start again from zero halfway through the file
  it.each(['chromium-h264', 'chromium-vp8', 'chromium-resize', 'chromium-audio'] as const)('%s twice in one file', async (name) => {
    const dir = await mkdtemp(path.join(tmp, `${name}-appended-`));
    const once = recordings[name];
    const input = path.join(dir, `appended${path.extname(once)}`);
    await writeFile(input, Buffer.concat([await readFile(once), await readFile(once)]));
    const ref = bundled.ffprobe;
    const result = await convertFile({ input, ffmpeg: ff, keepOriginal: true });
    const out = result.output;
    expect(result.mode).toBe('transcode');

    // both recordings, one after the other: twice as long, every frame, the second spaced as it was
    expect(Math.abs(span(ref, out) - 2 * span(ref, once))).toBeLessThan(0.5);
    expect(decodeErrors(ff.ffmpeg, out, ['-enc_time_base', '-1'])).toBe('');
    if (name === 'chromium-audio') return;
    const single = fromFirst(frameTimes(ref, once));
    const shown = frameTimes(ref, out);
    expect(shown.length).toBe(2 * single.length);
    const second = fromFirst(shown.slice(single.length));
    expect(Math.max(...second.map((t, i) => Math.abs(t - (single[i] ?? Infinity))))).toBeLessThanOrEqual(0.0015);
    const dts = times(ref, out, 'v:0', 'dts_time');
    expect(dts.every((t, i) => i === 0 || t > (dts[i - 1] ?? -Infinity))).toBe(true);
  }, 60_000);
});

describe.each(SOURCES)('appended parts stay in sync, with the $label ffmpeg', ({ ff }) => {
  /** A part with a white flash and a beep together at 1 s; its sound runs `extraAudio` seconds past its picture (a camera switched off first). */
  async function part(file: string, extraAudio: number): Promise<void> {
    const flash = `color=black:s=320x240:r=30:d=4,drawbox=w=320:h=240:color=white:t=fill:enable='between(t,1,1.1)'`;
    const beep = `aevalsrc='if(between(t,1,1.1),0.8*sin(2*PI*1000*t),0)':s=48000:d=${4 + extraAudio}`;
    // written to a pipe, as a recorder streams it: no duration, no cues, so parts can follow one another
    const made = spawnSync(bundled.ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', flash, '-f', 'lavfi', '-i', beep, '-c:v', 'libvpx', '-b:v', '300k', '-c:a', 'libopus', '-f', 'webm', '-'], { maxBuffer: 1 << 26 });
    await writeFile(file, made.stdout);
  }
  /** When each flash is seen and each beep heard, decoding on the file's own times. */
  function marks(file: string): { flashes: number[]; beeps: number[] } {
    const luma = spawnSync(bundled.ffprobe, ['-v', 'error', '-f', 'lavfi', '-i', `movie=${file},signalstats`, '-show_entries', 'frame=pts_time:frame_tags=lavfi.signalstats.YAVG', '-of', 'csv=p=0'], { encoding: 'utf8', maxBuffer: 1 << 26 }).stdout;
    const flashes: number[] = [];
    let lit = false;
    for (const line of luma.trim().split('\n')) {
      const [t, y] = line.split(',').map(Number);
      if ((y ?? 0) > 128 && !lit && t !== undefined) flashes.push(t);
      lit = (y ?? 0) > 128;
    }
    const silence = spawnSync(ff.ffmpeg, ['-nostats', '-i', file, '-map', '0:a:0', '-af', 'silencedetect=n=-20dB:d=0.03', '-f', 'null', '-'], { encoding: 'utf8' }).stderr;
    const beeps = [...silence.matchAll(/silence_end: ([\d.]+)/g)].map((m) => Number(m[1])).filter((t, i, all) => i === 0 || t - (all[i - 1] ?? 0) > 0.5);
    return { flashes, beeps };
  }

  it('three recordings in one file, the first one’s sound running a second past its picture: every beep with its flash', async () => {
    const dir = await mkdtemp(path.join(tmp, 'sync-'));
    const [long, even] = [path.join(dir, 'long.webm'), path.join(dir, 'even.webm')];
    await part(long, 1);
    await part(even, 0);
    const input = path.join(dir, 'appended.webm');
    await writeFile(input, Buffer.concat([await readFile(long), await readFile(even), await readFile(even)]));
    const out = (await convertFile({ input, ffmpeg: ff, keepOriginal: true })).output;
    const { flashes, beeps } = marks(out);
    expect(flashes.length).toBe(3);
    // the flash and the beep of each part as far apart as in the first part (they were made together)
    const gaps = flashes.map((f, i) => (beeps[i] ?? Infinity) - f);
    for (const gap of gaps) expect(Math.abs(gap - (gaps[0] ?? 0)) * 1000).toBeLessThanOrEqual(20);
    // and each part after the whole of the one before, its sound included
    expect((flashes[1] ?? 0) - (flashes[0] ?? 0)).toBeGreaterThan(4.9);
  }, 60_000);
});
