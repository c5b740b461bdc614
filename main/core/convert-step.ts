// The conversion step for the download queue, with one pool of ffmpeg slots shared by every queue
// that uses the step: transcodes are CPU-bound, so their number follows the cores, not the downloads.
import { stat } from 'node:fs/promises';
import os from 'node:os';
import PQueue from 'p-queue';
import { convertFile, durationFromTimes } from './convert.ts';
import type { PostProcess } from './queue/download-queue.ts';
import { EmrecError } from './errors.ts';
import { resolveFfmpeg, type FfmpegInfo } from './ffmpeg-path.ts';

/** Half the cores, at least 1: leaves a core for the UI and the downloads. */
export function defaultConvertConcurrency(): number {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.floor(cores / 2));
}

export interface ConvertStepOptions {
  /** A checked ffmpeg pair; when absent it is resolved from userPath, the bundled copy, then PATH. */
  readonly ffmpeg?: FfmpegInfo;
  readonly userPath?: string | undefined;
  readonly bundledDir?: string | undefined;
  /** Keep the downloaded original next to the converted file. */
  readonly keepOriginal: boolean;
  /** Conversions at a time across every queue using this step (default: half the cores, at least 1). */
  readonly concurrency?: number;
}

/**
 * The DownloadQueue `postProcess` hook for an ffmpeg already resolved: converts each finished file to
 * MP4 (or M4A), reports percent through `item.reportConvert`, and returns the kept file plus what
 * history records. Progress for files without a duration is estimated from the record's conference
 * times. With a `pool`, conversions wait there for a slot (one pool can serve several queues).
 */
export function convertStep(ffmpeg: FfmpegInfo, keepOriginal: boolean, pool?: PQueue): PostProcess {
  return async (item, absPath, signal) => {
    const job = async () => {
      const result = await convertFile({
        input: absPath,
        ffmpeg,
        keepOriginal,
        signal,
        ...(item.replaces ? { replaces: item.replaces } : {}),
        expectedDurationSec: durationFromTimes(item.record.confrBeginTime, item.record.confrEndTime),
        onProgress: (percent) => item.reportConvert(percent),
      });
      return {
        path: result.output,
        convert: { path: result.output, mode: result.mode, ffmpegVersion: result.ffmpegVersion, size: (await stat(result.output)).size },
      };
    };
    if (!pool) return job();
    try {
      return await pool.add(job, { signal });
    } catch (error) {
      // p-queue rejects with the signal's reason when cancelled while still waiting for a slot.
      if (signal.aborted && !(error instanceof EmrecError)) throw new EmrecError('CANCELLED', 'Conversion cancelled');
      throw error;
    }
  };
}

/**
 * convertStep with ffmpeg found for you (the user's path, the bundled copy, then PATH) and its own pool
 * of `concurrency` slots. Throws CONVERT_UNAVAILABLE up front when no usable ffmpeg is found.
 */
export async function createConvertStep(options: ConvertStepOptions): Promise<PostProcess> {
  const ffmpeg =
    options.ffmpeg ??
    (await resolveFfmpeg({
      ...(options.userPath ? { userPath: options.userPath } : {}),
      ...(options.bundledDir ? { bundledDir: options.bundledDir } : {}),
    }));
  return convertStep(ffmpeg, options.keepOriginal, new PQueue({ concurrency: options.concurrency ?? defaultConvertConcurrency() }));
}
