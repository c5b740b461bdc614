// emrec's error line in the user's language: Chinese when the locale says so (LC_ALL, LC_MESSAGES, LANG),
// English otherwise. The words come from the one message catalogue (main/messages/): the sentence for
// the flag to fix, or the CLI's own remedy for a code, or the code's sentence the window shows. In
// Chinese the engine's English message, which carries the exact value, follows in brackets.
import type { ErrorInfo } from '../core/errors.ts';
import type { MessageKey } from '../messages/en.ts';
import { errorKey, isMessageKey, translate } from '../messages/format.ts';

export type CliLanguage = 'zh-CN' | 'en';

export function cliLanguage(env: NodeJS.ProcessEnv = process.env): CliLanguage {
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return /^zh([_-]|$)/i.test(locale) ? 'zh-CN' : 'en';
}

const known = (key: string): MessageKey | undefined => (isMessageKey(key) ? key : undefined);

/** The catalogue key of the sentence emrec says for `info`. */
export function cliErrorKey(info: ErrorInfo): MessageKey {
  const field = info.code === 'BAD_INPUT' && typeof info.details?.field === 'string' ? known(`cli.field.${info.details.field}`) : undefined;
  const unusable = info.code === 'FOLDER_NOT_WRITABLE' && typeof info.details?.unusable === 'string' ? known(`cli.unusable.${info.details.unusable}`) : undefined;
  return field ?? unusable ?? known(`cli.error.${info.code}`) ?? errorKey(info);
}

/** The one line emrec prints for a failure, without the `emrec: ` prefix. */
export function errorLine(info: ErrorInfo, language: CliLanguage): string {
  const detail = info.description && !info.message.includes(info.description) ? ` (${info.description})` : '';
  const english = `${info.message}${detail}`;
  if (language === 'en') return english;
  return `${translate(language, cliErrorKey(info)).replace(/[\u3002.]$/, '')}（${english}）`;
}
