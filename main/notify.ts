// Desktop feedback for downloads: the taskbar/dock progress bar and one notification per finished batch.
import { Notification, type BrowserWindow } from 'electron';
import { BatchTracker, progressBarValue } from './batch-tracker.ts';
import type { QueueProgress } from './core/progress.ts';
import type { ArchiveRun, Language } from './ipc/contract.ts';

export function batchMessage(language: Language, done: number, failed: number): { title: string; body: string } {
  if (language === 'zh-CN') {
    return failed > 0
      ? { title: '下载完成，但有失败', body: `已保存 ${done} 个文件，${failed} 个失败。` }
      : { title: '下载完成', body: `已保存 ${done} 个文件。` };
  }
  return failed > 0
    ? { title: 'Downloads finished with failures', body: `${done} saved, ${failed} failed.` }
    : { title: 'Downloads finished', body: `${done} file${done === 1 ? '' : 's'} saved.` };
}

/** The notification text for a finished auto-archive run. */
export function archiveMessage(language: Language, run: ArchiveRun): { title: string; body: string } {
  if (language === 'zh-CN') {
    if (run.error) return { title: '自动归档失败', body: run.error.message };
    return run.failed > 0
      ? { title: '自动归档完成，但有失败', body: `已保存 ${run.saved} 个新录制，${run.failed} 个失败。` }
      : { title: '自动归档完成', body: `已保存 ${run.saved} 个新录制。` };
  }
  if (run.error) return { title: 'Auto-archive failed', body: run.error.message };
  const saved = `Saved ${run.saved} new recording${run.saved === 1 ? '' : 's'}`;
  return run.failed > 0 ? { title: 'Auto-archive finished with failures', body: `${saved}; ${run.failed} failed.` } : { title: 'Auto-archive finished', body: `${saved}.` };
}

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
