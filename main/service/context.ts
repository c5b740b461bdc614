// The one context every feature module of the service takes: the stores, saved connections and their API
// clients, settings, output folders, queries, the download queue and auto-archive, built once per service
// in the order each part needs the ones before it. Nothing here imports Electron: native actions come in as options.
import type { ErrorInfo } from '../core/errors.ts';
import { History, HISTORY_BATCH_MS, type StoreBackend } from '../core/history.ts';
import type { DemoServer } from '../demo/server.ts';
import type { Handlers, InvokeChannel, Settings } from '../ipc/contract.ts';
import type { AppStateBackend } from './app-state.ts';
import { startArchiver, type Archiver, type Clock } from './archive.ts';
import { ClientCache } from './clients.ts';
import { ConnectionBook } from './connections.ts';
import { Downloads } from './downloads.ts';
import { EventHub, Notices } from './events.ts';
import { OutputFolders } from './folders.ts';
import { QueryRunner } from './queries.ts';
import { encryptedTokens, type SecretBox } from './secret-box.ts';
import { SettingsStore } from './settings.ts';
import { serviceStores } from './state-files.ts';

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

export interface ServiceContext {
  readonly options: ServiceOptions;
  readonly events: EventHub;
  readonly notices: Notices;
  /** Settings, saved connections, output folders, the last auto-archive run. */
  readonly state: AppStateBackend;
  readonly history: History;
  readonly book: ConnectionBook;
  readonly clients: ClientCache;
  readonly settings: SettingsStore;
  readonly folders: OutputFolders;
  readonly queries: QueryRunner;
  readonly downloads: Downloads;
  readonly archive: Archiver;
  /** Adds a step to dispose(), run after the steps added before it. */
  onDispose(step: () => Promise<void> | void): void;
  /** Stops the schedule, the queries and the queue (saving it), then runs the added steps and drops every listener. */
  dispose(): Promise<void>;
}

/** A feature module's share of the contract's handlers. */
export type HandlerSlice<C extends InvokeChannel> = Pick<Handlers, C>;

export function createContext(options: ServiceOptions): ServiceContext {
  const events = new EventHub();
  const warnings: ErrorInfo[] = [...(options.notices ?? [])];
  const { store, appState: state } = serviceStores(options, warnings);
  const notices = new Notices(events, warnings);
  // warnings after start (a fold that failed on a full disk: nothing lost, the journal keeps it) go to the window
  const history = new History(store, { batchMs: HISTORY_BATCH_MS, onWarning: (w) => notices.add(w) });
  const book = new ConnectionBook(state, options.secrets);
  const clients = new ClientCache(book, encryptedTokens(history.tokenCache(), options.secrets));
  const settings = new SettingsStore(state, options);
  const folders = new OutputFolders(state, history, () => settings.get().defaultFolder);
  const queries = new QueryRunner({
    client: (id) => clients.for(id),
    connection: (id) => book.connection(id),
    retentionDays: (id) => book.retentionDays(id),
    downloaded: (appkey, id) => history.has(appkey, id),
    emit: (page) => events.emit('query:page', page),
  });
  const downloads = new Downloads({
    history,
    clients,
    settings,
    version: options.version,
    notice: (info) => notices.add(info),
    progress: (p) => events.emit('download:progress', p),
  });
  const parts = { options, events, notices, state, history, book, clients, settings, folders, queries, downloads };
  const archive = startArchiver(parts);
  const steps: Array<() => Promise<void> | void> = [];
  return {
    ...parts,
    archive,
    onDispose: (step) => void steps.push(step),
    async dispose() {
      archive.dispose();
      queries.dispose();
      await downloads.dispose();
      for (const step of steps) await step();
      events.clear();
    },
  };
}
