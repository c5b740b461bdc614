// A new user with only a keyboard (Tab, Shift+Tab, Enter, Space, arrows; no mouse, no element.click()):
// top navigation, "Try the demo", a period search, select all, a download and the queue. Every
// element that takes focus on the way shows a visible focus indicator and has an accessible name.
import { describe, expect, it } from 'vitest';
import { sessionPerTest, type Session } from './session.ts';

const open = sessionPerTest();

interface Focused {
  readonly matches: boolean;
  readonly description: string;
  readonly focusVisible: boolean;
  readonly indicator: boolean;
  readonly name: string;
}

// Runs in the page; the root tsconfig has no DOM lib, so the page's globals get a narrow type.
type El = {
  tagName: string;
  id: string;
  textContent: string | null;
  matches(selector: string): boolean;
  getAttribute(name: string): string | null;
  labels?: ArrayLike<El> | null;
};
type PageGlobal = {
  document: { activeElement: El | null; body: El; getElementById(id: string): El | null };
  getComputedStyle(el: El): { outlineStyle: string; outlineWidth: string; boxShadow: string };
};

/** What has focus now: whether it matches `selector`, shows a focus indicator, and its accessible name. */
function inspect(page: Session['page'], selector: string): Promise<Focused> {
  return page.evaluate((sel) => {
    const g = globalThis as unknown as PageGlobal;
    const el = g.document.activeElement;
    if (el === null || el === g.document.body) return { matches: false, description: 'body', focusVisible: false, indicator: false, name: '' };
    const style = g.getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    const shadow = style.boxShadow !== 'none' && style.boxShadow !== '';
    const labelledBy = (el.getAttribute('aria-labelledby') ?? '')
      .split(/\s+/)
      .map((id) => (id ? (g.document.getElementById(id)?.textContent ?? '') : ''))
      .join(' ');
    const labels = el.labels ? Array.from(el.labels, (l) => l.textContent ?? '').join(' ') : '';
    const name = [el.getAttribute('aria-label'), labelledBy, labels, el.tagName === 'INPUT' ? '' : el.textContent, el.getAttribute('title')]
      .map((s) => (s ?? '').trim())
      .find((s) => s !== '') ?? '';
    const testId = el.getAttribute('data-testid');
    const description = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${testId ? `[data-testid=${testId}]` : ''} "${name.slice(0, 40)}"`;
    // Tab also stops on a date/time input's picker button, inside the input: the input has :focus-within.
    const dateTime = el.matches('input[type="datetime-local"], input[type="date"], input[type="time"]');
    const focusVisible = el.matches(':focus-visible') || (dateTime && el.matches(':focus-within'));
    return { matches: el.matches(sel), description, focusVisible, indicator: outline || shadow, name };
  }, selector);
}

/** Checks the element with focus: a visible indicator on :focus-visible and a name. */
function expectVisibleFocus(focused: Focused): void {
  expect(focused.description, 'focus was lost').not.toBe('body');
  expect(focused.focusVisible, `${focused.description} is :focus-visible`).toBe(true);
  expect(focused.indicator, `${focused.description} shows an outline or shadow`).toBe(true);
  expect(focused.name, `${focused.description} has an accessible name`).not.toBe('');
}

/** Presses Tab (or Shift+Tab) until the focused element matches `selector`, checking each stop. */
async function tabTo(s: Session, selector: string, options: { back?: boolean; max?: number } = {}): Promise<void> {
  const seen: string[] = [];
  for (let step = 0; step < (options.max ?? 60); step += 1) {
    await s.page.keyboard.press(options.back ? 'Shift+Tab' : 'Tab');
    const focused = await inspect(s.page, selector);
    expectVisibleFocus(focused);
    seen.push(focused.description);
    if (focused.matches) return;
  }
  throw new Error(`never reached ${selector} with ${options.back ? 'Shift+Tab' : 'Tab'}; went through:\n${seen.join('\n')}`);
}

async function press(s: Session, key: string): Promise<void> {
  await s.page.keyboard.press(key);
}

async function focusedMatches(s: Session, selector: string): Promise<boolean> {
  return (await inspect(s.page, selector)).matches;
}

describe('keyboard only', () => {
  it('takes a new user from the top navigation to a running download queue', async () => {
    const session = await open();
    const s = session;
    const { page, demo } = s;
    const screen = (name: string) => page.locator(`main.screen[data-screen="${name}"]`);
    await screen('connect').waitFor();

    // The top navigation: Tab forward, Enter; Shift+Tab back, Space.
    await tabTo(s, 'nav button[data-screen="settings"]');
    await press(s, 'Enter');
    await screen('settings').waitFor();
    await tabTo(s, 'nav button[data-screen="history"]', { back: true });
    await press(s, ' ');
    await screen('history').waitFor();
    await tabTo(s, 'nav button[data-screen="connect"]', { back: true });
    await press(s, 'Enter');
    await screen('connect').waitFor();
    expect(await page.locator('nav button[aria-current="page"]').getAttribute('data-screen')).toBe('connect');

    // "Try the demo" opens Find; focus lands on its heading, not back at the top of the page.
    await tabTo(s, '[data-testid="try-demo"]');
    await press(s, 'Enter');
    await screen('find').waitFor({ timeout: 90_000 });
    await expect.poll(() => focusedMatches(s, '#find-heading')).toBe(true);

    // The query kind is a radio group: arrows move the choice; back to "a period".
    await tabTo(s, 'input[name="kind"]');
    expect(await focusedMatches(s, 'input[name="kind"][value="range"]:checked')).toBe(true);
    await press(s, 'ArrowDown');
    await page.locator('input[name="kind"][value="merged"]:checked').waitFor();
    await press(s, 'ArrowUp');
    await page.locator('input[name="kind"][value="range"]:checked').waitFor();

    await tabTo(s, 'button[data-preset="month"]');
    await press(s, 'Enter');
    await tabTo(s, '[data-testid="search"]');
    await press(s, 'Enter');
    const found = demo.files.length;
    await page.locator(`[data-testid="result-status"][data-running="false"][data-count="${found}"]`).waitFor({ timeout: 90_000 });

    // Select all, then one row's checkbox with Space off and on again.
    await tabTo(s, '[data-testid="select-all"]');
    await press(s, 'Enter');
    await page.locator(`[data-testid="selection"][data-count="${found}"]`).waitFor();
    await tabTo(s, '[data-testid="results-table"] tbody tr[data-row-id] input[type="checkbox"]');
    await press(s, ' ');
    await page.locator(`[data-testid="selection"][data-count="${found - 1}"]`).waitFor();
    await press(s, ' ');
    await page.locator(`[data-testid="selection"][data-count="${found}"]`).waitFor();

    // The download panel: open it, pick the folder, start.
    await tabTo(s, '[data-testid="open-download"]', { back: true });
    await press(s, 'Enter');
    await page.getByTestId('download-panel').waitFor();
    await tabTo(s, '[data-testid="pick-folder"]');
    await press(s, 'Enter');
    await expect.poll(() => page.locator('input[name="folder"]').inputValue()).toBe(s.outDir);
    await tabTo(s, 'input[name="convert"]');
    if (await page.locator('input[name="convert"]').isChecked()) await press(s, ' ');
    expect(await page.locator('input[name="convert"]').isChecked()).toBe(false);
    await tabTo(s, '[data-testid="start-download"]');
    await press(s, 'Enter');
    await screen('queue').waitFor({ timeout: 90_000 });
    await expect.poll(() => focusedMatches(s, '#queue-heading')).toBe(true);
    await page.locator(`[data-testid="overall"][data-total="${found}"][data-done="${found}"]`).waitFor({ timeout: 180_000 });

    // The queue's own controls are reachable too: a file's details open and close, and "Show file" on
    // the first row hands its path to the OS.
    await tabTo(s, '[data-testid="queue-table"] tbody tr[data-item-id] button.who');
    await press(s, 'Enter');
    await page.getByTestId('detail').waitFor();
    await press(s, 'Escape');
    await page.getByTestId('detail').waitFor({ state: 'hidden' });
    await tabTo(s, '[data-testid="queue-table"] tbody tr[data-item-id] button[aria-label^="Show file"]');
    await press(s, 'Enter');
    await expect.poll(() => s.shown.length).toBe(1);
    expect(s.shown[0]?.startsWith(s.outDir)).toBe(true);

    expect(s.pageErrors).toEqual([]);
  });
});
