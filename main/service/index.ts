// The app's behaviour behind the IPC contract, in plain Node: Electron's main process and the
// renderer's tests both drive it through `handlers` and `on`. Native actions (folder picker, opening
// files) come in as options, so nothing here imports Electron.
import path from 'node:path';
import { createApiClient, MAX_PAGE_LENGTH, type ApiClient } from '../core/api-client.ts';
import { connectionKey, DEFAULT_TIMEZONE } from '../core/connection.ts';
import { EmrecError, toErrorInfo, type ErrorInfo } from '../core/errors.ts';
import { clearFfmpegCache } from '../core/ffmpeg-path.ts';
import { History, HISTORY_BATCH_MS, type StoreBackend } from '../core/history.ts';
import { compileTemplate, planPath } from '../core/naming.ts';
import type { Recording } from '../core/record.ts';
import { tokenCacheKey, type TokenCache } from '../core/token.ts';
import { toApiTime } from '../core/time.ts';
import type { DemoServer } from '../demo/server.ts';
import type { EventChannel, Handlers, SavedConnection, Settings } from '../ipc/contract.ts';
import { memoryAppState, readStrings, type AppStateBackend } from './app-state.ts';
import { Archiver, type Clock } from './archive.ts';
import { ConnectionBook } from './connections.ts';
import { findFfmpeg, jobOf, type QueueRequest } from './downloads.ts';
import { DownloadQueue } from '../core/queue/download-queue.ts';
import { SavedQueue } from '../core/queue/saved-queue.ts';
import { acquire, type RunLock } from '../core/run-lock.ts';
import { convertStep, defaultConvertConcurrency } from '../core/convert-step.ts';
import { EventHub, type Listener } from './events.ts';
import { exportHistoryCsv, findByKey, listHistory } from './history-view.ts';
import { checkAbsolutePath, checkKnownPath, checkTemplate } from './paths.ts';
import { appkeyOf, QueryRunner } from './queries.ts';
import type { SecretBox } from './secret-box.ts';
import { defaultSettings, mergeSettings, toLanguage } from './settings.ts';
import { openStateFiles } from './state-files.ts';

export type { SecretBox } from './secret-box.ts';
export { plainSecretBox } from './secret-box.ts';
export { invokeHandler } from './invoke.ts';
export type { Clock } from './archive.ts';

export interface ServiceOptions {
  /** Folder for the conf store files; used when `store`/`appState` are not given. */
  readonly stateDir?: string;
  /** History, tokens and the saved queue (conf or electron-store). */
  readonly store?: StoreBackend;
  /** Settings and saved connections (conf or electron-store). */
  readonly appState?: AppStateBackend;
  readonly secrets: SecretBox;
  /** A locale such as `zh-CN` or `en-US`. */
  readonly systemLanguage: string;
  readonly platform?: string;
  readonly version: string;
  /** Home folder for the default download folder (default os.homedir()). */
  readonly home?: string;
  /** Warnings found while opening stores (STORE_CORRUPT...), shown in app:info. */
  readonly notices?: readonly ErrorInfo[];
  /** Folder holding bundled ffmpeg/ffprobe (packaged app: inside app.asar.unpacked). */
  readonly ffmpegDir?: string;
  pickFolder?(defaultPath?: string): Promise<string | null>;
  /** Asks where to save a file; null when the user cancels. */
  pickSavePath?(defaultPath: string): Promise<string | null>;
  openPath?(target: string): Promise<void>;
  showItem?(target: string): Promise<void> | void;
  /** Starts the demo server for `demo:connect` (default: the in-process one from main/demo/server.ts, closed on dispose; one given here is the caller's to close). */
  readonly demo?: { start(): Promise<DemoServer> };
  /** Called after settings change (the shell rebuilds its menu for a new language). */
  onSettingsChanged?(settings: Settings): void;
  /** Wall clock and timers of the auto-archive schedule (tests pass a fake one). */
  readonly clock?: Clock;
}

export interface Service {
  readonly handlers: Handlers;
  on<E extends EventChannel>(event: E, listener: Listener<E>): () => void;
  /** Current settings (for the shell). */
  settings(): Settings;
  /** True while downloads run or wait. */
  readonly downloadsBusy: boolean;
  /** How many unfinished downloads a previous run saved. */
  savedQueueCount(): number;
  /** Re-queues what a previous run saved; returns how many. */
  /** Re-queues what a previous run saved (taking the state folder's lock); resolves with how many. */
  restoreQueue(): Promise<number>;
  /** Pauses downloads (the queue stays saved for the next start). */
  pauseAll(): void;
  /** Resolves when downloads are idle (tests). */
  downloadsIdle(): Promise<void>;
  /** Sends a notice event (and keeps it for app:info). */
  notice(info: ErrorInfo): void;
  dispose(): Promise<void>;
}

/** The example record `naming:preview` renders. */
const PREVIEW_RECORD: Recording = {
  id: 1000184,
  url: 'https://example.invalid/rec/1000184.webm',
  owner: 'demo-org#demo-app',
  confrBeginTime: '2024-05-01 08:30:15',
  confrEndTime: '2024-05-01 09:02:40',
  confrId: 'IM_X364829548358926336C16',
  userName: 'demo-org#demo-app_alice',
  recordType: 'ONLY_REC_ONE_AV',
};

/** A TokenCache that keeps tokens encrypted in the store. */
function encryptedTokens(inner: TokenCache, secrets: SecretBox): TokenCache {
  return {
    get(key) {
      const entry = inner.get(key);
      if (!entry) return undefined;
      try {
        return { ...entry, token: secrets.decrypt(entry.token) };
      } catch {
        return undefined;
      }
    },
    set: (key, value) => inner.set(key, { ...value, token: secrets.encrypt(value.token) }),
    delete: (key) => inner.delete(key),
  };
}

export function createService(options: ServiceOptions): Service {
  const events = new EventHub();
  const notices: ErrorInfo[] = [...(options.notices ?? [])];
  let store = options.store;
  let appState = options.appState;
  if (store === undefined || appState === undefined) {
    if (options.stateDir === undefined) {
      if (store === undefined) throw new Error('createService needs a stateDir or a store');
      appState = memoryAppState();
    } else {
      const files = openStateFiles(options.stateDir);
      notices.push(...files.warnings);
      store ??= files.store;
      appState ??= files.appState;
    }
  }
  const state: AppStateBackend = appState;
  // warnings after start (a fold that failed on a full disk: nothing lost, the journal keeps it) go to the window
  const history = new History(store, { batchMs: HISTORY_BATCH_MS, onWarning: (w) => notice(w) });
  const tokens = encryptedTokens(history.tokenCache(), options.secrets);
  const book = new ConnectionBook(state, options.secrets);
  const systemLanguage = toLanguage(options.systemLanguage);
  const defaults = defaultSettings(systemLanguage, options.home);
  const getSettings = (): Settings => mergeSettings(defaults, state.get('settings'));
  /** The ffmpeg the settings point to (or the bundled/system one); CONVERT_UNAVAILABLE when none works. */
  const configuredFfmpeg = (): ReturnType<typeof findFfmpeg> => findFfmpeg(getSettings().ffmpegPath, options.ffmpegDir);

  const notice = (info: ErrorInfo): void => {
    notices.push(info);
    if (notices.length > 50) notices.shift();
    events.emit('notice', info);
  };

  // One API client per saved connection, rebuilt when the connection changes.
  const clients = new Map<string, { readonly fingerprint: string; readonly client: ApiClient }>();
  const clientFor = (id: string): ApiClient => {
    const conn = book.connection(id);
    const fingerprint = JSON.stringify([connectionKey(conn), conn.timezone, book.stored(id).secret]);
    const cached = clients.get(id);
    if (cached?.fingerprint === fingerprint) return cached.client;
    const client = createApiClient(conn, { tokenCache: tokens });
    clients.set(id, { fingerprint, client });
    return client;
  };
  /** A saved connection for an appkey: the active one when it matches, else the first. */
  const connectionIdFor = (appkey: string): string | undefined => {
    const all = book.list().filter((c) => `${c.org}#${c.app}` === appkey);
    return (all.find((c) => c.active) ?? all[0])?.id;
  };

  const queries = new QueryRunner({
    client: clientFor,
    connection: (id) => book.connection(id),
    retentionDays: (id) => book.retentionDays(id),
    downloaded: (appkey, id) => history.has(appkey, id),
    emit: (page) => events.emit('query:page', page),
  });
  // One queue for the whole app: every file carries its own folder, naming and conversion.
  const saved = new SavedQueue(path.dirname(history.path), (error) => notice(toErrorInfo(error)));
  const downloads = new DownloadQueue({ history, saved, postProcessConcurrency: defaultConvertConcurrency() });
  downloads.on('progress', (p) => events.emit('download:progress', p)); // already throttled by the queue
  downloads.on('warning', notice);
  // While files download, the app holds the state folder's run lock, as `emrec download` does: a cron
  // `emrec sync` on the same folder then waits or stops with exit 2 instead of writing the same files,
  // and the app says ALREADY_RUNNING while such a run goes on. Released when the queue is idle.
  const stateDir = path.dirname(history.path);
  let runLock: RunLock | undefined;
  const holdRunLock = async (): Promise<void> => {
    if (runLock !== undefined && !runLock.released) return;
    runLock = await acquire(stateDir, { command: `Easemob Recording Downloader ${options.version} (desktop app)` });
  };
  downloads.on('progress', () => {
    if (!downloads.busy && runLock !== undefined) {
      runLock.release();
      runLock = undefined;
    }
  });
  const enqueue = async (request: QueueRequest, concurrency: number, records: readonly Recording[]): Promise<{ queued: number; skipped: number }> => {
    await holdRunLock();
    downloads.setConcurrency(concurrency);
    return downloads.add(records, jobOf(request));
  };

  const outputFolders = (): string[] => readStrings(state.get('outputFolders'));
  const rememberFolder = (folder: string): void => {
    const all = outputFolders();
    if (all.includes(folder)) return;
    state.set('outputFolders', [...all, folder].slice(-100));
  };
  const knownPath = (candidate: string): string => {
    const files = history.all().flatMap((e) => [e.path, ...(e.convert ? [e.convert.path] : [])]);
    return checkKnownPath(candidate, [getSettings().defaultFolder, ...outputFolders()], files);
  };

  let demoServer: Promise<DemoServer> | undefined;
  const startDemo = (): Promise<DemoServer> => {
    demoServer ??= (async () => {
      if (options.demo) return options.demo.start();
      const { startDemoServer } = await import('../demo/server.ts');
      return startDemoServer();
    })().catch((error: unknown) => {
      demoServer = undefined;
      throw error;
    });
    return demoServer;
  };

  const queueRequest = (
    appkey: string,
    outDir: string,
    extra: { template: string; force: boolean; convert?: QueueRequest['convert'] },
  ): QueueRequest => {
    const connectionId = connectionIdFor(appkey);
    return { appkey, outDir, ...extra, ...(connectionId ? { client: clientFor(connectionId) } : {}) };
  };

  const archive = new Archiver({
    ...(options.clock ? { clock: options.clock } : {}),
    setting: () => getSettings().autoArchive,
    loadLastRun: () => state.get('archiveLastRun'),
    saveLastRun: (run) => state.set('archiveLastRun', run),
    connection: (id) => book.connection(id),
    client: clientFor,
    enqueue: async ({ connectionId, appkey, folder, convert }, records) => {
      const settings = getSettings();
      const conversion = convert ? { ffmpeg: await configuredFfmpeg(), keepOriginal: settings.keepOriginal } : undefined;
      rememberFolder(folder);
      const request: QueueRequest = {
        appkey,
        outDir: folder,
        template: settings.template,
        force: false,
        client: clientFor(connectionId),
        ...(conversion ? { convert: conversion } : {}),
      };
      return enqueue(request, settings.concurrency, records);
    },
    saved: (appkey, id) => history.has(appkey, id),
    idle: () => downloads.onIdle(),
    emit: (run) => events.emit('archive:done', run),
  });
  archive.start();

  /** Checks an auto-archive block beyond its shape: an absolute folder and a saved connection (required when on). */
  const checkAutoArchive = (block: NonNullable<Settings['autoArchive']>): NonNullable<Settings['autoArchive']> => {
    const folder = checkAbsolutePath(block.folder, 'autoArchive.folder');
    if (block.enabled && block.connectionId === '') {
      throw new EmrecError('BAD_INPUT', 'Choose a saved connection for auto-archive', { details: { field: 'autoArchive.connectionId' } });
    }
    if (block.connectionId !== '' && !book.list().some((c) => c.id === block.connectionId)) {
      throw new EmrecError('BAD_INPUT', `No saved connection with id ${block.connectionId} for auto-archive`, {
        details: { field: 'autoArchive.connectionId' },
      });
    }
    return { ...block, folder };
  };

  const handlers: Handlers = {
    'app:info': async () => {
      let ffmpeg: { available: boolean; version?: string; source?: string; reason?: string };
      try {
        const info = await configuredFfmpeg();
        ffmpeg = { available: true, version: info.version, source: info.source };
      } catch (error) {
        ffmpeg = { available: false, reason: toErrorInfo(error).message };
      }
      return { version: options.version, systemLanguage, platform: options.platform ?? process.platform, ffmpeg, notices: [...notices] };
    },

    'settings:get': async () => getSettings(),

    'settings:set': async (patch) => {
      if (patch.template !== undefined) {
        checkTemplate(patch.template);
        compileTemplate(patch.template);
      }
      if (patch.defaultFolder !== undefined) patch.defaultFolder = checkAbsolutePath(patch.defaultFolder, 'defaultFolder');
      if (patch.ffmpegPath !== undefined && patch.ffmpegPath !== '') patch.ffmpegPath = checkAbsolutePath(patch.ffmpegPath, 'ffmpegPath');
      if (patch.autoArchive !== undefined) patch.autoArchive = checkAutoArchive(patch.autoArchive);
      const before = getSettings().autoArchive;
      const stored = state.get('settings');
      const next = mergeSettings(defaults, { ...(typeof stored === 'object' && stored !== null ? stored : {}), ...patch });
      state.set('settings', next);
      if (patch.ffmpegPath !== undefined) clearFfmpegCache();
      if (patch.autoArchive !== undefined) {
        rememberFolder(patch.autoArchive.folder);
        if (JSON.stringify(before) !== JSON.stringify(next.autoArchive)) archive.reschedule();
      }
      options.onSettingsChanged?.(next);
      return next;
    },

    'connections:list': async () => book.list(),

    'connections:save': async (input) => {
      const saved = book.save(input);
      clients.delete(saved.id);
      // A new secret must be proven by a new token, not by one the old secret earned.
      const secret = input.auth.type === 'client' ? input.auth.clientSecret : input.auth.token;
      if (secret !== '') tokens.delete(tokenCacheKey(book.connection(saved.id)));
      return saved;
    },

    'connections:remove': async ({ id }) => {
      book.remove(id);
      clients.delete(id);
      return null;
    },

    'connections:activate': async ({ id }) => {
      book.activate(id);
      return null;
    },

    'connections:test': async ({ id }) => {
      const conn = book.connection(id);
      const client = clientFor(id);
      // One page of the last 30 days (the retention period): proves the address, the app and the credentials.
      const now = new Date();
      const begin = toApiTime(new Date(now.getTime() - 30 * 24 * 3600_000), conn.timezone);
      const end = toApiTime(now, conn.timezone);
      const result = await client.list({ kind: 'range', begin, end }, 0, MAX_PAGE_LENGTH);
      return { recordsSeen: result.records.length };
    },

    'demo:connect': async () => {
      const server = await startDemo();
      const existing = book.list().find((c) => c.demo);
      const saved: SavedConnection = book.save(
        {
          ...(existing ? { id: existing.id } : {}),
          name: 'Demo',
          server: server.url,
          org: server.org,
          app: server.app,
          timezone: DEFAULT_TIMEZONE,
          auth: { type: 'client', clientId: server.clientId, clientSecret: server.clientSecret },
        },
        { demo: true },
      );
      clients.delete(saved.id);
      book.activate(saved.id);
      return { ...saved, active: true };
    },

    'query:start': async ({ connectionId, query, template }) => {
      checkTemplate(template);
      return queries.start(connectionId, query, template);
    },

    'query:cancel': async ({ queryId }) => {
      queries.cancel(queryId);
      return null;
    },

    'naming:preview': async ({ template }) => {
      checkTemplate(template);
      return { example: planPath(PREVIEW_RECORD, compileTemplate(template)) };
    },

    'download:start': async (request) => {
      const outDir = checkAbsolutePath(request.outDir, 'outDir');
      checkTemplate(request.template);
      compileTemplate(request.template);
      const result = queries.get(request.queryId);
      if (result.connectionId !== request.connectionId) {
        throw new EmrecError('BAD_INPUT', 'This query was run on another connection', { details: { field: 'connectionId' } });
      }
      const unique = [...new Set(request.ids)];
      const records = unique.map((id) => result.records.get(id)).filter((r): r is Recording => r !== undefined);
      if (records.length !== unique.length) {
        throw new EmrecError('BAD_INPUT', `${unique.length - records.length} of the chosen recordings are not in this query's results`, {
          details: { field: 'ids', missing: unique.length - records.length },
        });
      }
      const convert = request.convert ? { ffmpeg: await configuredFfmpeg(), keepOriginal: request.keepOriginal } : undefined;
      rememberFolder(outDir);
      return enqueue(
        queueRequest(result.appkey, outDir, { template: request.template, force: request.force ?? false, ...(convert ? { convert } : {}) }),
        request.concurrency,
        records,
      );
    },

    'download:pause': async ({ id }) => {
      downloads.pause(id);
      return null;
    },
    'download:resume': async ({ id }) => {
      await holdRunLock();
      downloads.resume(id);
      return null;
    },
    'download:cancel': async ({ id }) => {
      downloads.cancel(id);
      return null;
    },
    'download:retry': async ({ id }) => {
      await holdRunLock();
      downloads.retry(id);
      return null;
    },
    'download:snapshot': async () => downloads.progress(),

    'history:list': async ({ search }) => listHistory(history, search),

    'history:remove': async ({ key }) => {
      const entry = findByKey(history, key);
      history.remove(entry.appkey, entry.id);
      return null;
    },

    'history:redownload': async ({ key }) => {
      const entry = findByKey(history, key);
      const connectionId = connectionIdFor(entry.appkey);
      if (connectionId === undefined) {
        throw new EmrecError('NOT_FOUND', `No saved connection for ${entry.appkey}: add one to download this recording again`, {
          details: { appkey: entry.appkey },
        });
      }
      const { records } = await clientFor(connectionId).listConference(entry.confrId);
      const record = records.find((r) => r.id === entry.id);
      if (!record) throw new EmrecError('NOT_FOUND', `Recording ${entry.id} is no longer on the server (recordings are deleted after 30 days)`);
      const settings = getSettings();
      // Back into the folder it was saved under, so the same template gives the same path.
      const outDir = [...outputFolders(), settings.defaultFolder].find((f) => path.resolve(entry.path).startsWith(path.resolve(f) + path.sep))
        ?? settings.defaultFolder;
      const { queued } = await enqueue(queueRequest(entry.appkey, outDir, { template: settings.template, force: true }), settings.concurrency, [record]);
      return { queued };
    },

    'history:exportCsv': async ({ path: target }) => {
      let file = target;
      if (file === undefined) {
        const suggested = path.join(getSettings().defaultFolder, `emrec-history-${new Date().toISOString().slice(0, 10)}.csv`);
        file = options.pickSavePath ? ((await options.pickSavePath(suggested)) ?? undefined) : suggested;
        if (file === undefined) return null;
      }
      const checked = checkAbsolutePath(file, 'path');
      if (path.extname(checked).toLowerCase() !== '.csv') {
        throw new EmrecError('BAD_INPUT', 'The export file must end in .csv', { details: { field: 'path' } });
      }
      return exportHistoryCsv(history, checked);
    },

    'dialog:pickFolder': async ({ defaultPath }) => {
      const picked = options.pickFolder ? await options.pickFolder(defaultPath ?? getSettings().defaultFolder) : null;
      if (picked === null) return null;
      const folder = checkAbsolutePath(picked, 'folder');
      rememberFolder(folder);
      return folder;
    },

    'shell:openPath': async ({ path: target }) => {
      const checked = knownPath(target);
      await options.openPath?.(checked);
      return null;
    },

    'shell:showItem': async ({ path: target }) => {
      const checked = knownPath(target);
      await options.showItem?.(checked);
      return null;
    },

    'archive:runNow': async () => archive.runNow(),

    'archive:status': async () => archive.status(),
  };

  return {
    handlers,
    on: (event, listener) => events.on(event, listener),
    settings: getSettings,
    get downloadsBusy() {
      return downloads.busy;
    },
    savedQueueCount: () => saved.size,
    restoreQueue: async () => {
      if (saved.size > 0) await holdRunLock();
      // Every unfinished file comes back and runs again (paused and failed ones too), under the naming
      // it was queued with. A conversion asked for is run if ffmpeg is still there, else it fails visibly.
      const settings = getSettings();
      downloads.setConcurrency(settings.concurrency);
      return downloads.restore((entry) => {
        const job = jobOf(queueRequest(entry.appkey, entry.outDir, { template: entry.template ?? settings.template, force: entry.force ?? false }));
        const convert = entry.convert;
        if (!convert) return job;
        return { ...job, convert, postProcess: async (item, abs, signal) => convertStep(await configuredFfmpeg(), convert.keepOriginal)(item, abs, signal) };
      });
    },
    pauseAll: () => downloads.pause(),
    downloadsIdle: () => downloads.onIdle(),
    notice,
    async dispose() {
      archive.dispose();
      queries.dispose();
      downloads.pause();
      await downloads.onIdle().catch(() => undefined);
      downloads.flush();
      runLock?.release();
      events.clear();
      // A demo server given through options belongs to the caller.
      const server = demoServer;
      demoServer = undefined;
      if (server && !options.demo) await server.then((s) => s.close()).catch(() => undefined);
    },
  };
}

export { appkeyOf };
