// Reads a media file's container and streams with ffprobe's JSON output, validated with zod, so the
// conversion plan is decided from facts rather than from the file extension.
import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { EmrecError } from './errors.ts';

export type StreamType = 'video' | 'audio' | 'subtitle' | 'data' | 'attachment' | 'other';

export interface ProbeStream {
  readonly index: number;
  readonly type: StreamType;
  /** ffprobe's codec_name (`h264`, `vp8`, `opus`...), or `unknown`. */
  readonly codec: string;
  readonly width?: number;
  readonly height?: number;
  readonly pixFmt?: string;
  /** Average frame rate in frames per second, when ffprobe knows it. */
  readonly frameRate?: number;
  readonly channels?: number;
  readonly sampleRate?: number;
  readonly durationSec?: number;
  /** A cover picture stored as a video stream: not a real video track. */
  readonly attachedPic: boolean;
}

export interface ProbeResult {
  /** ffprobe's format_name, e.g. `matroska,webm` or `mov,mp4,m4a,3gp,3g2,mj2`. */
  readonly formatName: string;
  /** Absent when neither the container nor any stream states it (live WebRTC recordings). */
  readonly durationSec?: number;
  readonly sizeBytes?: number;
  readonly bitRate?: number;
  readonly streams: readonly ProbeStream[];
}

// ffprobe prints numbers as strings and "N/A" for unknowns.
const num = z
  .union([z.number(), z.string()])
  .optional()
  .transform((value) => {
    const n = typeof value === 'string' ? Number(value) : value;
    return n !== undefined && Number.isFinite(n) ? n : undefined;
  });

const FfprobeSchema = z.object({
  streams: z
    .array(
      z
        .object({
          index: z.number().int(),
          codec_type: z.string().optional(),
          codec_name: z.string().optional(),
          width: num,
          height: num,
          pix_fmt: z.string().optional(),
          avg_frame_rate: z.string().optional(),
          r_frame_rate: z.string().optional(),
          channels: num,
          sample_rate: num,
          duration: num,
          disposition: z.object({ attached_pic: z.number().optional() }).loose().optional(),
        })
        .loose(),
    )
    .default([]),
  format: z
    .object({
      format_name: z.string().default('unknown'),
      duration: num,
      size: num,
      bit_rate: num,
    })
    .loose(),
});

const STREAM_TYPES: readonly StreamType[] = ['video', 'audio', 'subtitle', 'data', 'attachment'];

/** Probes `file`; throws CONVERT_FAILED when ffprobe cannot read it or prints something unexpected. */
export async function probeFile(ffprobe: string, file: string, signal?: AbortSignal): Promise<ProbeResult> {
  const args = ['-v', 'error', '-hide_banner', '-show_format', '-show_streams', '-of', 'json', file];
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(ffprobe, args, { maxBuffer: 16 * 1024 * 1024, windowsHide: true, signal }, (error, out, stderr) => {
      if (error) {
        if (signal?.aborted) reject(probeCancelled());
        else reject(new EmrecError('CONVERT_FAILED', `ffprobe could not read ${file}: ${lastLine(stderr) || error.message}`, { cause: error }));
      } else {
        resolve(out);
      }
    });
  });
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch (error) {
    throw new EmrecError('CONVERT_FAILED', `ffprobe printed invalid JSON for ${file}`, { cause: error });
  }
  return parseProbe(json);
}

/** Turns ffprobe's `-show_format -show_streams -of json` output into a ProbeResult. */
export function parseProbe(json: unknown): ProbeResult {
  const parsed = FfprobeSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new EmrecError('CONVERT_FAILED', `Unexpected ffprobe output (${problems})`);
  }
  const { streams, format } = parsed.data;
  const result: ProbeStream[] = streams.map((s) => {
    const type = STREAM_TYPES.find((t) => t === s.codec_type) ?? 'other';
    const stream: { -readonly [K in keyof ProbeStream]: ProbeStream[K] } = {
      index: s.index,
      type,
      codec: s.codec_name ?? 'unknown',
      attachedPic: s.disposition?.attached_pic === 1,
    };
    if (s.width !== undefined && s.width > 0) stream.width = s.width;
    if (s.height !== undefined && s.height > 0) stream.height = s.height;
    if (s.pix_fmt) stream.pixFmt = s.pix_fmt;
    const rate = frameRate(s.avg_frame_rate) ?? frameRate(s.r_frame_rate);
    if (type === 'video' && rate !== undefined) stream.frameRate = rate;
    if (s.channels !== undefined && s.channels > 0) stream.channels = s.channels;
    if (s.sample_rate !== undefined && s.sample_rate > 0) stream.sampleRate = s.sample_rate;
    if (s.duration !== undefined && s.duration > 0) stream.durationSec = s.duration;
    return stream;
  });
  const streamDurations = result.map((s) => s.durationSec ?? 0);
  const duration = format.duration !== undefined && format.duration > 0 ? format.duration : Math.max(0, ...streamDurations);
  const probe: { -readonly [K in keyof ProbeResult]: ProbeResult[K] } = { formatName: format.format_name, streams: result };
  if (duration > 0) probe.durationSec = duration;
  if (format.size !== undefined) probe.sizeBytes = format.size;
  if (format.bit_rate !== undefined) probe.bitRate = format.bit_rate;
  return probe;
}

/** The main video track (first non-cover video stream) and first audio track. */
export function mainStreams(probe: ProbeResult): { video?: ProbeStream; audio?: ProbeStream } {
  const video = probe.streams.find((s) => s.type === 'video' && !s.attachedPic);
  const audio = probe.streams.find((s) => s.type === 'audio');
  return { ...(video ? { video } : {}), ...(audio ? { audio } : {}) };
}

function frameRate(text: string | undefined): number | undefined {
  const match = /^(\d+)\/(\d+)$/.exec(text ?? '');
  if (!match) return undefined;
  const rate = Number(match[1]) / Number(match[2]);
  return Number.isFinite(rate) && rate > 0 ? rate : undefined;
}

const probeCancelled = (): EmrecError => new EmrecError('CANCELLED', 'Cancelled while probing the file');

function lastLine(text: string): string {
  return text.trim().split('\n').pop()?.trim() ?? '';
}

/** A stretch of a stream whose decoding times go forward, in the source's seconds. */
export interface TimeSegment {
  readonly start: number;
  readonly end: number;
}

export interface StreamTimes {
  /** Each stream's times only go forward (video strictly): it can be copied as it is. */
  readonly forward: boolean;
  /**
   * Per stream (by index), the stretches between restarts: where its decoding time jumps back by more
   * than RESTART_SEC, as when a recorder restarted and appended to the same file.
   */
  readonly segments: ReadonlyMap<number, readonly TimeSegment[]>;
}

/** A jump back in time by more than this is a restart of the recording, not jitter. */
export const RESTART_SEC = 0.5;

/**
 * Reads the timing of `streams` (ffprobe indexes) packet by packet, without decoding. A copy of a stream
 * whose times go back piles everything after the jump onto one instant in MP4; a recording appended
 * after a restart starts its times again from zero.
 */
export async function streamTimes(ffprobe: string, file: string, streams: readonly { index: number; strict: boolean }[], signal?: AbortSignal): Promise<StreamTimes> {
  const args = ['-v', 'error', '-hide_banner', '-show_entries', 'packet=stream_index,pts_time,dts_time,duration_time', '-of', 'csv=p=0', file];
  const child = spawn(ffprobe, args, { stdio: ['ignore', 'pipe', 'ignore'], windowsHide: true, ...(signal ? { signal } : {}) });
  let failed: Error | undefined;
  child.on('error', (error) => (failed = error)); // an abort (signal) or ffprobe missing: said below
  const strict = new Map(streams.map((s) => [s.index, s.strict]));
  const last = new Map<number, number>();
  const segments = new Map<number, { start: number; end: number }[]>(streams.map((s) => [s.index, []]));
  let forward = true;
  try {
    for await (const line of createInterface({ input: child.stdout })) {
      const [index, pts, dts, duration] = line.split(',').map((v) => Number.parseFloat(v));
      if (index === undefined || !strict.has(index)) continue;
      const at = Number.isFinite(dts) ? dts! : pts;
      if (at === undefined || !Number.isFinite(at)) continue;
      const shown = Number.isFinite(pts) ? pts! : at;
      const ends = shown + (Number.isFinite(duration) ? duration! : 0);
      const before = last.get(index);
      if (before !== undefined && (at < before || (strict.get(index) && at === before))) forward = false;
      const list = segments.get(index)!;
      const current = list.at(-1);
      if (!current || (before !== undefined && at < before - RESTART_SEC)) list.push({ start: shown, end: ends });
      else [current.start, current.end] = [Math.min(current.start, shown), Math.max(current.end, ends)];
      last.set(index, at);
    }
  } catch (error) {
    if (signal?.aborted) throw probeCancelled();
    throw new EmrecError('CONVERT_FAILED', `ffprobe could not read the timestamps of ${file}`, { cause: error });
  }
  if (signal?.aborted) throw probeCancelled();
  if (failed) throw new EmrecError('CONVERT_FAILED', `ffprobe could not read the timestamps of ${file}: ${failed.message}`, { cause: failed });
  return { forward, segments };
}
