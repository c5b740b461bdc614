// One query's results as they stream in: rows, selection, text filter and sort. Rows are
// `$state.raw` (replaced, never mutated) so 10,000 of them cost no deep proxies.
import type { ErrorInfo } from '../../../main/core/errors.ts';
import type { QueryPage, RecordRow } from '../../../main/ipc/contract.ts';

export type SortKey = 'begin' | 'durationSec' | 'confrId' | 'user' | 'recordType' | 'format' | 'end';

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
  rows = $state.raw<readonly RecordRow[]>([]);
  running = $state(false);
  started = $state(false);
  invalid = $state(0);
  error = $state.raw<ErrorInfo | undefined>(undefined);
  selected = $state.raw<ReadonlySet<number>>(new Set());
  filter = $state('');
  sortKey = $state<SortKey>('begin');
  sortDir = $state<1 | -1>(1);
  #buffer: QueryPage[] = [];

  readonly view: readonly RecordRow[] = $derived.by(() => {
    const needle = this.filter.trim().toLowerCase();
    const shown = needle
      ? this.rows.filter((r) => `${r.confrId} ${r.user} ${r.recordType} ${r.format} ${r.begin ?? ''} ${r.id}`.toLowerCase().includes(needle))
      : [...this.rows];
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
  begin(): void {
    this.queryId = undefined;
    this.rows = [];
    this.selected = new Set();
    this.invalid = 0;
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
