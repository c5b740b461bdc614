// Locale-aware formatting with Intl only: messages, plurals, dates, sizes, durations, relative time.
// Pure functions of the language, so Node tests can check them without a browser.
import type { Language } from '../ipc/contract.ts';
import { en, type MessageKey, type Messages } from './en.ts';
import { zhCN } from './zh-CN.ts';

export const DICTIONARIES: Readonly<Record<Language, Messages>> = { en, 'zh-CN': zhCN };

export type Params = Readonly<Record<string, string | number>>;

/**
 * One Intl formatter per language and kind, kept: building one costs far more than using it, and a
 * table of 10,000 rows that built one per cell spent ~7 ms of every scrolled frame doing so.
 */
const formatters = new Map<string, unknown>();
function formatter<T>(key: string, make: () => T): T {
  let f = formatters.get(key) as T | undefined;
  if (f === undefined) {
    f = make();
    formatters.set(key, f);
  }
  return f;
}

/** A number with the language's digits and separators. */
export function formatNumber(language: Language, n: number): string {
  return formatter(`number|${language}`, () => new Intl.NumberFormat(language)).format(n);
}

/** 0..100 as a whole percent ("37%", "37%"). */
export function formatPercent(language: Language, n: number): string {
  return formatter(`percent|${language}`, () => new Intl.NumberFormat(language, { style: 'percent', maximumFractionDigits: 0 })).format(n / 100);
}

/** Keys that have `_one`/`_other` forms, named without the suffix. */
export type PluralKey = MessageKey extends infer K ? (K extends `${infer B}_other` ? B : never) : never;

/** Fills `{name}` placeholders; numbers are formatted for the language. Unknown parameters stay visible. */
export function fill(language: Language, template: string, params: Params = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === 'number' ? formatNumber(language, value) : value;
  });
}

export function translate(language: Language, key: MessageKey, params?: Params): string {
  return fill(language, DICTIONARIES[language][key], params);
}

export function translatePlural(language: Language, key: PluralKey, count: number, params: Params = {}): string {
  const form = formatter(`plural|${language}`, () => new Intl.PluralRules(language)).select(count) === 'one' ? 'one' : 'other';
  return translate(language, `${key}_${form}` as MessageKey, { count, ...params });
}

/** Bytes as B/KB/MB/GB with the locale's digits. */
export function formatBytes(language: Language, bytes: number): string {
  const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  // under 1 kB: "512 B" in every language (Intl's short unit is "512 byte" in English)
  if (unit === 0) return `${formatter(`bytes0|${language}`, () => new Intl.NumberFormat(language, { maximumFractionDigits: 0 })).format(value)} B`;
  const name = units[unit];
  return formatter(`bytes|${language}|${name}`, () => new Intl.NumberFormat(language, { style: 'unit', unit: name, unitDisplay: 'short', maximumFractionDigits: 1 })).format(value);
}

export function formatSpeed(language: Language, bytesPerSecond: number): string {
  return `${formatBytes(language, bytesPerSecond)}/s`;
}

/** Seconds as h:mm:ss (m:ss under an hour), the same in both languages. */
export function formatClock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/** Date and time in few characters for a table cell, read the same way everywhere: "2026-11-06 14:05" (local time). */
export function formatShortDateTime(_language: Language, iso: string | undefined): string {
  if (iso === undefined) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}`;
}

export function formatDateTime(language: Language, iso: string | undefined): string {
  if (iso === undefined) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return formatter(`datetime|${language}`, () => new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' })).format(date);
}

/** "in 3 days" / "3天后"; hours when under a day. */
export function formatRelative(language: Language, iso: string, now: number = Date.now()): string {
  const ms = new Date(iso).getTime() - now;
  const rtf = formatter(`relative|${language}`, () => new Intl.RelativeTimeFormat(language, { numeric: 'auto' }));
  const hours = ms / 3_600_000;
  if (Math.abs(hours) < 24) return rtf.format(Math.round(hours), 'hour');
  return rtf.format(Math.round(hours / 24), 'day');
}

/** Whole days left before `iso` (negative when past). */
export function daysLeft(iso: string, now: number = Date.now()): number {
  return (new Date(iso).getTime() - now) / 86_400_000;
}

/** The key an error is said with: its known cause's (what to check) before its code's; a code this
 * version does not know (read from a newer file) gets the general sentence. */
export function errorKey(error: { readonly code: string; readonly reason?: string | undefined }): MessageKey {
  const reason = `reason.${error.reason}`;
  if (error.reason !== undefined && isMessageKey(reason)) return reason;
  const code = `error.${error.code}`;
  return isMessageKey(code) ? code : 'error.unknown';
}

/** Narrows a key built at run time (from a code or a field name) to one the catalogue has. */
export function isMessageKey(key: string): key is MessageKey {
  return Object.hasOwn(en, key);
}
