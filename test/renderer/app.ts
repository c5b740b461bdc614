// "App" page object: drives the renderer like a person would and waits on what the UI shows
// (data-* state the screens expose), never on sleeps.
import type { Locator, Page } from 'playwright-core';
import type { EventChannel, EventPayloads } from '../../main/ipc/contract.ts';

export type ScreenName = 'connect' | 'find' | 'queue' | 'history' | 'settings';
export type Preset = 'today' | 'yesterday' | 'week' | 'month';
export type QueryKind = 'range' | 'merged' | 'conference' | 'user';

const LONG = 90_000;

// waitForFunction gets functions (strings would need eval, which the page's CSP forbids); they run
// in the page, so they reference nothing outside. The root tsconfig has no DOM lib: a narrow type.
type PageGlobal = { document: { querySelector(s: string): { value?: string } | null; querySelectorAll(s: string): { length: number } } };

export class App {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.page.locator('.shell[data-ready="true"]').waitFor({ timeout: LONG });
  }

  screen(): Locator {
    return this.page.locator('main.screen');
  }

  async go(screen: ScreenName): Promise<void> {
    await this.page.locator(`nav button[data-screen="${screen}"]`).click();
    await this.page.locator(`main.screen[data-screen="${screen}"]`).waitFor();
  }

  async language(): Promise<string> {
    return (await this.page.locator('.shell').getAttribute('data-language')) ?? '';
  }

  async setLanguage(language: 'en' | 'zh-CN'): Promise<void> {
    await this.page.getByTestId('language-switch').selectOption(language);
    await this.page.locator(`.shell[data-language="${language}"]`).waitFor();
  }

  async tryDemo(): Promise<void> {
    await this.go('connect');
    await this.page.getByTestId('try-demo').click();
    await this.page.locator('main.screen[data-screen="find"]').waitFor({ timeout: LONG });
  }

  /** Runs a query and waits until the last page has arrived; returns the number of rows. */
  async query(kind: QueryKind, options: { preset?: Preset; confrId?: string; userName?: string } = {}): Promise<number> {
    await this.go('find');
    const form = this.page.getByTestId('query-form');
    await form.locator(`input[name="kind"][value="${kind}"]`).check();
    if (options.preset !== undefined) await form.locator(`button[data-preset="${options.preset}"]`).click();
    if (options.confrId !== undefined) await form.locator('[name="confrId"]').fill(options.confrId);
    if (options.userName !== undefined) await form.locator('input[name="userName"]').fill(options.userName);
    await this.page.getByTestId('search').click();
    const status = this.page.locator('[data-testid="result-status"][data-running="false"]');
    await status.waitFor({ timeout: LONG });
    return Number(await status.getAttribute('data-count'));
  }

  async selectAll(): Promise<number> {
    await this.page.getByTestId('select-all').click();
    const selection = this.page.getByTestId('selection');
    return Number(await selection.getAttribute('data-count'));
  }

  /** Opens the download panel, fills it and starts; waits for the queue screen. */
  async download(options: { folder?: string; pick?: boolean; convert: boolean; keepOriginal?: boolean; concurrency?: number }): Promise<void> {
    await this.page.getByTestId('open-download').click();
    const panel = this.page.getByTestId('download-panel');
    await panel.waitFor();
    if (options.pick) await panel.getByTestId('pick-folder').click();
    if (options.folder !== undefined) {
      const folder = panel.locator('input[name="folder"]');
      if (options.pick) await this.page.waitForFunction((f) => (globalThis as unknown as PageGlobal).document.querySelector('input[name="folder"]')?.value === f, options.folder);
      else await folder.fill(options.folder);
    }
    await panel.locator('input[name="convert"]').setChecked(options.convert);
    if (options.keepOriginal !== undefined && options.convert) await panel.locator('input[name="keepOriginal"]').setChecked(options.keepOriginal);
    if (options.concurrency !== undefined) await panel.locator('input[name="concurrency"]').fill(String(options.concurrency));
    await panel.getByTestId('start-download').click();
    await this.page.locator('main.screen[data-screen="queue"]').waitFor({ timeout: LONG });
  }

  /** Tries the demo, lists one conference, downloads all of it into the picked folder and waits until every file is saved; returns how many. */
  async saveConference(confrId: string): Promise<number> {
    await this.tryDemo();
    const found = await this.query('conference', { confrId });
    await this.selectAll();
    await this.download({ pick: true, convert: false, concurrency: 2 });
    await this.waitAllDone(found);
    return found;
  }

  /** Waits until `total` items are in the queue and all of them are done (or already saved). */
  async waitAllDone(total: number, timeout = 180_000): Promise<void> {
    await this.page.locator(`[data-testid="overall"][data-total="${total}"][data-done="${total}"]`).waitFor({ timeout });
  }

  /**
   * States of every queue item, by id. The table is windowed (only rows near the view are in the
   * DOM), so this scrolls it through page by page, as a person would, then back where it was.
   */
  async itemStates(): Promise<Map<number, string>> {
    const table = this.page.getByTestId('queue-table');
    const states = new Map<number, string>();
    if ((await table.count()) === 0) return states;
    const scroller = table.locator('xpath=..');
    const rows = table.locator('tbody tr[data-item-id]');
    const lastIndex = Number(await table.getAttribute('aria-rowcount'));
    const start = await scroller.evaluate((el) => el.scrollTop);
    const firstShown = await rows.first().getAttribute('aria-rowindex');
    let seen = 0;
    for (;;) {
      const batch = await rows.evaluateAll((trs) =>
        trs.map((tr) => [Number(tr.getAttribute('data-item-id')), tr.getAttribute('data-state') ?? '', Number(tr.getAttribute('aria-rowindex'))] as const),
      );
      for (const [id, state, index] of batch) {
        states.set(id, state);
        seen = Math.max(seen, index);
      }
      if (seen >= lastIndex) break;
      await scroller.evaluate((el) => {
        el.scrollTop += el.clientHeight;
      });
      await table.locator(`tbody tr[aria-rowindex="${seen + 1}"]`).waitFor();
    }
    await scroller.evaluate((el, top) => {
      el.scrollTop = top;
    }, start);
    await table.locator(`tbody tr[aria-rowindex="${firstShown}"]`).waitFor();
    return states;
  }

  /** Waits until exactly `count` elements match `selector`. */
  async waitForCount(selector: string, count: number, timeout = LONG): Promise<void> {
    await this.page.waitForFunction(
      ([sel, n]) => (globalThis as unknown as PageGlobal).document.querySelectorAll(sel).length === n,
      [selector, count] as const,
      { timeout },
    );
  }

  async waitForItemState(state: string, timeout = LONG): Promise<void> {
    await this.page.locator(`[data-testid="queue-table"] tr[data-state="${state}"]`).first().waitFor({ timeout });
  }

  /** Delivers an event to the page's `window.api.on` listeners, as the bridge does for the service's events. */
  async emit<E extends EventChannel>(event: E, payload: EventPayloads[E]): Promise<void> {
    await this.page.evaluate(
      ([e, p]) => (globalThis as unknown as { __emrecEmit(e: string, p: unknown): void }).__emrecEmit(e, p),
      [event, payload] as const,
    );
  }

  /** Visible text of the whole window. */
  text(): Promise<string> {
    return this.page.locator('body').innerText();
  }

  alert(): Locator {
    return this.page.locator('[role="alert"][data-error-code]').first();
  }
}
