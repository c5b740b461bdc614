// Find as a person reads it, in Chromium against the real service and demo server, at 1024×640 and in
// both languages: the filter matches the words on screen, deletion badges turn amber then red, nothing
// that matters is cut, and empty answers say why in the service's terms (a deleted period, an unknown
// meeting); many pasted meeting IDs list in one table.
import { describe, expect, it } from 'vitest';
import { demoCatalogue, formatLocal, type DemoFile } from '../../main/demo/catalogue.ts';
import { sessionPerTest } from './session.ts';

const open = sessionPerTest();
const DAY = 86_400_000;
const ZONE = 'Asia/Shanghai';

/**
 * The demo catalogue with its meetings moved to known ages: with the 30-day retention the first is
 * deleted in 5 days (amber), the second in 2 (red), the third ended 2 hours ago (may be incomplete),
 * the rest in about 20 days.
 */
function agedCatalogue(now = Date.now()): { files: DemoFile[]; amber: string; red: string; fresh: string } {
  const files = demoCatalogue(new Date(now));
  const meetings = [...new Set(files.map((f) => f.confrId))];
  const [amber, red, fresh] = meetings as [string, string, string];
  const endOf = (confrId: string): number =>
    confrId === amber ? now - 25 * DAY : confrId === red ? now - 28 * DAY : confrId === fresh ? now - 2 * 3_600_000 : now - 10 * DAY;
  const moved = files.map((f) => {
    const end = endOf(f.confrId);
    const local = (ms: number) => formatLocal(ms, ZONE);
    return { ...f, confrBeginTime: local(end - 30 * 60_000), confrEndTime: local(end), recordTime: local(end - 29 * 60_000) };
  });
  return { files: moved, amber, red, fresh };
}

describe('Find in words people read', () => {
  it('filters on translated words, says so when nothing matches, and shows amber and red deletion badges uncut at 1024×640', async () => {
    const aged = agedCatalogue();
    const session = await open({ viewport: { width: 1024, height: 640 }, demo: { catalogue: aged.files } });
    const { app, page } = session;
    await app.tryDemo();
    const total = await app.query('range', { preset: 'month' });
    expect(total).toBe(aged.files.length);
    const table = page.getByTestId('results-table');
    const rows = table.locator('tbody tr[data-row-id]');

    // the filter looks at what is on screen: "Screen share", not ONLY_REC_ONE_DESKTOP
    const screens = aged.files.filter((f) => f.recordType === 'ONLY_REC_ONE_DESKTOP').length;
    expect(screens).toBeGreaterThan(0);
    const filter = page.getByRole('searchbox', { name: 'Filter results' });
    await filter.fill('Screen share');
    await page.getByText(`Showing ${screens} of ${total}`).waitFor();
    expect(await rows.count()).toBe(screens);
    await filter.fill('ONLY_REC_ONE_DESKTOP');
    await page.getByTestId('filter-empty').waitFor();
    expect(await page.getByTestId('filter-empty').innerText()).toContain('No recording shown here matches “ONLY_REC_ONE_DESKTOP”.');
    await page.getByRole('button', { name: 'Clear filter' }).click();
    await rows.first().waitFor();
    expect(await filter.inputValue()).toBe('');

    await app.setLanguage('zh-CN');
    await page.getByRole('searchbox', { name: '筛选结果' }).fill('屏幕共享');
    await page.getByText(`显示 ${screens} / ${total}`).waitFor();
    await page.getByRole('searchbox', { name: '筛选结果' }).fill('');

    // deletion near: amber within 7 days, red within 3
    const urgencyOf = async (confrId: string): Promise<string[]> => {
      const ids = aged.files.filter((f) => f.confrId === confrId).map((f) => f.id);
      await table.evaluate((el) => (el.scrollTop = el.scrollHeight));
      await table.evaluate((el) => (el.scrollTop = 0));
      const found: string[] = [];
      for (const id of ids) {
        const row = table.locator(`tr[data-row-id="${id}"]`);
        await row.scrollIntoViewIfNeeded();
        found.push((await row.locator('[data-badge="expires"]').getAttribute('data-urgency')) ?? 'none');
      }
      return [...new Set(found)];
    };
    expect(await urgencyOf(aged.amber)).toEqual(['warn']);
    expect(await urgencyOf(aged.red)).toEqual(['danger']);
    const amberBadge = table.locator('[data-badge="expires"][data-urgency="warn"]').first();
    const redBadge = table.locator('[data-badge="expires"][data-urgency="danger"]').first();
    await amberBadge.scrollIntoViewIfNeeded();
    type Styled = { color: string; backgroundColor: string };
    const look = (el: unknown) => {
      const style = (globalThis as unknown as { getComputedStyle(e: unknown): Styled }).getComputedStyle(el);
      return { color: style.color, background: style.backgroundColor };
    };
    const amberLook = await amberBadge.evaluate(look);
    expect(amberLook.background).not.toBe('rgba(0, 0, 0, 0)');
    await redBadge.scrollIntoViewIfNeeded();
    expect((await redBadge.evaluate(look)).color).not.toBe(amberLook.color);

    // nothing that matters is cut: time, type, the badges; the meeting shows its distinctive tail
    const cut = (el: { scrollWidth: number; clientWidth: number }) => el.scrollWidth > el.clientWidth + 1;
    for (const language of ['zh-CN', 'en'] as const) {
      await app.setLanguage(language);
      // the newest meeting sorts last
      await table.evaluate((el) => (el.scrollTop = el.scrollHeight));
      const freshRow = table.locator(`tr[data-row-id="${aged.files.find((f) => f.confrId === aged.fresh)!.id}"]`);
      await freshRow.scrollIntoViewIfNeeded();
      const incomplete = freshRow.locator('[data-badge="incomplete"]');
      expect(await incomplete.innerText()).toBe(language === 'en' ? 'may be incomplete' : '可能不完整');
      expect(await freshRow.locator('td.badges').evaluate(cut)).toBe(false);
      for (const header of await table.locator('thead th button.sort').all()) {
        expect(await header.evaluate(cut), await header.innerText()).toBe(false);
        expect(await header.locator('xpath=..').evaluate(cut), await header.innerText()).toBe(false);
      }
      for (const cell of await rows.locator('td:nth-child(2), td:nth-child(5), td:nth-child(6), td:nth-child(7), td.badges').all()) {
        expect(await cell.evaluate(cut), await cell.innerText()).toBe(false);
      }
      const meeting = rows.first().locator('td.meeting');
      const id = (await rows.first().getAttribute('data-row-id')) ?? '';
      const confrId = aged.files.find((f) => String(f.id) === id)!.confrId;
      const shown = await meeting.locator('.middle > [aria-hidden="true"]').innerText();
      expect(shown.endsWith(confrId.slice(-5))).toBe(true);
      expect(await meeting.locator('[title]').first().getAttribute('title')).toBe(confrId);
    }
    // the checkbox is named by person, type and time, not by an id
    const firstBox = rows.first().locator('input[type="checkbox"]');
    expect(await firstBox.getAttribute('aria-label')).toMatch(/^Select .+, (Camera|Screen share|Merged|Single person), \d{4}-\d\d-\d\d \d\d:\d\d$/);
    expect(session.pageErrors).toEqual([]);
  });

  it('copies a meeting ID', async () => {
    const session = await open();
    const { app, page, demo } = session;
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await app.tryDemo();
    await app.query('conference', { confrId: demo.files[0]!.confrId });
    await page.getByTestId('copy-meeting').first().click();
    await page.getByTestId('copy-meeting').first().getByText('✓').waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText())).toBe(demo.files[0]!.confrId);
  });

  it('says a deleted period was deleted by the server, an unknown meeting has no recordings, and lists many pasted meeting IDs in one table', async () => {
    const session = await open();
    const { app, page, demo } = session;
    await app.tryDemo();
    const form = page.getByTestId('query-form');

    // 60–90 days ago: Easemob deleted those recordings (30-day retention)
    const local = (ms: number) => {
      const d = new Date(ms);
      const two = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}`;
    };
    await form.locator('input[name="kind"][value="range"]').check();
    await form.locator('input[name="from"]').fill(local(Date.now() - 90 * DAY));
    await form.locator('input[name="to"]').fill(local(Date.now() - 60 * DAY));
    await page.getByTestId('search').click();
    const empty = page.getByTestId('find-empty');
    await empty.waitFor();
    expect(await empty.innerText()).toContain('the server deletes recordings 30 days after the call');
    expect(await empty.innerText()).toContain('have already been deleted from the server');
    expect(await empty.innerText()).not.toContain('Try a longer period');
    await app.setLanguage('zh-CN');
    expect(await empty.innerText()).toContain('已经被服务器删除');

    // an unknown meeting: no recordings for it, and nothing blames the connection
    await app.query('conference', { confrId: 'IM_NO_SUCH_MEETING_42' });
    const missing = page.getByTestId('missing-meetings');
    expect(await missing.innerText()).toBe('没有找到会议 IM_NO_SUCH_MEETING_42 的录制文件。连接正常：请核对会议 ID，也可能录制文件已被删除。');
    expect(await page.locator('[role="alert"][data-error-code]').count()).toBe(0);
    await app.setLanguage('en');
    expect(await missing.innerText()).toContain('No recordings were found for meeting IM_NO_SUCH_MEETING_42. The connection works');

    // a column pasted from a spreadsheet: two meetings and an unknown one, listed in one table
    const meetings = [...new Set(demo.files.map((f) => f.confrId))].slice(0, 2) as [string, string];
    const expected = demo.files.filter((f) => meetings.includes(f.confrId)).length;
    await form.locator('[name="confrId"]').fill(`${meetings[0]}\n${meetings[1]}, IM_NO_SUCH_MEETING_42\n${meetings[0]}\n`);
    await form.getByText('3 meeting IDs: each is listed in one table.').waitFor();
    await page.getByTestId('search').click();
    const status = page.locator('[data-testid="result-status"][data-running="false"]');
    await status.waitFor();
    expect(Number(await status.getAttribute('data-count'))).toBe(expected);
    expect(await page.locator('[data-testid="missing-meetings"][data-count="1"]').innerText()).toContain('IM_NO_SUCH_MEETING_42');
    expect(await app.selectAll()).toBe(expected);

    // nothing typed: the app's own words next to the field, nothing sent
    await form.locator('[name="confrId"]').fill('');
    await page.getByTestId('search').click();
    expect(await form.locator('[data-field-error="confrId"]').innerText()).toBe('Enter a meeting ID.');
    expect(Number(await status.getAttribute('data-count'))).toBe(expected);
    expect(session.pageErrors).toEqual([]);
  });
});
