import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { isEmrecError } from '../../main/core/errors.ts';
import { buildRangeQuery, fromApiTime, parseServerTime, toApiTime, tryParseServerTime } from '../../main/core/time.ts';

const SH = 'Asia/Shanghai';

function badInput(fn: () => unknown): { message: string; details?: Readonly<Record<string, unknown>> } {
  try {
    fn();
  } catch (error) {
    if (isEmrecError(error, 'BAD_INPUT')) return error;
    throw error;
  }
  throw new Error('expected BAD_INPUT');
}

describe('toApiTime', () => {
  it('reads local forms in the connection zone', () => {
    expect(toApiTime('2024-05-01', SH)).toBe('20240501000000');
    expect(toApiTime('2024-05-01 08:06', SH)).toBe('20240501080600');
    expect(toApiTime('2024-05-01 08:06:07', SH)).toBe('20240501080607');
    expect(toApiTime('2024-05-01T08:06:07', SH)).toBe('20240501080607');
    expect(toApiTime('20240501080607', SH)).toBe('20240501080607');
    expect(toApiTime('2024-05-01', 'UTC')).toBe('20240501000000');
  });

  it('converts ISO times with an offset into the zone', () => {
    expect(toApiTime('2024-05-01T00:06:07Z', SH)).toBe('20240501080607');
    expect(toApiTime('2024-05-01T08:06:07+02:00', SH)).toBe('20240501140607');
    expect(toApiTime('2024-04-30T23:30:00-01:00', 'UTC')).toBe('20240501003000');
    expect(toApiTime(new Date('2024-12-31T16:00:00Z'), SH)).toBe('20250101000000');
  });

  it('makes a bare date the end of the day only when asked', () => {
    expect(toApiTime('2024-02-29', SH, { endOfDay: true })).toBe('20240229235959');
    expect(toApiTime('2024-02-29 10:00', SH, { endOfDay: true })).toBe('20240229100000');
  });

  it('rejects unreadable dates and unknown zones with the fix in the message', () => {
    for (const text of ['yesterday', '2024-13-01', '2024-02-30', '01/05/2024', '']) {
      expect(badInput(() => toApiTime(text, SH)).message).toMatch(/YYYY-MM-DD/);
    }
    const error = badInput(() => toApiTime('2024-05-01', 'Mars/Olympus'));
    expect(error.message).toContain('Mars/Olympus');
    expect(error.message).toMatch(/IANA name such as Asia\/Shanghai/);
    expect(error.details).toMatchObject({ field: 'timezone' });
  });
});

describe('server times', () => {
  it('round-trips API times and reads record times in the zone', () => {
    expect(fromApiTime('20240501080607', SH).toISOString()).toBe('2024-05-01T00:06:07.000Z');
    expect(fromApiTime('20240501080607', 'UTC').toISOString()).toBe('2024-05-01T08:06:07.000Z');
    expect(toApiTime(fromApiTime('20240501080607', SH), SH)).toBe('20240501080607');
    expect(parseServerTime('2024-05-01 08:06:07', SH).toISOString()).toBe('2024-05-01T00:06:07.000Z');
    expect(() => fromApiTime('2024-05-01', SH)).toThrow(/yyyyMMddHHmmss/);
  });

  it('reports a malformed record time', () => {
    expect(tryParseServerTime('not a time', SH)).toBeUndefined();
    expect(tryParseServerTime(undefined, SH)).toBeUndefined();
    expect(() => parseServerTime('2024/05/01', SH)).toThrow(expect.objectContaining({ code: 'BAD_RESPONSE' }));
  });

  it('reads a time the same however often it is read, in each zone its own, and hands out a Date of its own each time', () => {
    const times = ['2024-05-01 08:06:07', '2024-03-10 02:30:00', '2024-13-01 08:06:07', ' 2024-05-01 08:06:07 '];
    const read = (zone: string) => times.map((t) => tryParseServerTime(t, zone)?.toISOString());
    for (const zone of [SH, 'America/New_York', 'UTC']) {
      const first = read(zone);
      expect(read(zone)).toEqual(first);
      expect(first[2]).toBeUndefined(); // month 13, the second time too
    }
    expect(read(SH)[0]).toBe('2024-05-01T00:06:07.000Z');
    expect(read('America/New_York')[0]).toBe('2024-05-01T12:06:07.000Z');
    expect(read('America/New_York')[1]).toBe('2024-03-10T07:30:00.000Z'); // 02:30, skipped there that night, read as 03:30 EDT
    expect(read(SH)[1]).toBe('2024-03-09T18:30:00.000Z');
    const a = tryParseServerTime(times[0], SH)!;
    a.setFullYear(1999); // a caller changing its Date changes no other caller's
    expect(tryParseServerTime(times[0], SH)!.toISOString()).toBe('2024-05-01T00:06:07.000Z');
  });
});

describe('buildRangeQuery', () => {
  it('builds range and merged queries, a bare `to` covering its whole day', () => {
    expect(buildRangeQuery('2024-05-01', '2024-05-03', SH, false)).toEqual({
      kind: 'range',
      begin: '20240501000000',
      end: '20240503235959',
    });
    expect(buildRangeQuery('2024-05-01 08:00', '2024-05-01T10:00:00+08:00', SH, true)).toEqual({
      kind: 'merged',
      begin: '20240501080000',
      end: '20240501100000',
    });
    expect(buildRangeQuery('2024-05-01', '2024-05-01', SH).end).toBe('20240501235959');
  });

  it('rejects a reversed range, a bad date and a bad zone', () => {
    const reversed = badInput(() => buildRangeQuery('2024-05-03', '2024-05-01', SH));
    expect(reversed.message).toContain('--from must be before --to');
    expect(badInput(() => buildRangeQuery('2024-05-01 10:00', '2024-05-01 09:59', SH)).message).toContain('--from must be before --to');
    expect(badInput(() => buildRangeQuery('soon', '2024-05-01', SH)).details).toMatchObject({ field: 'from' });
    expect(badInput(() => buildRangeQuery('2024-05-01', 'later', SH)).details).toMatchObject({ field: 'to' });
    expect(badInput(() => buildRangeQuery('2024-05-01', '2024-05-02', 'Nowhere/Land')).details).toMatchObject({ field: 'timezone' });
  });

  describe('across a daylight-saving change (the server compares local wall times)', () => {
    const NY = 'America/New_York';
    const wall = (ms: number, zone: string): string => DateTime.fromMillis(ms, { zone }).toFormat('yyyyMMddHHmmss');

    /** Every instant of [from, to], minute by minute and at both ends, has its wall time inside the query. */
    function expectCovers(from: string, to: string, zone: string): { begin: string; end: string } {
      const q = buildRangeQuery(from, to, zone);
      expect(q.begin <= q.end, `${from}..${to}: ${q.begin} > ${q.end}`).toBe(true);
      const a = DateTime.fromISO(from, { zone }).startOf('second').toMillis();
      const b = DateTime.fromISO(to, { zone }).startOf('second').toMillis();
      for (let t = a; t <= b; t = t + 60_000 > b && t < b ? b : t + 60_000) {
        const w = wall(t, zone);
        expect(w >= q.begin && w <= q.end, `${new Date(t).toISOString()} (${w}) outside ${q.begin}..${q.end}`).toBe(true);
      }
      return q;
    }

    it('never sends the America/New_York fall-back range inverted, and covers the repeated hour', () => {
      const q = buildRangeQuery('2026-11-01T01:50-04:00', '2026-11-01T01:10-05:00', NY);
      expect(q).toEqual({ kind: 'range', begin: '20261101010000', end: '20261101015959' });
      expectCovers('2026-11-01T01:50-04:00', '2026-11-01T01:10-05:00', NY);
      expect(buildRangeQuery('2026-11-01T01:50-04:00', '2026-11-01T01:10-05:00', NY, true)).toMatchObject({ kind: 'merged', begin: '20261101010000' });
    });

    it('widens the end of a range that stops inside the second 01:xx (e.g. --days N run at 01:10 EST)', () => {
      expect(buildRangeQuery('2026-11-01T00:30-04:00', '2026-11-01T01:10-05:00', NY)).toMatchObject({ begin: '20261101003000', end: '20261101015959' });
      const now = new Date('2026-11-01T06:10:00Z'); // 01:10 EST
      const q = buildRangeQuery(new Date(now.getTime() - 30 * 86_400_000), now, NY);
      expect(q).toMatchObject({ begin: '20261002021000', end: '20261101015959' });
    });

    it('widens the start of a range that starts in the first 01:xx and ends after the fold', () => {
      expect(buildRangeQuery('2026-11-01T01:50-04:00', '2026-11-01T03:00-05:00', NY)).toMatchObject({ begin: '20261101010000', end: '20261101030000' });
    });

    it('leaves ranges without a fold as they are (spring forward, a fold outside the range, Shanghai)', () => {
      expect(buildRangeQuery('2026-03-08 01:30', '2026-03-08 03:30', NY)).toMatchObject({ begin: '20260308013000', end: '20260308033000' });
      expect(buildRangeQuery('2026-11-01T01:10-05:00', '2026-11-01 03:00', NY)).toMatchObject({ begin: '20261101011000', end: '20261101030000' });
      expect(buildRangeQuery('2026-01-01', '2026-12-31', NY)).toMatchObject({ begin: '20260101000000', end: '20261231235959' });
      expect(buildRangeQuery('2026-11-01 00:00', '2026-11-01 04:00', SH)).toMatchObject({ begin: '20261101000000', end: '20261101040000' });
    });

    it('covers every instant of every range around a fold, whole-hour and half-hour (Lord Howe)', () => {
      const cases: [string, string][] = [
        [NY, '2026-11-01T05:00:00Z'], // fold at 06:00Z (02:00 EDT -> 01:00 EST)
        ['Australia/Lord_Howe', '2026-04-04T14:00:00Z'], // fold at 15:00Z (02:00 -> 01:30)
      ];
      for (const [zone, startUtc] of cases) {
        const t0 = Date.parse(startUtc);
        const iso = (ms: number): string => DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true })!;
        for (let a = 0; a <= 150; a += 25) {
          for (let b = a; b <= 150; b += 25) expectCovers(iso(t0 + a * 60_000), iso(t0 + b * 60_000), zone);
        }
      }
    });

    it('rejects a truly inverted range even when its wall times look in order', () => {
      // 01:10 EST is 06:10Z, after 01:50 EDT (05:50Z): from is after to
      const error = badInput(() => buildRangeQuery('2026-11-01T01:10-05:00', '2026-11-01T01:50-04:00', NY));
      expect(error.details).toMatchObject({ field: 'from' });
      expect(error.message).toContain('--from must be before --to');
      expect(error.message).toContain('-05:00');
    });
  });
});
