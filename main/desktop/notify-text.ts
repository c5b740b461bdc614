// The words of the desktop notifications, from the one message catalogue. A failed run is said by its
// error's sentence in the user's language, never the error's English message.
import type { ArchiveRun, Language } from '../ipc/contract.ts';
import { errorKey, translate, translatePlural } from '../messages/format.ts';

export interface NotificationText {
  readonly title: string;
  readonly body: string;
}

/** The notification for a finished download batch. */
export function batchMessage(language: Language, done: number, failed: number): NotificationText {
  return failed > 0
    ? { title: translate(language, 'notify.batchFailedTitle'), body: translate(language, 'notify.batchFailed', { done, failed }) }
    : { title: translate(language, 'notify.batchDone'), body: translatePlural(language, 'notify.batchSaved', done) };
}

/** The notification for a finished auto-archive run. */
export function archiveMessage(language: Language, run: ArchiveRun): NotificationText {
  if (run.error) return { title: translate(language, 'notify.archiveError'), body: translate(language, errorKey(run.error)) };
  return run.failed > 0
    ? { title: translate(language, 'notify.archiveFailedTitle'), body: translate(language, 'notify.archivePartly', { saved: run.saved, failed: run.failed }) }
    : { title: translate(language, 'notify.archiveDone'), body: translatePlural(language, 'notify.archiveSaved', run.saved) };
}
