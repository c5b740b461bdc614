// Recordings already in a folder, named by this app, into history: after a reinstall, or on a second
// computer sharing the folder, nothing is fetched again. The recording id comes from the file's path
// read back through the naming template (or, failing that, the `_<id>.<ext>` every template of this
// app's presets ends with); size and SHA-256 from the file itself. The names are trusted: this is for
// a folder the person says holds this app's downloads. Ids history already knows are left as they are.
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { hashFile } from './download-file.ts';
import { EmrecError } from './errors.ts';
import type { History } from './history.ts';
import { TYPE_WORDS } from './type-words.ts';
import { compileTemplate, DEFAULT_TEMPLATE, type CompiledTemplate, type TemplateField } from './naming.ts';

const MEDIA = /\.(webm|mkv|mp4)$/i;
/** The known words of a language, longest first (Single person before a name with a space), else any word. */
const words = (language: keyof typeof TYPE_WORDS): string =>
  [...Object.values(TYPE_WORDS[language])].sort((a, b) => b.length - a.length).join('|') + '|[^/ _]+?';
const FIELD_PATTERN: Readonly<Record<TemplateField, string>> = {
  id: '\\d{1,15}',
  ext: 'webm|mkv|mp4',
  date: '\\d{4}-\\d{2}-\\d{2}|unknown-date',
  time: '\\d{6}',
  clock: '\\d{2}-\\d{2}-\\d{2}',
  confrId: '[^/]+?',
  user: '[^/]+?',
  // the known types first, so a user name with underscores is not cut at its first one
  recordType: 'ONLY_REC_ONE_AV|ONLY_REC_ONE_DESKTOP|ONLY_REC_ONE|MERGE_ALL|UNKNOWN|[^/_]+?',
  type: words('en'),
  type_zh: words('zh-CN'),
};

export type NameFields = Partial<Record<TemplateField, string>>;

/** A function reading a relative path (`/`-separated) back into the template's fields; undefined when it does not fit. */
export function nameReader(template: CompiledTemplate): (rel: string) => NameFields | undefined {
  const seen = new Set<TemplateField>();
  const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const body = template.segments
    .map((pieces) =>
      pieces
        .map((p) => {
          if ('text' in p) return escape(p.text);
          if (seen.has(p.field)) return `\\k<${p.field}>`;
          seen.add(p.field);
          return `(?<${p.field}>${FIELD_PATTERN[p.field]})`;
        })
        .join(''),
    )
    .join('/');
  const re = new RegExp(`^${body}$`, 'i');
  return (rel) => {
    // a second file of one name was saved as `name (2).ext`
    const m = re.exec(rel.replace(/ \(\d+\)(\.[^./]+)$/, '$1'));
    return m?.groups ? { ...m.groups } : undefined;
  };
}

/** The id at the end of a name of this app, whatever the folders: `…_1000184.webm`, `… 1000184 (2).mp4`. */
/** The server's code of a type read back from its words ("Camera", "摄像头"); '' when unknown. */
function typeCode(words: string | undefined): string {
  if (words === undefined) return '';
  for (const language of Object.values(TYPE_WORDS)) {
    const found = Object.entries(language).find(([, w]) => w === words);
    if (found) return found[0];
  }
  return '';
}

/** The meeting's server-local time when the name holds its date and time (`{time}` 082041 or `{clock}` 08-20-41). */
function recordedAtOf(fields: NameFields): { recordedAt?: string } {
  const time = (fields.time ?? fields.clock)?.replace(/\D/g, '');
  if (!fields.date || !/^\d{4}-\d{2}-\d{2}$/.test(fields.date) || time?.length !== 6) return {};
  return { recordedAt: `${fields.date} ${time.slice(0, 2)}:${time.slice(2, 4)}:${time.slice(4)}` };
}

function fallbackId(rel: string): string | undefined {
  return /[_ -](\d{1,15})(?: \(\d+\))?\.(?:webm|mkv|mp4)$/i.exec(rel)?.[1];
}

export interface ImportReport {
  /** Media files looked at. */
  readonly scanned: number;
  /** Recordings added to history. */
  readonly added: number;
  /** Recordings history already had. */
  readonly known: number;
  /** Media files whose name gave no recording id (relative paths, the first 50). */
  readonly unrecognised: readonly string[];
}

/** Everything under `root`; a folder that is not there (or not a folder, or not ours to read) is BAD_INPUT. */
async function readFolder(root: string): Promise<Dirent[]> {
  try {
    return await readdir(root, { recursive: true, withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | null)?.code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'EACCES' && code !== 'EPERM') throw error;
    throw new EmrecError('BAD_INPUT', `There is no folder at ${root} that this app may read (${code}): check the folder you gave`, {
      details: { field: 'folder', dir: root, reason: code },
    });
  }
}

export async function importFolder(
  folder: string,
  options: { readonly history: History; readonly appkey: string; readonly template?: string; readonly onProgress?: (done: number, total: number) => void },
): Promise<ImportReport> {
  const root = path.resolve(folder);
  const read = nameReader(compileTemplate(options.template ?? DEFAULT_TEMPLATE));
  const files: { rel: string; abs: string; fields: NameFields; id: number }[] = [];
  const unrecognised: string[] = [];
  let scanned = 0;
  for (const entry of await readFolder(root)) {
    if (!entry.isFile() || !MEDIA.test(entry.name)) continue;
    scanned += 1;
    const abs = path.join(entry.parentPath, entry.name);
    const rel = path.relative(root, abs).split(path.sep).join('/');
    const fields = read(rel) ?? {};
    const id = fields.id ?? fallbackId(rel);
    if (id === undefined) {
      if (unrecognised.length < 50) unrecognised.push(rel);
      continue;
    }
    files.push({ rel, abs, fields, id: Number(id) });
  }
  // one file per recording: the download itself (webm/mkv) rather than a converted mp4 beside it
  const byId = new Map<number, (typeof files)[number]>();
  for (const file of files.sort((a, b) => a.rel.localeCompare(b.rel))) {
    const had = byId.get(file.id);
    if (!had || (/\.mp4$/i.test(had.rel) && !/\.mp4$/i.test(file.rel))) byId.set(file.id, file);
  }
  let added = 0;
  let known = 0;
  let done = 0;
  for (const file of byId.values()) {
    if (options.history.get(options.appkey, file.id)) known += 1;
    else {
      const info = await stat(file.abs);
      const { size, sha256 } = await hashFile(file.abs);
      options.history.add({
        id: file.id,
        appkey: options.appkey,
        confrId: file.fields.confrId ?? '',
        user: file.fields.user ?? '',
        recordType: file.fields.recordType ?? typeCode(file.fields.type ?? file.fields.type_zh),
        path: file.abs,
        size,
        sha256,
        finishedAt: info.mtime.toISOString(),
        ...recordedAtOf(file.fields),
      });
      added += 1;
    }
    done += 1;
    options.onProgress?.(done, byId.size);
  }
  options.history.flush();
  return { scanned, added, known, unrecognised };
}
