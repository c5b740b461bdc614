// A stand-in for the `electron` module, for the boot wiring test only (never the Electron end-to-end
// test, which needs the real binary): every API the shell, electron-store, electron-log and
// electron-updater touch, recording calls in globalThis.__standIn for the driver to read and drive.
import { EventEmitter } from 'node:events';
import path from 'node:path';

const state = {
  calls: [],
  windows: [],
  sent: [],
  handlers: new Map(),
  dialogs: [],
  /** What the next dialogs answer, in order (default 0: the first button). */
  answers: [],
  exited: undefined,
  userData: process.env.STAND_IN_USER_DATA,
};
globalThis.__standIn = state;
const record = (name, ...args) => state.calls.push({ name, args });
const answer = () => (state.answers.length > 0 ? state.answers.shift() : 0);

class App extends EventEmitter {
  isPackaged = false;
  commandLine = { appendSwitch() {} };
  getPath(name) {
    return path.join(state.userData, name === 'userData' ? '' : name);
  }
  getAppPath() {
    return process.cwd();
  }
  getLocale() {
    return 'zh-CN';
  }
  getVersion() {
    return '0.1.0';
  }
  getName() {
    return 'Easemob Recording Downloader';
  }
  setAppUserModelId(id) {
    record('app.setAppUserModelId', id);
  }
  requestSingleInstanceLock() {
    return true;
  }
  whenReady() {
    return new Promise((resolve) => setImmediate(() => (this.emit('ready'), resolve())));
  }
  isReady() {
    return true;
  }
  quit() {
    const event = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
    this.emit('before-quit', event);
    if (!event.defaultPrevented) this.exit(0);
  }
  exit(code) {
    state.exited = code;
    record('app.exit', code);
  }
  setPath() {}
  on(event, fn) {
    return super.on(event, fn);
  }
}
export const app = new App();

class WebContents extends EventEmitter {
  url = '';
  session = { setPermissionRequestHandler() {}, setPermissionCheckHandler() {}, setPreloads() {}, on() {} };
  isDestroyed() {
    return false;
  }
  getURL() {
    return this.url;
  }
  send(channel, ...args) {
    state.sent.push({ channel, args });
  }
  setWindowOpenHandler(fn) {
    this.windowOpen = fn;
  }
}

export class BrowserWindow extends EventEmitter {
  static getAllWindows() {
    return state.windows.filter((w) => !w.destroyed);
  }
  constructor(options) {
    super();
    this.options = options;
    this.webContents = new WebContents();
    this.destroyed = false;
    this.visible = false;
    state.windows.push(this);
    app.emit('web-contents-created', {}, this.webContents);
  }
  loadURL(url) {
    this.webContents.url = url;
    setImmediate(() => this.emit('ready-to-show'));
    return Promise.resolve();
  }
  show() {
    this.visible = true;
  }
  hide() {
    this.visible = false;
  }
  focus() {}
  restore() {}
  isMinimized() {
    return false;
  }
  isDestroyed() {
    return this.destroyed;
  }
  setProgressBar(value) {
    record('win.setProgressBar', value);
  }
  close() {
    const event = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
    this.emit('close', event);
    if (!event.defaultPrevented) this.destroyed = true;
  }
}

export const ipcMain = {
  handle(channel, fn) {
    state.handlers.set(channel, fn);
  },
  removeHandler(channel) {
    state.handlers.delete(channel);
  },
  on() {},
  once() {},
};

export const dialog = {
  showMessageBoxSync(options) {
    state.dialogs.push(options);
    return answer();
  },
  async showMessageBox(options) {
    state.dialogs.push(options);
    return { response: answer(), checkboxChecked: false };
  },
  async showOpenDialog() {
    return { canceled: true, filePaths: [] };
  },
  async showSaveDialog() {
    return { canceled: true };
  },
  showErrorBox(title, content) {
    record('dialog.showErrorBox', title, content);
  },
};

export const protocol = {
  registerSchemesAsPrivileged(schemes) {
    record('protocol.registerSchemesAsPrivileged', schemes);
  },
  handle(scheme, fn) {
    state.protocolHandler = fn;
    record('protocol.handle', scheme);
  },
};

export const session = { defaultSession: { webRequest: { onHeadersReceived() {} }, setPreloads() {}, on() {} } };
export const shell = {
  async openPath(p) {
    record('shell.openPath', p);
    return '';
  },
  showItemInFolder(p) {
    record('shell.showItemInFolder', p);
  },
  async openExternal(url) {
    record('shell.openExternal', url);
  },
};
export const safeStorage = {
  isEncryptionAvailable: () => true,
  getSelectedStorageBackend: () => 'gnome_libsecret',
  encryptString: (s) => Buffer.from([...Buffer.from(s, 'utf8')].reverse()),
  decryptString: (b) => Buffer.from([...b].reverse()).toString('utf8'),
};
export const powerSaveBlocker = {
  start(type) {
    record('powerSaveBlocker.start', type);
    return 1;
  },
  stop(id) {
    record('powerSaveBlocker.stop', id);
  },
};
export const Menu = {
  buildFromTemplate(template) {
    return { template };
  },
  setApplicationMenu(menu) {
    state.menu = menu;
  },
};
export class Tray extends EventEmitter {
  constructor(image) {
    super();
    state.tray = this;
    this.image = image;
  }
  setToolTip(text) {
    this.tooltip = text;
  }
  setContextMenu(menu) {
    this.menu = menu;
  }
  destroy() {
    record('tray.destroy');
  }
}
export const nativeImage = {
  createFromBuffer(buffer, options) {
    record('nativeImage.createFromBuffer', buffer.length, options);
    return { buffer, options };
  },
  createFromPath(p) {
    return { path: p };
  },
};
export class Notification extends EventEmitter {
  static isSupported() {
    return true;
  }
  constructor(options) {
    super();
    this.options = options;
  }
  show() {
    record('notification.show', this.options);
  }
}
export const webContents = { getAllWebContents: () => state.windows.map((w) => w.webContents) };
export const autoUpdater = new EventEmitter();
export const screen = {};
export const net = {};
export default { app, BrowserWindow, ipcMain, dialog, protocol, session, shell, safeStorage, powerSaveBlocker, Menu, Tray, nativeImage, Notification, webContents, autoUpdater, screen, net };
