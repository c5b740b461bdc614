// The words of the desktop notifications, in the app's language. Pure (no Electron), so a test can
// check both languages; an error's own message is English for logs, so a failed run says its code
// in the user's language instead.
import type { ErrorCode } from '../core/errors.ts';
import type { ArchiveRun, Language } from '../ipc/contract.ts';

export interface NotificationText {
  readonly title: string;
  readonly body: string;
}

/** A short sentence per error code a run can meet; other codes get the fallback. */
const ERROR_TEXT: Readonly<Record<Language, Partial<Record<ErrorCode, string>> & { readonly fallback: string }>> = {
  en: {
    AUTH_FAILED: 'Sign-in failed: check the client ID, secret or token of the connection.',
    NETWORK: 'Could not reach the server. Check the network and the server address.',
    NOT_FOUND: 'Not found on the server: check the org and app names of the connection.',
    RATE_LIMITED: 'The server is busy and asked to slow down. The next run will try again.',
    SERVER_ERROR: 'The server had a problem. The next run will try again.',
    BAD_RESPONSE: 'The server answered in an unexpected way. Check the server address.',
    DISK_FULL: 'Not enough free disk space in the archive folder.',
    BAD_INPUT: 'The auto-archive settings are not valid. Check them in Settings.',
    CANCELLED: 'The run was cancelled.',
    CONVERT_UNAVAILABLE: 'ffmpeg is not available, so nothing could be converted. Set its path in Settings or turn conversion off.',
    FOLDER_NOT_WRITABLE: 'The archive folder cannot be written to. Check that it is not read-only.',
    PAGING_BROKEN: 'The server did not page through the list correctly; nothing was skipped silently. Check the server.',
    INTERNAL: 'Something went wrong in the app. Open it for details.',
    fallback: 'Something went wrong. Open the app for details.',
  },
  'zh-CN': {
    AUTH_FAILED: '登录失败：请检查连接的 Client ID、Client Secret 或 Token。',
    NETWORK: '无法连接服务器，请检查网络和服务器地址。',
    NOT_FOUND: '服务器上找不到：请检查连接的组织名称（org）和应用名称（app）。',
    RATE_LIMITED: '服务器繁忙，要求放慢请求。下次运行时会再试。',
    SERVER_ERROR: '服务器出错。下次运行时会再试。',
    BAD_RESPONSE: '服务器的回应无法识别，请检查服务器地址。',
    DISK_FULL: '归档文件夹所在磁盘空间不足。',
    BAD_INPUT: '自动归档设置无效，请在“设置”中检查。',
    CANCELLED: '本次运行已取消。',
    CONVERT_UNAVAILABLE: '找不到可用的 ffmpeg，无法转换。请在“设置”中指定它的路径，或关闭转换。',
    FOLDER_NOT_WRITABLE: '无法写入归档文件夹，请检查它是否只读。',
    PAGING_BROKEN: '服务器没有正确分页，列表不完整。请检查服务器。',
    INTERNAL: '应用内部出错，请打开应用查看详情。',
    fallback: '出现问题，请打开应用查看详情。',
  },
};

/** The translated sentence for an error code: the fallback for codes without their own (or unknown ones read from disk). */
export function errorText(language: Language, code: ErrorCode | (string & {})): string {
  const table = ERROR_TEXT[language];
  const text = Object.hasOwn(table, code) ? (table as Readonly<Record<string, string | undefined>>)[code] : undefined;
  return text ?? table.fallback;
}

/** The notification for a finished download batch. */
export function batchMessage(language: Language, done: number, failed: number): NotificationText {
  if (language === 'zh-CN') {
    return failed > 0
      ? { title: '下载完成，但有失败', body: `已保存 ${done} 个文件，${failed} 个失败。` }
      : { title: '下载完成', body: `已保存 ${done} 个文件。` };
  }
  return failed > 0
    ? { title: 'Downloads finished with failures', body: `${done} saved, ${failed} failed.` }
    : { title: 'Downloads finished', body: `${done} file${done === 1 ? '' : 's'} saved.` };
}

/** The notification for a finished auto-archive run. */
export function archiveMessage(language: Language, run: ArchiveRun): NotificationText {
  if (language === 'zh-CN') {
    if (run.error) return { title: '自动归档失败', body: errorText(language, run.error.code) };
    return run.failed > 0
      ? { title: '自动归档完成，但有失败', body: `已保存 ${run.saved} 个新录制，${run.failed} 个失败。` }
      : { title: '自动归档完成', body: `已保存 ${run.saved} 个新录制。` };
  }
  if (run.error) return { title: 'Auto-archive failed', body: errorText(language, run.error.code) };
  const saved = `Saved ${run.saved} new recording${run.saved === 1 ? '' : 's'}`;
  return run.failed > 0 ? { title: 'Auto-archive finished with failures', body: `${saved}; ${run.failed} failed.` } : { title: 'Auto-archive finished', body: `${saved}.` };
}
