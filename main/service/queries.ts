// Runs the window's queries: checks them up front (a bad range is an answer, not an event), then
// streams each page as `query:page` rows and keeps the records so a download can refer to them by id.
import { randomUUID } from 'node:crypto';
import type { ApiClient } from '../core/api-client.ts';
import { appkeyOf, type Connection } from '../core/connection.ts';
import { EmrecError, isEmrecError, toErrorInfo } from '../core/errors.ts';
import { compileTemplate } from '../core/naming.ts';
import { pageRecords } from '../core/pager.ts';
import type { Query, Recording } from '../core/record.ts';
import { assertZone, buildRangeQuery } from '../core/time.ts';
import type { QueryPage, UiQuery } from '../ipc/contract.ts';
import type { HandlerSlice, ServiceContext } from './context.ts';
import { logUnexpected } from './invoke.ts';
import { checkTemplate } from './paths.ts';
import { toRow } from './rows.ts';

/** The records one query found, kept for `download:start`. */
export interface QueryResult {
  readonly connectionId: string;
  readonly appkey: string;
  readonly records: Map<number, Recording>;
  readonly controller: AbortController;
  done: boolean;
}

/** How many finished queries stay in memory for downloads. */
const KEEP_QUERIES = 8;

/** The window's query as the API's (one per pasted meeting), in the connection's zone. Throws BAD_INPUT. */
function toCoreQueries(query: UiQuery, conn: Connection): Query[] {
  assertZone(conn.timezone);
  switch (query.kind) {
    case 'conference':
      return [{ kind: 'conference', confrId: query.confrId }];
    case 'conferences':
      return [...new Set(query.confrIds)].map((confrId) => ({ kind: 'conference', confrId }));
    case 'user': {
      // The API names users `org#app_name`; people type the plain name.
      const userName = query.userName.includes('#') ? query.userName : `${appkeyOf(conn)}_${query.userName}`;
      return [{ kind: 'user', confrId: query.confrId, userName }];
    }
    case 'range':
    case 'merged':
      return [buildRangeQuery(query.from, query.to, conn.timezone, query.kind === 'merged')];
  }
}

/** A meeting the server has no recordings for: not a failure of the query, a finding. */
const noRecordings = (error: unknown): boolean => isEmrecError(error) && error.reason === 'no_recordings';

export interface QueryDeps {
  readonly client: (connectionId: string) => ApiClient;
  readonly connection: (connectionId: string) => Connection;
  readonly downloaded: (appkey: string, id: number) => boolean;
  /** Days the connection's server keeps recordings, for each row's `deletesAt` (default 30). */
  readonly retentionDays?: (connectionId: string) => number;
  readonly emit: (page: QueryPage) => void;
  readonly now?: () => number;
}

export class QueryRunner {
  readonly #deps: QueryDeps;
  readonly #results = new Map<string, QueryResult>();

  constructor(deps: QueryDeps) {
    this.#deps = deps;
  }

  /** Validates, then pages in the background; returns the id the pages carry. */
  start(connectionId: string, uiQuery: UiQuery, template: string): { queryId: string } {
    const conn = this.#deps.connection(connectionId);
    const queries = toCoreQueries(uiQuery, conn);
    const compiled = compileTemplate(template);
    const client = this.#deps.client(connectionId);
    const queryId = randomUUID();
    const appkey = appkeyOf(conn);
    const result: QueryResult = { connectionId, appkey, records: new Map(), controller: new AbortController(), done: false };
    this.#results.set(queryId, result);
    this.#trim();
    const now = this.#deps.now ?? Date.now;
    const retentionDays = this.#deps.retentionDays?.(connectionId);
    const run = async (): Promise<void> => {
      try {
        for (const query of queries) {
          try {
            for await (const page of pageRecords(client, query, { signal: result.controller.signal })) {
              for (const record of page.records) result.records.set(record.id, record);
              const ctx = {
                zone: conn.timezone,
                template: compiled,
                now: now(),
                downloaded: (r: Recording) => this.#deps.downloaded(appkey, r.id),
                ...(retentionDays !== undefined ? { retentionDays } : {}),
              };
              this.#deps.emit({ queryId, rows: page.records.map((r) => toRow(r, ctx)), done: false, invalid: page.invalid.length });
            }
          } catch (error) {
            if (query.kind !== 'conference' || !noRecordings(error)) throw error;
            this.#deps.emit({ queryId, rows: [], done: false, invalid: 0, missing: [query.confrId] });
          }
        }
        this.#deps.emit({ queryId, rows: [], done: true, invalid: 0 });
      } catch (error) {
        logUnexpected(`[query] ${queryId} failed`, error);
        this.#deps.emit({ queryId, rows: [], done: true, invalid: 0, error: toErrorInfo(error) });
      } finally {
        result.done = true;
      }
    };
    // Let the answer with the id leave before the first page.
    setImmediate(() => void run());
    return { queryId };
  }

  cancel(queryId: string): void {
    this.get(queryId).controller.abort(new EmrecError('CANCELLED', 'The query was cancelled'));
  }

  /** A query's kept records, or NOT_FOUND when unknown or dropped. */
  get(queryId: string): QueryResult {
    const found = this.#results.get(queryId);
    if (!found) throw new EmrecError('NOT_FOUND', 'This query is no longer available: run it again', { details: { field: 'queryId' } });
    return found;
  }

  dispose(): void {
    for (const r of this.#results.values()) r.controller.abort(new EmrecError('CANCELLED', 'The app is closing'));
    this.#results.clear();
  }

  #trim(): void {
    for (const [id, r] of this.#results) {
      if (this.#results.size <= KEEP_QUERIES) break;
      if (r.done) this.#results.delete(id);
    }
  }
}

/** The Find screen: start a query (its pages arrive as `query:page`) and stop it. */
export function queryHandlers(ctx: ServiceContext): HandlerSlice<'query:start' | 'query:cancel'> {
  const { queries } = ctx;
  return {
    'query:start': async ({ connectionId, query, template }) => {
      checkTemplate(template);
      return queries.start(connectionId, query, template);
    },
    'query:cancel': async ({ queryId }) => queries.cancel(queryId),
  };
}
