// The record types in words, one list for the window's labels and the file names (`{type}`,
// `{type_zh}`): people read "摄像头 / Camera", never ONLY_REC_ONE_AV. No Node imports: the renderer uses it.

export const RECORD_TYPES = ['ONLY_REC_ONE_AV', 'ONLY_REC_ONE_DESKTOP', 'MERGE_ALL', 'ONLY_REC_ONE'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

export const TYPE_WORDS = {
  en: { ONLY_REC_ONE_AV: 'Camera', ONLY_REC_ONE_DESKTOP: 'Screen share', MERGE_ALL: 'Merged', ONLY_REC_ONE: 'Single person' },
  'zh-CN': { ONLY_REC_ONE_AV: '摄像头', ONLY_REC_ONE_DESKTOP: '屏幕共享', MERGE_ALL: '合成', ONLY_REC_ONE: '单人' },
} as const satisfies Record<'en' | 'zh-CN', Record<RecordType, string>>;

/** A type in words of `language`; an unknown server value as it is. */
export function typeWords(language: keyof typeof TYPE_WORDS, type: string): string {
  return (TYPE_WORDS[language] as Readonly<Record<string, string>>)[type] ?? type;
}
