// The application menu with the platform's usual roles, labelled in the app's language.
import { Menu, type MenuItemConstructorOptions } from 'electron';
import type { Language } from '../ipc/contract.ts';

const LABELS = {
  en: { file: 'File', edit: 'Edit', view: 'View', window: 'Window', help: 'Help', openFolder: 'Open Download Folder', about: 'About' },
  'zh-CN': { file: '文件', edit: '编辑', view: '视图', window: '窗口', help: '帮助', openFolder: '打开下载文件夹', about: '关于' },
} as const satisfies Record<Language, Record<string, string>>;

export interface MenuActions {
  openDownloadFolder(): void;
}

function buildMenu(language: Language, actions: MenuActions, isMac = process.platform === 'darwin'): Menu {
  const t = LABELS[language];
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: t.file,
      submenu: [{ label: t.openFolder, accelerator: 'CmdOrCtrl+O', click: () => actions.openDownloadFolder() }, { type: 'separator' }, isMac ? { role: 'close' } : { role: 'quit' }],
    },
    { label: t.edit, role: 'editMenu' },
    {
      label: t.view,
      submenu: [{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }],
    },
    { label: t.window, role: 'windowMenu' },
    { label: t.help, role: 'help', submenu: [{ label: t.about, role: 'about' }] },
  ];
  return Menu.buildFromTemplate(template);
}

export function applyMenu(language: Language, actions: MenuActions): void {
  Menu.setApplicationMenu(buildMenu(language, actions));
}
