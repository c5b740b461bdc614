// The API token cache as its own small store file (`emrec-tokens.json` beside the history store), through
// the one store-file layer (zod, atomic write under the lock, corrupt-file backup). Read on every get, so
// processes share tokens; a few hundred bytes, whatever the size of the history.
// Tokens are keyed by server, org, app, client id AND a digest of the client secret: a token is never
// reused after the secret changes (a wrong new secret must fail, not ride on the old secret's token).
import crypto from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { connectionKey, type Connection } from '../connection.ts';
import { isEmrecError, toErrorInfo, type ErrorInfo } from '../errors.ts';
import type { CachedToken, TokenCache } from '../token.ts';
import { jsonObject, readStoreFile, storeFileKind, storeWriteError, writeStoreFile } from './store-file.ts';
import { withFileLock } from './file-lock.ts';

export const TOKENS_FILE = 'emrec-tokens.json';

const TokensFileSchema = z
  .object({
    version: z.number().default(1),
    tokens: jsonObject().default(() => ({})),
  })
  .loose();

export type TokensFile = z.infer<typeof TokensFileSchema>;

const TOKENS_STORE = storeFileKind<TokensFile>('token file', TokensFileSchema, { indent: 1 });

const CachedTokenSchema = z.object({ token: z.string().min(1), expiresAt: z.number(), issuedAt: z.number().optional() });

/**
 * A digest of the client secret for the cache key: SHA-256 (domain-separated, with the client id),
 * 64 bits of it. Client secrets are long random strings, so the digest says nothing usable about them.
 */
export function secretDigest(clientId: string, secret: string): string {
  return crypto.createHash('sha256').update(`emrec token cache\0${clientId}\0${secret}`).digest('hex').slice(0, 16);
}

/** The key a connection's token is cached under: `connectionKey` plus the secret's digest. Never contains the secret. */
export function tokenCacheKey(conn: Pick<Connection, 'server' | 'org' | 'app' | 'auth'>): string {
  const base = connectionKey(conn);
  return conn.auth.type === 'client' ? `${base}|${secretDigest(conn.auth.clientId, conn.auth.clientSecret)}` : base;
}

/** A TokenCache on a token file. Expired tokens are dropped whenever one is written. */
export class FileTokenCache implements TokenCache {
  readonly file: string;
  readonly #onWarning: (warning: ErrorInfo) => void;
  readonly #now: () => number;

  constructor(file: string, options: { readonly onWarning?: (warning: ErrorInfo) => void; readonly now?: () => number } = {}) {
    this.file = file;
    this.#onWarning = options.onWarning ?? (() => {});
    this.#now = options.now ?? Date.now;
  }

  /** The token file beside a store file. */
  static beside(storeFile: string, options?: { readonly onWarning?: (warning: ErrorInfo) => void }): FileTokenCache {
    return new FileTokenCache(path.join(path.dirname(storeFile), TOKENS_FILE), options);
  }

  get(key: string): CachedToken | undefined {
    let tokens: Record<string, unknown>;
    try {
      tokens = this.#read().tokens;
    } catch (error) {
      // A folder in the file's place (or a file where its folder belongs) never goes away by itself: as an
      // empty cache, every run would ask for a new token, which Easemob bans when it happens too often.
      if (isEmrecError(error) && error.details?.unusable !== undefined) throw error;
      return undefined; // an unreadable file (EACCES...) is an empty cache
    }
    const parsed = CachedTokenSchema.safeParse(tokens[key]);
    return parsed.success ? (parsed.data as CachedToken) : undefined;
  }

  set(key: string, value: CachedToken): void {
    this.#update((tokens) => {
      const now = this.#now();
      for (const [k, v] of Object.entries(tokens)) {
        const parsed = CachedTokenSchema.safeParse(v);
        if (!parsed.success || parsed.data.expiresAt < now) delete tokens[k];
      }
      tokens[key] = { ...value };
      return true;
    });
  }

  delete(key: string): void {
    this.#update((tokens) => {
      if (!(key in tokens)) return false;
      delete tokens[key];
      return true;
    });
  }

  #read(): TokensFile {
    return readStoreFile(TOKENS_STORE, this.file, this.#onWarning);
  }

  /**
   * A cache that cannot be written (full disk, read-only folder) is reported, not thrown: the token in
   * hand still works, only the next run has to ask for another.
   */
  #update(change: (tokens: Record<string, unknown>) => boolean): void {
    try {
      withFileLock(this.file, () => {
        const data = this.#read();
        const tokens = { ...data.tokens };
        if (change(tokens)) writeStoreFile(TOKENS_STORE, this.file, { ...data, tokens });
      });
    } catch (error) {
      this.#onWarning(toErrorInfo(storeWriteError(error, this.file, TOKENS_STORE.label)));
    }
  }
}
