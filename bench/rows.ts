// Building the Find screen's rows (service/rows.ts toRow) for 10,000 recordings, 3 members per call,
// in this process, next to what sending those rows to the window costs anyway (structuredClone, as
// Electron's IPC copies them). The first pass is the one a person waits for: nothing is warm yet.
import { syntheticCatalogue } from '../main/demo/catalogue.ts';
import { compileTemplate, DEFAULT_TEMPLATE } from '../main/core/naming.ts';
import type { Recording } from '../main/core/record.ts';
import { toRow } from '../main/service/rows.ts';

export interface RowsFigures {
  readonly rows: number;
  readonly buildMs: number;
  readonly cloneMs: number;
  readonly ratio: number;
}

export function benchRows(count = 10_000, perConference = 3): RowsFigures {
  const records: Recording[] = syntheticCatalogue({ count, perConference }).map(({ media: _media, ...fields }) => ({
    ...fields,
    url: `https://oss.example/${fields.id}.webm?Expires=1900000000&Signature=x`,
  }));
  const ctx = { zone: 'Asia/Shanghai', template: compileTemplate(DEFAULT_TEMPLATE), downloaded: () => false, now: Date.now() };
  let start = performance.now();
  const rows = records.map((r) => toRow(r, ctx));
  const buildMs = performance.now() - start;
  start = performance.now();
  structuredClone(rows);
  const cloneMs = performance.now() - start;
  return { rows: rows.length, buildMs: Math.round(buildMs), cloneMs: Math.round(cloneMs), ratio: Math.round((buildMs / cloneMs) * 100) / 100 };
}
