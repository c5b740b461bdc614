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
});
