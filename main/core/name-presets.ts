// The naming patterns people choose from by their look, not by placeholders: each in the person's
// language (`{type}` Camera, `{type_zh}` 摄像头), all ending in the recording id so names stay unique.
// No Node imports: the window lists them.

export const NAME_PRESETS = ['byDate', 'byMeeting', 'byPerson', 'flat'] as const;
export type NamePreset = (typeof NAME_PRESETS)[number];
export type NameLanguage = 'en' | 'zh-CN';

const SHAPES: Readonly<Record<NamePreset, string>> = {
  byDate: '{date}/{confrId}/{clock} {user} {TYPE} {id}.{ext}',
  byMeeting: '{confrId}/{date} {clock} {user} {TYPE} {id}.{ext}',
  byPerson: '{user}/{date} {clock} {confrId} {TYPE} {id}.{ext}',
  flat: '{date} {clock} {user} {TYPE} {id}.{ext}',
};

/** A preset's pattern with the type in words of `language`. */
export function presetTemplate(preset: NamePreset, language: NameLanguage): string {
  return SHAPES[preset].replace('{TYPE}', language === 'zh-CN' ? '{type_zh}' : '{type}');
}

/** The preset (in any language) a pattern is, or undefined for a pattern of the person's own. */
export function presetOf(template: string): NamePreset | undefined {
  return NAME_PRESETS.find((p) => template === presetTemplate(p, 'en') || template === presetTemplate(p, 'zh-CN'));
}
