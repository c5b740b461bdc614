// When a bandwidth limit applies: always, or only in office hours (e.g. 2 MB/s Monday–Friday
// 09:00–18:00 in the office's time zone, unlimited otherwise). A window may cross midnight
// (22:00–06:00 belongs to the day it starts on). Pure: the caller asks again every few seconds.
import { DateTime } from 'luxon';

export interface RateSchedule {
  /** Bytes per second inside the window. */
  readonly limit: number;
  /** ISO weekdays the window starts on: 1 Monday … 7 Sunday. */
  readonly days: readonly number[];
  /** `HH:mm`, in `timezone`. */
  readonly from: string;
  readonly to: string;
  /** IANA zone of the office, e.g. Asia/Shanghai. */
  readonly timezone: string;
}

const minutesOf = (hhmm: string): number => {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  if (!m || Number(m[1]) > 24 || Number(m[2]) > 59) throw new RangeError(`not a time of day: "${hhmm}" (HH:mm)`);
  return Number(m[1]) * 60 + Number(m[2]);
};

/** Whether `at` falls inside the schedule's window. */
export function inWindow(schedule: RateSchedule, at: Date): boolean {
  const local = DateTime.fromJSDate(at, { zone: schedule.timezone });
  if (!local.isValid) throw new RangeError(`unknown time zone: ${schedule.timezone}`);
  const now = local.hour * 60 + local.minute;
  const from = minutesOf(schedule.from);
  const to = minutesOf(schedule.to);
  const startsOn = (weekday: number): boolean => schedule.days.includes(weekday);
  if (from === to) return false;
  if (from < to) return startsOn(local.weekday) && now >= from && now < to;
  // crosses midnight: the evening of a listed day, or the early hours after one
  const yesterday = local.minus({ days: 1 }).weekday;
  return (startsOn(local.weekday) && now >= from) || (startsOn(yesterday) && now < to);
}

/** The limit in force at `at`: the schedule's inside its window, else `always` (undefined: unlimited). */
export function rateAt(always: number | undefined, schedule: RateSchedule | undefined, at: Date): number | undefined {
  if (schedule && inWindow(schedule, at)) return schedule.limit;
  return always;
}
