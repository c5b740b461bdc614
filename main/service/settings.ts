// Settings with defaults that suit a first start: the system language, a folder under Downloads,
// the default naming template. Stored values are parsed field by field so one bad value never loses the rest;
// a change is checked whole before it is stored (paths, template, auto-archive's connection).
import os from 'node:os';
import path from 'node:path';
import { EmrecError, toErrorInfo } from '../core/errors.ts';
import { DEFAULT_CONNECTIONS } from '../core/connection-budget.ts';
import { clearFfmpegCache, resolveFfmpeg, type FfmpegInfo } from '../core/ffmpeg-path.ts';
import { compileTemplate, planPath, readableTemplate } from '../core/naming.ts';
import type { Recording } from '../core/record.ts';
import { SettingsSchema, type AppInfo, type AutoArchive, type Language, type Settings } from '../ipc/contract.ts';
import type { AppStateBackend } from './app-state.ts';
import type { ConnectionBook } from './connections.ts';
import type { SecretBox } from './secret-box.ts';
import type { HandlerSlice, ServiceContext } from './context.ts';
import { checkAbsolutePath, checkTemplate } from './paths.ts';

/** `zh`, `zh-CN`, `zh_TW.UTF-8`... are Chinese; everything else English. */
function toLanguage(locale: string | undefined): Language {
  return locale !== undefined && /^zh\b|^zh[-_]/i.test(locale) ? 'zh-CN' : 'en';
}

/** The folder recordings go to unless the user picks another. */
function defaultDownloadFolder(home: string = os.homedir()): string {
  return path.join(home, 'Downloads', 'Easemob recordings');
}

function defaultSettings(systemLanguage: Language, home?: string): Settings {
  return {
    language: systemLanguage,
    defaultFolder: defaultDownloadFolder(home),
    // names in words in the person's language; the command line keeps DEFAULT_TEMPLATE
    template: readableTemplate(systemLanguage),
    concurrency: 3,
    connections: DEFAULT_CONNECTIONS,
    convert: false,
    keepOriginal: true,
    ffmpegPath: '',
    updateFeed: '',
  };
}

/** Stored (untrusted) settings over the defaults: each valid field is kept, each invalid one falls back. */
function mergeSettings(defaults: Settings, stored: unknown): Settings {
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

/** The settings over their defaults, and the ffmpeg they point to. */
export class SettingsStore {
  readonly systemLanguage: Language;
  readonly #state: AppStateBackend;
  readonly #defaults: Settings;
  readonly #ffmpegDir: string | undefined;

  constructor(state: AppStateBackend, options: { readonly systemLanguage: string; readonly home?: string; readonly ffmpegDir?: string }) {
    this.#state = state;
    this.systemLanguage = toLanguage(options.systemLanguage);
    this.#defaults = defaultSettings(this.systemLanguage, options.home);
    this.#ffmpegDir = options.ffmpegDir;
  }

  get(): Settings {
    return mergeSettings(this.#defaults, this.#state.get('settings'));
  }

  /** Stores `patch` (already checked) over the stored settings; returns the result. */
  save(patch: Partial<Settings>): Settings {
    const stored = this.#state.get('settings');
    const next = mergeSettings(this.#defaults, { ...(typeof stored === 'object' && stored !== null ? stored : {}), ...patch });
    this.#state.set('settings', next);
    return next;
  }

  /** The ffmpeg the settings point to (or the bundled/system one); CONVERT_UNAVAILABLE when none works. */
  ffmpeg(): Promise<FfmpegInfo> {
    const userPath = this.get().ffmpegPath;
    const bundledDir = this.#ffmpegDir;
    return resolveFfmpeg({ ...(userPath ? { userPath } : {}), ...(bundledDir ? { bundledDir } : {}) });
  }
}

/** Checks an auto-archive block beyond its shape: an absolute folder and a saved connection (required when on). */
function checkAutoArchive(block: AutoArchive, book: ConnectionBook): AutoArchive {
  const folder = checkAbsolutePath(block.folder, 'autoArchive.folder');
  if (block.enabled && block.connectionId === '') {
    throw new EmrecError('BAD_INPUT', 'Choose a saved connection for auto-archive', { details: { field: 'autoArchive.connectionId' } });
  }
  if (block.connectionId !== '' && !book.list().some((c) => c.id === block.connectionId)) {
    throw new EmrecError('BAD_INPUT', `No saved connection with id ${block.connectionId} for auto-archive`, {
      details: { field: 'autoArchive.connectionId' },
    });
  }
  return { ...block, folder };
}

/** The example record `naming:preview` renders. */
const PREVIEW_RECORD: Recording = {
  id: 1000184,
  url: 'https://example.invalid/rec/1000184.webm',
  owner: 'demo-org#demo-app',
  confrBeginTime: '2024-05-01 08:30:15',
  confrEndTime: '2024-05-01 09:02:40',
  confrId: 'IM_X364829548358926336C16',
  userName: 'demo-org#demo-app_alice',
  recordType: 'ONLY_REC_ONE_AV',
};

/** The Settings screen: what the app runs with, the settings themselves and the naming template's live example. */
export function settingsHandlers(ctx: ServiceContext): HandlerSlice<'app:info' | 'settings:get' | 'settings:set' | 'secrets:allowPlain' | 'naming:preview'> {
  const { options, settings } = ctx;
  return {
    'app:info': async () => {
      let ffmpeg: AppInfo['ffmpeg'];
      try {
        const info = await settings.ffmpeg();
        ffmpeg = { available: true, version: info.version, source: info.source };
      } catch (error) {
        ffmpeg = { available: false, reason: toErrorInfo(error).message };
      }
      return {
        version: options.version,
        systemLanguage: settings.systemLanguage,
        platform: options.platform ?? process.platform,
        ffmpeg,
        notices: ctx.notices.all(),
        secrets: secretsInfo(options.secrets),
      };
    },

    'secrets:allowPlain': async ({ allow }) => {
      const consent = options.secrets.plainConsent;
      if (!consent) throw new EmrecError('NOT_ALLOWED', 'Secrets are encrypted by the system keychain here; there is nothing to allow');
      consent.set(allow);
    },

    'settings:get': async () => settings.get(),

    'settings:set': async (patch) => {
      if (patch.template !== undefined) {
        checkTemplate(patch.template);
        compileTemplate(patch.template);
      }
      if (patch.defaultFolder !== undefined) patch.defaultFolder = checkAbsolutePath(patch.defaultFolder, 'defaultFolder');
      if (patch.ffmpegPath !== undefined && patch.ffmpegPath !== '') patch.ffmpegPath = checkAbsolutePath(patch.ffmpegPath, 'ffmpegPath');
      if (patch.autoArchive !== undefined) patch.autoArchive = checkAutoArchive(patch.autoArchive, ctx.book);
      const before = settings.get().autoArchive;
      const next = settings.save(patch);
      if (patch.ffmpegPath !== undefined) clearFfmpegCache();
      if (patch.bandwidth !== undefined) ctx.downloads.applyBandwidth();
      if (patch.connections !== undefined) ctx.downloads.applyConnections();
      if (patch.autoArchive !== undefined) {
        ctx.folders.remember(patch.autoArchive.folder);
        if (JSON.stringify(before) !== JSON.stringify(next.autoArchive)) ctx.archive.reschedule();
      }
      options.onSettingsChanged?.(next);
      return next;
    },

    'naming:preview': async ({ template }) => {
      checkTemplate(template);
      return { example: planPath(PREVIEW_RECORD, compileTemplate(template)) };
    },
  };
}

function secretsInfo(box: SecretBox): AppInfo['secrets'] {
  if (box.available || !box.plainConsent) return { encrypted: box.available };
  const allowed = box.plainConsent.get();
  return { encrypted: false, plain: allowed === undefined ? 'unasked' : allowed ? 'allowed' : 'refused' };
}
