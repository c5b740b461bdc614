// The desktop notifications' words: a failed auto-archive run says what went wrong in the app's
// language (not the error's English message), and the module stays free of Electron.
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, type ErrorCode } from '../../main/core/errors.ts';
import type { ArchiveRun } from '../../main/ipc/contract.ts';
import { archiveMessage, batchMessage, errorText } from '../../main/desktop/notify-text.ts';

const OWN_TEXT: readonly ErrorCode[] = ['AUTH_FAILED', 'NETWORK', 'NOT_FOUND', 'RATE_LIMITED', 'SERVER_ERROR', 'DISK_FULL'];
const HAN = /\p{Script=Han}/u;
const failed = (code: ErrorCode, message = 'Request to https://a1.easemob.com failed: getaddrinfo ENOTFOUND'): ArchiveRun => ({
  at: '2024-05-01T02:00:00.000Z',
  saved: 0,
  failed: 0,
  error: { code, message },
});

describe('archiveMessage for a failed run', () => {
  it.each(OWN_TEXT)('%s: its own sentence in each language, never the English message', (code) => {
    const zh = archiveMessage('zh-CN', failed(code));
    const en = archiveMessage('en', failed(code));
    expect(zh.title).toBe('自动归档失败');
    expect(en.title).toBe('Auto-archive failed');
    expect(zh.body).toBe(errorText('zh-CN', code));
    expect(en.body).toBe(errorText('en', code));
    expect(zh.body).toMatch(HAN);
    expect(en.body).not.toMatch(HAN);
    for (const body of [zh.body, en.body]) {
      expect(body).not.toContain('ENOTFOUND');
      expect(body).not.toContain(code);
    }
    // Not the fallback.
    expect(zh.body).not.toBe(errorText('zh-CN', 'SOMETHING_NEW'));
    expect(en.body).not.toBe(errorText('en', 'SOMETHING_NEW'));
  });

  it('gives these codes different sentences', () => {
    for (const language of ['en', 'zh-CN'] as const) {
      const texts = OWN_TEXT.map((code) => errorText(language, code));
      expect(new Set(texts).size, language).toBe(OWN_TEXT.length);
    }
  });

  it('has a translated fallback for every other code and for unknown codes read from disk', () => {
    for (const code of ERROR_CODES) {
      expect(errorText('zh-CN', code), code).toMatch(HAN);
      expect(errorText('en', code), code).not.toMatch(HAN);
    }
    expect(errorText('zh-CN', 'SOMETHING_NEW')).toBe('出现问题，请打开应用查看详情。');
    expect(errorText('en', 'SOMETHING_NEW')).toBe('Something went wrong. Open the app for details.');
    // Names of Object.prototype are not error texts.
    expect(errorText('en', 'toString')).toBe(errorText('en', 'SOMETHING_NEW'));
    expect(archiveMessage('en', failed('STORE_CORRUPT')).body).toBe(errorText('en', 'SOMETHING_NEW'));
  });
});

describe('archiveMessage and batchMessage for finished work', () => {
  it('count what was saved and what failed in both languages', () => {
    const run: ArchiveRun = { at: '2024-05-01T02:00:00.000Z', saved: 4, failed: 1 };
    expect(archiveMessage('zh-CN', run)).toEqual({ title: '自动归档完成，但有失败', body: '已保存 4 个新录制，1 个失败。' });
    expect(archiveMessage('en', run)).toEqual({ title: 'Auto-archive finished with failures', body: 'Saved 4 new recordings; 1 failed.' });
    expect(archiveMessage('en', { ...run, saved: 1, failed: 0 })).toEqual({ title: 'Auto-archive finished', body: 'Saved 1 new recording.' });
    expect(batchMessage('zh-CN', 3, 0)).toEqual({ title: '下载完成', body: '已保存 3 个文件。' });
    expect(batchMessage('en', 1, 0).body).toBe('1 file saved.');
    expect(batchMessage('en', 2, 2)).toEqual({ title: 'Downloads finished with failures', body: '2 saved, 2 failed.' });
  });
});
