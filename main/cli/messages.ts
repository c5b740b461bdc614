// emrec's error line in the user's language: Chinese when the locale says so (LC_ALL, LC_MESSAGES, LANG),
// English otherwise. The Chinese sentence names the problem and the fix; the engine's English message,
// which carries the exact value, follows in brackets.
import type { ErrorCode, ErrorInfo } from '../core/errors.ts';

export type CliLanguage = 'zh-CN' | 'en';

export function cliLanguage(env: NodeJS.ProcessEnv = process.env): CliLanguage {
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return /^zh([_-]|$)/i.test(locale) ? 'zh-CN' : 'en';
}

/** Chinese for a BAD_INPUT by the field it is about. */
const ZH_FIELDS: Readonly<Record<string, string>> = {
  server: '缺少或无效的 REST 服务器地址：请用 --server 指定（或设置 EASEMOB_SERVER），例如 https://a1.easemob.com',
  org: '缺少或无效的 org 名称：请用 --org 指定（或设置 EASEMOB_ORG），即 appkey 中 # 之前的部分',
  app: '缺少或无效的 app 名称：请用 --app 指定（或设置 EASEMOB_APP），即 appkey 中 # 之后的部分',
  auth: '缺少凭据：请同时提供 --client-id 和 --client-secret，或提供 --token',
  timezone: '未知的时区：请用 IANA 名称，例如 Asia/Shanghai 或 UTC',
  from: '开始时间有误：请使用 ISO 8601 或 “YYYY-MM-DD[ HH:mm[:ss]]”，且 --from 须早于 --to',
  to: '结束时间有误：请使用 ISO 8601 或 “YYYY-MM-DD[ HH:mm[:ss]]”',
  query: '请说明要下载什么：--conference 会议ID [--user 用户名]，或 --from/--to 时间段，或 --days N',
  conference: '--conference 需要一个会议 ID',
  user: '--user 需要同时提供 --conference 会议ID',
  merged: '--merged 只能与时间段（--from/--to 或 --days）一起使用',
  days: '--days 必须是大于等于 1 的整数，且不能与 --from/--to 同时使用',
  template: '文件命名规则有误：可用字段为 {confrId} {user} {recordType} {id} {date} {time} {ext}',
  concurrency: '同时下载数必须是 1 到 16 之间的整数',
  path: '文件路径超出了所选的下载文件夹',
};

/** Chinese for a FOLDER_NOT_WRITABLE caused by something of the wrong kind at a path, by `details.unusable`. */
const ZH_UNUSABLE: Readonly<Record<string, string>> = {
  'folder-in-place': '括号中的路径应当是 emrec 的文件，那里却是一个文件夹：请把它移走或改名，或换一个文件夹',
  'file-in-path': '括号中的路径（或它上面的某一级）是一个文件，而不是文件夹：请把它移走或改名，或换一个文件夹',
};

const ZH_CODES: Readonly<Record<ErrorCode, string>> = {
  AUTH_FAILED: '身份验证失败：请检查 Client ID 和 Client Secret，或重新获取令牌',
  NOT_FOUND: '未找到：请检查 org/app 名称或会议 ID',
  FILE_GONE: '录制文件已不在文件服务器上（超过保存期限被删除，或存储丢失了它）；其他文件不受影响',
  RATE_LIMITED: '服务器限流，多次重试后仍未成功，请稍后再试',
  SERVER_ERROR: '服务器出错，多次重试后仍未成功，请稍后再试',
  BAD_RESPONSE: '服务器返回了无法识别的内容',
  NETWORK: '无法连接服务器：请检查网络和服务器地址',
  URL_EXPIRED: '下载链接已过期，且无法获取新链接',
  DISK_FULL: '磁盘空间不足',
  FILE_CHANGED: '服务器上的文件在下载过程中反复变化',
  SIZE_MISMATCH: '收到的字节数与文件大小不符',
  CANCELLED: '已取消',
  BAD_INPUT: '参数有误',
  INVALID_RECORD: '服务器返回了无法使用的录制记录',
  CONVERT_FAILED: '转换失败',
  CONVERT_UNAVAILABLE: '无法转换：没有可用的 ffmpeg（下载不受影响）；可用 --ffmpeg 指定路径',
  STORE_CORRUPT: '状态文件已损坏，已备份并重置',
  FOLDER_NOT_WRITABLE: '无法写入下载文件夹：请检查该文件夹是否只读、是否有写入权限',
  PAGING_BROKEN: '服务器分页异常（不按 startId 翻页），列表不完整：请检查服务器地址或联系服务器管理员',
  ALREADY_RUNNING: '另一个 emrec 正在使用同一个状态文件夹：等它结束，或加 --wait 排队等待',
  NOT_ALLOWED: '该文件当前的状态不允许此操作',
  STORE_TOO_NEW: '状态文件夹由更新版本的本程序写入：请更新本程序，或用 --state-dir 换一个文件夹（文件夹里的内容都未改动）',
  NAME_TAKEN: '文件夹里已有一个同名但内容不同的文件：它保持原样，这个录制文件以另一个名字保存',
  INTERNAL: 'emrec 内部出错（这是程序的缺陷，请把下面的信息报告给开发者）',
};

/** The one line emrec prints for a failure, without the `emrec: ` prefix. */
export function errorLine(info: ErrorInfo, language: CliLanguage): string {
  const detail = info.description && !info.message.includes(info.description) ? ` (${info.description})` : '';
  const english = `${info.message}${detail}`;
  if (language === 'en') return english;
  const field = typeof info.details?.field === 'string' ? info.details.field : undefined;
  const unusable = info.code === 'FOLDER_NOT_WRITABLE' && typeof info.details?.unusable === 'string' ? info.details.unusable : undefined;
  const zh =
    (info.code === 'BAD_INPUT' && field !== undefined ? ZH_FIELDS[field] : undefined) ??
    (unusable !== undefined ? ZH_UNUSABLE[unusable] : undefined) ??
    ZH_CODES[info.code];
  return `${zh}（${english}）`;
}
