// Desktop feedback for downloads: the taskbar/dock progress bar and one notification per finished batch
// (and per auto-archive run). Clicking "finished" opens the folder the batch went to; clicking
// "finished with failures" shows the failed files. The words are in desktop/notify-text.ts.
import { Notification, type BrowserWindow } from 'electron';
import { BatchTracker, progressBarValue } from '../desktop/batch-tracker.ts';
import { archiveMessage, batchMessage } from '../desktop/notify-text.ts';
import type { QueueProgress } from '../core/progress.ts';
import type { ArchiveRun, Language } from '../ipc/contract.ts';

export interface NotifyActions {
  openFolder(folder: string): void;
  showFailed(): void;
  showWindow(): void;
}

/** Shows the desktop notification for a finished auto-archive run; a click opens its folder or its failures. */
export function notifyArchive(language: Language, run: ArchiveRun, folder: string | undefined, actions: NotifyActions): void {
  if (!Notification.isSupported()) return;
  const n = new Notification(archiveMessage(language, run));
  n.on('click', () => (run.error ? actions.showWindow() : run.failed > 0 ? actions.showFailed() : folder ? actions.openFolder(folder) : actions.showWindow()));
  n.show();
}

/** Returns a progress listener that drives the window's progress bar and notifies at each batch end. */
export function createNotifier(getWindow: () => BrowserWindow | undefined, getLanguage: () => Language, actions: NotifyActions): (p: QueueProgress) => void {
  const tracker = new BatchTracker();
  return (p) => {
    const win = getWindow();
    if (win && !win.isDestroyed()) win.setProgressBar(progressBarValue(p));
    const end = tracker.update(p);
    if (!end || !Notification.isSupported() || end.done + end.failed === 0) return;
    const n = new Notification(batchMessage(getLanguage(), end.done, end.failed));
    const folder = end.folder;
    n.on('click', () => (end.failed > 0 || folder === undefined ? actions.showFailed() : actions.openFolder(folder)));
    n.show();
  };
}
