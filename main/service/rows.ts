// Turns a recording into the results table's row: ISO times from the server's local ones,
// a size estimate, the 24-hour "may be incomplete" warning, when the server deletes the recording
// (its connection's retention period) and where the file would be saved.
import { plainUserName, planPath, type CompiledTemplate } from '../core/naming.ts';
import { recordExtension, type Recording } from '../core/record.ts';
import { estimateBytes } from '../core/size-estimate.ts';
import { tryParseServerTime } from '../core/time.ts';
import { DEFAULT_RETENTION_DAYS, type RecordRow } from '../ipc/contract.ts';

const DAY_MS = 24 * 3600_000;

/** The vendor advises fetching 24 h after the call for complete files. */
const INCOMPLETE_WINDOW_MS = DAY_MS;

/** When the signed URL stops working: `expireTime` (server-local) or the URL's `Expires` (epoch seconds). */
function expiryOf(record: Recording, zone: string): Date | undefined {
  const fromField = tryParseServerTime(record.expireTime, zone);
  if (fromField) return fromField;
  try {
    const expires = new URL(record.url).searchParams.get('Expires');
    if (expires !== null && /^\d{9,11}$/.test(expires)) return new Date(Number(expires) * 1000);
  } catch {
    // not an absolute URL
  }
  return undefined;
}

export interface RowContext {
  readonly zone: string;
  readonly template: CompiledTemplate;
  readonly downloaded: (record: Recording) => boolean;
  readonly now: number;
  /** Days the connection's server keeps a recording (default DEFAULT_RETENTION_DAYS). */
  readonly retentionDays?: number;
}

export function toRow(record: Recording, ctx: RowContext): RecordRow {
  const begin = tryParseServerTime(record.confrBeginTime, ctx.zone);
  const end = tryParseServerTime(record.confrEndTime, ctx.zone);
  const finished = end ?? tryParseServerTime(record.recordTime, ctx.zone);
  const durationSec = begin && end && end >= begin ? Math.round((end.getTime() - begin.getTime()) / 1000) : undefined;
  const estimatedBytes = estimateBytes(record, durationSec);
  const expires = expiryOf(record, ctx.zone);
  // Counted from the call's end (or the recording's time); the start only when neither is known.
  const deletesFrom = finished ?? begin;
  const deletesAt = deletesFrom && new Date(deletesFrom.getTime() + (ctx.retentionDays ?? DEFAULT_RETENTION_DAYS) * DAY_MS);
  return {
    id: record.id,
    confrId: record.confrId ?? '',
    user: plainUserName(record),
    recordType: record.recordType ?? '',
    format: recordExtension(record),
    ...(begin ? { begin: begin.toISOString() } : {}),
    ...(end ? { end: end.toISOString() } : {}),
    ...(durationSec !== undefined ? { durationSec } : {}),
    ...(estimatedBytes !== undefined ? { estimatedBytes } : {}),
    ...(expires ? { expiresAt: expires.toISOString() } : {}),
    ...(deletesAt ? { deletesAt: deletesAt.toISOString() } : {}),
    mayBeIncomplete: finished === undefined || ctx.now - finished.getTime() < INCOMPLETE_WINDOW_MS,
    downloaded: ctx.downloaded(record),
    plannedPath: planPath(record, ctx.template),
  };
}
