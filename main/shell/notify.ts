// Desktop feedback for downloads: the taskbar/dock progress bar and one notification per finished batch
// (and per auto-archive run). The words are in notify-text.ts, which has no Electron import.
import { Notification, type BrowserWindow } from 'electron';
import { BatchTracker, progressBarValue } from '../desktop/batch-tracker.ts';
import type { QueueProgress } from '../core/progress.ts';
import type { ArchiveRun, Language } from '../ipc/contract.ts';
import { archiveMessage, batchMessage } from '../desktop/notify-text.ts';

/** Shows the desktop notification for a finished auto-archive run. */
export function notifyArchive(language: Language, run: ArchiveRun): void {
  if (Notification.isSupported()) new Notification(archiveMessage(language, run)).show();
}

/** Returns a progress listener that drives the window's progress bar and notifies at each batch end. */
export function createNotifier(getWindow: () => BrowserWindow | undefined, getLanguage: () => Language): (p: QueueProgress) => void {
  const tracker = new BatchTracker();
  return (p) => {
    const win = getWindow();
    if (win && !win.isDestroyed()) win.setProgressBar(progressBarValue(p));
    const end = tracker.update(p);
    if (end && Notification.isSupported() && end.done + end.failed > 0) {
      new Notification(batchMessage(getLanguage(), end.done, end.failed)).show();
    }
  };
}
