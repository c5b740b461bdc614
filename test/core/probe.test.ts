import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveFfmpeg, type FfmpegInfo } from '../../main/core/ffmpeg-path.ts';
import { mainStreams, parseProbe, probeFile } from '../../main/core/probe.ts';
import { makeMedia } from '../fixtures/make-media.ts';

let ff: FfmpegInfo;
let tmp: string;

beforeAll(async () => {
  ff = await resolveFfmpeg();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'emrec-probe-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('probeFile', () => {
  it('reads container, duration and streams', async () => {
    const probe = await probeFile(ff.ffprobe, await makeMedia('h264-aac.mkv'));
    expect(probe.formatName).toBe('matroska,webm');
    expect(probe.durationSec).toBeGreaterThan(1.9);
    expect(probe.durationSec).toBeLessThan(2.2);
    expect(probe.sizeBytes).toBeGreaterThan(0);
    const { video, audio } = mainStreams(probe);
    expect(video).toMatchObject({ index: 0, type: 'video', codec: 'h264', width: 320, height: 240, pixFmt: 'yuv420p', attachedPic: false });
    expect(video?.frameRate).toBeCloseTo(15, 0);
    expect(audio).toMatchObject({ index: 1, type: 'audio', codec: 'aac', sampleRate: 48000, channels: 1 });
  });

  it('leaves the duration out when the file states none', async () => {
    const probe = await probeFile(ff.ffprobe, await makeMedia('vp8-opus-noduration.webm'));
    expect(probe.durationSec).toBeUndefined();
    expect(probe.streams.map((s) => s.codec)).toEqual(['vp8', 'opus']);
  });

  it('reads odd dimensions and 4:4:4 VP9', async () => {
    const { video } = mainStreams(await probeFile(ff.ffprobe, await makeMedia('vp9-opus-odd.webm')));
    expect(video).toMatchObject({ codec: 'vp9', width: 161, height: 121, pixFmt: 'yuv444p' });
  });

  it('fails with CONVERT_FAILED on a file that is not media', async () => {
    const file = path.join(tmp, 'junk.webm');
    await writeFile(file, 'hello');
    await expect(probeFile(ff.ffprobe, file)).rejects.toMatchObject({ code: 'CONVERT_FAILED' });
  });

  it('fails with CONVERT_FAILED on a missing file', async () => {
    await expect(probeFile(ff.ffprobe, path.join(tmp, 'missing.webm'))).rejects.toMatchObject({ code: 'CONVERT_FAILED' });
  });
});

describe('parseProbe', () => {
  it('accepts ffprobe strings, N/A and unknown stream types', () => {
    const probe = parseProbe({
      streams: [
        { index: 0, codec_type: 'video', codec_name: 'mjpeg', width: 300, height: 300, avg_frame_rate: '0/0', disposition: { attached_pic: 1 } },
        { index: 1, codec_type: 'audio', codec_name: 'opus', sample_rate: '48000', channels: 2, duration: 'N/A' },
        { index: 2, codec_type: 'weird' },
      ],
      format: { format_name: 'matroska,webm', duration: 'N/A', size: '1234' },
    });
    expect(probe.durationSec).toBeUndefined();
    expect(probe.sizeBytes).toBe(1234);
    expect(probe.streams[0]).toMatchObject({ attachedPic: true });
    expect(probe.streams[0]?.frameRate).toBeUndefined();
    expect(probe.streams[1]).toMatchObject({ sampleRate: 48000, channels: 2 });
    expect(probe.streams[2]).toMatchObject({ type: 'other', codec: 'unknown' });
    // A cover picture is not the main video track.
    expect(mainStreams(probe).video).toBeUndefined();
  });

  it('falls back to the longest stream duration', () => {
    const probe = parseProbe({ streams: [{ index: 0, codec_type: 'audio', duration: '4.5' }], format: { format_name: 'ogg' } });
    expect(probe.durationSec).toBe(4.5);
  });

  it('rejects output without a format, naming the path', () => {
    expect(() => parseProbe({ streams: [] })).toThrow(/format/);
    expect(() => parseProbe({ streams: [{ codec_type: 'video' }], format: {} })).toThrow(expect.objectContaining({ code: 'CONVERT_FAILED' }));
  });
});
