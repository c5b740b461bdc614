// Where a recording is saved: a user template filled from the record, every path segment made
// safe for Windows, macOS and Linux, and a final check that the result stays inside the output folder.
import path from 'node:path';
import { EmrecError } from './errors.ts';
import { recordExtension, type Recording } from './record.ts';
import { presetTemplate, type NameLanguage } from './name-presets.ts';
import { typeWords } from './type-words.ts';

/**
 * `recordType` is the server's code (ONLY_REC_ONE_AV); `type` and `type_zh` the same in English and
 * Chinese words (Camera, 摄像头); `time` is 162041 and `clock` 16-20-41.
 */
export const TEMPLATE_FIELDS = ['confrId', 'user', 'recordType', 'type', 'type_zh', 'id', 'date', 'time', 'clock', 'ext'] as const;
export type TemplateField = (typeof TEMPLATE_FIELDS)[number];

/** Groups by day, then conference: `2024-05-01/confr1/083015_alice_ONLY_REC_ONE_AV_42.webm`. */
export const DEFAULT_TEMPLATE = '{date}/{confrId}/{time}_{user}_{recordType}_{id}.{ext}';

/** The same grouping in words, for people: `2024-05-01/confr1/08-30-15 alice Camera 42.webm` (the app's default). */
export const readableTemplate = (language: NameLanguage): string => presetTemplate('byDate', language);

/** Longest segment in UTF-8 bytes; most file systems allow 255, the rest is room for `.part.json` and `_<id>`. */
export const MAX_SEGMENT_BYTES = 200;

type Piece = { readonly text: string } | { readonly field: TemplateField };

/** A parsed template: a list of path segments, each a list of literal text and fields. */
export interface CompiledTemplate {
  readonly source: string;
  readonly segments: readonly (readonly Piece[])[];
}

/** Parses and checks a template; an unknown field, a stray brace or an empty template is BAD_INPUT. */
export function compileTemplate(template: string): CompiledTemplate {
  if (template.trim() === '') throw new EmrecError('BAD_INPUT', 'The file name template is empty', { details: { field: 'template' } });
  const segments: Piece[][] = [];
  for (const rawSegment of template.split(/[\\/]/)) {
    if (rawSegment === '') continue;
    const pieces: Piece[] = [];
    const re = /\{([^{}]*)\}|([^{}]+)|([{}])/g;
    for (let m = re.exec(rawSegment); m !== null; m = re.exec(rawSegment)) {
      if (m[3] !== undefined) {
        throw new EmrecError('BAD_INPUT', `Unbalanced "${m[3]}" in the file name template "${template}"`, { details: { field: 'template' } });
      }
      if (m[2] !== undefined) {
        pieces.push({ text: m[2] });
        continue;
      }
      const name = m[1] ?? '';
      if (!(TEMPLATE_FIELDS as readonly string[]).includes(name)) {
        throw new EmrecError('BAD_INPUT', `Unknown field {${name}} in the file name template; known fields: ${TEMPLATE_FIELDS.map((f) => `{${f}}`).join(' ')}`, {
          details: { field: 'template', unknown: name },
        });
      }
      pieces.push({ field: name as TemplateField });
    }
    segments.push(pieces);
  }
  if (segments.length === 0) throw new EmrecError('BAD_INPUT', 'The file name template has no file name', { details: { field: 'template' } });
  return { source: template, segments };
}

/** The user name without the `org#app_` appkey prefix the server puts in front of it. */
export function plainUserName(record: Pick<Recording, 'userName' | 'memberName' | 'memberId' | 'owner'>): string {
  const raw = record.userName ?? record.memberName ?? (record.memberId === undefined ? '' : String(record.memberId));
  if (record.owner && raw.startsWith(`${record.owner}_`)) return raw.slice(record.owner.length + 1);
  const m = /^[^#_/\s]+#[^_/\s]+_(.+)$/.exec(raw);
  return m?.[1] ?? raw;
}

/** The field values of one record, unsanitised. Date and time are the conference start in server-local time. */
function templateValues(record: Recording): Record<TemplateField, string> {
  const when = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(record.confrBeginTime ?? record.recordTime ?? '');
  return {
    confrId: record.confrId ?? 'no-conference',
    user: plainUserName(record) || 'unknown',
    recordType: record.recordType ?? 'UNKNOWN',
    type: typeWords('en', record.recordType ?? 'UNKNOWN'),
    type_zh: typeWords('zh-CN', record.recordType ?? 'UNKNOWN'),
    id: String(record.id),
    date: when ? `${when[1]}-${when[2]}-${when[3]}` : 'unknown-date',
    time: when ? `${when[4]}${when[5]}${when[6]}` : '000000',
    clock: when ? `${when[4]}-${when[5]}-${when[6]}` : '00-00-00',
    ext: recordExtension(record),
  };
}

/** Windows device names, which no file may be called, with or without an extension. */
const RESERVED_NAME = /con|prn|aux|nul|com[0-9\u00b9\u00b2\u00b3]|lpt[0-9\u00b9\u00b2\u00b3]/;
const RESERVED = new RegExp(`^(?:${RESERVED_NAME.source})$`, 'i');

/** Unicode NFC; ASCII, which most names are, is NFC already and skips ICU. */
// eslint-disable-next-line no-control-regex
const nfc = (text: string): string => (/^[\x00-\x7f]*$/.test(text) ? text : text.normalize('NFC'));

/** Cuts a string to at most `max` UTF-8 bytes without splitting a character. */
function cutBytes(text: string, max: number): string {
  let bytes = 0;
  let out = '';
  for (const ch of text) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > max) break;
    bytes += n;
    out += ch;
  }
  return out;
}

/**
 * A segment that is safe as it is: letters, digits, `_ - .`, inner spaces and CJK ideographs (NFC as
 * they are), not starting with a dot or space, not ending in one, not a reserved Windows name. Nearly
 * every planned name is, and the general way below returns it unchanged; the test alone spares that
 * (planning a path, default template: 4.1 → 2.0 µs; 10,000 of them are listed in `emrec list`).
 */
const PLAIN = new RegExp(`^(?!(?:${RESERVED_NAME.source}) *(?:\\.|$))[\\w\\u4e00-\\u9fff-][\\w\\u4e00-\\u9fff. -]*(?<![. ])$`, 'i');

const isPlain = (text: string, maxBytes: number): boolean =>
  PLAIN.test(text) && (text.length * 3 <= maxBytes || Buffer.byteLength(text, 'utf8') <= maxBytes);

/** One path segment made safe on every desktop OS; never empty, never `.`/`..`, at most MAX_SEGMENT_BYTES. */
export function sanitizeSegment(input: string, maxBytes = MAX_SEGMENT_BYTES): string {
  if (isPlain(input, maxBytes)) return input;
  // eslint-disable-next-line no-control-regex
  let s = nfc(input).replace(/[\u0000-\u001f\u007f<>:"/\\|?*]/g, '_');
  s = s.replace(/^\s+/, '').replace(/[. ]+$/, '');
  if (s === '') return '_';
  const dot = s.lastIndexOf('.');
  const ext = dot > 0 && s.length - dot <= 17 ? s.slice(dot) : '';
  let stem = ext ? s.slice(0, dot) : s;
  const firstName = (stem.split('.')[0] ?? stem).replace(/\s+$/, '');
  if (RESERVED.test(firstName)) stem = `_${stem}`;
  if (Buffer.byteLength(stem + ext, 'utf8') > maxBytes) {
    stem = cutBytes(stem, Math.max(1, maxBytes - Buffer.byteLength(ext, 'utf8'))).replace(/[. ]+$/, '') || '_';
  }
  return stem + ext;
}

/** Which fields give way, group by group, when a segment is too long: the free text first; `id` and `ext` never. */
const CUT_ORDER: readonly (readonly TemplateField[])[] = [['user', 'confrId'], ['recordType', 'type', 'type_zh'], ['date', 'time', 'clock']];

/** The largest byte cap `c` with sum(min(size, c)) <= room, and each text cut to it. */
function cutEvenly(texts: readonly string[], room: number): string[] {
  const sizes = texts.map((t) => Buffer.byteLength(t, 'utf8'));
  const fits = (cap: number): boolean => sizes.reduce((sum, size) => sum + Math.min(size, cap), 0) <= room;
  let lo = 0;
  let hi = Math.max(0, ...sizes);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return texts.map((t) => cutBytes(t, lo));
}

/**
 * One segment of a template filled from `values`, at most MAX_SEGMENT_BYTES. When too long, the long
 * field values are cut (user and conference first, evenly), never the tail: `_{recordType}_{id}.{ext}` stays.
 */
function fillSegment(pieces: readonly Piece[], values: Readonly<Record<TemplateField, string>>): string {
  const plain = pieces.map((p) => ('text' in p ? p.text : values[p.field])).join('');
  if (isPlain(plain, MAX_SEGMENT_BYTES)) return plain;
  const parts: { readonly field?: TemplateField; text: string }[] = pieces.map((p) =>
    'text' in p ? { text: nfc(p.text) } : { field: p.field, text: nfc(values[p.field]).replace(/[\\/]/g, '_') },
  );
  const joined = (): string => parts.map((p) => p.text).join('');
  // A segment that fits as it is stays as it is (the common case, checked once); one that does not is
  // cut with a byte spare for the `_` sanitizeSegment puts before a reserved name.
  const whole = sanitizeSegment(joined(), Infinity);
  if (Buffer.byteLength(whole, 'utf8') <= MAX_SEGMENT_BYTES) return whole;
  const size = (): number => Buffer.byteLength(joined(), 'utf8');
  const fits = (): boolean => Buffer.byteLength(sanitizeSegment(joined(), Infinity), 'utf8') <= MAX_SEGMENT_BYTES;
  const budget = MAX_SEGMENT_BYTES - 1;
  for (const group of CUT_ORDER) {
    if (fits()) break;
    const cut = parts.filter((p) => p.field !== undefined && group.includes(p.field));
    if (cut.length === 0) continue;
    const fixed = size() - cut.reduce((sum, p) => sum + Buffer.byteLength(p.text, 'utf8'), 0);
    const texts = cutEvenly(
      cut.map((p) => p.text),
      Math.max(0, budget - fixed),
    );
    cut.forEach((p, i) => (p.text = texts[i] ?? ''));
  }
  // Only a template whose own text is too long still overflows; sanitizeSegment then cuts it, keeping the extension.
  return sanitizeSegment(joined());
}

/** The relative path (with `/`) a record is saved under. */
export function planPath(record: Recording, template: string | CompiledTemplate = DEFAULT_TEMPLATE): string {
  const compiled = typeof template === 'string' ? compileTemplate(template) : template;
  const values = templateValues(record);
  return compiled.segments.map((pieces) => fillSegment(pieces, values)).join('/');
}

/** The same path with `<separator><suffix>` (default `_<suffix>`) before the extension of its last segment (for two records on one path). */
export function withSuffix(rel: string, suffix: string, separator = '_'): string {
  const slash = rel.lastIndexOf('/');
  const dir = slash >= 0 ? rel.slice(0, slash + 1) : '';
  const base = rel.slice(slash + 1);
  const dot = base.lastIndexOf('.');
  const stem = dot > 0 ? base.slice(0, dot) : base;
  const ext = dot > 0 ? base.slice(dot) : '';
  const tail = `${separator}${suffix}${ext}`;
  return dir + sanitizeSegment(cutBytes(stem, MAX_SEGMENT_BYTES - Buffer.byteLength(tail, 'utf8')) + tail);
}

/** `outDir` joined with a relative path, guaranteed to be strictly inside `outDir`, else BAD_INPUT. */
export function resolveInside(outDir: string, rel: string): string {
  const root = path.resolve(outDir);
  const abs = path.resolve(root, rel);
  const back = path.relative(root, abs);
  if (back === '' || back === '..' || back.startsWith(`..${path.sep}`) || path.isAbsolute(back)) {
    throw new EmrecError('BAD_INPUT', `The path "${rel}" is not inside the output folder`, { details: { field: 'path' } });
  }
  return abs;
}
