// Walks a paged listing. The vendor does not say whether `startId` is included again, so pages are
// de-duplicated by id and the walk stops on a short page or a page with nothing new.
import type { ApiClient, InvalidRecord, ListResult } from './api-client.ts';
import { MAX_PAGE_LENGTH } from './api-client.ts';
import { EmrecError } from './errors.ts';
import type { Query, Recording } from './record.ts';

export interface Page {
  /** Records not seen on an earlier page, in server order. */
  readonly records: Recording[];
  readonly invalid: InvalidRecord[];
  readonly pageIndex: number;
}

export interface PageOptions {
  /** Items per request, 1..100; default 100. */
  readonly pageSize?: number;
  readonly signal?: AbortSignal;
}

/** Yields pages of new records. `conference`/`user` queries are one request (one page). */
export async function* pageRecords(client: ApiClient, query: Query, options: PageOptions = {}): AsyncGenerator<Page> {
  const pageSize = options.pageSize ?? MAX_PAGE_LENGTH;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_LENGTH) {
    throw new EmrecError('BAD_INPUT', `Page size must be a whole number from 1 to ${MAX_PAGE_LENGTH}, not ${pageSize}`, {
      details: { field: 'pageSize' },
    });
  }
  const call = options.signal ? { signal: options.signal } : {};
  const seen = new Set<number>();
  const fresh = (result: ListResult): Recording[] =>
    result.records.filter((record) => {
      if (seen.has(record.id)) return false;
      seen.add(record.id);
      return true;
    });

  if (query.kind === 'conference' || query.kind === 'user') {
    const result = await client.list(query, 0, pageSize, call);
    yield { records: fresh(result), invalid: result.invalid, pageIndex: 0 };
    return;
  }

  let startId = 0;
  for (let pageIndex = 0; ; pageIndex++) {
    const result = await client.list(query, startId, pageSize, call);
    const records = fresh(result);
    yield { records, invalid: result.invalid, pageIndex };
    const items = result.records.length + result.invalid.length;
    const last = result.records.at(-1);
    if (records.length === 0 || items < pageSize || last === undefined) return;
    startId = last.id;
  }
}

/** Every record of a query (de-duplicated by id) and every invalid item, across all pages. */
export async function listAll(client: ApiClient, query: Query, options: PageOptions = {}): Promise<ListResult> {
  const records: Recording[] = [];
  const invalid: InvalidRecord[] = [];
  for await (const page of pageRecords(client, query, options)) {
    records.push(...page.records);
    invalid.push(...page.invalid);
  }
  return { records, invalid };
}
