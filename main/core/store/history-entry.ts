// One finished download as history keeps it. Plain types without Node imports, so the IPC contract
// (read by the renderer) derives its history row from this shape.

/** What the conversion step made of the downloaded file. */
export interface ConvertInfo {
  readonly path: string;
  readonly mode: 'remux' | 'transcode' | 'copy' | 'none';
  readonly ffmpegVersion: string;
  /** Bytes of the converted file (absent in entries of older versions). */
  readonly size?: number;
}

export interface HistoryEntry {
  readonly id: number;
  readonly appkey: string;
  readonly confrId: string;
  readonly user: string;
  readonly recordType: string;
  /** Absolute path of the downloaded file. */
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  /** ISO 8601. */
  readonly finishedAt: string;
  /** When the meeting took place: the server's local `YYYY-MM-DD HH:mm:ss` (absent in entries of older versions). */
  readonly recordedAt?: string;
  readonly convert?: ConvertInfo;
}
