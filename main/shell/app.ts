// Electron main entry: a flat boot of one-concern modules. One instance, one hardened window, the
// service behind IPC, native touches (menu, tray, notifications, progress bar), and a quit that
// pauses and saves the queue so the next start can offer to resume it.
import path from 'node:path';
import { app, BrowserWindow, dialog, powerSaveBlocker, safeStorage, shell } from 'electron';
import { toErrorInfo } from '../core/errors.ts';
import { openAppStores } from './electron-store.ts';
import { registerIpc } from './ipc-main.ts';
import type { Language } from '../ipc/contract.ts';
import { KeepAwake } from '../desktop/keep-awake.ts';
import { applyMenu } from './menu.ts';
import { createNotifier, notifyArchive } from './notify.ts';
import { trustedOrigins } from '../desktop/security.ts';
import { createService, type Service } from '../service/index.ts';
import { createOsSecretBox } from '../service/os-secret-box.ts';
import { createTray, type AppTray } from './tray.ts';
import { createMainWindow, hardenContents, registerAppScheme, serveRenderer } from './window.ts';

const here = import.meta.dirname;
// dist/main/shell/app.js: the preload and renderer are built beside dist/main, the icons ship in assets/
const DIST = path.join(here, '..', '..');
const PRELOAD = path.join(DIST, 'preload.cjs');
const RENDERER_DIR = path.join(DIST, 'renderer');
const ICON = path.join(DIST, '..', 'assets', 'icon.png');
const TRAY_ICON = path.join(DIST, '..', 'assets', 'tray.png');
const devServerUrl = !app.isPackaged ? process.env.EMREC_DEV_SERVER_URL : undefined;
const origins = trustedOrigins(devServerUrl);

let win: BrowserWindow | undefined;
let service: Service | undefined;
let tray: AppTray | undefined;
let quitting = false;

const zh = (): boolean => (service?.settings().language ?? 'en') === 'zh-CN';
const title = (): string => (zh() ? '环信录制下载器' : 'Easemob Recording Downloader');

function showWindow(): void {
  if (!win || win.isDestroyed()) {
    win = createMainWindow({ preload: PRELOAD, icon: ICON, title: title(), ...(devServerUrl ? { devServerUrl } : {}) });
    // Closing the window keeps downloads (and the auto-archive schedule) running in the tray.
    win.on('close', (event) => {
      if (!quitting && (service?.downloadsBusy || service?.settings().autoArchive?.enabled)) {
        event.preventDefault();
        win?.hide();
      }
    });
    return;
  }
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

async function boot(): Promise<void> {
  serveRenderer(RENDERER_DIR);
  const stores = openAppStores();
  // Secrets at rest through the OS keychain; asked before storing them unencrypted (after app ready).
  const secrets = createOsSecretBox(safeStorage, process.platform, () => {
    const remembered = stores.plainSecretsConsent();
    if (remembered !== undefined) return remembered;
    const answer = dialog.showMessageBoxSync({
      type: 'warning',
      buttons: zh() ? ['不保存', '明文保存'] : ["Don't save", 'Save unencrypted'],
      defaultId: 0,
      cancelId: 0,
      message: zh() ? '此系统没有可用的密钥环' : 'No keyring is available on this system',
      detail: zh()
        ? '客户端密钥和令牌无法加密保存。是否以明文保存在本机的设置文件中？'
        : 'Client secrets and tokens cannot be encrypted. Store them unencrypted in this computer’s settings file?',
    });
    stores.setPlainSecretsConsent(answer === 1);
    return answer === 1;
  });
  const svc = createService({
    store: stores.store,
    appState: stores.appState,
    secrets,
    systemLanguage: app.getLocale(),
    platform: process.platform,
    version: app.getVersion(),
    notices: stores.warnings,
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
  const menuActions = { openDownloadFolder: () => void shell.openPath(svc.settings().defaultFolder) };
  applyMenu(svc.settings().language, menuActions);
  registerIpc(svc, origins);
  const notify = createNotifier(() => win, (): Language => svc.settings().language);
  const keepAwake = new KeepAwake({ start: () => powerSaveBlocker.start('prevent-app-suspension'), stop: (id) => powerSaveBlocker.stop(id) });
  app.on('will-quit', () => keepAwake.release());
  svc.on('download:progress', (p) => {
    notify(p);
    tray?.update(p);
    keepAwake.update(p);
  });
  svc.on('archive:done', (run) => notifyArchive(svc.settings().language, run));
  tray = createTray(TRAY_ICON, svc.settings().language, { show: showWindow, quit: () => app.quit() });
  showWindow();

  const saved = svc.savedQueueCount();
  if (saved > 0) {
    const { response } = await dialog.showMessageBox({
      type: 'question',
      buttons: zh() ? ['继续下载', '稍后'] : ['Resume', 'Later'],
      defaultId: 0,
      message: zh() ? `上次有 ${saved} 个下载未完成` : `${saved} download${saved === 1 ? ' was' : 's were'} unfinished last time`,
      detail: zh() ? '是否现在继续？' : 'Resume them now?',
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
    if (svc.downloadsBusy) {
      const answer = dialog.showMessageBoxSync({
        type: 'question',
        buttons: zh() ? ['暂停并退出', '取消'] : ['Pause and Quit', 'Cancel'],
        defaultId: 0,
        cancelId: 1,
        message: zh() ? '下载仍在进行' : 'Downloads are still running',
        detail: zh() ? '下载将暂停，下次启动时可以继续。' : 'They will be paused and can be resumed at the next start.',
      });
      if (answer === 1) return;
    }
    quitting = true;
    svc.pauseAll();
    void svc.dispose().finally(() => {
      tray?.destroy();
      app.exit(0);
    });
  });
  app.whenReady().then(boot).catch((error: unknown) => {
    dialog.showErrorBox('Easemob Recording Downloader', error instanceof Error ? error.message : String(error));
    app.exit(1);
  });
}
