// The one IPC contract shared by main, preload and renderer (GitHub Desktop's ipc-shared.ts idea):
// every channel is named once, with a zod schema for its argument and the type of its answer.
// Main validates every argument with these schemas; expected failures come back as values
// (`{ ok: false, error }`) because errors thrown through ipcMain.handle lose their code.
import { z } from 'zod';
import type { ErrorInfo } from '../core/errors.ts';
import type { HistoryEntry } from '../core/store/history-entry.ts';
import type { QueueProgress } from '../core/progress.ts';
import { HISTORY_CSV_COLUMNS } from './history-csv-columns.ts';

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ErrorInfo };

export const LANGUAGES = ['zh-CN', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

const id = z.string().min(1).max(64).regex(/^[\w-]+$/);
const shortText = z.string().max(256);
const absPath = z.string().min(1).max(4096);

const AuthInputSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('client'), clientId: z.string().min(1).max(512), clientSecret: z.string().max(512) }).strict(),
  z.object({ type: z.literal('token'), token: z.string().max(4096) }).strict(),
]);

/** Days the Easemob cloud keeps a recording before deleting it; a private deployment may configure another period. */
export const DEFAULT_RETENTION_DAYS = 30;
export const RetentionDaysSchema = z.number().int().min(1).max(3650);

/**
 * A connection as the user types it. An empty secret/token on update keeps the stored one;
 * a missing `retentionDays` keeps the stored period (DEFAULT_RETENTION_DAYS for a new connection).
 */
const ConnectionInputSchema = z
  .object({
    id: id.optional(),
    name: z.string().min(1).max(100),
    server: z.url({ protocol: /^https?$/ }).max(2048),
    org: z.string().min(1).max(128).regex(/^[^/#?\s]+$/),
    app: z.string().min(1).max(128).regex(/^[^/#?\s]+$/),
    timezone: z.string().min(1).max(64),
    auth: AuthInputSchema,
    retentionDays: RetentionDaysSchema.optional(),
    /** false: this save never makes the connection the active one (saved anyway after its test failed). */
    activate: z.boolean().optional(),
  })
  .strict();
export type ConnectionInput = z.infer<typeof ConnectionInputSchema>;

/** A saved connection as the renderer sees it: never the secret or the token. */
export interface SavedConnection {
  readonly id: string;
  readonly name: string;
  readonly server: string;
  readonly org: string;
  readonly app: string;
  readonly timezone: string;
  /** How many days the server keeps a recording (DEFAULT_RETENTION_DAYS unless the deployment says otherwise). */
  readonly retentionDays: number;
  readonly authType: 'client' | 'token';
  readonly clientId?: string;
  readonly hasSecret: boolean;
  readonly active: boolean;
  readonly demo?: boolean;
}

const confrId = z.string().trim().min(1).max(256);

/**
 * The four query kinds; periods are ISO 8601 instants chosen with pickers, converted in main.
 * `conferences`: many meetings pasted at once (a column from a spreadsheet), listed one after another.
 */
const UiQuerySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('conference'), confrId }).strict(),
  z.object({ kind: z.literal('conferences'), confrIds: z.array(confrId).min(1).max(1000) }).strict(),
  z.object({ kind: z.literal('user'), confrId: z.string().trim().min(1).max(256), userName: z.string().trim().min(1).max(256) }).strict(),
  z.object({ kind: z.literal('range'), from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) }).strict(),
  z.object({ kind: z.literal('merged'), from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) }).strict(),
]);
export type UiQuery = z.infer<typeof UiQuerySchema>;

/** One row of the results table. */
export interface RecordRow {
  readonly id: number;
  readonly confrId: string;
  readonly user: string;
  readonly recordType: string;
  readonly format: string;
  /** ISO instants (from the server's local times and the connection's zone). */
  readonly begin?: string;
  readonly end?: string;
  readonly durationSec?: number;
  /** When the signed download URL stops working (about an hour; main renews it): not the deletion date. */
  readonly expiresAt?: string;
  /** ISO instant the server deletes the recording: the call's end (or recordTime) plus the connection's retention days. */
  readonly deletesAt?: string;
  /** Estimated size from duration and type, bytes. */
  readonly estimatedBytes?: number;
  /** Call ended less than 24 h ago: the file may be incomplete. */
  readonly mayBeIncomplete: boolean;
  readonly downloaded: boolean;
  /** Planned path relative to the output folder with the current template. */
  readonly plannedPath: string;
}

export interface QueryPage {
  readonly queryId: string;
  readonly rows: readonly RecordRow[];
  readonly done: boolean;
  readonly invalid: number;
  /** Meeting IDs the server has no recordings for (the connection is fine). */
  readonly missing?: readonly string[];
  readonly error?: ErrorInfo;
}

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:mm (00:00 to 23:59)');

/** Auto-archive: every day at `time` (local), fetch the last `days` days of one saved connection into `folder`. */
const AutoArchiveSchema = z
  .object({
    enabled: z.boolean(),
    /** A saved connection's id; '' only while none is chosen (and then it cannot be enabled). */
    connectionId: z.string().max(64).regex(/^[\w-]*$/),
    time: timeOfDay,
    days: z.number().int().min(1).max(30),
    folder: absPath,
    convert: z.boolean(),
  })
  .strict();
export type AutoArchive = z.infer<typeof AutoArchiveSchema>;

/** One bandwidth limit for every download of the app, with an optional lower one in office hours (this computer's time zone). */
const BandwidthSchema = z
  .object({
    /** Bytes per second at other times; 0: no limit. */
    limit: z.number().int().min(0).max(10 * 1024 ** 3),
    office: z
      .object({
        enabled: z.boolean(),
        /** Bytes per second in office hours. */
        limit: z.number().int().min(1).max(10 * 1024 ** 3),
        /** ISO weekdays, 1 Monday … 7 Sunday. */
        days: z.array(z.number().int().min(1).max(7)).max(7),
        from: timeOfDay,
        to: timeOfDay,
      })
      .strict(),
  })
  .strict();
export type Bandwidth = z.infer<typeof BandwidthSchema>;

/** What one auto-archive run did (an error when it could not list or queue at all). */
export interface ArchiveRun {
  /** ISO instant the run started. */
  readonly at: string;
  readonly saved: number;
  readonly failed: number;
  readonly error?: ErrorInfo;
}

export interface ArchiveStatus {
  readonly nextRunAt?: string;
  readonly lastRun?: ArchiveRun;
}

export const SettingsSchema = z
  .object({
    language: z.enum(LANGUAGES),
    defaultFolder: z.string().max(4096),
    template: z.string().min(1).max(512),
    concurrency: z.number().int().min(1).max(16),
    /** Connections to the file host in all, at least the files at a time: the rest go to segments of large files. */
    connections: z.number().int().min(1).max(32),
    convert: z.boolean(),
    keepOriginal: z.boolean(),
    ffmpegPath: z.string().max(4096),
    /** Absent until the user sets auto-archive up (then it is off). */
    autoArchive: AutoArchiveSchema.optional(),
    /** Absent: no limit. */
    bandwidth: BandwidthSchema.optional(),
    /** Where updates are looked for: '' for the public releases, or a private deployment's https:// copy of them. */
    updateFeed: z
      .string()
      .max(2048)
      .refine((v) => v === '' || (/^https:\/\/\S+$/.test(v) && URL.canParse(v)), { message: 'an https:// address, or empty' }),
  })
  .strict();
export type Settings = z.infer<typeof SettingsSchema>;

const DownloadRequestSchema = z
  .object({
    connectionId: id,
    queryId: id,
    ids: z.array(z.number().int().nonnegative()).min(1).max(100_000),
    outDir: absPath,
    template: z.string().min(1).max(512),
    convert: z.boolean(),
    keepOriginal: z.boolean(),
    concurrency: z.number().int().min(1).max(16),
    force: z.boolean().optional(),
  })
  .strict();

/** A history entry as the History screen lists it: its key, the converted file's path, and whether the file is still on disk. */
export type HistoryRow = Omit<HistoryEntry, 'convert'> & {
  readonly key: string;
  readonly convertedPath?: string;
  readonly exists: boolean;
  /** When the meeting took place (ISO 8601), read back from the file's name ({date} and {time}); absent when the name does not say. */
  readonly recordedAt?: string;
};

const csvWord = z.string().min(1).max(200);
/** The CSV's words in the person's language: every column's header, record types in words, yes and no. */
const HistoryCsvWordsSchema = z
  .object({
    headers: z.record(z.enum(HISTORY_CSV_COLUMNS), csvWord),
    types: z.record(z.string().max(64), csvWord).refine((types) => Object.keys(types).length <= 50, 'at most 50 record types'),
    yes: csvWord,
    no: csvWord,
  })
  .strict();
export type HistoryCsvWords = z.infer<typeof HistoryCsvWordsSchema>;

/** One file of history that is missing or not as saved (main/core/verify.ts), with what the person reads of it. */
export interface VerifyFindingRow {
  readonly key: string;
  readonly id: number;
  readonly path: string;
  /** missing; size: not the recorded size; content: the same size but other bytes (SHA-256). */
  readonly problem: 'missing' | 'size' | 'content';
  readonly expectedSize?: number;
  readonly actualSize?: number;
  readonly confrId: string;
  readonly user: string;
  readonly recordType: string;
}

export interface VerifyView {
  readonly checked: number;
  readonly ok: number;
  readonly findings: readonly VerifyFindingRow[];
}

export interface ImportView {
  readonly folder: string;
  readonly scanned: number;
  readonly added: number;
  readonly known: number;
  readonly unrecognised: readonly string[];
}

/** A screen the shell asks the window to show. */
export interface AppShow {
  readonly screen: 'queue';
  readonly filter?: 'failed';
}

export interface AppInfo {
  readonly version: string;
  readonly systemLanguage: Language;
  readonly platform: string;
  readonly ffmpeg: { readonly available: boolean; readonly version?: string; readonly source?: string; readonly reason?: string };
  readonly notices: readonly ErrorInfo[];
  /** How client secrets are kept: encrypted by the OS keychain, or (no keyring) plainly if the person allows it; `plain` absent when the app never asks. */
  readonly secrets: { readonly encrypted: boolean; readonly plain?: 'allowed' | 'refused' | 'unasked' };
}

const none = z.undefined();
const target = z.object({ id: z.number().int().nonnegative().optional() }).strict();
const connectionId = z.object({ id }).strict();
const historyKey = z.object({ key: z.string().min(1).max(512) }).strict();
const shellPath = z.object({ path: absPath }).strict();

/** A type carried by a contract entry for the compiler only: the value is always undefined. */
function type<T>(): T {
  return undefined as T;
}

/** The answer of a channel that answers nothing (its handler returns nothing; the invoke layer sends null). */
const nothing = type<null>();

/** How many recordings a request queued, and how many it skipped as already saved. */
export interface QueuedCounts {
  readonly queued: number;
  readonly skipped: number;
}

/** One invoke channel: the schema its argument is checked with and (as a type) what it answers. */
interface ChannelSpec<A extends z.ZodType = z.ZodType, R = unknown> {
  readonly arg: A;
  readonly result: R;
}

/** Invoke channels, each with its argument schema and answer type. Adding a channel is this one entry (and its handler). */
export const invokeChannels = {
  'app:info': { arg: none, result: type<AppInfo>() },
  'settings:get': { arg: none, result: type<Settings>() },
  'settings:set': { arg: SettingsSchema.partial().strict(), result: type<Settings>() },
  /** Without a keyring: whether secrets may be stored unencrypted (the answer to the start-up question, changed in Settings). */
  'secrets:allowPlain': { arg: z.object({ allow: z.boolean() }).strict(), result: nothing },
  'connections:list': { arg: none, result: type<readonly SavedConnection[]>() },
  'connections:save': { arg: ConnectionInputSchema, result: type<SavedConnection>() },
  'connections:remove': { arg: connectionId, result: nothing },
  'connections:activate': { arg: connectionId, result: nothing },
  'connections:test': { arg: connectionId, result: type<{ readonly recordsSeen: number }>() },
  /** Tests the form's connection before it is saved (an empty secret while editing: the stored one). */
  'connections:check': { arg: ConnectionInputSchema, result: type<{ readonly recordsSeen: number }>() },
  'demo:connect': { arg: none, result: type<SavedConnection>() },
  'query:start': {
    arg: z.object({ connectionId: id, query: UiQuerySchema, template: z.string().min(1).max(512) }).strict(),
    result: type<{ readonly queryId: string }>(),
  },
  'query:cancel': { arg: z.object({ queryId: id }).strict(), result: nothing },
  'naming:preview': { arg: z.object({ template: z.string().max(512) }).strict(), result: type<{ readonly example: string }>() },
  'download:start': { arg: DownloadRequestSchema, result: type<QueuedCounts>() },
  'download:pause': { arg: target, result: nothing },
  'download:resume': { arg: target, result: nothing },
  'download:cancel': { arg: target, result: nothing },
  'download:retry': { arg: target, result: nothing },
  'download:snapshot': { arg: none, result: type<QueueProgress>() },
  'download:clearFinished': { arg: none, result: type<{ readonly removed: number }>() },
  'history:list': { arg: z.object({ search: shortText.optional() }).strict(), result: type<readonly HistoryRow[]>() },
  'history:remove': { arg: historyKey, result: nothing },
  'history:redownload': { arg: historyKey, result: type<{ readonly queued: number }>() },
  'history:verify': { arg: none, result: type<VerifyView>() },
  /** Adds a folder's recordings (named by this app) to history for the active connection; null when no folder was picked. */
  'history:import': { arg: z.object({ folder: absPath.optional() }).strict(), result: type<ImportView | null>() },
  /** Several saved files fetched again as one batch (Check files → Fetch all again). */
  'history:redownloadMany': { arg: z.object({ keys: z.array(z.string().min(1).max(512)).min(1).max(10_000) }).strict(), result: type<{ readonly queued: number }>() },
  /** Every history entry as CSV, times in each connection's timezone; `words` (headers...) in the window's language, else column keys. */
  'history:exportCsv': {
    arg: z.object({ path: absPath.optional(), words: HistoryCsvWordsSchema.optional() }).strict(),
    result: type<{ readonly path: string; readonly rows: number } | null>(),
  },
  'dialog:pickFolder': { arg: z.object({ defaultPath: absPath.optional() }).strict(), result: type<string | null>() },
  'shell:openPath': { arg: shellPath, result: nothing },
  'shell:showItem': { arg: shellPath, result: nothing },
  'archive:runNow': { arg: none, result: type<QueuedCounts>() },
  'archive:status': { arg: none, result: type<ArchiveStatus>() },
} satisfies Readonly<Record<string, ChannelSpec>>;

/** The answer types of a set of channels (`null` for a channel that answers nothing). */
type ResultsOf<T extends Readonly<Record<string, ChannelSpec>>> = { [C in keyof T]: T[C]['result'] };
/** What the handler of a channel answering R returns: nothing for `null` (the invoke layer sends null). */
type HandlerResult<R> = [R] extends [null] ? void : R;
/** One async function per channel of a set, given its validated argument. */
type HandlersOf<T extends Readonly<Record<string, ChannelSpec>>> = {
  [C in keyof T]: (arg: z.output<T[C]['arg']>) => Promise<HandlerResult<T[C]['result']>>;
};

export type InvokeChannel = keyof typeof invokeChannels;
export type InvokeResults = ResultsOf<typeof invokeChannels>;
export type InvokeArg<C extends InvokeChannel> = z.input<(typeof invokeChannels)[C]['arg']>;
/** The implementation side (main/service): one async function per channel. */
export type Handlers = HandlersOf<typeof invokeChannels>;

/** Events main sends to the renderer (batched by main, ≤ ~10/s for progress), each with its payload type. */
const eventChannels = {
  'query:page': type<QueryPage>(),
  'download:progress': type<QueueProgress>(),
  'notice': type<ErrorInfo>(),
  'archive:done': type<ArchiveRun>(),
  /** The shell asks the window to show a screen (a click on the "some failed" notification: the failed files). */
  'app:show': type<AppShow>(),
};
export type EventPayloads = typeof eventChannels;
export type EventChannel = keyof EventPayloads;
export const EVENT_CHANNELS = Object.keys(eventChannels) as readonly EventChannel[];

/** What the preload exposes as `window.api` (and what tests bridge with page.exposeBinding). */
export interface Api {
  invoke<C extends InvokeChannel>(channel: C, arg: InvokeArg<C>): Promise<Result<InvokeResults[C]>>;
  on<E extends EventChannel>(event: E, listener: (payload: EventPayloads[E]) => void): () => void;
}

/** Validate an argument for a channel; a typed BAD_INPUT error listing `path: message` otherwise. */
export function parseArg<C extends InvokeChannel>(channel: C, arg: unknown): Result<z.output<(typeof invokeChannels)[C]['arg']>> {
  const schema: z.ZodType = invokeChannels[channel].arg;
  const parsed = schema.safeParse(arg);
  if (parsed.success) return { ok: true, value: parsed.data as z.output<(typeof invokeChannels)[C]['arg']> };
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(argument)'}: ${i.message}`);
  return { ok: false, error: { code: 'BAD_INPUT', message: `${channel}: ${problems.join('; ')}`, details: { channel, problems } } };
}

export function isInvokeChannel(value: unknown): value is InvokeChannel {
  return typeof value === 'string' && Object.hasOwn(invokeChannels, value);
}
