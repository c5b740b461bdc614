// One query's results as they stream in: rows, selection, text filter and sort. Rows are
// `$state.raw` (replaced, never mutated) so 10,000 of them cost no deep proxies.
import type { ErrorInfo } from '../../../main/core/errors.ts';
import type { QueryPage, RecordRow, UiQuery } from '../../../main/ipc/contract.ts';
import { i18n } from './i18n/i18n.svelte.ts';

export type SortKey = 'begin' | 'durationSec' | 'confrId' | 'user' | 'recordType' | 'estimatedBytes' | 'end';

/**
 * What the filter looks in: the words the row shows in the current language ("Screen share", "屏幕共享",
 * "2026-11-06 08:20"), not the server's codes. Kept per row and language: typing re-filters 10,000 rows.
 */
const shownWords = new Map<string, WeakMap<RecordRow, string>>();
function wordsOf(row: RecordRow): string {
  const language = i18n.language;
  let cache = shownWords.get(language);
  if (cache === undefined) shownWords.set(language, (cache = new WeakMap()));
  let words = cache.get(row);
  if (words === undefined) {
    words = [row.confrId, row.user, i18n.recordType(row.recordType), row.format, i18n.shortDateTime(row.begin), i18n.dateTime(row.begin), String(row.id)]
      .join('\n')
      .toLowerCase();
    cache.set(row, words);
  }
  return words;
}

function compare(a: RecordRow, b: RecordRow, key: SortKey): number {
  const x = a[key];
  const y = b[key];
  if (x === y) return a.id - b.id;
  if (x === undefined) return 1;
  if (y === undefined) return -1;
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  return String(x).localeCompare(String(y));
}

export class Results {
  queryId = $state<string | undefined>(undefined);
  /** What was asked, for saying why nothing was found. */
  query = $state.raw<UiQuery | undefined>(undefined);
  rows = $state.raw<readonly RecordRow[]>([]);
  running = $state(false);
  started = $state(false);
  invalid = $state(0);
  /** Meeting ids asked for that the server has no recordings of. */
  missing = $state.raw<readonly string[]>([]);
  error = $state.raw<ErrorInfo | undefined>(undefined);
  selected = $state.raw<ReadonlySet<number>>(new Set());
  filter = $state('');
  sortKey = $state<SortKey>('begin');
  sortDir = $state<1 | -1>(1);
  #buffer: QueryPage[] = [];

  readonly view: readonly RecordRow[] = $derived.by(() => {
    const needle = this.filter.trim().toLowerCase();
    const shown = needle ? this.rows.filter((r) => wordsOf(r).includes(needle)) : [...this.rows];
    const key = this.sortKey;
    const dir = this.sortDir;
    return shown.sort((a, b) => dir * compare(a, b, key));
  });

  readonly selectedBytes: number = $derived.by(() => {
    let total = 0;
    for (const row of this.rows) if (this.selected.has(row.id)) total += row.estimatedBytes ?? 0;
    return total;
  });

  /** Before `query:start` answers, pages may already arrive: keep them until the id is known. */
  begin(query?: UiQuery): void {
    this.queryId = undefined;
    this.query = query;
    this.rows = [];
    this.selected = new Set();
    this.invalid = 0;
    this.missing = [];
    this.error = undefined;
    this.running = true;
    this.started = true;
    this.#buffer = [];
  }

  attach(queryId: string): void {
    this.queryId = queryId;
    const buffered = this.#buffer;
    this.#buffer = [];
    for (const page of buffered) this.accept(page);
  }

  failed(error: ErrorInfo): void {
    this.running = false;
    this.error = error;
  }

  accept(page: QueryPage): void {
    if (this.queryId === undefined) {
      if (this.running) this.#buffer.push(page);
      return;
    }
    if (page.queryId !== this.queryId) return;
    if (page.rows.length > 0) {
      const seen = new Set(this.rows.map((r) => r.id));
      this.rows = [...this.rows, ...page.rows.filter((r) => !seen.has(r.id))];
    }
    this.invalid += page.invalid;
    if (page.missing !== undefined && page.missing.length > 0) this.missing = [...this.missing, ...page.missing];
    if (page.error !== undefined) this.error = page.error;
    if (page.done) this.running = false;
  }

  sortBy(key: SortKey): void {
    if (this.sortKey === key) this.sortDir = this.sortDir === 1 ? -1 : 1;
    else {
      this.sortKey = key;
      this.sortDir = 1;
    }
  }

  toggle(id: number): void {
    const next = new Set(this.selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    this.selected = next;
  }

  /** Select every row the filter shows (keeping earlier choices). */
  selectAll(): void {
    const next = new Set(this.selected);
    for (const row of this.view) next.add(row.id);
    this.selected = next;
  }

  selectNone(): void {
    this.selected = new Set();
  }
}
