// The demo server's recordings: plain data shaped like the vendor's records, plus how to make
// each file's bytes. Realistic by default (Chinese and Latin names, several days, all record types);
// `syntheticCatalogue` makes many large pseudo-random files for benchmarks.
import { DateTime } from 'luxon';
import { DEFAULT_TIMEZONE } from '../core/connection.ts';

/** A real media file made by ffmpeg from lavfi test sources (tiny, a few seconds). */
export interface FfmpegMediaSpec {
  readonly container: 'webm' | 'mkv' | 'mp4';
  readonly video: 'vp8' | 'h264' | 'none';
  readonly audio: 'opus' | 'aac';
  /** lavfi video source: a camera-like pattern or a screen-like one. */
  readonly pattern: 'testsrc2' | 'smptebars' | 'rgbtestsrc';
  readonly seconds: number;
  readonly width: number;
  readonly height: number;
  /** Sine tone in Hz: makes each file's bytes distinct. */
  readonly frequency: number;
}

export type DemoMedia =
  | { readonly kind: 'ffmpeg'; readonly spec: FfmpegMediaSpec }
  | { readonly kind: 'synthetic'; readonly size: number; readonly seed: number; readonly extension?: 'webm' | 'mkv' | 'mp4' };

/** One recording as the demo serves it: the record fields (without `url`/`expireTime`, which are signed per listing) and its media. */
export interface DemoFile {
  readonly id: number;
  readonly owner: string;
  readonly confrBeginTime: string;
  readonly confrEndTime: string;
  readonly confrType: 'CONFR' | 'COMMUNICATION' | 'COMMUNICATION_MIX' | 'LIVE';
  readonly confrId: string;
  readonly memberId: string;
  readonly userName: string;
  readonly memberName: string;
  readonly accessId: string;
  readonly pubStreamId?: string;
  readonly recordType: 'ONLY_REC_ONE_AV' | 'ONLY_REC_ONE_DESKTOP' | 'MERGE_ALL' | 'ONLY_REC_ONE';
  readonly recordTime: string;
  readonly media: DemoMedia;
}

export interface CatalogueOptions {
  readonly org?: string;
  readonly app?: string;
  /** Server-local zone of all times; default Asia/Shanghai. */
  readonly timezone?: string;
}

const LOCAL_FORMAT = 'yyyy-MM-dd HH:mm:ss';

/** A Date as the server's local `YYYY-MM-DD HH:mm:ss`. */
export function formatLocal(date: Date | number, timezone: string = DEFAULT_TIMEZONE): string {
  const ms = typeof date === 'number' ? date : date.getTime();
  return DateTime.fromMillis(ms, { zone: timezone }).toFormat(LOCAL_FORMAT);
}

/** The file extension a demo file's URL ends with. */
export function demoExtension(file: Pick<DemoFile, 'media'>): 'webm' | 'mkv' | 'mp4' {
  return file.media.kind === 'ffmpeg' ? file.media.spec.container : (file.media.extension ?? 'webm');
}

type Codec = 'webm' | 'webm-audio' | 'mkv-aac' | 'mkv-opus' | 'desktop' | 'merge';

interface ConferencePlan {
  readonly daysAgo: number;
  readonly start: { hour: number; minute: number; second: number };
  readonly minutes: number;
  readonly type: DemoFile['confrType'];
  /** [user, codec] per single-user recording, in recording order. */
  readonly singles: readonly (readonly [string, Codec])[];
  readonly merges: number;
}

const PLANS: readonly ConferencePlan[] = [
  {
    daysAgo: 27, start: { hour: 16, minute: 20, second: 41 }, minutes: 8, type: 'LIVE',
    singles: [['陈静', 'webm'], ['wangwu', 'webm']], merges: 1,
  },
  {
    daysAgo: 16, start: { hour: 11, minute: 45, second: 9 }, minutes: 47, type: 'CONFR',
    singles: [['alice', 'webm'], ['zhao_liu', 'mkv-aac'], ['王芳', 'webm']], merges: 2,
  },
  {
    daysAgo: 9, start: { hour: 20, minute: 5, second: 33 }, minutes: 25, type: 'COMMUNICATION',
    singles: [['lisi', 'mkv-aac'], ['张伟', 'webm']], merges: 1,
  },
  {
    daysAgo: 5, start: { hour: 9, minute: 15, second: 0 }, minutes: 58, type: 'CONFR',
    singles: [['刘洋', 'webm'], ['tom.smith', 'webm-audio'], ['李娜', 'mkv-opus'], ['alice', 'webm'], ['tom.smith', 'webm-audio']],
    merges: 2,
  },
  {
    daysAgo: 2, start: { hour: 14, minute: 30, second: 12 }, minutes: 12, type: 'COMMUNICATION',
    singles: [['wangwu', 'webm'], ['陈静', 'mkv-opus']], merges: 1,
  },
  {
    daysAgo: 1, start: { hour: 10, minute: 0, second: 5 }, minutes: 35, type: 'CONFR',
    singles: [['张伟', 'webm'], ['lisi', 'mkv-aac'], ['王芳', 'webm'], ['张伟', 'desktop'], ['lisi', 'mkv-aac']],
    merges: 2,
  },
];

// Gaps between consecutive ids: other apps' recordings live in the same id sequence.
const ID_GAPS = [1, 3, 1, 7, 2, 1, 12, 1, 4, 2, 1, 1, 9, 3, 1, 2, 6, 1, 1, 5];

function specFor(codec: Codec, frequency: number): FfmpegMediaSpec {
  const base = { seconds: 2, width: 160, height: 120, frequency } as const;
  switch (codec) {
    case 'webm': return { ...base, container: 'webm', video: 'vp8', audio: 'opus', pattern: 'testsrc2' };
    case 'webm-audio': return { ...base, container: 'webm', video: 'none', audio: 'opus', pattern: 'testsrc2' };
    case 'mkv-aac': return { ...base, container: 'mkv', video: 'h264', audio: 'aac', pattern: 'testsrc2' };
    case 'mkv-opus': return { ...base, container: 'mkv', video: 'h264', audio: 'opus', pattern: 'testsrc2' };
    case 'desktop': return { ...base, container: 'webm', video: 'vp8', audio: 'opus', pattern: 'smptebars', width: 192, height: 108 };
    case 'merge': return { ...base, container: 'mp4', video: 'h264', audio: 'aac', pattern: 'rgbtestsrc', seconds: 3, width: 192, height: 144 };
  }
}

/** Eighteen digits derived from a number, like the vendor's snowflake ids. */
function snowflake(n: number): string {
  return String(364829548358926336n + BigInt(n) * 7919n);
}

/**
 * The default demo catalogue: 6 conferences over the last 30 days (relative to `now`, server-local times),
 * 2–4 users each, about 30 files of every record type, ids ascending with gaps.
 */
export function demoCatalogue(now: Date = new Date(), options: CatalogueOptions = {}): DemoFile[] {
  const org = options.org ?? 'demo-org';
  const app = options.app ?? 'demo-app';
  const zone = options.timezone ?? DEFAULT_TIMEZONE;
  const appkey = `${org}#${app}`;
  const today = DateTime.fromJSDate(now, { zone });
  const files: DemoFile[] = [];
  let id = 1_000_183;
  let gap = 0;
  const nextId = (): number => {
    id += ID_GAPS[gap++ % ID_GAPS.length] ?? 1;
    return id;
  };

  PLANS.forEach((plan, c) => {
    const begin = today.minus({ days: plan.daysAgo }).set({ ...plan.start, millisecond: 0 });
    const end = begin.plus({ minutes: plan.minutes });
    const confrId = `IM_X${snowflake(c * 101)}C${16 + c}`;
    const common = {
      owner: appkey,
      confrBeginTime: begin.toFormat(LOCAL_FORMAT),
      confrEndTime: end.toFormat(LOCAL_FORMAT),
      confrType: plan.type,
      confrId,
    } as const;
    const members = [...new Set(plan.singles.map(([user]) => user))];
    plan.singles.forEach(([user, codec], i) => {
      const m = members.indexOf(user);
      const fileId = nextId();
      files.push({
        id: fileId,
        ...common,
        memberId: `${confrId}M${21 + m}`,
        userName: `${appkey}_${user}`,
        memberName: `${appkey}_${user}`,
        accessId: `HI${snowflake(fileId)}`,
        ...(codec === 'webm-audio' ? {} : { pubStreamId: `rtc-10-xbd__Of_C${16 + c}M${21 + m}${codec === 'desktop' ? 'D' : ''}` }),
        recordType: codec === 'desktop' ? 'ONLY_REC_ONE_DESKTOP' : 'ONLY_REC_ONE_AV',
        // Each recording finishes a little after the conference; later ones (reconnects) a bit later still.
        recordTime: end.plus({ seconds: 3 + i * 2 }).toFormat(LOCAL_FORMAT),
        media: { kind: 'ffmpeg', spec: specFor(codec, 220 + fileId % 97 * 7) },
      });
    });
    const host = members[0] ?? 'host';
    for (let k = 0; k < plan.merges; k++) {
      const fileId = nextId();
      files.push({
        id: fileId,
        ...common,
        memberId: `${confrId}M${21}`,
        userName: `${appkey}_${host}`,
        memberName: `${appkey}_${host}`,
        accessId: `HI${snowflake(fileId)}`,
        recordType: 'MERGE_ALL',
        recordTime: end.plus({ seconds: 30 + k * 40 }).toFormat(LOCAL_FORMAT),
        media: { kind: 'ffmpeg', spec: specFor('merge', 220 + fileId % 97 * 7) },
      });
    }
  });
  return files;
}

export interface SyntheticOptions {
  /** Number of files (default 200). */
  readonly count?: number;
  /** Bytes per file (default 5 MB). */
  readonly size?: number;
  /** Bytes of file i, over `size` (a mix of sizes). */
  readonly sizeOf?: (i: number) => number;
  readonly now?: Date;
  /** Files per conference (default 50). */
  readonly perConference?: number;
  readonly org?: string;
  readonly app?: string;
  readonly timezone?: string;
}

/** Many pseudo-random files for benchmarks: all on one day (yesterday, server-local), a few conferences. */
export function syntheticCatalogue(options: SyntheticOptions = {}): DemoFile[] {
  const count = options.count ?? 200;
  const size = options.size ?? 5_000_000;
  const perConference = Math.max(1, options.perConference ?? 50);
  const zone = options.timezone ?? DEFAULT_TIMEZONE;
  const appkey = `${options.org ?? 'demo-org'}#${options.app ?? 'demo-app'}`;
  const day = DateTime.fromJSDate(options.now ?? new Date(), { zone }).minus({ days: 1 }).set({ hour: 9, minute: 0, second: 0, millisecond: 0 });
  const files: DemoFile[] = [];
  for (let i = 0; i < count; i++) {
    const c = Math.floor(i / perConference);
    const begin = day.plus({ minutes: c * 20 });
    const end = begin.plus({ minutes: 15 });
    const confrId = `BENCH_X${snowflake(c)}C${c + 1}`;
    const user = `${appkey}_bench_user_${i % perConference}`;
    const id = 2_000_000 + i * 2;
    files.push({
      id,
      owner: appkey,
      confrBeginTime: begin.toFormat(LOCAL_FORMAT),
      confrEndTime: end.toFormat(LOCAL_FORMAT),
      confrType: 'CONFR',
      confrId,
      memberId: `${confrId}M${i % perConference}`,
      userName: user,
      memberName: user,
      accessId: `HI${snowflake(id)}`,
      recordType: 'ONLY_REC_ONE_AV',
      recordTime: end.plus({ seconds: 5 }).toFormat(LOCAL_FORMAT),
      media: { kind: 'synthetic', size: options.sizeOf?.(i) ?? size, seed: i + 1 },
    });
  }
  return files;
}
