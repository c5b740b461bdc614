// A tray icon that shows download progress in its tooltip while downloads run, and brings the window back.
import { readFileSync } from 'node:fs';
import { activeCount } from '../core/queue/states.ts';
import { Menu, nativeImage, Tray } from 'electron';
import type { QueueProgress } from '../core/progress.ts';
import type { Language } from '../ipc/contract.ts';
import { translate } from '../messages/format.ts';

export interface AppTray {
  update(progress: QueueProgress): void;
  setLanguage(language: Language): void;
  destroy(): void;
}

export function createTray(iconPath: string, language: Language, actions: { show(): void; quit(): void }): AppTray {
  // assets/tray.png is drawn for the tray at 32 px: a 16-point icon, sharp on high-density screens
  // (the 1024 px app icon shrunk to 16 px blurred)
  const tray = new Tray(nativeImage.createFromBuffer(readFileSync(iconPath), { scaleFactor: 2 }));
  let lang = language;
  const title = (): string => translate(lang, 'app.title');
  const menu = (): void => {
    tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: translate(lang, 'tray.show'), click: actions.show },
        { type: 'separator' },
        { label: translate(lang, 'tray.quit'), click: actions.quit },
      ]),
    );
  };
  tray.setToolTip(title());
  tray.on('click', actions.show);
  menu();
  return {
    update(p) {
      const active = activeCount(p.counts);
      if (active === 0) {
        tray.setToolTip(title());
        return;
      }
      const percent = p.total > 0 ? Math.floor((p.bytes / p.total) * 100) : undefined;
      // the current batch's files: "3/28" of this "Download selected", not of the whole list
      const done = p.batchCounts.done + p.batchCounts.skipped;
      const all = done + activeCount(p.batchCounts);
      const text = translate(lang, 'tray.downloading', { done, all });
      tray.setToolTip(`${title()} — ${text}${percent === undefined ? '' : ` (${percent}%)`}`);
    },
    setLanguage(next) {
      lang = next;
      tray.setToolTip(title());
      menu();
    },
    destroy: () => tray.destroy(),
  };
}
