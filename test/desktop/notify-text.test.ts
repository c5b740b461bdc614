// The desktop notifications' words come from the one catalogue: a failed auto-archive run says its
// error's sentence (the very one the window shows), never the error's English message.
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, type ErrorCode } from '../../main/core/errors.ts';
import type { ArchiveRun } from '../../main/ipc/contract.ts';
import { archiveMessage, batchMessage } from '../../main/desktop/notify-text.ts';
import { translate } from '../../main/messages/format.ts';

const HAN = /\p{Script=Han}/u;
const failed = (code: string): ArchiveRun => ({
  at: '2024-05-01T02:00:00.000Z',
  saved: 0,
  failed: 0,
  error: { code: code as ErrorCode, message: 'Request to https://a1.easemob.com failed: getaddrinfo ENOTFOUND' },
});

describe('archiveMessage for a failed run', () => {
  it.each(ERROR_CODES)('%s: the window’s sentence for the code, in each language', (code) => {
    const zh = archiveMessage('zh-CN', failed(code));
    const en = archiveMessage('en', failed(code));
    expect(zh).toEqual({ title: '自动归档失败', body: translate('zh-CN', `error.${code}`) });
    expect(en).toEqual({ title: 'Auto-archive failed', body: translate('en', `error.${code}`) });
    expect(zh.body).toMatch(HAN);
    expect(en.body).not.toMatch(HAN);
    for (const body of [zh.body, en.body]) expect(body).not.toContain('ENOTFOUND');
  });

  it('says the general sentence for a code this version does not know, or a name of Object.prototype', () => {
    expect(archiveMessage('zh-CN', failed('SOMETHING_NEW')).body).toBe('出现问题，请打开应用查看详情。');
    expect(archiveMessage('en', failed('SOMETHING_NEW')).body).toBe('Something went wrong. Open the app for details.');
    expect(archiveMessage('en', failed('toString')).body).toBe('Something went wrong. Open the app for details.');
  });
});

describe('archiveMessage and batchMessage for finished work', () => {
  it('count what was saved and what failed in both languages', () => {
    const run: ArchiveRun = { at: '2024-05-01T02:00:00.000Z', saved: 4, failed: 1 };
    expect(archiveMessage('zh-CN', run)).toEqual({ title: '自动归档完成，但有失败', body: '已保存 4 个新录制，1 个失败。' });
    expect(archiveMessage('en', run)).toEqual({ title: 'Auto-archive finished with failures', body: 'Saved 4 new; 1 failed.' });
    expect(archiveMessage('en', { ...run, saved: 1, failed: 0 })).toEqual({ title: 'Auto-archive finished', body: 'Saved 1 new recording.' });
    expect(batchMessage('zh-CN', 3, 0)).toEqual({ title: '下载完成', body: '已保存 3 个文件。' });
    expect(batchMessage('en', 1, 0).body).toBe('1 file saved.');
    expect(batchMessage('en', 2, 2)).toEqual({ title: 'Downloads finished with failures', body: '2 saved, 2 failed. Click to see the failed files.' });
  });
});
