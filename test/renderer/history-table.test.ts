// The History table in Chromium against the real service: a click on a column's header sorts every
// row, a row's actions open from the keyboard in a menu whose "Download again" fetches the file again,
// 10,000 saved recordings keep only a window of rows in the DOM, and the CSV export says its headers
// in the window's language and its times in the connection's timezone; in English and in 中文.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { historyKey, type HistoryEntry } from '../../main/core/history.ts';
import { openConfStore } from '../../main/core/conf-store.ts';
import { DEFAULT_TEMPLATE } from '../../main/core/naming.ts';
import type { DemoServer } from '../../main/demo/server.ts';
import { waitForEvent } from '../service/helpers.ts';
import { cspViolations } from './bridge.ts';
import { sessionPerTest, type Session } from './session.ts';

const open = sessionPerTest();

const TYPES = ['ONLY_REC_ONE_AV', 'ONLY_REC_ONE_DESKTOP', 'MERGE_ALL'] as const;
const USERS = ['wangwu', '陈静', 'alice', 'Bob', '张伟', 'tom.smith'] as const;

/** The i-th of `count` made-up saved recordings of the demo app, named by the default template. */
function entry(demo: DemoServer, outDir: string, i: number, count: number): HistoryEntry {
  const id = 5_000_000 + i;
  // meeting times and save times in different orders, so each sort gives its own order
  const meeting = DateTime.fromISO('2026-06-01T08:00:00', { zone: 'Asia/Shanghai' }).plus({ minutes: ((i * 7919) % count) * 3 });
  const user = USERS[i % USERS.length] ?? 'x';
  const recordType = TYPES[i % TYPES.length] ?? 'MERGE_ALL';
  const confrId = `IM_X36482954836292543${String(i % 40).padStart(4, '0')}`;
  return {
    id,
    appkey: `${demo.org}#${demo.app}`,
    confrId,
    user,
    recordType,
    path: path.join(outDir, meeting.toFormat('yyyy-MM-dd'), confrId, `${meeting.toFormat('HHmmss')}_${user}_${recordType}_${id}.webm`),
    size: 1000 + ((i * 31) % 977) * 1024,
    sha256: id.toString(16).padStart(64, '0'),
    finishedAt: new Date(Date.UTC(2026, 6, 1) + i * 60_000).toISOString(),
  };
}

/** Writes `count` entries straight into the state folder's history store (one file write, before the service opens it). */
function seed(count: number, made: HistoryEntry[] = []): (stateDir: string, demo: DemoServer, outDir: string) => Promise<void> {
  return async (stateDir, demo, outDir) => {
    for (let i = 0; i < count; i++) made.push(entry(demo, outDir, i, count));
    const { store } = openConfStore(stateDir);
    store.set('history', Object.fromEntries(made.map((e) => [historyKey(e.appkey, e.id), e])));
  };
}

/** The meeting's server-local time as the entry's file name gives it: `2026-06-01 08:21:00`. */
function meetingOf(e: HistoryEntry): string {
  const m = /(\d{4}-\d{2}-\d{2})[\\/][^\\/]+[\\/](\d{2})(\d{2})(\d{2})_[^\\/]+$/.exec(e.path);
  if (!m) throw new Error(`no meeting time in ${e.path}`);
  return `${m[1]} ${m[2]}:${m[3]}:${m[4]}`;
}

/** Saves one demo conference through the service (not the Find screen: this file is about History); returns how many files. */
async function saveConference(session: Session): Promise<number> {
  const { service, demo, outDir } = session;
  const connectionId = (await service.handlers['demo:connect'](undefined)).id;
  const confrId = demo.files[0]!.confrId;
  const ids = demo.files.filter((f) => f.confrId === confrId).map((f) => f.id);
  const listed = waitForEvent(service, 'query:page', (p) => p.done, 'query end');
  const { queryId } = await service.handlers['query:start']({ connectionId, template: DEFAULT_TEMPLATE, query: { kind: 'conference', confrId } });
  await listed;
  await service.handlers['download:start']({ connectionId, queryId, ids, outDir, template: DEFAULT_TEMPLATE, convert: false, keepOriginal: true, concurrency: 2 });
  await service.downloadsIdle();
  return ids.length;
}

/** Ids of the rows in the DOM, top to bottom. */
function shownIds(session: Session): Promise<number[]> {
  return session.page.locator('[data-testid="history-table"] tbody tr[data-history-id]').evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-history-id'))));
}

/** The id and name of the element with the focus. */
function focused(session: Session): Promise<{ action: string | null; testid: string | null; text: string }> {
  type El = { getAttribute(n: string): string | null; textContent: string | null };
  return session.page.evaluate(() => {
    const el = (globalThis as unknown as { document: { activeElement: El | null } }).document.activeElement;
    return { action: el?.getAttribute('data-action') ?? null, testid: el?.getAttribute('data-testid') ?? null, text: el?.textContent?.trim() ?? '' };
  });
}

describe('history table', () => {
  it('sorts by a click on a column header, either way, in English and in 中文, and removes a row when asked', async () => {
    const made: HistoryEntry[] = [];
    const session = await open({ before: seed(12, made) });
    const { app, page } = session;
    await app.go('history');
    await page.locator('[data-testid="history-count"][data-count="12"]').waitFor();
    const table = page.getByTestId('history-table');
    const newestSaved = [...made].sort((a, b) => b.finishedAt.localeCompare(a.finishedAt)).map((e) => e.id);
    expect(await shownIds(session)).toEqual(newestSaved);

    // Person, A to Z (then Z to A); ties newest saved first
    const byPerson = (dir: 1 | -1) =>
      [...made]
        .sort((a, b) => dir * new Intl.Collator('en', { numeric: true, sensitivity: 'base' }).compare(a.user, b.user) || b.finishedAt.localeCompare(a.finishedAt))
        .map((e) => e.id);
    await table.getByRole('button', { name: /^Person/ }).click();
    await table.locator('th[data-sort="user"][aria-sort="ascending"]').waitFor();
    expect(await shownIds(session)).toEqual(byPerson(1));
    await table.getByRole('button', { name: /^Person/ }).click();
    await table.locator('th[data-sort="user"][aria-sort="descending"]').waitFor();
    expect(await shownIds(session)).toEqual(byPerson(-1));

    // 会议时间 (when the meeting was, read from the file's name): newest first, then oldest first
    await app.setLanguage('zh-CN');
    const byMeeting = (dir: 1 | -1) => [...made].sort((a, b) => dir * meetingOf(a).localeCompare(meetingOf(b)) || b.finishedAt.localeCompare(a.finishedAt)).map((e) => e.id);
    await table.getByRole('button', { name: /^会议时间/ }).click();
    await table.locator('th[data-sort="recordedAt"][aria-sort="descending"]').waitFor();
    expect(await table.locator('th[aria-sort]').count()).toBe(1);
    expect(await shownIds(session)).toEqual(byMeeting(-1));
    await table.getByRole('button', { name: /^会议时间/ }).click();
    await table.locator('th[data-sort="recordedAt"][aria-sort="ascending"]').waitFor();
    expect(await shownIds(session)).toEqual(byMeeting(1));
    // 大小: smallest first
    await table.getByRole('button', { name: /^大小/ }).click();
    await table.locator('th[data-sort="size"][aria-sort="ascending"]').waitFor();
    const bySize = [...made].sort((a, b) => a.size - b.size || b.finishedAt.localeCompare(a.finishedAt)).map((e) => e.id);
    expect(await shownIds(session)).toEqual(bySize);

    // 从历史记录中移除 (asked first): the row goes, the order of the rest stays
    const row = table.locator(`tbody tr[data-history-id="${bySize[0]}"]`);
    await row.getByTestId('row-actions').click();
    await row.getByRole('menuitem', { name: '从历史记录中移除' }).click();
    const ask = page.getByTestId('confirm-remove');
    await ask.getByRole('button', { name: '从历史记录中移除' }).click();
    await page.locator('[data-testid="history-count"][data-count="11"]').waitFor();
    await page.getByTestId('history-message').getByText('已从历史记录中移除；文件仍在原文件夹中。').waitFor();
    expect(await shownIds(session)).toEqual(bySize.slice(1));
    expect((await session.service.handlers['history:list']({})).map((r) => r.id)).not.toContain(bySize[0]);
    expect(session.pageErrors).toEqual([]);
  });

  it('opens a row’s actions from the keyboard; Esc closes them, and “Download again” fetches the file again', async () => {
    const session = await open();
    const { app, page, demo, service } = session;
    const found = await saveConference(session);
    await app.go('history');
    await page.locator(`[data-testid="history-count"][data-count="${found}"]`).waitFor();
    const first = page.locator('[data-testid="history-table"] tbody tr[data-history-id]').first();
    const id = Number(await first.getAttribute('data-history-id'));
    const button = first.getByTestId('row-actions');
    const menu = first.getByRole('menu');

    // English: Enter opens it on "Open"; ↓ moves; Esc closes it and the focus is back on the button
    expect(await button.innerText()).toBe('Actions ▾');
    await button.focus();
    await page.keyboard.press('Enter');
    await menu.waitFor();
    expect(await button.getAttribute('aria-expanded')).toBe('true');
    expect((await focused(session)).action).toBe('open');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await focused(session)).toMatchObject({ action: 'again', text: 'Download again' });
    // every action reads whole: nothing cut to "…"
    for (const item of await menu.getByRole('menuitem').all()) {
      expect(await item.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    }
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'hidden' });
    expect((await focused(session)).testid).toBe('row-actions');
    expect(await button.getAttribute('aria-expanded')).toBe('false');
    // Space opens it too (and it stays open); Tab closes it, back on the button
    await page.keyboard.press(' ');
    await menu.waitFor();
    expect((await focused(session)).action).toBe('open');
    await page.keyboard.press('Tab');
    await menu.waitFor({ state: 'hidden' });
    expect((await focused(session)).testid).toBe('row-actions');
    // a click opens it and a second click closes it
    await button.click();
    await menu.waitFor();
    await button.click();
    await menu.waitFor({ state: 'hidden' });

    // 中文: ↓ opens it, End and ↑ reach 重新下载, Enter fetches the file again
    await app.setLanguage('zh-CN');
    expect(await button.innerText()).toBe('操作 ▾');
    const before = demo.stats.fileRequests;
    await button.focus();
    await page.keyboard.press('ArrowDown');
    await menu.waitFor();
    await page.keyboard.press('End');
    expect((await focused(session)).action).toBe('remove');
    await page.keyboard.press('ArrowUp');
    expect(await focused(session)).toMatchObject({ action: 'again', text: '重新下载' });
    await page.keyboard.press('Enter');
    await menu.waitFor({ state: 'hidden' });
    await page.getByTestId('history-message').getByText('已重新加入队列。').waitFor();
    await expect.poll(() => demo.stats.fileRequests, { timeout: 30_000 }).toBeGreaterThan(before);
    await service.downloadsIdle();
    const again = (await service.handlers['history:list']({})).find((r) => r.id === id);
    expect(again?.exists).toBe(true);
    expect(await demo.expectedSha256(id)).toBe(again?.sha256);
    expect(session.pageErrors).toEqual([]);
  });

  it('keeps only a window of rows in the DOM with 10,000 saved recordings, and scrolls to the last', async () => {
    const made: HistoryEntry[] = [];
    const session = await open({ before: seed(10_000, made) });
    const { app, page } = session;
    await app.go('history');
    await page.locator('[data-testid="history-count"][data-count="10000"]').waitFor({ timeout: 60_000 });
    const table = page.getByTestId('history-table');
    const rows = table.locator('tbody tr[data-history-id]');
    expect(await table.getAttribute('aria-rowcount')).toBe('10001');
    const inDom = await rows.count();
    expect(inDom).toBeGreaterThan(5);
    expect(inDom).toBeLessThan(100);

    // the oldest saved is the last row: scrolled to the end it is there, and still only a window
    const oldest = [...made].sort((a, b) => a.finishedAt.localeCompare(b.finishedAt))[0]!;
    await page.getByTestId('history-scroll').evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    await table.locator(`tr[data-history-id="${oldest.id}"][aria-rowindex="10001"]`).waitFor();
    expect(await rows.count()).toBeLessThan(100);
    // nothing of the rows reaches past the table: the window itself never scrolls
    type Root = { document: { documentElement: { scrollHeight: number; clientHeight: number } } };
    expect(await page.evaluate(() => {
      const root = (globalThis as unknown as Root).document.documentElement;
      return root.scrollHeight <= root.clientHeight;
    })).toBe(true);

    // 中文, sorted by 保存时间 the other way round: the oldest comes first
    await app.setLanguage('zh-CN');
    await page.getByTestId('history-scroll').evaluate((el) => {
      el.scrollTop = 0;
    });
    await table.getByRole('button', { name: /^保存时间/ }).click();
    await table.locator('th[data-sort="finishedAt"][aria-sort="ascending"]').waitFor();
    expect(Number(await rows.first().getAttribute('data-history-id'))).toBe(oldest.id);
    expect(await rows.count()).toBeLessThan(100);
    expect(session.pageErrors).toEqual([]);
  });

  it('exports CSV with headers in the window’s language and times in the connection’s timezone', async () => {
    const made: HistoryEntry[] = [];
    const session = await open({ before: seed(4, made) });
    const { app, page, demo, service } = session;
    // the demo app's connection, in New York (neither UTC nor the default Asia/Shanghai)
    const zone = 'America/New_York';
    await service.handlers['connections:save']({
      name: 'New York',
      server: demo.url,
      org: demo.org,
      app: demo.app,
      timezone: zone,
      auth: { type: 'client', clientId: demo.clientId, clientSecret: demo.clientSecret },
    });
    await app.go('history');
    await page.locator('[data-testid="history-count"][data-count="4"]').waitFor();

    const exported = async (done: string): Promise<Record<string, string>[]> => {
      await page.getByTestId('export-csv').click();
      await page.getByTestId('history-message').getByText(done).waitFor();
      const bytes = await readFile(session.csvPath);
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      return parse(bytes, { bom: true, columns: true }) as Record<string, string>[];
    };
    const check = (records: Record<string, string>[], h: Record<'meeting' | 'saved' | 'zone' | 'file' | 'sha' | 'type' | 'id', string>, type: string): void => {
      expect(records).toHaveLength(made.length);
      for (const e of made) {
        const r = records.find((x) => Number(x[h.id]) === e.id);
        if (!r) throw new Error(`recording ${e.id} not in the CSV`);
        expect(r[h.zone]).toBe(zone);
        // `2026-07-01 00:03:00`, read back in the zone of its row, is the instant history saved
        expect(r[h.saved]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
        expect(DateTime.fromFormat(r[h.saved] ?? '', 'yyyy-MM-dd HH:mm:ss', { zone: r[h.zone] }).toMillis()).toBe(Date.parse(e.finishedAt));
        // the meeting as the file's name gave it (server-local time, the connection's timezone)
        expect(r[h.meeting]).toBe(meetingOf(e));
        expect(r[h.file]).toBe(e.path);
        expect(r[h.sha]).toBe(e.sha256);
      }
      expect(records.map((r) => r[h.type])).toContain(type);
    };

    const en = await exported(`Saved ${made.length} rows to ${session.csvPath}`);
    expect(Object.keys(en[0] ?? {})).toEqual([
      'Meeting date',
      'Person',
      'Meeting ID',
      'Type',
      'Size (bytes)',
      'Saved at',
      'Time zone',
      'Folder',
      'File',
      'Converted file',
      'SHA-256 of the downloaded file',
      'In the folder',
      'Recording ID',
      'App',
    ]);
    check(en, { meeting: 'Meeting date', saved: 'Saved at', zone: 'Time zone', file: 'File', sha: 'SHA-256 of the downloaded file', type: 'Type', id: 'Recording ID' }, 'Camera');
    expect(en.every((r) => r['In the folder'] === 'No')).toBe(true);

    await app.setLanguage('zh-CN');
    const zh = await exported(`已将 ${made.length} 行保存到 ${session.csvPath}`);
    expect(Object.keys(zh[0] ?? {})).toContain('会议时间');
    check(zh, { meeting: '会议时间', saved: '保存时间', zone: '时区', file: '文件', sha: '下载文件的 SHA-256', type: '类型', id: '录制 ID' }, '摄像头');
    expect(zh.every((r) => r['在文件夹中'] === '否')).toBe(true);
    // the window's code stays within the CSP (the contract's zod, which tries eval, is main's only)
    expect(await cspViolations(page)).toEqual([]);
    expect(session.pageErrors).toEqual([]);
  });
});
