// What the service keeps besides history/tokens/queue: settings, saved connections (secrets encrypted)
// and the active one. Read through zod so a hand-edited or old file never crashes the app.
import { z } from 'zod';
import { jsonObject, storeFileKind } from '../core/store/store-file.ts';
import { DEFAULT_RETENTION_DAYS, RetentionDaysSchema } from '../ipc/contract.ts';

const APP_STATE_VERSION = 1;

const StoredConnectionSchema = z.object({
  id: z.string().min(1).max(64).regex(/^[\w-]+$/),
  name: z.string().min(1).max(100),
  server: z.string().min(1),
  org: z.string().min(1),
  app: z.string().min(1),
  timezone: z.string().min(1),
  authType: z.enum(['client', 'token']),
  clientId: z.string().optional(),
  /** Client secret or pasted token, encrypted by the SecretBox. */
  secret: z.string().optional(),
  demo: z.boolean().optional(),
  /** Days the server keeps a recording. Connections saved before this field existed (or hand-edited badly) read as the cloud's 30. */
  retentionDays: RetentionDaysSchema.catch(DEFAULT_RETENTION_DAYS),
});
export type StoredConnection = z.infer<typeof StoredConnectionSchema>;

export interface AppState {
  readonly settings: unknown;
  readonly connections: readonly StoredConnection[];
  readonly activeConnectionId: string | null;
  /** Folders downloads went to: shell actions may open what lies inside them. */
  readonly outputFolders: readonly string[];
  /** What the last auto-archive run did (read with zod by main/service/archive.ts). */
  readonly archiveLastRun: unknown;
}

/** Key-value persistence for AppState: conf and electron-store instances fit after a thin wrap. */
export interface AppStateBackend {
  get(key: keyof AppState): unknown;
  set(key: keyof AppState, value: unknown): void;
}

/**
 * The settings file's zod schema for the store-file layer (top-level shapes only; entries are parsed with
 * zod on read). `settings` or `connections` of the wrong shape make the file corrupt (backed up, reset,
 * STORE_CORRUPT); a bad value of a key that can be lost without harm reads as its default instead.
 */
const AppStateFileSchema = z
  .object({
    version: z.number().catch(APP_STATE_VERSION),
    settings: jsonObject().default(() => ({})),
    connections: z.array(z.unknown()).default(() => []),
    activeConnectionId: z.string().nullable().catch(null),
    outputFolders: z.array(z.unknown()).catch(() => []),
    archiveLastRun: jsonObject().nullable().catch(null),
    /** The app's consent to keep secrets unencrypted (Linux without a keyring). */
    plainSecretsConsent: z.boolean().optional().catch(undefined),
    /** The person has been told once that closing the window keeps the app running in the tray. */
    trayNoticeShown: z.boolean().optional().catch(undefined),
  })
  .loose();

export type AppStateFile = z.infer<typeof AppStateFileSchema>;

/** The settings file kind (indented: people read and edit it). */
export const APP_STATE_STORE = storeFileKind<AppStateFile>('settings file', AppStateFileSchema, { indent: 1 });

/** Reads one key's value tolerantly: bad entries are dropped, not fatal. */
export function readConnections(value: unknown): StoredConnection[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry) => {
    const parsed = StoredConnectionSchema.safeParse(entry);
    return parsed.success ? [parsed.data] : [];
  });
}

export function readStrings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** An in-memory backend (tests, and a fallback when no file can be written). */
export function memoryAppState(): AppStateBackend {
  const data = new Map<string, unknown>();
  return { get: (key) => structuredClone(data.get(key)), set: (key, value) => void data.set(key, structuredClone(value)) };
}
