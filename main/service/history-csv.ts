// History as a CSV that office staff open in Excel: UTF-8 with a BOM (so Chinese names survive), headers
// and record types in the window's language (sent by the window, which holds the words), every time as
// `2026-11-06 08:20:41` in the connection's timezone with that zone in its own column, and the file's
// path and SHA-256 as history stored them (nothing is hashed again here).
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { DateTime } from 'luxon';
import type { HistoryCsvWords, HistoryRow } from '../ipc/contract.ts';
import { HISTORY_CSV_COLUMNS, type HistoryCsvColumn } from '../ipc/history-csv-columns.ts';

const TIME_FORMAT = 'yyyy-MM-dd HH:mm:ss';

/** An ISO instant as wall time in `zone`; empty when absent or unreadable. */
export function csvTime(iso: string | undefined, zone: string): string {
  if (iso === undefined) return '';
  const time = DateTime.fromISO(iso, { zone: 'utc' }).setZone(zone);
  return time.isValid ? time.toFormat(TIME_FORMAT) : '';
}

/** The CSV text (with BOM) of some rows; `zoneOf` gives each row's timezone; without words, the headers are the column keys. */
export function historyCsv(rows: readonly HistoryRow[], zoneOf: (appkey: string) => string, words?: HistoryCsvWords): string {
  const cells = (r: HistoryRow): Record<HistoryCsvColumn, string | number> => {
    const zone = zoneOf(r.appkey);
    return {
      recordedAt: csvTime(r.recordedAt, zone),
      user: r.user,
      confrId: r.confrId,
      recordType: words && Object.hasOwn(words.types, r.recordType) ? (words.types[r.recordType] ?? r.recordType) : r.recordType,
      size: r.size,
      finishedAt: csvTime(r.finishedAt, zone),
      timezone: zone,
      folder: path.dirname(r.path),
      path: r.path,
      convertedPath: r.convertedPath ?? '',
      sha256: r.sha256,
      exists: r.exists ? (words?.yes ?? 'yes') : (words?.no ?? 'no'),
      id: r.id,
      appkey: r.appkey,
    };
  };
  return stringify(rows.map(cells), {
    bom: true,
    header: true,
    columns: HISTORY_CSV_COLUMNS.map((key) => ({ key, header: words?.headers[key] ?? key })),
    record_delimiter: 'windows',
    // a name such as "=HYPERLINK(…)" stays text in Excel
    escape_formulas: true,
  });
}
