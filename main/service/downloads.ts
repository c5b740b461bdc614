// The service's side of the download queue: turns a download request (or a saved entry at restore)
// into the queue's job, with the conversion step and the URL refresh of the record's connection.
import { convertStep } from '../core/convert-step.ts';
import { makeRefreshUrl, type DownloadJob } from '../core/queue/download-queue.ts';
import { resolveFfmpeg, type FfmpegInfo } from '../core/ffmpeg-path.ts';
import type { ApiClient } from '../core/api-client.ts';

export interface QueueRequest {
  readonly appkey: string;
  readonly outDir: string;
  readonly template: string;
  readonly force: boolean;
  /** Set when converting: the checked ffmpeg pair and whether to keep the original. */
  readonly convert?: { readonly ffmpeg: FfmpegInfo; readonly keepOriginal: boolean };
  readonly client?: ApiClient;
}

/** Resolves ffmpeg for conversion; throws CONVERT_UNAVAILABLE. */
export function findFfmpeg(userPath: string, bundledDir: string | undefined): Promise<FfmpegInfo> {
  return resolveFfmpeg({ ...(userPath ? { userPath } : {}), ...(bundledDir ? { bundledDir } : {}) });
}

export function jobOf(request: QueueRequest): DownloadJob {
  const { convert, client } = request;
  return {
    appkey: request.appkey,
    outDir: request.outDir,
    template: request.template,
    force: request.force,
    ...(client ? { refreshUrl: makeRefreshUrl(client) } : {}),
    ...(convert ? { postProcess: convertStep(convert.ffmpeg, convert.keepOriginal), convert: { keepOriginal: convert.keepOriginal } } : {}),
  };
}
