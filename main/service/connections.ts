// Saved connections: the renderer sees names and ids only; secrets are encrypted on save and
// decrypted only to build a core Connection for a request.
import { randomUUID } from 'node:crypto';
import { createApiClient, MAX_PAGE_LENGTH, type ApiClient } from '../core/api-client.ts';
import { MemoryTokenCache } from '../core/token.ts';
import { appkeyOf, type Connection } from '../core/connection.ts';
import { EmrecError } from '../core/errors.ts';
import { assertZone, toApiTime } from '../core/time.ts';
import { DEFAULT_RETENTION_DAYS, type ConnectionInput, type SavedConnection } from '../ipc/contract.ts';
import { readConnections, type AppStateBackend, type StoredConnection } from './app-state.ts';
import type { HandlerSlice, ServiceContext } from './context.ts';
import type { SecretBox } from './secret-box.ts';

export class ConnectionBook {
  readonly #state: AppStateBackend;
  readonly #secrets: SecretBox;

  constructor(state: AppStateBackend, secrets: SecretBox) {
    this.#state = state;
    this.#secrets = secrets;
  }

  #all(): StoredConnection[] {
    return readConnections(this.#state.get('connections'));
  }

  get activeId(): string | null {
    const id = this.#state.get('activeConnectionId');
    return typeof id === 'string' && this.#all().some((c) => c.id === id) ? id : null;
  }

  list(): SavedConnection[] {
    const active = this.activeId;
    return this.#all().map((c) => toSaved(c, active));
  }

  /** The stored entry, or NOT_FOUND. */
  stored(id: string): StoredConnection {
    const found = this.#all().find((c) => c.id === id);
    if (!found) throw new EmrecError('NOT_FOUND', `No saved connection with id ${id}`, { details: { field: 'id' } });
    return found;
  }

  /**
   * Creates or updates; an empty secret on update keeps the stored one, and so does a missing retention period
   * (a new connection gets DEFAULT_RETENTION_DAYS). The first connection becomes active.
   */
  save(input: ConnectionInput, extra: { demo?: boolean } = {}): SavedConnection {
    assertZone(input.timezone);
    const all = this.#all();
    const index = input.id === undefined ? -1 : all.findIndex((c) => c.id === input.id);
    if (input.id !== undefined && index < 0) {
      throw new EmrecError('NOT_FOUND', `No saved connection with id ${input.id}`, { details: { field: 'id' } });
    }
    const previous = index >= 0 ? all[index] : undefined;
    const plain = input.auth.type === 'client' ? input.auth.clientSecret : input.auth.token;
    let secret: string | undefined;
    if (plain !== '') secret = this.#secrets.encrypt(plain);
    else if (previous !== undefined && previous.authType === input.auth.type) secret = previous.secret;
    if (secret === undefined) {
      const field = input.auth.type === 'client' ? 'clientSecret' : 'token';
      throw new EmrecError('BAD_INPUT', `The ${field === 'token' ? 'token' : 'client secret'} is missing`, { details: { field } });
    }
    const entry: StoredConnection = {
      id: previous?.id ?? randomUUID(),
      name: input.name,
      server: input.server.replace(/\/+$/, ''),
      org: input.org,
      app: input.app,
      timezone: input.timezone,
      retentionDays: input.retentionDays ?? previous?.retentionDays ?? DEFAULT_RETENTION_DAYS,
      authType: input.auth.type,
      ...(input.auth.type === 'client' ? { clientId: input.auth.clientId } : {}),
      secret,
      ...((extra.demo ?? previous?.demo) ? { demo: true } : {}),
    };
    if (index >= 0) all[index] = entry;
    else all.push(entry);
    this.#state.set('connections', all);
    if (this.activeId === null && input.activate !== false) this.#state.set('activeConnectionId', entry.id);
    return toSaved(entry, this.activeId);
  }

  /** The core Connection of a form not saved yet; an empty secret while editing is the stored one. */
  draft(input: ConnectionInput): Connection {
    assertZone(input.timezone);
    const plain = input.auth.type === 'client' ? input.auth.clientSecret : input.auth.token;
    let auth: Connection['auth'] =
      input.auth.type === 'client' ? { type: 'client', clientId: input.auth.clientId, clientSecret: plain } : { type: 'token', token: plain };
    if (plain === '') {
      const stored = input.id !== undefined ? this.#all().find((c) => c.id === input.id) : undefined;
      if (stored === undefined || stored.authType !== input.auth.type) {
        throw new EmrecError('BAD_INPUT', `The ${input.auth.type === 'token' ? 'token' : 'client secret'} is missing`, {
          details: { field: input.auth.type === 'token' ? 'token' : 'clientSecret' },
        });
      }
      const kept = this.connection(stored.id).auth;
      auth = input.auth.type === 'client' && kept.type === 'client' ? { ...kept, clientId: input.auth.clientId } : kept;
    }
    return { server: input.server.replace(/\/+$/, ''), org: input.org, app: input.app, timezone: input.timezone, auth };
  }

  remove(id: string): void {
    const all = this.#all();
    const rest = all.filter((c) => c.id !== id);
    if (rest.length === all.length) throw new EmrecError('NOT_FOUND', `No saved connection with id ${id}`, { details: { field: 'id' } });
    this.#state.set('connections', rest);
    if (this.#state.get('activeConnectionId') === id) this.#state.set('activeConnectionId', rest[0]?.id ?? null);
  }

  activate(id: string): void {
    this.stored(id);
    this.#state.set('activeConnectionId', id);
  }

  /** A saved connection's id for an appkey: the active one when it matches, else the first. */
  idFor(appkey: string): string | undefined {
    const all = this.list().filter((c) => appkeyOf(c) === appkey);
    return (all.find((c) => c.active) ?? all[0])?.id;
  }

  /** Days the server behind a saved connection keeps recordings. */
  retentionDays(id: string): number {
    return this.stored(id).retentionDays;
  }

  /** The core Connection (secret decrypted) for a saved id. */
  connection(id: string): Connection {
    const c = this.stored(id);
    let secret: string;
    try {
      secret = this.#secrets.decrypt(c.secret ?? '');
    } catch (cause) {
      throw new EmrecError('AUTH_FAILED', `The stored secret of "${c.name}" cannot be decrypted on this computer: enter it again`, {
        cause,
        details: { field: 'secret', id },
      });
    }
    if (secret === '') throw new EmrecError('AUTH_FAILED', `"${c.name}" has no stored secret: enter it again`, { details: { id } });
    const auth: Connection['auth'] =
      c.authType === 'client' ? { type: 'client', clientId: c.clientId ?? '', clientSecret: secret } : { type: 'token', token: secret };
    return { server: c.server, org: c.org, app: c.app, timezone: c.timezone, auth };
  }
}

function toSaved(c: StoredConnection, activeId: string | null): SavedConnection {
  return {
    id: c.id,
    name: c.name,
    server: c.server,
    org: c.org,
    app: c.app,
    timezone: c.timezone,
    retentionDays: c.retentionDays,
    authType: c.authType,
    ...(c.clientId !== undefined ? { clientId: c.clientId } : {}),
    hasSecret: c.secret !== undefined && c.secret !== '',
    active: c.id === activeId,
    ...(c.demo ? { demo: true } : {}),
  };
}

/** One page of the last 30 days (the retention period): proves the address, the app and the credentials. */
async function prove(conn: Connection, client: ApiClient): Promise<{ recordsSeen: number }> {
  const now = new Date();
  const begin = toApiTime(new Date(now.getTime() - 30 * 24 * 3600_000), conn.timezone);
  const end = toApiTime(now, conn.timezone);
  const result = await client.list({ kind: 'range', begin, end }, 0, MAX_PAGE_LENGTH);
  return { recordsSeen: result.records.length };
}

/** The Connect screen: saved connections and a test that proves one. */
export function connectionHandlers(
  ctx: ServiceContext,
): HandlerSlice<'connections:list' | 'connections:save' | 'connections:remove' | 'connections:activate' | 'connections:test' | 'connections:check'> {
  const { book, clients } = ctx;
  return {
    'connections:list': async () => book.list(),
    'connections:save': async (input) => {
      const saved = book.save(input);
      clients.forget(saved.id);
      const secret = input.auth.type === 'client' ? input.auth.clientSecret : input.auth.token;
      if (secret !== '') clients.forgetToken(saved.id);
      return saved;
    },
    'connections:remove': async ({ id }) => {
      book.remove(id);
      clients.forget(id);
    },
    'connections:activate': async ({ id }) => book.activate(id),
    'connections:test': async ({ id }) => prove(book.connection(id), clients.for(id)),
    // a client of its own with a token cache of its own: nothing of an unsaved form is kept
    'connections:check': async (input) => {
      const conn = book.draft(input);
      return prove(conn, createApiClient(conn, { tokenCache: new MemoryTokenCache() }));
    },
  };
}
