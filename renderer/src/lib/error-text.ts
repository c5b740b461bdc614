// The one sentence an error is shown with (the key is chosen by main/messages/format.ts, shared with
// the shell's notifications and the CLI).
import type { ErrorInfo } from '../../../main/core/errors.ts';
import type { MessageKey } from '../../../main/messages/en.ts';
import { errorKey } from '../../../main/messages/format.ts';

export function errorText(t: (key: MessageKey) => string, error: Pick<ErrorInfo, 'code' | 'reason'>): string {
  return t(errorKey(error));
}
