// Everything the screens share: app info, settings, saved connections, the current screen, the
// streaming query results, the download queue and notices. Wired to `window.api` once in `start()`.
import type { ErrorInfo } from '../../../main/core/errors.ts';
import type { AppInfo, ArchiveStatus, Language, SavedConnection, Settings } from '../../../main/ipc/contract.ts';
import { invoke, on } from './api.ts';
import { i18n } from './i18n/i18n.svelte.ts';
import { Queue } from './queue.svelte.ts';
import { Results } from './results.svelte.ts';
import { FindForm } from './find-form.svelte.ts';
import type { ConnectDraft } from './connect-draft.ts';

export type Screen = 'connect' | 'find' | 'queue' | 'history' | 'settings';
export const SCREENS: readonly Screen[] = ['connect', 'find', 'queue', 'history', 'settings'];

class AppState {
  ready = $state(false);
  screen = $state<Screen>('connect');
  info = $state.raw<AppInfo | undefined>(undefined);
  settings = $state.raw<Settings | undefined>(undefined);
  connections = $state.raw<readonly SavedConnection[]>([]);
  notices = $state.raw<readonly ErrorInfo[]>([]);
  /** Auto-archive's next and last run; `archiveRunning` from "Run now" until its archive:done. */
  archive = $state.raw<ArchiveStatus>({});
  archiveRunning = $state(false);
  results = new Results();
  findForm = new FindForm();
  /** Connect's typed fields, kept across screens (lib/connect-draft.ts). */
  connectDraft: ConnectDraft = {};
  queue = new Queue();

  readonly activeConnection: SavedConnection | undefined = $derived(this.connections.find((c) => c.active));

  async start(): Promise<void> {
    on('query:page', (page) => this.results.accept(page));
    on('download:progress', (progress) => this.queue.apply(progress));
    on('notice', (notice) => this.notify(notice));
    on('app:show', (view) => {
      if (view.filter !== undefined) this.queue.filter = view.filter;
      this.screen = view.screen;
    });
    on('archive:done', (run) => {
      this.archive = { ...this.archive, lastRun: run };
      this.archiveRunning = false;
      void this.refreshArchive();
    });
    void this.refreshArchive();
    const [info, settings, connections, snapshot] = await Promise.all([
      invoke('app:info', undefined),
      invoke('settings:get', undefined),
      invoke('connections:list', undefined),
      invoke('download:snapshot', undefined),
    ]);
    if (info.ok) {
      this.info = info.value;
      for (const notice of info.value.notices) this.notify(notice);
    }
    if (settings.ok) {
      this.settings = settings.value;
      this.queue.outDir = settings.value.defaultFolder;
    }
    // Settings hold the chosen language; the OS language is only the fallback for a first start.
    i18n.set(settings.ok ? settings.value.language : info.ok ? info.value.systemLanguage : 'en');
    if (connections.ok) this.connections = connections.value;
    if (snapshot.ok) this.queue.apply(snapshot.value);
    if (this.activeConnection !== undefined) this.screen = 'find';
    for (const failed of [info, settings, connections, snapshot]) if (!failed.ok) this.notify(failed.error);
    this.ready = true;
  }

  notify(notice: ErrorInfo): void {
    this.notices = [...this.notices.filter((n) => n.code !== notice.code), notice];
  }

  dismiss(notice: ErrorInfo): void {
    this.notices = this.notices.filter((n) => n !== notice);
  }

  /** Reads app:info again (after a change it reports, such as how secrets are kept). */
  async refreshInfo(): Promise<void> {
    const info = await invoke('app:info', undefined);
    if (info.ok) this.info = info.value;
  }

  async refreshConnections(): Promise<void> {
    const list = await invoke('connections:list', undefined);
    if (list.ok) this.connections = list.value;
  }

  async saveSettings(patch: Partial<Settings>): Promise<ErrorInfo | undefined> {
    const saved = await invoke('settings:set', patch);
    if (!saved.ok) return saved.error;
    this.settings = saved.value;
    i18n.set(saved.value.language);
    return undefined;
  }

  async refreshArchive(): Promise<void> {
    const status = await invoke('archive:status', undefined);
    if (status.ok) this.archive = status.value;
  }

  /** Starts an auto-archive run now; the outcome arrives as archive:done. */
  async runArchive(): Promise<ErrorInfo | undefined> {
    this.archiveRunning = true;
    const started = await invoke('archive:runNow', undefined);
    if (started.ok) return undefined;
    this.archiveRunning = false;
    return started.error;
  }

  /** Switch language at once; persisted in settings. */
  async setLanguage(language: Language): Promise<void> {
    i18n.set(language);
    await this.saveSettings({ language });
  }
}

export const app = new AppState();
