// The current language as reactive state: every `t()` call in a template re-runs when it changes,
// so switching language is instant and needs no reload.
import type { Language } from '../../../../main/ipc/contract.ts';
import type { MessageKey } from '../../../../main/messages/en.ts';
import * as f from '../../../../main/messages/format.ts';

class I18n {
  language = $state<Language>('en');

  t = (key: MessageKey, params?: f.Params): string => f.translate(this.language, key, params);
  plural = (key: f.PluralKey, count: number, params?: f.Params): string => f.translatePlural(this.language, key, count, params);
  bytes = (n: number): string => f.formatBytes(this.language, n);
  speed = (n: number): string => f.formatSpeed(this.language, n);
  dateTime = (iso: string | undefined): string => f.formatDateTime(this.language, iso);
  shortDateTime = (iso: string | undefined): string => f.formatShortDateTime(this.language, iso);
  relative = (iso: string): string => f.formatRelative(this.language, iso);
  number = (n: number): string => f.formatNumber(this.language, n);
  percent = (n: number): string => f.formatPercent(this.language, n);
  /** A record type in words; unknown server values are shown as they are. */
  recordType = (type: string): string => {
    const key = `type.${type}` as MessageKey;
    return key in f.DICTIONARIES.en ? this.t(key) : type;
  };

  set(language: Language): void {
    this.language = language;
    document.documentElement.lang = language;
    document.title = this.t('app.title');
  }
}

export const i18n = new I18n();
