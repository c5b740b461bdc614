// One way to set up electron-log for the app (main/shell/log.ts, electron-log/main) and for emrec
// (main/cli/log.ts, electron-log/node): a rotating file, no console from the library, and every
// message redacted before any transport sees it. Written against the few members it uses, so it
// imports neither flavour.

import { redactValue } from './redact.ts';

/** The part of an electron-log logger this setup touches. */
export interface LogLike {
  hooks: { push(hook: <M extends { data: unknown[] }>(message: M) => M): unknown };
  transports: {
    file: { level: string | false; maxSize: number; resolvePathFn: (...args: never[]) => string; format: unknown };
    console: { level: string | false };
  };
}

export interface LogSetup {
  /** The log file; it is rotated to `<name>.old.log` at `maxSize`. */
  readonly file: string;
  readonly level?: 'error' | 'warn' | 'info' | 'verbose' | 'debug';
  /** Default 5 MB, which is about a month of a busy app's lines. */
  readonly maxSize?: number;
  readonly console?: boolean;
}

export function setUpLog(log: LogLike, setup: LogSetup): void {
  log.hooks.push((message) => ({ ...message, data: message.data.map(redactValue) }));
  log.transports.file.level = setup.level ?? 'info';
  log.transports.file.maxSize = setup.maxSize ?? 5 * 1024 * 1024;
  log.transports.file.resolvePathFn = () => setup.file;
  log.transports.file.format = '[{y}-{m}-{d} {h}:{i}:{s}.{ms}] [{level}] {text}';
  log.transports.console.level = setup.console ? 'warn' : false;
}
