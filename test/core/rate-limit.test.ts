// The one bandwidth limit: the bucket's arithmetic on a fake clock, the rate parser, and the
// office-hours rule across a day boundary and time zones.
import { describe, expect, it } from 'vitest';
import { parseRate, RateLimiter } from '../../main/core/rate-limit.ts';
import { inWindow, rateAt, type RateSchedule } from '../../main/core/rate-schedule.ts';

describe('RateLimiter', () => {
  it('lets a short burst through, then spaces chunks so the average is the limit, across connections', () => {
    let now = 0;
    const limiter = new RateLimiter(1_000_000, () => now);
    expect(limiter.book(50_000)).toBe(0); // within the 0.1 s burst
    let waited = 0;
    // four connections each reading 64 KiB chunks, one after another, for 10 s of bytes
    let bytes = 50_000;
    while (bytes < 10_000_000) {
      const wait = limiter.book(65_536);
      now += wait;
      waited += wait;
      bytes += 65_536;
    }
    expect(now / 1000).toBeGreaterThan((bytes / 1_000_000) * 0.97);
    expect(now / 1000).toBeLessThan((bytes / 1_000_000) * 1.0);
    expect(waited).toBe(now);
  });

  it('takes a new rate for the next chunk, without the old rate\'s debt', () => {
    const now = 0;
    const limiter = new RateLimiter(100_000, () => now);
    limiter.book(1_000_000); // 10 s booked at the old rate
    limiter.setRate(10_000_000);
    expect(limiter.book(100_000)).toBeLessThanOrEqual(10);
    limiter.setRate(undefined);
    expect(limiter.book(1e9)).toBe(0);
    expect(limiter.rate).toBeUndefined();
  });
});

describe('parseRate', () => {
  it('reads the forms people type', () => {
    expect(parseRate('2M')).toBe(2 * 1024 * 1024);
    expect(parseRate('500k')).toBe(500 * 1024);
    expect(parseRate('1.5MB')).toBe(1.5 * 1024 * 1024);
    expect(parseRate('2000000')).toBe(2_000_000);
    expect(parseRate('2 MiB/s')).toBe(2 * 1024 * 1024);
    expect(parseRate('0')).toBeUndefined();
    expect(parseRate('unlimited')).toBeUndefined();
    expect(() => parseRate('fast')).toThrow(/not a rate/);
  });
});

describe('office hours', () => {
  const office: RateSchedule = { limit: 2_000_000, days: [1, 2, 3, 4, 5], from: '09:00', to: '18:00', timezone: 'Asia/Shanghai' };
  const at = (iso: string): Date => new Date(iso);

  it('applies Monday–Friday 09:00–18:00 in the office\'s zone, not the machine\'s', () => {
    expect(inWindow(office, at('2026-12-07T01:00:00Z'))).toBe(true); // Mon 09:00 Shanghai
    expect(inWindow(office, at('2026-12-07T00:59:00Z'))).toBe(false); // Mon 08:59
    expect(inWindow(office, at('2026-12-07T10:00:00Z'))).toBe(false); // Mon 18:00: the end is outside
    expect(inWindow(office, at('2026-12-05T03:00:00Z'))).toBe(false); // Sat 11:00
    expect(inWindow(office, at('2026-12-04T09:30:00Z'))).toBe(true); // Fri 17:30 Shanghai, still Friday 09:30 in UTC
    expect(inWindow(office, at('2026-12-06T23:30:00Z'))).toBe(false); // Sunday in UTC, Mon 07:30 in Shanghai: before the window
    expect(inWindow(office, at('2026-12-06T01:30:00Z'))).toBe(false); // Sun 09:30 Shanghai
  });

  it('a window across midnight belongs to the day it starts on', () => {
    const night: RateSchedule = { limit: 1, days: [5], from: '22:00', to: '06:00', timezone: 'Europe/Berlin' };
    expect(inWindow(night, at('2026-12-04T21:30:00Z'))).toBe(true); // Fri 22:30 Berlin
    expect(inWindow(night, at('2026-12-05T04:00:00Z'))).toBe(true); // Sat 05:00, after Friday
    expect(inWindow(night, at('2026-12-05T05:00:00Z'))).toBe(false); // Sat 06:00
    expect(inWindow(night, at('2026-12-05T21:30:00Z'))).toBe(false); // Sat 22:30: Saturday not listed
    expect(inWindow(night, at('2026-12-04T04:00:00Z'))).toBe(false); // Fri 05:00, after Thursday
  });

  it('gives the window\'s limit inside and the everyday limit (or none) outside', () => {
    expect(rateAt(undefined, office, at('2026-12-07T02:00:00Z'))).toBe(2_000_000);
    expect(rateAt(undefined, office, at('2026-12-07T12:00:00Z'))).toBeUndefined();
    expect(rateAt(8_000_000, office, at('2026-12-07T12:00:00Z'))).toBe(8_000_000);
    expect(() => inWindow({ ...office, timezone: 'Mars/Olympus' }, new Date())).toThrow(/time zone/);
  });
});
