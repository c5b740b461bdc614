// A recording's size before any byte of it is fetched: the API lists no sizes, so the call's length
// times a typical rate for its type. Only a first guess for overall progress, corrected as files arrive.
import type { Recording } from './record.ts';
import { tryParseServerTime } from './time.ts';

/** Rough bytes per second by record type (the vendor's 480p–720p figures, per minute / 60). */
const BYTES_PER_SECOND: Readonly<Record<string, number>> = {
  ONLY_REC_ONE_AV: 80_000,
  ONLY_REC_ONE: 80_000,
  ONLY_REC_ONE_DESKTOP: 100_000,
  MERGE_ALL: 150_000,
};

/** Seconds between the call's begin and end (server-local times; the zone does not change a difference). */
export function durationOf(record: Pick<Recording, 'confrBeginTime' | 'confrEndTime'>, zone = 'UTC'): number | undefined {
  const begin = tryParseServerTime(record.confrBeginTime, zone);
  const end = tryParseServerTime(record.confrEndTime, zone);
  return begin && end && end >= begin ? Math.round((end.getTime() - begin.getTime()) / 1000) : undefined;
}

/** Estimated bytes of a recording from its duration and type; undefined when its duration is unknown. */
export function estimateBytes(record: Pick<Recording, 'confrBeginTime' | 'confrEndTime' | 'recordType'>, durationSec = durationOf(record)): number | undefined {
  if (durationSec === undefined || durationSec <= 0) return undefined; // a zero-length call says nothing of its size
  return durationSec * (BYTES_PER_SECOND[record.recordType ?? ''] ?? 80_000);
}
