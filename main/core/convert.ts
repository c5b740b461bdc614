// Converts a downloaded recording to a file that plays on any office computer: copy what MP4 plays
// everywhere (H.264, AAC), re-encode the rest (VP8/VP9 → H.264, Opus/Vorbis → AAC), audio-only → .m4a.
// The original is only read; the output goes to a hidden temp name and is renamed when it probed valid.
import { execFile, spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { access, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import treeKill from 'tree-kill';
import { DateTime } from 'luxon';
import { freeBytes } from './disk-space.ts';
import { EmrecError } from './errors.ts';
import type { FfmpegInfo } from './ffmpeg-path.ts';
import { mendLastSampleDuration } from './mp4-last-sample.ts';
import { mainStreams, probeFile, RESTART_SEC, streamTimes, type ProbeResult } from './probe.ts';

export type ConvertMode = 'none' | 'remux' | 'transcode';

export interface ConversionPlan {
  readonly mode: ConvertMode;
  readonly video: 'copy' | 'h264' | null;
  readonly audio: 'copy' | 'aac' | null;
  /** Audio-only files become `.m4a`: the usual name for audio in MP4, opened by music players. */
  readonly outExt: 'mp4' | 'm4a';
  /** ffprobe stream indexes to keep (the main video and audio tracks). */
  readonly videoIndex?: number;
  readonly audioIndex?: number;
}

/**
 * H.264 settings, measured with bench/convert.ts (`BENCH=convert npm run bench`) on real browser
 * recordings and a grainy synthetic one, against x264's default (medium, CRF 23): ultrafast with CABAC
 * switched back on is the fastest setting that writes the Main profile players expect (plain ultrafast
 * writes Constrained Baseline), at SSIM ≥ 0.97 against the source.
 */
const X264 = { preset: 'ultrafast', params: 'cabac=1', crf: 22 } as const;
/**
 * AAC: ffmpeg's own encoder with its fast coder (ffmpeg 5+ defaults to the two-loop coder, about twice
 * as slow on a call's mono speech; the 2018 build already defaults to fast).
 */
const AAC_BITRATE = '128k';

const MP4_EXTENSIONS = new Set(['mp4', 'm4a']);
const PLAYABLE_PIX_FMTS = new Set(['yuv420p', 'yuvj420p']);

/**
 * Decides per stream what to copy and what to re-encode. An `.mp4`/`.m4a` that already holds what plays
 * everywhere is left as it is; one with Opus or VP8 inside (Chromium's MediaRecorder writes such MP4s,
 * which Windows' own players cannot play) is converted like any other file.
 */
export function planConversion(probe: ProbeResult, inputExt: string): ConversionPlan {
  const ext = inputExt.replace(/^\./, '').toLowerCase();
  const { video, audio } = mainStreams(probe);
  const videoAction = !video ? null : video.codec === 'h264' && (!video.pixFmt || PLAYABLE_PIX_FMTS.has(video.pixFmt)) ? 'copy' : 'h264';
  const audioAction = !audio ? null : audio.codec === 'aac' ? 'copy' : 'aac';
  const transcodes = videoAction === 'h264' || audioAction === 'aac';
  if (MP4_EXTENSIONS.has(ext) && !transcodes) return { mode: 'none', video: null, audio: null, outExt: ext === 'm4a' ? 'm4a' : 'mp4' };
  if (!video && !audio) throw new EmrecError('CONVERT_FAILED', 'The file has no audio or video stream to convert');
  return {
    mode: transcodes ? 'transcode' : 'remux',
    video: videoAction,
    audio: audioAction,
    outExt: video ? 'mp4' : 'm4a',
    ...(video ? { videoIndex: video.index } : {}),
    ...(audio ? { audioIndex: audio.index } : {}),
  };
}

/**
 * The plan after reading the streams' timing: a plan that copies a stream whose times go back somewhere
 * (a recorder that restarted and appended to the same file) encodes every stream instead, as a copy
 * would pile the later part onto one instant. `restarts`: where each later part goes in the output, as
 * an offset from its own times, the same for video and audio so they stay in step.
 */
async function timedPlan(plan: ConversionPlan, ffprobe: string, input: string, signal?: AbortSignal): Promise<{ plan: ConversionPlan; restarts: number[] }> {
  const streams = [
    ...(plan.videoIndex !== undefined ? [{ index: plan.videoIndex, strict: true }] : []),
    ...(plan.audioIndex !== undefined ? [{ index: plan.audioIndex, strict: false }] : []),
  ];
  const times = await streamTimes(ffprobe, input, streams, signal);
  const copies = plan.video === 'copy' || plan.audio === 'copy';
  const encoded: ConversionPlan = times.forward || !copies ? plan : { ...plan, mode: 'transcode', video: plan.video && 'h264', audio: plan.audio && 'aac' };
  return { plan: encoded, restarts: restartOffsets([...times.segments.values()]) };
}

/**
 * Each later part starts where the earlier one ended, the end of whichever stream ran longest: offset
 * k moves part k's times. Only when every stream restarted the same number of times (else [], and each
 * stream is kept going forward on its own).
 */
export function restartOffsets(perStream: readonly (readonly { start: number; end: number }[])[]): number[] {
  const parts = perStream[0]?.length ?? 0;
  if (parts < 2 || perStream.some((segments) => segments.length !== parts)) return [];
  const offsets = [0];
  for (let k = 1; k < parts; k++) {
    const ended = Math.max(...perStream.map((segments) => segments[k - 1]!.end)) + offsets[k - 1]!;
    offsets.push(ended - Math.min(...perStream.map((segments) => segments[k]!.start)));
  }
  return offsets.slice(1);
}

/**
 * The setpts/asetpts expression for each frame's time in the output: its time in the source while time
 * goes forward (for such a source, exactly the source's time). A small step back (jitter) comes 1 ms
 * after the frame before; a restart (a jump back of more than RESTART_SEC) takes the next of `restarts`,
 * found from the offset the frame before was given, so video and audio move by the same amount; past
 * the last, 20 ms after the frame before.
 */
function forwardTime(restarts: readonly number[]): string {
  const given = '(PREV_OUTPTS-PREV_INPTS)*TB';
  let next = '(PREV_OUTPTS-PTS)*TB+0.02';
  for (const offset of [...restarts].reverse()) next = `if(lt(${given},${(offset - 0.001).toFixed(6)}),${offset.toFixed(6)},${next})`;
  return `'if(isnan(PREV_INPTS),PTS,if(gt(PTS,PREV_INPTS),PREV_OUTPTS+PTS-PREV_INPTS,if(gt(PTS,PREV_INPTS-${RESTART_SEC}/TB),PREV_OUTPTS+0.001/TB,PTS+(${next})/TB)))'`;
}

/**
 * The ffmpeg arguments for a plan. The output size is fixed to the first frame's size rounded down to
 * even numbers, so a resolution change mid-stream is letterboxed instead of breaking the encoder.
 */
function buildFfmpegArgs(
  plan: ConversionPlan,
  probe: ProbeResult,
  options: { input: string; output: string; fpsModeOption: FfmpegInfo['fpsModeOption']; restarts: readonly number[] },
): string[] {
  const forward = forwardTime(options.restarts);
  // Damaged tails: keep decoding past errors and drop corrupt packets rather than stopping.
  // -reinit_filter 0: a picture size change mid-stream goes through the same filters (scale takes
  // each frame's size) instead of a new graph, which would forget where forwardTime had put time.
  const args = ['-hide_banner', '-v', 'error', '-y', '-err_detect', 'ignore_err', '-fflags', '+discardcorrupt', '-reinit_filter', '0', '-i', options.input];
  if (plan.videoIndex !== undefined) args.push('-map', `0:${plan.videoIndex}`);
  if (plan.audioIndex !== undefined) args.push('-map', `0:${plan.audioIndex}`);
  if (plan.video === 'copy') args.push('-c:v', 'copy');
  if (plan.video === 'h264') {
    const stream = probe.streams.find((s) => s.index === plan.videoIndex);
    args.push('-vf', `setpts=${forward},${videoFilter(stream?.width, stream?.height)}`);
    args.push('-c:v', 'libx264', '-preset', X264.preset, '-x264-params', X264.params, '-crf', String(X264.crf), '-pix_fmt', 'yuv420p');
    // WebRTC frames come at irregular times: keep their timestamps instead of duplicating frames, on
    // the source's own timebase (by default ffmpeg rounds every frame onto a 1/rate grid of a frame rate
    // guessed from the first frames: 50 ms steps for a "20 fps" camera, dropping frames that share a step).
    args.push(options.fpsModeOption, 'vfr', '-enc_time_base:v', '-1');
  }
  if (plan.audio === 'copy') args.push('-c:a', 'copy');
  if (plan.audio === 'aac') args.push('-af', `asetpts=${forward}`, '-c:a', 'aac', '-aac_coder', 'fast', '-b:a', AAC_BITRATE);
  args.push('-sn', '-dn', '-max_muxing_queue_size', '4096', '-movflags', '+faststart');
  args.push('-progress', 'pipe:1', '-nostats', '-f', 'mp4', options.output);
  return args;
}

function videoFilter(width: number | undefined, height: number | undefined): string {
  if (!width || !height) return 'scale=trunc(iw/2)*2:trunc(ih/2)*2,setsar=1';
  const w = Math.max(2, Math.floor(width / 2) * 2);
  const h = Math.max(2, Math.floor(height / 2) * 2);
  // Scale into the box keeping the aspect ratio (even size), then pad to the box.
  return (
    `scale=w='2*trunc(min(${w}/iw\\,${h}/ih)*iw/2)':h='2*trunc(min(${w}/iw\\,${h}/ih)*ih/2)',` +
    `pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2,setsar=1`
  );
}

export interface ConvertOptions {
  readonly input: string;
  readonly ffmpeg: FfmpegInfo;
  /** The input's probe, when already known. */
  readonly probe?: ProbeResult;
  /** Used for progress when the file states no duration (e.g. from the record's conference times). */
  readonly expectedDurationSec?: number | undefined;
  /** Keep the original next to the converted file (default true). */
  readonly keepOriginal?: boolean;
  /** A file this app made earlier for the same recording (history's): overwritten rather than kept beside. */
  readonly replaces?: string;
  readonly signal?: AbortSignal | undefined;
  /** Percent 0..100 and seconds left when it can be estimated. */
  readonly onProgress?: ((percent: number, etaSec: number | undefined) => void) | undefined;
}

export interface ConvertResult {
  /** The converted file, or the input itself when mode is 'none'. */
  readonly output: string;
  readonly mode: ConvertMode;
  readonly plan: ConversionPlan;
  readonly ffmpegVersion: string;
  /** Set when ffmpeg reported errors (a damaged tail) but the output probed valid. */
  readonly warning?: string;
}

/**
 * Converts `input` next to itself. Cancel (signal) kills ffmpeg's process tree, removes the partial
 * output and throws CANCELLED; the original is never written to, and removed only when
 * `keepOriginal` is false and the output probed valid. Failures throw CONVERT_FAILED.
 */
export async function convertFile(options: ConvertOptions): Promise<ConvertResult> {
  const { input, ffmpeg, signal } = options;
  throwIfCancelled(signal);
  const probe = options.probe ?? (await probeFile(ffmpeg.ffprobe, input, signal));
  const planned = planConversion(probe, path.extname(input));
  const { plan, restarts } = planned.mode === 'none' ? { plan: planned, restarts: [] } : await timedPlan(planned, ffmpeg.ffprobe, input, signal);
  if (plan.mode === 'none') {
    options.onProgress?.(100, 0);
    return { output: input, mode: 'none', plan, ffmpegVersion: ffmpeg.version };
  }

  const dir = path.dirname(input);
  const base = path.basename(input, path.extname(input));
  // the original's own extension in the name: `rec.webm` and `rec.mkv` converted at once do not share it
  const temp = path.join(dir, `.${path.basename(input)}.converting.${plan.outExt}`);
  const { size } = await stat(input);
  const knownDuration = probe.durationSec ?? positive(options.expectedDurationSec);
  // Without any duration, feed the file through stdin and count bytes read for progress.
  const viaStdin = knownDuration === undefined;
  const args = buildFfmpegArgs(plan, probe, { input: viaStdin ? 'pipe:0' : input, output: temp, fpsModeOption: ffmpeg.fpsModeOption, restarts });

  let exit: FfmpegExit;
  try {
    exit = await runFfmpeg(ffmpeg.ffmpeg, args, {
      stdinFile: viaStdin ? input : undefined,
      signal,
      onProgress: (outTimeSec, bytesRead, elapsedSec) => {
        const fraction = knownDuration !== undefined ? outTimeSec / knownDuration : bytesRead / Math.max(1, size);
        const clamped = Math.min(0.99, Math.max(0, fraction));
        const eta = clamped > 0.01 ? (elapsedSec * (1 - clamped)) / clamped : undefined;
        options.onProgress?.(Math.round(clamped * 1000) / 10, eta === undefined ? undefined : Math.round(eta));
      },
    });
  } catch (error) {
    await removeQuietly(temp);
    throw error;
  }

  let warning: string | undefined;
  let made: ProbeResult;
  try {
    if (exit.code !== 0) {
      // ffmpeg can exit non-zero after writing a complete file when the input's tail is damaged. Keep
      // the output only if ffmpeg finished muxing (progress=end) and the result probes valid below.
      if (!exit.sawEnd) throw new EmrecError('CONVERT_FAILED', `ffmpeg failed (exit ${exit.code}): ${exit.stderrTail || 'no message'}`);
      warning = `ffmpeg exited with ${exit.code}: ${exit.stderrTail}`;
    }
    await mendLastSampleDuration(temp);
    made = await validateOutput(ffmpeg.ffprobe, temp, plan, signal);
  } catch (error) {
    await removeQuietly(temp);
    throw await asDiskFull(error, dir, exit.stderrTail);
  }

  let output: string;
  try {
    output = await placeOutput(ffmpeg, { dir, base, input, temp, plan, made, replaces: options.replaces, signal });
  } catch (error) {
    await removeQuietly(temp);
    throw signal?.aborted ? new EmrecError('CANCELLED', 'Conversion cancelled') : error;
  }
  if (options.keepOriginal === false) await unlink(input);
  options.onProgress?.(100, 0);
  return { output, mode: plan.mode, plan, ffmpegVersion: ffmpeg.version, ...(warning ? { warning } : {}) };
}

/** Seconds between a record's `confrBeginTime` and `confrEndTime` (`YYYY-MM-DD HH:mm:ss`), if both parse. */
export function durationFromTimes(begin: string | undefined, end: string | undefined): number | undefined {
  if (!begin || !end) return undefined;
  const parse = (text: string) => DateTime.fromFormat(text.trim(), 'yyyy-MM-dd HH:mm:ss', { zone: 'UTC' });
  const from = parse(begin);
  const to = parse(end);
  if (!from.isValid || !to.isValid) return undefined;
  return positive(to.diff(from, 'seconds').seconds);
}

/**
 * A conversion that failed because the disk filled is DISK_FULL naming the folder (what to do: make
 * room), not CONVERT_FAILED: ffmpeg says so on stderr, or the folder has (almost) no space left.
 */
async function asDiskFull(error: unknown, dir: string, stderr: string): Promise<unknown> {
  if (!(error instanceof EmrecError) || error.code !== 'CONVERT_FAILED') return error;
  const said = /no space left on device|disk quota exceeded/i.test(stderr);
  const free = said ? 0 : await freeBytes(dir).catch(() => Number.POSITIVE_INFINITY);
  if (!said && free > 1024 * 1024) return error;
  return new EmrecError('DISK_FULL', `The disk holding ${dir} is full: the converted file could not be written (the download is kept)`, { details: { dir }, cause: error });
}

/** Throws CONVERT_FAILED unless `file` probes with the codecs the plan promised and a duration. */
async function validateOutput(ffprobe: string, file: string, plan: ConversionPlan, signal?: AbortSignal): Promise<ProbeResult> {
  const probe = await probeFile(ffprobe, file, signal);
  const { video, audio } = mainStreams(probe);
  const problems: string[] = [];
  if (plan.video && video?.codec !== 'h264') problems.push(`video is ${video?.codec ?? 'missing'}, expected h264`);
  if (plan.audio && audio?.codec !== 'aac') problems.push(`audio is ${audio?.codec ?? 'missing'}, expected aac`);
  if (!probe.durationSec) problems.push('no duration');
  if (problems.length > 0) throw new EmrecError('CONVERT_FAILED', `The converted file is not valid: ${problems.join(', ')}`);
  return probe;
}

interface FfmpegExit {
  readonly code: number;
  readonly sawEnd: boolean;
  readonly stderrTail: string;
}

/** Runs ffmpeg with `-progress pipe:1`, reporting output time; abort kills the whole process tree. */
function runFfmpeg(
  ffmpeg: string,
  args: readonly string[],
  options: {
    stdinFile: string | undefined;
    signal: AbortSignal | undefined;
    onProgress: (outTimeSec: number, bytesRead: number, elapsedSec: number) => void;
  },
): Promise<FfmpegExit> {
  const { signal } = options;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(ffmpeg, args, { stdio: [options.stdinFile ? 'pipe' : 'ignore', 'pipe', 'pipe'], windowsHide: true });
    let stderr = '';
    let pending = '';
    let outTimeSec = 0;
    let bytesRead = 0;
    let sawEnd = false;
    let cancelled = false;

    const source = options.stdinFile ? createReadStream(options.stdinFile) : undefined;
    if (source && child.stdin) {
      source.on('data', (chunk) => (bytesRead += chunk.length));
      source.on('error', () => child.stdin?.destroy());
      child.stdin.on('error', () => source.destroy()); // EPIPE when ffmpeg stops reading early
      source.pipe(child.stdin);
    }

    const onAbort = () => {
      cancelled = true;
      source?.destroy();
      if (child.pid !== undefined) treeKill(child.pid, 'SIGKILL');
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => (stderr = (stderr + text).slice(-4000)));
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (text: string) => {
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const [key, value = ''] = line.trim().split('=', 2);
        // out_time_us since ffmpeg 4.2; out_time_ms is also microseconds despite its name.
        if ((key === 'out_time_us' || key === 'out_time_ms') && /^\d+$/.test(value)) outTimeSec = Number(value) / 1e6;
        if (key === 'progress') {
          if (value === 'end') sawEnd = true;
          options.onProgress(outTimeSec, bytesRead, (performance.now() - started) / 1000);
        }
      }
    });

    child.on('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(new EmrecError('CONVERT_FAILED', `Could not start ffmpeg: ${error.message}`, { cause: error }));
    });
    child.on('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      if (cancelled) reject(new EmrecError('CANCELLED', 'Conversion cancelled'));
      else resolve({ code: code ?? -1, sawEnd, stderrTail: stderr.trim().split('\n').slice(-3).join(' | ') });
    });
    // Aborted before the listener existed.
    if (signal?.aborted) onAbort();
  });
}

/**
 * Whether `existing` is the conversion just made (`made`, at `temp`) again: a valid output of the plan
 * with the same duration whose streams hold the very same packets (ffmpeg's MD5 of every packet, read
 * without decoding; x264 and the AAC encoder give the same bytes for the same input). A file of
 * someone else's, or one cut by a full disk, is not.
 */
async function sameConversion(ffmpeg: FfmpegInfo, existing: string, temp: string, plan: ConversionPlan, made: ProbeResult, signal?: AbortSignal): Promise<boolean> {
  try {
    const found = await validateOutput(ffmpeg.ffprobe, existing, plan, signal);
    if (found.durationSec === undefined || made.durationSec === undefined || Math.abs(found.durationSec - made.durationSec) > 0.1) return false;
    const [a, b] = await Promise.all([packetsMd5(ffmpeg.ffmpeg, existing, signal), packetsMd5(ffmpeg.ffmpeg, temp, signal)]);
    return a === b;
  } catch (error) {
    if (signal?.aborted) throw error;
    return false;
  }
}

const run = promisify(execFile);

/** ffmpeg's MD5 over every packet of every stream (no decoding). */
async function packetsMd5(ffmpeg: string, file: string, signal?: AbortSignal): Promise<string> {
  const { stdout } = await run(ffmpeg, ['-v', 'error', '-i', file, '-map', '0', '-c', 'copy', '-f', 'md5', '-'], { windowsHide: true, ...(signal ? { signal } : {}) });
  return stdout.trim();
}

/**
 * Moves the finished conversion at `temp` to `name.mp4`, or `name (2).mp4`... when a different file (or
 * the original itself, an .mp4 with Opus inside) has the name. A run stopped after its conversion was
 * renamed into place but before history recorded it left the very same conversion at one of those
 * names: that one is kept and `temp` removed, so running again never adds another copy. The file this
 * app made earlier for the recording (`replaces`, history's) is overwritten.
 */
async function placeOutput(
  ffmpeg: FfmpegInfo,
  o: { dir: string; base: string; input: string; temp: string; plan: ConversionPlan; made: ProbeResult; replaces: string | undefined; signal: AbortSignal | undefined },
): Promise<string> {
  for (let n = 1; ; n++) {
    const candidate = path.join(o.dir, n === 1 ? `${o.base}.${o.plan.outExt}` : `${o.base} (${n}).${o.plan.outExt}`);
    if (path.resolve(candidate) === path.resolve(o.input)) continue;
    const taken = await access(candidate).then(() => true, () => false);
    if (taken && (await sameConversion(ffmpeg, candidate, o.temp, o.plan, o.made, o.signal))) {
      await removeQuietly(o.temp);
      return candidate;
    }
    if (!taken || (o.replaces !== undefined && path.resolve(o.replaces) === path.resolve(candidate))) {
      await rename(o.temp, candidate);
      return candidate;
    }
  }
}

async function removeQuietly(file: string): Promise<void> {
  await unlink(file).catch((error: unknown) => {
    if ((error as { code?: string }).code !== 'ENOENT') throw error;
  });
}

function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new EmrecError('CANCELLED', 'Conversion cancelled');
}

function positive(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}
