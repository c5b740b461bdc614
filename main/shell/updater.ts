// Updates through electron-updater: a background check a minute after the start and every six hours,
// silent unless an update is ready; Help → Check for Updates answers whatever happens. What to say
// and when it may install is decided by desktop/update-policy.ts; the download runs in the
// background and installs only at a quit with nothing running (never in the middle of downloads).
import { dialog } from 'electron';
import electronUpdater from 'electron-updater';
import { announce, BACKGROUND_CHECK, feedFor, mayInstall, type BusyState, type CheckOrigin, type UpdateOutcome } from '../desktop/update-policy.ts';
import type { Language } from '../ipc/contract.ts';
import { translate } from '../messages/format.ts';
import type { AppLog } from './log.ts';

export interface Updater {
  check(origin: CheckOrigin): Promise<void>;
  /** At quit: installs a downloaded update only when nothing runs. */
  installAtQuitIfIdle(state: BusyState): void;
  stop(): void;
}

export function createUpdater(options: {
  readonly log: AppLog;
  readonly language: () => Language;
  readonly feed: () => string;
  readonly busy: () => BusyState;
  readonly version: string;
}): Updater {
  const { autoUpdater } = electronUpdater;
  autoUpdater.logger = options.log;
  autoUpdater.autoDownload = true;
  autoUpdater.autoInstallOnAppQuit = false; // decided at quit by mayInstall
  let downloaded: string | undefined;
  let feedSet: string | undefined;

  const t = (key: Parameters<typeof translate>[1], version?: string): string => translate(options.language(), key, version ? { version } : {});

  async function say(origin: CheckOrigin, outcome: UpdateOutcome): Promise<void> {
    const a = announce(origin, outcome, options.busy());
    if (a.show === 'nothing') return;
    if (a.show === 'message') {
      await dialog.showMessageBox({ type: 'info', message: t(a.message, a.version), ...(a.detail ? { detail: t(a.detail, a.version) } : {}), buttons: [t('common.ok')] });
      return;
    }
    const { response } = await dialog.showMessageBox({
      type: 'info',
      message: t(a.message, a.version),
      detail: t(a.detail, a.version),
      buttons: [t('update.restart'), t('update.later')],
      defaultId: 0,
      cancelId: 1,
    });
    if (response === 0 && mayInstall(true, options.busy())) autoUpdater.quitAndInstall();
  }

  autoUpdater.on('update-downloaded', (info) => {
    downloaded = info.version;
    void say('background', { kind: 'downloaded', version: info.version });
  });

  async function check(origin: CheckOrigin): Promise<void> {
    if (!autoUpdater.isUpdaterActive()) {
      if (origin === 'user') await say('user', { kind: 'none', version: options.version });
      return;
    }
    const feed = options.feed();
    if (feed !== feedSet) {
      const generic = feedFor(feed);
      if (generic) autoUpdater.setFeedURL(generic);
      feedSet = feed;
    }
    try {
      const result = await autoUpdater.checkForUpdates();
      const version = result?.updateInfo.version;
      if (downloaded) return say(origin, { kind: 'downloaded', version: downloaded });
      if (result?.isUpdateAvailable && version) return say(origin, { kind: 'available', version });
      return say(origin, { kind: 'none', version: options.version });
    } catch (error) {
      options.log.warn('update check failed', error);
      return say(origin, { kind: 'error' });
    }
  }

  const first = setTimeout(() => void check('background'), BACKGROUND_CHECK.firstAfterMs);
  const every = setInterval(() => void check('background'), BACKGROUND_CHECK.everyMs);
  first.unref?.();
  every.unref?.();

  return {
    check,
    installAtQuitIfIdle(state) {
      if (mayInstall(downloaded !== undefined, state)) autoUpdater.quitAndInstall(true, false);
    },
    stop() {
      clearTimeout(first);
      clearInterval(every);
    },
  };
}
