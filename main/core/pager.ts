// Walks a paged listing and proves it complete. The vendor does not say whether `startId` is included
// again, so pages are de-duplicated by id; the walk ends on a short page. A full page must move the
// cursor forward: a full page that brings no new id, or ids that go backwards (the contract sorts by id
// ascending), mean the server's paging is broken, and that is an error (PAGING_BROKEN), never a
// silent stop with a partial list. Each page is handed out only once the next answer has shown the
// paging still advances (or the page is the last one), so a server that ignores `startId` from the
// start yields nothing at all: no download of a partial list begins.
import type { ApiClient, InvalidRecord, ListResult } from './api-client.ts';
import { ENDPOINT_LABELS, MAX_PAGE_LENGTH, queryPath } from './api-client.ts';
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

type PagedQuery = Extract<Query, { kind: 'range' | 'merged' }>;

function pagingBroken(
  query: PagedQuery,
  startId: number,
  pageSize: number,
  pageIndex: number,
  seen: number,
  reason: 'no-new-id' | 'backwards',
  what: string,
  extra: Record<string, unknown> = {},
): EmrecError {
  const request = queryPath(query, startId, pageSize).join('/');
  return new EmrecError(
    'PAGING_BROKEN',
    `The server's paging is broken (PAGING_BROKEN): the ${ENDPOINT_LABELS[query.kind]} listing ${request} (startId ${startId}, length ${pageSize}, page ${pageIndex + 1}) ${what}. ` +
      `The list would be partial (${seen} record(s) so far), so it is not used; check the server address or ask its administrator.`,
    { details: { endpoint: query.kind, request, begin: query.begin, end: query.end, startId, pageSize, pageIndex, seen, reason, ...extra } },
  );
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
  // The previous page, held back until this answer shows the paging advanced.
  let held: Page | undefined;
  for (let pageIndex = 0; ; pageIndex++) {
    let result: ListResult;
    try {
      result = await client.list(query, startId, pageSize, call);
    } catch (error) {
      // the request failed (sign-in, network), not the paging: what was listed is real, hand it out first
      if (held && !options.signal?.aborted) yield held;
      throw error;
    }
    const items = result.records.length + result.invalid.length;
    const full = items >= pageSize;
    const broken = (reason: 'no-new-id' | 'backwards', what: string, extra?: Record<string, unknown>): EmrecError =>
      pagingBroken(query, startId, pageSize, pageIndex, seen.size, reason, what, extra);

    // Both startId semantics give only ids >= startId after the first page; anything lower went backwards.
    if (startId > 0) {
      const before = result.records.find((r) => r.id < startId);
      if (before !== undefined) {
        throw broken('backwards', `answered id ${before.id}, below startId ${startId}: the ids went backwards (the API sorts by id ascending; the server seems to ignore startId)`, {
          id: before.id,
        });
      }
    }
    // A page we page past must be in ascending order, or its last id is no cursor.
    if (full) {
      for (let i = 1; i < result.records.length; i++) {
        const [a, b] = [result.records[i - 1]!.id, result.records[i]!.id];
        if (b < a) throw broken('backwards', `answered id ${b} after id ${a}: the ids went backwards (the API sorts by id ascending)`, { id: b, after: a });
      }
    }

    const records = fresh(result);
    const page: Page = { records, invalid: result.invalid, pageIndex };
    if (!full) {
      if (held) yield held;
      yield page;
      return;
    }
    let next: number;
    const last = result.records.at(-1);
    if (records.length > 0 && last !== undefined) {
      next = last.id;
    } else if (pageSize === 1 && startId > 0 && result.records.length === 1 && last?.id === startId) {
      // Pages of one from a server that includes startId: the page is the startId record itself,
      // which is normal. The server has shown it is inclusive, so ask for ids from startId + 1
      // (the same as "after startId"); a server ignoring startId is caught as going backwards.
      next = startId + 1;
    } else {
      throw broken(
        'no-new-id',
        `answered a full page (${items} item(s)) with no record not already seen: the paging did not advance (the server seems to ignore startId)`,
      );
    }
    if (held) yield held;
    held = page;
    startId = next;
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
