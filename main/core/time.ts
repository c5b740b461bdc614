// Converts user dates to the API's `yyyyMMddHHmmss` in the server's zone and back. The server speaks
// local time without an offset, so every conversion goes through the connection's IANA zone.
import { DateTime } from 'luxon';
import { EmrecError } from './errors.ts';
import type { Query } from './record.ts';

export const API_TIME_FORMAT = 'yyyyMMddHHmmss';
export const SERVER_TIME_FORMAT = 'yyyy-MM-dd HH:mm:ss';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const API_TIME = /^\d{14}$/;

/** Throws BAD_INPUT unless `zone` is a zone luxon knows (IANA name like `Asia/Shanghai`, `UTC`, `UTC+8`). */
export function assertZone(zone: string): void {
  if (!zone || !DateTime.now().setZone(zone).isValid) {
    throw new EmrecError(
      'BAD_INPUT',
      `Unknown timezone "${zone}": set the connection's timezone to an IANA name such as Asia/Shanghai or UTC`,
      { details: { field: 'timezone', value: zone } },
    );
  }
}

/**
 * Parses a user date in `zone`: ISO 8601 (an offset in the string wins), `YYYY-MM-DD[ HH:mm[:ss]]`
 * or `yyyyMMddHHmmss`. A bare date is the start of that day, or its last second with `endOfDay`.
 */
export function parseUserTime(input: string | Date, zone: string, options: { endOfDay?: boolean; field?: string } = {}): DateTime {
  assertZone(zone);
  const field = options.field ?? 'date';
  let parsed: DateTime;
  if (input instanceof Date) {
    parsed = DateTime.fromJSDate(input, { zone });
  } else {
    const text = input.trim();
    if (API_TIME.test(text)) parsed = DateTime.fromFormat(text, API_TIME_FORMAT, { zone });
    else parsed = DateTime.fromISO(text.replace(/^(\d{4}-\d{2}-\d{2}) +(?=\d)/, '$1T'), { zone });
    if (parsed.isValid && options.endOfDay && DATE_ONLY.test(text)) parsed = parsed.endOf('day');
  }
  if (!parsed.isValid) {
    throw new EmrecError(
      'BAD_INPUT',
      `Cannot read ${field} "${String(input)}": use YYYY-MM-DD, "YYYY-MM-DD HH:mm[:ss]" or ISO 8601 such as 2024-05-01T08:00:00+08:00`,
      { details: { field, value: String(input) } },
    );
  }
  return parsed.setZone(zone).startOf('second');
}

/** A user date (see parseUserTime) as the API's `yyyyMMddHHmmss` in `zone`. */
export function toApiTime(input: string | Date, zone: string, options: { endOfDay?: boolean; field?: string } = {}): string {
  return parseUserTime(input, zone, options).toFormat(API_TIME_FORMAT);
}

/** An API `yyyyMMddHHmmss` in `zone` as a Date; throws BAD_INPUT when malformed. */
export function fromApiTime(value: string, zone: string): Date {
  assertZone(zone);
  const parsed = API_TIME.test(value) ? DateTime.fromFormat(value, API_TIME_FORMAT, { zone }) : DateTime.invalid('format');
  if (!parsed.isValid) throw new EmrecError('BAD_INPUT', `"${value}" is not an API time (yyyyMMddHHmmss)`, { details: { value } });
  return parsed.toJSDate();
}

/** A record's `YYYY-MM-DD HH:mm:ss` server-local time as a Date, or undefined when absent or malformed. */
export function tryParseServerTime(value: string | undefined, zone: string): Date | undefined {
  if (value === undefined) return undefined;
  const parsed = DateTime.fromFormat(value.trim(), SERVER_TIME_FORMAT, { zone });
  return parsed.isValid ? parsed.toJSDate() : undefined;
}

/** A record's `YYYY-MM-DD HH:mm:ss` server-local time as a Date; throws BAD_RESPONSE when malformed. */
export function parseServerTime(value: string, zone: string): Date {
  assertZone(zone);
  const date = tryParseServerTime(value, zone);
  if (date === undefined) {
    throw new EmrecError('BAD_RESPONSE', `The server sent a time "${value}" that is not YYYY-MM-DD HH:mm:ss`, { details: { value } });
  }
  return date;
}

/**
 * Validated range or merged query. A bare date as `to` means the end of that day.
 * Throws BAD_INPUT for an unknown zone, an unreadable date or `from` after `to`.
 */
export function buildRangeQuery(
  from: string | Date,
  to: string | Date,
  zone: string,
  merged = false,
): Extract<Query, { kind: 'range' | 'merged' }> {
  assertZone(zone);
  const begin = parseUserTime(from, zone, { field: 'from' });
  const end = parseUserTime(to, zone, { field: 'to', endOfDay: true });
  if (begin > end) {
    throw new EmrecError(
      'BAD_INPUT',
      `--from must be before --to (from ${begin.toFormat(SERVER_TIME_FORMAT)}, to ${end.toFormat(SERVER_TIME_FORMAT)}, ${zone})`,
      { details: { field: 'from' } },
    );
  }
  return { kind: merged ? 'merged' : 'range', begin: begin.toFormat(API_TIME_FORMAT), end: end.toFormat(API_TIME_FORMAT) };
}
