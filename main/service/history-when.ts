// When a saved recording's meeting took place, and in which timezone its times are read. History keeps
// no meeting time of its own, but the file's name holds it: the naming template's {date} and {time} (or
// {clock}) are the meeting's start in the server's local time, read back the way "Import a folder" reads
// ids (core/import-folder.ts), through the current template or the default one, in the connection's timezone.
import { appkeyOf, DEFAULT_TIMEZONE } from '../core/connection.ts';
import type { HistoryEntry } from '../core/history.ts';
import { nameReader, type NameFields } from '../core/import-folder.ts';
import { compileTemplate, DEFAULT_TEMPLATE, type CompiledTemplate } from '../core/naming.ts';
import { tryParseServerTime } from '../core/time.ts';
import type { ConnectionBook } from './connections.ts';

/** The timezone of each app's saved connection (the active one first), DEFAULT_TIMEZONE for an app without one. */
export function zonesOf(book: ConnectionBook): (appkey: string) => string {
  const zones = new Map<string, string>();
  for (const c of book.list().sort((a, b) => Number(b.active) - Number(a.active))) {
    const appkey = appkeyOf(c);
    if (!zones.has(appkey)) zones.set(appkey, c.timezone);
  }
  return (appkey) => zones.get(appkey) ?? DEFAULT_TIMEZONE;
}

interface Reader {
  readonly segments: number;
  readonly read: (rel: string) => NameFields | undefined;
}

/** The fields that give the time of day: `{time}` 082041 or `{clock}` 08-20-41. */
const TIME_FIELDS: readonly string[] = ['time', 'clock'];

function readerOf(template: CompiledTemplate): Reader | undefined {
  const fields: readonly string[] = template.segments.flat().flatMap((p) => ('field' in p ? [p.field] : []));
  if (!fields.includes('date') || !fields.some((f) => TIME_FIELDS.includes(f))) return undefined;
  return { segments: template.segments.length, read: nameReader(template) };
}

/** `…/2026-11-06/<folders>/082041_…` or `…/08-20-41 …`: the day's folder and the time starting the file's name. */
const FALLBACK = /[\\/](\d{4}-\d{2}-\d{2})[\\/](?:[^\\/]+[\\/])*?(\d{2})-?(\d{2})-?(\d{2})[ _][^\\/]*$/;

/** The meeting's server-local `YYYY-MM-DD HH:mm:ss` from a saved file's path; undefined when its name does not say. */
export function meetingTimeReader(template: string): (entry: Pick<HistoryEntry, 'path'>) => string | undefined {
  let current: CompiledTemplate | undefined;
  try {
    current = compileTemplate(template);
  } catch {
    current = undefined; // a template from an older version that no longer compiles: the default one still reads
  }
  const readers = [current, current?.source === DEFAULT_TEMPLATE ? undefined : compileTemplate(DEFAULT_TEMPLATE)]
    .flatMap((t) => (t ? [readerOf(t)] : []))
    .filter((r): r is Reader => r !== undefined);
  return (entry) => {
    const parts = entry.path.split(/[\\/]/);
    for (const reader of readers) {
      const fields: Readonly<Record<string, string | undefined>> | undefined = reader.read(parts.slice(-reader.segments).join('/'));
      const date = fields?.['date'];
      const time = TIME_FIELDS.map((f) => fields?.[f]?.replace(/\D/g, '')).find((t) => t?.length === 6);
      if (date && time && /^\d{4}-\d{2}-\d{2}$/.test(date)) return `${date} ${time.slice(0, 2)}:${time.slice(2, 4)}:${time.slice(4, 6)}`;
    }
    // a template changed since: a day's folder and a file name that starts with the time
    const m = FALLBACK.exec(entry.path);
    return m ? `${m[1]} ${m[2]}:${m[3]}:${m[4]}` : undefined;
  };
}

/** A server-local time in `zone` as an ISO instant, or undefined when it is not a real time there. */
export function serverTimeToIso(local: string | undefined, zone: string): string | undefined {
  return tryParseServerTime(local, zone)?.toISOString();
}
