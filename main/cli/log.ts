// emrec --log-file: the run's lines in a rotating file through electron-log's Node flavour (no
// Electron), with the app's setup and redaction (core/log-setup.ts): tokens, secrets and the query of
// signed URLs never reach the file. Without --log-file nothing is written.
import log from 'electron-log/node';
import { setUpLog } from '../core/log-setup.ts';

export interface CliLog {
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  verbose(...args: unknown[]): void;
}

const silent: CliLog = { info() {}, warn() {}, error() {}, verbose() {} };

export function openCliLog(file: string | undefined): CliLog {
  if (file === undefined) return silent;
  setUpLog(log, { file, level: 'verbose' });
  return log;
}
