// Converts user dates to the API's `yyyyMMddHHmmss` in the server's zone and back. The server speaks
// local time without an offset, so every conversion goes through the connection's IANA zone.
import { DateTime } from 'luxon';
import { EmrecError } from './errors.ts';
import type { Query } from './record.ts';

const API_TIME_FORMAT = 'yyyyMMddHHmmss';
const SERVER_TIME_FORMAT = 'yyyy-MM-dd HH:mm:ss';

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
function parseUserTime(input: string | Date, zone: string, options: { endOfDay?: boolean; field?: string } = {}): DateTime {
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

// Built once: fromFormat reads its format anew on every call, ~50 KB of garbage each, and every record
// of a listing has two or three of these times.
let serverTimeParser: ReturnType<typeof DateTime.buildFormatParser> | undefined;
// And each time read once per zone: the members of a call share its begin and end, and a zone's offset
// (luxon asks Intl for it) is most of the cost, ~25 µs. Cleared when full; a time's reading never changes.
const serverTimes = new Map<string, number | null>();
const SERVER_TIMES_KEPT = 10_000;

/** A record's `YYYY-MM-DD HH:mm:ss` server-local time as a Date, or undefined when absent or malformed. */
export function tryParseServerTime(value: string | undefined, zone: string): Date | undefined {
  if (value === undefined) return undefined;
  const key = `${zone}|${value}`;
  let ms = serverTimes.get(key);
  if (ms === undefined) {
    serverTimeParser ??= DateTime.buildFormatParser(SERVER_TIME_FORMAT);
    const parsed = DateTime.fromFormatParser(value.trim(), serverTimeParser, { zone });
    ms = parsed.isValid ? parsed.toMillis() : null;
    if (serverTimes.size >= SERVER_TIMES_KEPT) serverTimes.clear();
    serverTimes.set(key, ms);
  }
  return ms === null ? undefined : new Date(ms);
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

const SECOND_MS = 1000;
const HOUR_MS = 3_600_000;
/** How far from each end of a range a zone's fold can matter: more than any backward offset change. */
const FOLD_WINDOW_MS = 26 * HOUR_MS;

const offsetMsAt = (ms: number, zone: string): number => DateTime.fromMillis(ms, { zone }).offset * 60_000;

interface OffsetChange {
  /** The first whole second with the new offset. */
  readonly at: number;
  readonly before: number;
  readonly after: number;
}

/** The zone's offset changes in (fromMs, toMs], both whole seconds, found to the second. */
function offsetChanges(fromMs: number, toMs: number, zone: string): OffsetChange[] {
  const changes: OffsetChange[] = [];
  let a = fromMs;
  let offsetA = offsetMsAt(a, zone);
  while (a < toMs) {
    const b = Math.min(a + HOUR_MS, toMs);
    const offsetB = offsetMsAt(b, zone);
    if (offsetB !== offsetA) {
      let lo = a; // offset is offsetA
      let hi = b; // offset differs
      while (hi - lo > SECOND_MS) {
        const mid = lo + Math.floor((hi - lo) / (2 * SECOND_MS)) * SECOND_MS;
        if (offsetMsAt(mid, zone) === offsetA) lo = mid;
        else hi = mid;
      }
      changes.push({ at: hi, before: offsetA, after: offsetMsAt(hi, zone) });
    }
    a = b;
    offsetA = offsetB;
  }
  return changes;
}

/**
 * The server-local wall-clock window `[begin, end]` (as `yyyyMMddHHmmss`) that holds the wall time of
 * every instant from `from` to `to`. Wall time only grows, except where the zone turns its clocks back
 * (a fold: America/New_York's 01:00–01:59 happens twice in November), so the window is the smallest
 * wall time of each stretch between offset changes to the largest; near the ends of the range only,
 * since a fold further inside cannot reach beyond them.
 */
function wallWindow(from: DateTime, to: DateTime, zone: string): { begin: string; end: string } {
  const fromMs = from.toMillis();
  const toMs = to.toMillis();
  let low = fromMs + offsetMsAt(fromMs, zone);
  let high = toMs + offsetMsAt(toMs, zone);
  const spans: [number, number][] =
    toMs - fromMs <= 2 * FOLD_WINDOW_MS
      ? [[fromMs, toMs]]
      : [
          [fromMs, fromMs + FOLD_WINDOW_MS],
          [toMs - FOLD_WINDOW_MS, toMs],
        ];
  for (const [a, b] of spans) {
    for (const change of offsetChanges(a, b, zone)) {
      low = Math.min(low, change.at + change.after); // a stretch begins
      high = Math.max(high, change.at - SECOND_MS + change.before); // the stretch before it ends
    }
  }
  const format = (wallMs: number): string => DateTime.fromMillis(wallMs, { zone: 'UTC' }).toFormat(API_TIME_FORMAT);
  return { begin: format(low), end: format(high) };
}

/**
 * Validated range or merged query. A bare date as `to` means the end of that day.
 * Throws BAD_INPUT for an unknown zone, an unreadable date or `from` after `to`.
 * The server compares local wall times, so a range across a fold (clocks turned back) is widened to
 * cover the repeated hour: every requested instant is covered and the range sent is never inverted.
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
      `--from must be before --to (from ${begin.toISO({ suppressMilliseconds: true })}, to ${end.toISO({ suppressMilliseconds: true })}, ${zone})`,
      { details: { field: 'from' } },
    );
  }
  const window = wallWindow(begin, end, zone);
  if (window.begin > window.end) throw new Error(`bug: inverted API range ${window.begin} > ${window.end}`);
  return { kind: merged ? 'merged' : 'range', ...window };
}
