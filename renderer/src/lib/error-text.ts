// The one sentence an error is shown with: its known cause's (what to check) before its code's.
import type { ErrorInfo } from '../../../main/core/errors.ts';
import type { MessageKey } from './i18n/en.ts';

export function errorText(t: (key: MessageKey) => string, error: Pick<ErrorInfo, 'code' | 'reason'>): string {
  return t(error.reason !== undefined ? `reason.${error.reason}` : `error.${error.code}`);
}
