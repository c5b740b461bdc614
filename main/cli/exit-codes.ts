// Exit codes of emrec, for scripts: 0 all done, 1 some files failed, 2 bad usage/configuration,
// 3 authentication or API failure.
import type { ErrorCode } from '../core/errors.ts';

export const EXIT = { OK: 0, SOME_FAILED: 1, USAGE: 2, API: 3, INTERRUPTED: 130 } as const;

export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'BAD_INPUT':
    case 'CONVERT_UNAVAILABLE':
    case 'DISK_FULL':
      return EXIT.USAGE;
    default:
      return EXIT.API;
  }
}
