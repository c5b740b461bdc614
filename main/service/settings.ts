// Settings with defaults that suit a first start: the system language, a folder under Downloads,
// the default naming template. Stored values are parsed field by field so one bad value never loses the rest.
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_TEMPLATE } from '../core/naming.ts';
import { SettingsSchema, type Language, type Settings } from '../ipc/contract.ts';

/** `zh`, `zh-CN`, `zh_TW.UTF-8`... are Chinese; everything else English. */
export function toLanguage(locale: string | undefined): Language {
  return locale !== undefined && /^zh\b|^zh[-_]/i.test(locale) ? 'zh-CN' : 'en';
}

/** The folder recordings go to unless the user picks another. */
export function defaultDownloadFolder(home: string = os.homedir()): string {
  return path.join(home, 'Downloads', 'Easemob recordings');
}

export function defaultSettings(systemLanguage: Language, home?: string): Settings {
  return {
    language: systemLanguage,
    defaultFolder: defaultDownloadFolder(home),
    template: DEFAULT_TEMPLATE,
    concurrency: 3,
    convert: false,
    keepOriginal: true,
    ffmpegPath: '',
  };
}

/** Stored (untrusted) settings over the defaults: each valid field is kept, each invalid one falls back. */
export function mergeSettings(defaults: Settings, stored: unknown): Settings {
  if (typeof stored !== 'object' || stored === null) return defaults;
  const out: Record<string, unknown> = { ...defaults };
  const shape = SettingsSchema.shape;
  for (const [key, value] of Object.entries(stored)) {
    if (!Object.hasOwn(shape, key)) continue;
    const parsed = shape[key as keyof typeof shape].safeParse(value);
    if (parsed.success) out[key] = parsed.data;
  }
  return out as Settings;
}
