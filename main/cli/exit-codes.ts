// Exit codes of emrec, for scripts: 0 all done, 1 some files failed (the rest finished), 2 bad usage or
// configuration (or another run holds the state folder), 3 authentication or API failure, 4 a local
// folder problem that stops the whole run (output or state folder full, read-only or not ours),
// 70 a bug in emrec (INTERNAL: please report it with the message), 130 interrupted (Ctrl-C, SIGTERM:
// partial files kept, the same command resumes).
import type { ErrorCode } from '../core/errors.ts';

export const EXIT = { OK: 0, SOME_FAILED: 1, USAGE: 2, API: 3, LOCAL: 4, INTERNAL: 70, INTERRUPTED: 130 } as const;

export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'BAD_INPUT':
    case 'CONVERT_UNAVAILABLE':
    case 'ALREADY_RUNNING':
      return EXIT.USAGE;
    case 'DISK_FULL':
    case 'FOLDER_NOT_WRITABLE':
    case 'STORE_TOO_NEW':
      return EXIT.LOCAL;
    case 'INTERNAL':
      return EXIT.INTERNAL;
    default:
      return EXIT.API;
  }
}
