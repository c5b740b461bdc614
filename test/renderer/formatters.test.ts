// A table formats every cell: each Intl formatter is built once per language and kind, not per call
// (building them was ~7 ms of every scrolled frame at 10,000 rows). Checked by counting the constructors.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatBytes, formatDateTime, formatNumber, formatPercent, formatRelative, translatePlural } from '../../main/messages/format.ts';

afterEach(() => vi.restoreAllMocks());

describe('formatters', () => {
  it('are built once per language and kind, however many cells use them', () => {
    const kinds = ['NumberFormat', 'DateTimeFormat', 'RelativeTimeFormat', 'PluralRules'] as const;
    const spies = kinds.map((k) => vi.spyOn(Intl, k));
    const iso = '2026-11-06T08:20:00Z';
    for (let i = 0; i < 1_000; i += 1) {
      for (const language of ['en', 'zh-CN'] as const) {
        formatDateTime(language, iso);
        formatRelative(language, iso, Date.parse('2026-11-01T00:00:00Z'));
        formatBytes(language, 512 + i);
        formatBytes(language, 5_000_000 + i);
        formatNumber(language, i);
        formatPercent(language, i % 100);
        translatePlural(language, 'find.found', i);
      }
    }
    const built = spies.reduce((n, spy) => n + spy.mock.calls.length, 0);
    expect(built).toBeLessThanOrEqual(2 * 8); // per language: date, relative, bytes under 1 kB, kB, MB, number, percent, plural
    // and still right
    expect(formatBytes('en', 1536)).toBe('1.5 kB');
    expect(formatPercent('zh-CN', 37)).toBe('37%');
    expect(translatePlural('en', 'find.found', 12_345)).toBe('12,345 recordings found');
  });
});
