// Conversion of real browser recordings (test/fixtures/browser-recordings.ts: Chromium's and Firefox
// ESR's MediaRecorder on fake devices — no duration, no cues, 1 ms timestamps, variable frame rate,
// a resolution change, a screen-share-like 3 fps, a recording cut at 60 %), with the bundled and the
// system ffmpeg: files that open everywhere (H.264 yuv420p tagged avc1, AAC, moov before mdat), as
// long as the source, every frame kept, audio and video starting as they did.
import { spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
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
const start = (ffprobe: string, file: string, stream: string): number => Math.min(...times(ffprobe, file, stream));
/** From the first packet to the end of the last, whatever the header says (the sources state none). */
function span(ffprobe: string, file: string): number {
  const rows = probe(ffprobe, ['-show_entries', 'packet=pts_time,duration_time'], file).split('\n').map((l) => l.split(',').map((v) => Number.parseFloat(v)));
  const starts = rows.map(([t]) => t ?? NaN).filter(Number.isFinite);
  const ends = rows.map(([t, d]) => (t ?? NaN) + (Number.isFinite(d) ? (d ?? 0) : 0)).filter(Number.isFinite);
  return Math.max(...ends) - Math.min(...starts);
}
/** ffmpeg's complaints decoding the whole file: what the strict check prints. */
const decodeErrors = (ffmpeg: string, file: string): string => spawnSync(ffmpeg, ['-hide_banner', '-v', 'error', '-i', file, '-f', 'null', '-'], { encoding: 'utf8' }).stderr.trim();
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

describe('the recordings are what browsers write', () => {
  it('WebM without a duration, on a 1 ms timebase, Chromium’s and Firefox’s, one cut short', () => {
    for (const name of RECORDING_NAMES) {
      const file = recordings[name];
      expect(probe(bundled.ffprobe, ['-show_entries', 'format=format_name'], file), name).toContain('webm');
      expect(probe(bundled.ffprobe, ['-show_entries', 'format=duration'], file), name).toBe('N/A');
      expect(probe(bundled.ffprobe, ['-select_streams', 'v:0', '-show_entries', 'stream=time_base'], file), name).toBe('1/1000');
    }
    expect(probe(bundled.ffprobe, ['-select_streams', 'v:0', '-show_entries', 'stream=codec_name'], recordings['chromium-vp9'])).toBe('vp9');
    const sizes = new Set(probe(bundled.ffprobe, ['-select_streams', 'v:0', '-show_entries', 'frame=width,height'], recordings['chromium-resize']).split('\n'));
    expect(sizes).toEqual(new Set(['640,360', '320,240']));
    const lowGaps = times(bundled.ffprobe, recordings['chromium-lowfps'], 'v:0').sort((a, b) => a - b).map((t, i, all) => t - (all[i - 1] ?? t)).slice(1);
    expect(lowGaps.sort((a, b) => a - b)[Math.floor(lowGaps.length / 2)]).toBeGreaterThan(0.2); // a few frames a second, like a shared screen
  });
});

describe.each(SOURCES)('converting browser recordings with the $label ffmpeg', ({ ff }) => {
  it.each(RECORDING_NAMES)('%s', async (name) => {
    const dir = await mkdtemp(path.join(tmp, `${name}-`));
    const input = path.join(dir, `${name}.webm`);
    await copyFile(recordings[name], input);
    const result = await convertFile({ input, ffmpeg: ff, keepOriginal: true });
    const out = result.output;
    const ref = bundled.ffprobe;
    expect(result.mode).toBe('transcode');
    expect(path.extname(out)).toBe('.mp4');

    // plays everywhere: H.264 in yuv420p tagged avc1, AAC, moov before mdat, even dimensions
    expect(probe(ref, ['-select_streams', 'v:0', '-show_entries', 'stream=codec_name,codec_tag_string,pix_fmt'], out)).toBe('h264,avc1,yuv420p');
    expect(probe(ref, ['-select_streams', 'a:0', '-show_entries', 'stream=codec_name,codec_tag_string'], out)).toBe('aac,mp4a');
    const order = await boxes(out);
    expect(order.indexOf('moov')).toBeLessThan(order.indexOf('mdat'));
    const [w, h] = probe(ref, ['-select_streams', 'v:0', '-show_entries', 'stream=width,height'], out).split(',').map(Number);
    expect((w ?? 1) % 2 + (h ?? 1) % 2).toBe(0);

    // the same recording: as long, every frame, audio and video starting as they did
    expect(Math.abs(span(ref, out) - span(ref, input))).toBeLessThan(0.5);
    expect(frames(ref, out)).toBe(frames(ref, input));
    const offset = (file: string): number => start(ref, file, 'v:0') - start(ref, file, 'a:0');
    expect(Math.abs(offset(out) - offset(input)) * 1000).toBeLessThanOrEqual(40);

    // timestamps a strict player accepts: decoding times strictly increasing in the file
    const dts = times(ref, out, 'v:0', 'dts_time');
    expect(dts.length).toBe(frames(ref, out));
    expect(dts.every((t, i) => i === 0 || t > (dts[i - 1] ?? -Infinity))).toBe(true);
    if (name !== 'chromium-resize') expect(decodeErrors(ff.ffmpeg, out)).toBe('');
  }, 60_000);
});
