// The app's log: electron-log's rotating file in the user-data logs folder (main.log, then
// main.old.log), every line redacted first (core/log-setup.ts), and the main process's own console.
import log from 'electron-log/main';
import { setUpLog } from '../core/log-setup.ts';

export type AppLog = typeof log;

/** Sets up the log once, before anything else logs; returns the logger and the file it writes. */
export function startLog(): { readonly log: AppLog; readonly file: string } {
  const file = log.transports.file.getFile().path;
  setUpLog(log, { file, level: 'info' });
  log.errorHandler.startCatching({ showDialog: false });
  return { log, file };
}
