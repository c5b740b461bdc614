// Electron main: a flat boot of one-concern modules. One instance, one hardened window, the service
// behind IPC, native touches (menu, tray, notifications, progress bar), the log, updates, and a quit
// that pauses and saves the queue so the next start can offer to resume it. Every word comes from
// the one catalogue (main/messages/); every decision worth testing lives in main/desktop/.
import { writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { app, BrowserWindow, dialog, powerSaveBlocker, safeStorage, shell } from 'electron';
import { toErrorInfo } from '../core/errors.ts';
import { onClose } from '../desktop/close-to-tray.ts';
import { diagnosticsFileName, diagnosticsZip } from '../desktop/diagnostics.ts';
import { KeepAwake } from '../desktop/keep-awake.ts';
import { trustedOrigins } from '../desktop/security.ts';
import type { Language } from '../ipc/contract.ts';
import type { MessageKey } from '../messages/en.ts';
import { translate, translatePlural, type Params } from '../messages/format.ts';
import { createService, type Service } from '../service/index.ts';
import { createOsSecretBox } from '../service/os-secret-box.ts';
import { openAppStores } from './electron-store.ts';
import { registerIpc } from './ipc-main.ts';
import { startLog } from './log.ts';
import { applyMenu } from './menu.ts';
import { createNotifier, notifyArchive, type NotifyActions } from './notify.ts';
import { createTray, type AppTray } from './tray.ts';
import { createUpdater, type Updater } from './updater.ts';
import { createMainWindow, hardenContents, registerAppScheme, serveRenderer } from './window.ts';

// dist/main/shell/app.js: the preload and renderer are built beside dist/main, the icons ship in assets/
const here = import.meta.dirname;
const DIST = path.join(here, '..', '..');
const PRELOAD = path.join(DIST, 'preload.cjs');
const RENDERER_DIR = path.join(DIST, 'renderer');
const ICON = path.join(DIST, '..', 'assets', 'icon.png');
const TRAY_ICON = path.join(DIST, '..', 'assets', 'tray.png');
/** Windows groups the taskbar button and names notifications by this; it matches electron-builder's appId. */
const APP_USER_MODEL_ID = 'com.easemob.recording-downloader';
const devServerUrl = !app.isPackaged ? process.env.EMREC_DEV_SERVER_URL : undefined;
const origins = trustedOrigins(devServerUrl);
const { log, file: logFile } = startLog();

let win: BrowserWindow | undefined;
let service: Service | undefined;
let tray: AppTray | undefined;
let updater: Updater | undefined;
let quitting = false;

const language = (): Language => service?.settings().language ?? (app.getLocale().startsWith('zh') ? 'zh-CN' : 'en');
const t = (key: MessageKey, params?: Params): string => translate(language(), key, params);

function showWindow(): void {
  if (!win || win.isDestroyed()) {
    win = createMainWindow({ preload: PRELOAD, icon: ICON, title: t('app.title'), ...(devServerUrl ? { devServerUrl } : {}) });
    win.on('close', (event) => {
      const svc = service;
      const decision = onClose({
        quitting,
        downloadsBusy: svc?.downloadsBusy ?? false,
        autoArchive: svc?.settings().autoArchive?.enabled ?? false,
        toldBefore: stores?.trayNoticeShown() ?? true,
      });
      if (decision.action === 'close') return;
      event.preventDefault();
      win?.hide();
      if (decision.tell) {
        stores?.setTrayNoticeShown();
        void dialog.showMessageBox({ type: 'info', message: t('tray.keepsRunning'), detail: t('tray.keepsRunningDetail'), buttons: [t('common.ok')] });
      }
    });
    return;
  }
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

let stores: ReturnType<typeof openAppStores> | undefined;

async function exportDiagnostics(svc: Service): Promise<void> {
  const target = await dialog.showSaveDialog({ defaultPath: path.join(app.getPath('desktop'), diagnosticsFileName()), filters: [{ name: 'Zip', extensions: ['zip'] }] });
  if (target.canceled || !target.filePath) return;
  try {
    const dir = path.dirname(logFile);
    const logs = readdirSync(dir)
      .filter((name) => name.endsWith('.log'))
      .map((name) => ({ name, text: readFileSync(path.join(dir, name), 'utf8') }));
    const info = await svc.handlers['app:info'](undefined);
    const connections = await svc.handlers['connections:list'](undefined);
    await writeFile(target.filePath, diagnosticsZip({ info, settings: svc.settings(), connections, logs }));
    void dialog.showMessageBox({ type: 'info', message: t('diagnostics.saved'), detail: t('diagnostics.savedDetail', { path: target.filePath }), buttons: [t('common.ok')] });
  } catch (error) {
    log.error('diagnostics export failed', error);
    dialog.showErrorBox(t('app.title'), t('diagnostics.failed'));
  }
}

async function boot(): Promise<void> {
  if (process.platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID);
  serveRenderer(RENDERER_DIR);
  const opened = openAppStores((w) => log.warn('store', w.code, w.message));
  stores = opened;
  // Secrets at rest through the OS keychain; without one, asked once before storing them unencrypted
  // (the answer can be changed in Settings → Advanced).
  const secrets = createOsSecretBox(
    safeStorage,
    process.platform,
    { get: () => opened.plainSecretsConsent(), set: (v) => opened.setPlainSecretsConsent(v) },
    () =>
      dialog.showMessageBoxSync({
        type: 'warning',
        buttons: [t('keyring.dontSave'), t('keyring.savePlain')],
        defaultId: 0,
        cancelId: 0,
        message: t('keyring.message'),
        detail: t('keyring.detail'),
      }) === 1,
  );
  const svc = createService({
    store: opened.store,
    appState: opened.appState,
    secrets,
    systemLanguage: app.getLocale(),
    platform: process.platform,
    version: app.getVersion(),
    // each installer carries its own platform's and arch's ffmpeg in resources/ffmpeg (scripts/after-pack.cjs)
    ...(app.isPackaged ? { ffmpegDir: path.join(process.resourcesPath, 'ffmpeg') } : {}),
    notices: opened.warnings,
    pickFolder: async (defaultPath) => {
      const r = await dialog.showOpenDialog({ properties: ['openDirectory', 'createDirectory'], ...(defaultPath ? { defaultPath } : {}) });
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
    pickSavePath: async (defaultPath) => {
      const r = await dialog.showSaveDialog({ defaultPath, filters: [{ name: 'CSV', extensions: ['csv'] }] });
      return r.canceled ? null : (r.filePath ?? null);
    },
    openPath: async (target) => {
      const error = await shell.openPath(target);
      if (error) throw new Error(error);
    },
    showItem: (target) => shell.showItemInFolder(target),
    onSettingsChanged: (s) => {
      applyMenu(s.language, menuActions);
      tray?.setLanguage(s.language);
    },
  });
  service = svc;
  log.info('started', app.getVersion(), process.platform, process.arch);
  const busy = () => {
    const a = svc.activity();
    return { downloadsBusy: a.downloadsBusy, archiveRunning: a.archiveRunning };
  };
  updater = createUpdater({ log, language, feed: () => svc.settings().updateFeed, busy, version: app.getVersion() });
  const menuActions = {
    openDownloadFolder: () => void shell.openPath(svc.settings().defaultFolder),
    checkForUpdates: () => void updater?.check('user'),
    exportDiagnostics: () => void exportDiagnostics(svc),
    showLogs: () => shell.showItemInFolder(logFile),
  };
  applyMenu(svc.settings().language, menuActions);
  registerIpc(svc, origins);
  const actions: NotifyActions = {
    openFolder: (folder) => void shell.openPath(folder),
    showFailed: () => {
      showWindow();
      svc.show({ screen: 'queue', filter: 'failed' });
    },
    showWindow,
  };
  const notify = createNotifier(() => win, language, actions);
  const keepAwake = new KeepAwake({ start: () => powerSaveBlocker.start('prevent-app-suspension'), stop: (id) => powerSaveBlocker.stop(id) });
  app.on('will-quit', () => keepAwake.release());
  svc.on('download:progress', (p) => {
    notify(p);
    tray?.update(p);
    keepAwake.update(p);
  });
  svc.on('notice', (n) => log.warn('notice', n.code, n.message));
  svc.on('archive:done', (run) => {
    log.info('auto-archive', run.saved, 'saved', run.failed, 'failed', run.error?.code ?? '');
    notifyArchive(svc.settings().language, run, svc.settings().autoArchive?.folder, actions);
  });
  tray = createTray(TRAY_ICON, svc.settings().language, { show: showWindow, quit: () => app.quit() });
  showWindow();

  const saved = svc.savedQueueCount();
  if (saved > 0) {
    const { response } = await dialog.showMessageBox({
      type: 'question',
      buttons: [t('resume.resume'), t('resume.later')],
      defaultId: 0,
      message: translatePlural(language(), 'resume.message', saved),
      detail: t('resume.detail'),
    });
    // another run holding the folder (a cron `emrec sync`) is said in the window, not lost
    if (response === 0) await svc.restoreQueue().catch((error: unknown) => svc.notice(toErrorInfo(error)));
  }
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  registerAppScheme();
  app.on('second-instance', () => showWindow());
  app.on('web-contents-created', (_event, contents) => hardenContents(contents, origins));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => showWindow());
  app.on('before-quit', (event) => {
    const svc = service;
    if (!svc || quitting) return;
    event.preventDefault();
    const activity = svc.activity();
    if (activity.downloadsBusy) {
      const answer = dialog.showMessageBoxSync({
        type: 'question',
        buttons: [t('quit.pauseAndQuit'), t('quit.cancel')],
        defaultId: 0,
        cancelId: 1,
        message: t('quit.message'),
        detail: activity.converting > 0 ? translatePlural(language(), 'quit.detailConverting', activity.converting) : t('quit.detail'),
      });
      if (answer === 1) return;
    }
    quitting = true;
    // pausing stops conversions too (ffmpeg is killed; the downloaded file is converted at the resume)
    svc.pauseAll();
    updater?.stop();
    void svc.dispose().finally(() => {
      tray?.destroy();
      log.info('quit', activity.downloadsBusy ? 'paused downloads' : 'idle');
      // a downloaded update installs only at a quit with nothing running
      updater?.installAtQuitIfIdle({ downloadsBusy: activity.downloadsBusy, archiveRunning: activity.archiveRunning });
      app.exit(0);
    });
  });
  app.whenReady().then(boot).catch((error: unknown) => {
    log.error('boot failed', error);
    dialog.showErrorBox(t('app.title'), error instanceof Error ? error.message : String(error));
    app.exit(1);
  });
}
