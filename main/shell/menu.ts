// The application menu with the platform's usual roles, labelled in the app's language.
import { Menu, type MenuItemConstructorOptions } from 'electron';
import type { Language } from '../ipc/contract.ts';
import { translate, type Params } from '../messages/format.ts';
import type { MessageKey } from '../messages/en.ts';

export interface MenuActions {
  openDownloadFolder(): void;
  checkForUpdates(): void;
  exportDiagnostics(): void;
  showLogs(): void;
}

function buildMenu(language: Language, actions: MenuActions, isMac = process.platform === 'darwin'): Menu {
  const t = (key: MessageKey, params?: Params): string => translate(language, key, params);
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: t('menu.file'),
      submenu: [{ label: t('menu.openFolder'), accelerator: 'CmdOrCtrl+O', click: () => actions.openDownloadFolder() }, { type: 'separator' }, isMac ? { role: 'close' } : { role: 'quit' }],
    },
    { label: t('menu.edit'), role: 'editMenu' },
    {
      label: t('menu.view'),
      submenu: [{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }],
    },
    { label: t('menu.window'), role: 'windowMenu' },
    {
      label: t('menu.help'),
      role: 'help',
      submenu: [
        { label: t('menu.checkUpdates'), click: () => actions.checkForUpdates() },
        { label: t('menu.exportDiagnostics'), click: () => actions.exportDiagnostics() },
        { label: t('menu.showLogs'), click: () => actions.showLogs() },
        { type: 'separator' },
        { label: t('menu.about'), role: 'about' },
      ],
    },
  ];
  return Menu.buildFromTemplate(template);
}

export function applyMenu(language: Language, actions: MenuActions): void {
  Menu.setApplicationMenu(buildMenu(language, actions));
}
