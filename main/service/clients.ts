// One API client per saved connection, kept while the connection stays the same (address, app, zone,
// secret) so its token is reused, and rebuilt when it changes. Tokens are cached encrypted.
import { createApiClient, type ApiClient } from '../core/api-client.ts';
import { connectionKey } from '../core/connection.ts';
import { tokenCacheKey, type TokenCache } from '../core/token.ts';
import type { ConnectionBook } from './connections.ts';

export class ClientCache {
  readonly #book: ConnectionBook;
  readonly #tokens: TokenCache;
  readonly #clients = new Map<string, { readonly fingerprint: string; readonly client: ApiClient }>();

  constructor(book: ConnectionBook, tokens: TokenCache) {
    this.#book = book;
    this.#tokens = tokens;
  }

  /** The client of a saved connection; NOT_FOUND/AUTH_FAILED as ConnectionBook.connection. */
  for(id: string): ApiClient {
    const conn = this.#book.connection(id);
    const fingerprint = JSON.stringify([connectionKey(conn), conn.timezone, this.#book.stored(id).secret]);
    const cached = this.#clients.get(id);
    if (cached?.fingerprint === fingerprint) return cached.client;
    const client = createApiClient(conn, { tokenCache: this.#tokens });
    this.#clients.set(id, { fingerprint, client });
    return client;
  }

  /** The client of the saved connection for an appkey (see ConnectionBook.idFor); undefined when there is none. */
  forAppkey(appkey: string): ApiClient | undefined {
    const id = this.#book.idFor(appkey);
    return id === undefined ? undefined : this.for(id);
  }

  /** Drops a connection's client (it was changed or removed). */
  forget(id: string): void {
    this.#clients.delete(id);
  }

  /** Drops the cached token of a saved connection: a new secret must be proven by a new token, not by one the old secret earned. */
  forgetToken(id: string): void {
    this.#tokens.delete(tokenCacheKey(this.#book.connection(id)));
  }
}
