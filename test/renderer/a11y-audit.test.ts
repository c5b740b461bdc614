// Accessibility audit of every screen and easy-to-open dialog, in English and 中文, light and dark, in one
// Chromium session switched in place: axe-core's WCAG 2.0/2.1 A and AA rules find no violation, and the
// form controls pass what axe does not check (WCAG 1.4.11 non-text contrast, 1.4.3 for placeholders),
// measured from the computed styles: each text field's, select's and textarea's border against what is on
// either side of it ≥ 3:1, its focus outline against what is around it ≥ 3:1, its placeholder ≥ 4.5:1.
// A11Y_REPORT=1 prints the lowest ratio of each kind per theme.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { sessionPerTest, type Session } from './session.ts';

const open = sessionPerTest();
const AXE_SOURCE = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const LANGUAGES = ['en', 'zh-CN'] as const;
const THEMES = ['light', 'dark'] as const;
/** What WCAG asks of each measured kind. */
const NEEDS = { border: 3, focus: 3, placeholder: 4.5 } as const;

interface Violation {
  readonly id: string;
  readonly impact: string;
  readonly help: string;
  readonly nodes: readonly { readonly target: string; readonly html: string; readonly summary: string }[];
}

interface Measure {
  readonly control: string;
  readonly kind: keyof typeof NEEDS;
  readonly ratio: number;
  readonly colours: string;
}

/** Runs in the page, after axe-core's source was evaluated there. */
function runAxe(tags: readonly string[]): Promise<Violation[]> {
  type Node = { target: unknown[]; html: string; failureSummary?: string };
  type Result = { id: string; impact?: string | null; help: string; nodes: Node[] };
  const axe = (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: Result[] }> } }).axe;
  return axe
    .run((globalThis as unknown as { document: unknown }).document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })
    .then((results) =>
      results.violations.map((v) => ({
        id: v.id,
        impact: v.impact ?? 'unknown',
        help: v.help,
        nodes: v.nodes.map((n) => ({
          target: n.target.map((t) => (Array.isArray(t) ? t.join(' >> ') : String(t))).join(' >>> '),
          html: n.html.length > 160 ? `${n.html.slice(0, 160)}…` : n.html,
          summary: (n.failureSummary ?? '').replace(/\s+/g, ' ').trim(),
        })),
      })),
    );
}

/**
 * Runs in the page: the contrast of every visible form control's border, placeholder and focus outline,
 * from the computed styles. With a modal dialog open, only the controls inside the topmost one count.
 */
function measureControls(): Measure[] {
  type Rgba = readonly [number, number, number, number];
  type Style = {
    backgroundColor: string;
    borderTopColor: string;
    borderTopStyle: string;
    borderTopWidth: string;
    color: string;
    opacity: string;
    outlineColor: string;
    outlineStyle: string;
    outlineWidth: string;
    outlineOffset: string;
    visibility: string;
  };
  type El = {
    tagName: string;
    parentElement: El | null;
    placeholder?: string;
    matches(selector: string): boolean;
    closest(selector: string): El | null;
    getAttribute(name: string): string | null;
    getClientRects(): { length: number };
    querySelectorAll(selector: string): ArrayLike<El>;
    focus(options?: { preventScroll: boolean }): void;
  };
  type Ctx = {
    fillStyle: string;
    clearRect(x: number, y: number, w: number, h: number): void;
    fillRect(x: number, y: number, w: number, h: number): void;
    getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
  };
  const g = globalThis as unknown as {
    document: El & { activeElement: El | null; createElement(tag: 'canvas'): { width: number; height: number; getContext(kind: '2d', options: unknown): Ctx | null } };
    getComputedStyle(el: El, pseudo?: string): Style;
  };
  const doc = g.document;
  const canvas = doc.createElement('canvas');
  canvas.width = 1;
  canvas.height = 1;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const parse = (css: string): Rgba => {
    const m = /^rgba?\(([\d.]+),?\s*([\d.]+),?\s*([\d.]+)(?:\s*[,/]\s*([\d.]+))?\)$/.exec(css);
    if (m) return [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])];
    // any other notation (color(), oklab(), …): let the canvas resolve it
    if (!ctx) throw new Error(`cannot read the colour ${css}`);
    ctx.clearRect(0, 0, 1, 1);
    ctx.fillStyle = css;
    ctx.fillRect(0, 0, 1, 1);
    const d = ctx.getImageData(0, 0, 1, 1).data;
    return [d[0] ?? 0, d[1] ?? 0, d[2] ?? 0, (d[3] ?? 0) / 255];
  };
  /** `top` painted over the opaque `bottom`. */
  const over = (top: Rgba, bottom: Rgba): Rgba => {
    const a = top[3];
    return [top[0] * a + bottom[0] * (1 - a), top[1] * a + bottom[1] * (1 - a), top[2] * a + bottom[2] * (1 - a), 1];
  };
  const luminance = (c: Rgba): number => {
    const [r, gr, b] = [c[0], c[1], c[2]].map((v) => {
      const s = v / 255;
      return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    return 0.2126 * r + 0.7152 * gr + 0.0722 * b;
  };
  const ratio = (a: Rgba, b: Rgba): number => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
    return (hi + 0.05) / (lo + 0.05);
  };
  const hex = (c: Rgba): string => `#${[c[0], c[1], c[2]].map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;
  /** What is painted behind `el`: its ancestors' backgrounds, down to the first opaque one. */
  const behind = (el: El): Rgba => {
    const layers: Rgba[] = [];
    for (let p = el.parentElement; p; p = p.parentElement) {
      const c = parse(g.getComputedStyle(p).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    let colour: Rgba = [255, 255, 255, 1];
    for (const layer of layers.reverse()) colour = over(layer, colour);
    return colour;
  };
  const describe = (el: El): string => {
    let s = el.tagName.toLowerCase();
    const type = el.getAttribute('type');
    if (type) s += `[type=${type}]`;
    for (const attr of ['name', 'data-testid', 'aria-label', 'placeholder']) {
      const v = el.getAttribute(attr);
      if (v) return `${s}[${attr}="${v}"]`;
    }
    return s;
  };

  const modals = doc.querySelectorAll('dialog:modal');
  const scope = modals.length > 0 ? modals[modals.length - 1]! : doc;
  const selector = "input:not([type='checkbox']):not([type='radio']):not([type='hidden']):not([type='range']), select, textarea";
  const controls = Array.from(scope.querySelectorAll(selector)).filter(
    (el) => el.getClientRects().length > 0 && g.getComputedStyle(el).visibility !== 'hidden' && !el.closest('.visually-hidden'),
  );
  const measures: Measure[] = [];
  const before = doc.activeElement;
  for (const el of controls) {
    const style = g.getComputedStyle(el);
    const outside = behind(el);
    const fill = over(parse(style.backgroundColor), outside);
    const control = describe(el);
    if (style.borderTopStyle !== 'none' && parseFloat(style.borderTopWidth) > 0) {
      const border = over(parse(style.borderTopColor), outside);
      const worst = Math.min(ratio(border, outside), ratio(border, fill));
      measures.push({ control, kind: 'border', ratio: worst, colours: `${hex(border)} between ${hex(outside)} and ${hex(fill)}` });
    }
    if (el.placeholder && el.matches(':placeholder-shown')) {
      const ph = g.getComputedStyle(el, '::placeholder');
      const colour = parse(ph.color);
      const text = over([colour[0], colour[1], colour[2], colour[3] * Number(ph.opacity || '1')], fill);
      measures.push({ control, kind: 'placeholder', ratio: ratio(text, fill), colours: `${hex(text)} on ${hex(fill)}` });
    }
    // Focus by script shows :focus-visible on text fields (not on selects after a mouse click): those are measured.
    el.focus({ preventScroll: true });
    const dateTime = el.matches("input[type='datetime-local'], input[type='date'], input[type='time']");
    if (doc.activeElement === el && (el.matches(':focus-visible') || (dateTime && el.matches(':focus-within')))) {
      const focused = g.getComputedStyle(el);
      if (focused.outlineStyle === 'none' || parseFloat(focused.outlineWidth) === 0) {
        measures.push({ control, kind: 'focus', ratio: 0, colours: 'no outline' });
      } else {
        // an outline drawn outside the box sits on what is behind the control, one drawn inside on its fill
        const ground = parseFloat(focused.outlineOffset) >= 0 ? outside : fill;
        const outline = over(parse(focused.outlineColor), ground);
        measures.push({ control, kind: 'focus', ratio: ratio(outline, ground), colours: `${hex(outline)} on ${hex(ground)}` });
      }
    }
  }
  before?.focus({ preventScroll: true });
  return measures;
}

interface Audit {
  readonly problems: string[];
  /** Lowest ratio of each kind, by theme (for A11Y_REPORT). */
  readonly lowest: Map<string, Measure & { where: string }>;
  controls: number;
}

async function audit(page: Page, where: string, theme: string, result: Audit): Promise<void> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(AXE_SOURCE);
  for (const v of await page.evaluate(runAxe, AXE_TAGS)) {
    const nodes = v.nodes.map((n) => `      ${n.target}\n        ${n.html}\n        ${n.summary}`).join('\n');
    result.problems.push(`${where}: axe ${v.id} (${v.impact}) ${v.help}\n${nodes}`);
  }
  const measures = await page.evaluate(measureControls);
  result.controls += measures.length;
  for (const m of measures) {
    const need = NEEDS[m.kind];
    if (m.ratio < need) result.problems.push(`${where}: ${m.kind} contrast of ${m.control} is ${m.ratio.toFixed(2)}:1 (${m.colours}), WCAG asks ${need}:1`);
    const key = `${theme} ${m.kind}`;
    const seen = result.lowest.get(key);
    if (!seen || m.ratio < seen.ratio) result.lowest.set(key, { ...m, where });
  }
}

/** Opens a modal <dialog> with `open`, waits until it is shown, audits it, closes it with Esc. */
async function auditDialog(session: Session, testid: string, openIt: () => Promise<void>, where: string, theme: string, result: Audit): Promise<void> {
  const { page } = session;
  await openIt();
  const dialog = page.locator(`dialog[data-testid="${testid}"][open]`);
  await dialog.waitFor();
  await audit(page, where, theme, result);
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
}

describe('accessibility audit', () => {
  it('finds no WCAG 2.1 A/AA violation and legible form controls on every screen, in both languages and themes', async () => {
    const session = await open();
    const { app, page, demo } = session;
    // Downloads with files in them, then a month of results with two rows chosen.
    const saved = await app.saveConference(demo.files[0]!.confrId);
    await app.query('range', { preset: 'month' });
    const boxes = page.locator('[data-testid="results-table"] tbody tr[data-row-id] input[type="checkbox"]');
    await boxes.nth(1).check();
    await boxes.nth(2).check();
    // Settings with office hours on: its time fields show.
    await app.go('settings');
    await page.locator('input[name="officeEnabled"]').check();

    const result: Audit = { problems: [], lowest: new Map(), controls: 0 };
    for (const theme of THEMES) {
      await page.emulateMedia({ colorScheme: theme });
      for (const language of LANGUAGES) {
        await app.setLanguage(language);
        const at = (screen: string): string => `${screen} [${language}, ${theme}]`;

        await app.go('connect');
        await audit(page, at('Connect'), theme, result);
        // a sign-in that fails: the error beside the buttons
        const form = page.getByTestId('connection-form');
        await form.locator('input[name="server"]').fill(demo.url);
        await form.locator('input[name="appkey"]').fill(`${demo.org}#${demo.app}`);
        await form.locator('input[name="clientId"]').fill(demo.clientId);
        await form.locator('input[name="clientSecret"]').fill('not-the-secret');
        await page.getByTestId('save-and-test').click();
        await page.getByTestId('save-anyway').waitFor();
        await audit(page, at('Connect, sign-in failed'), theme, result);
        await form.locator('button.quiet').last().click();
        await page.getByTestId('save-anyway').waitFor({ state: 'detached' });

        await app.go('find');
        await page.locator('[data-testid="results-table"] tbody tr[data-row-id]').first().waitFor();
        await audit(page, at('Find with results'), theme, result);
        await page.getByTestId('open-download').click();
        await page.getByTestId('download-panel').waitFor();
        await audit(page, at('Find, download dialog'), theme, result);
        await page.keyboard.press('Escape');
        await page.getByTestId('download-panel').waitFor({ state: 'detached' });

        await app.go('queue');
        await page.locator(`[data-testid="overall"][data-done="${saved}"]`).waitFor();
        await audit(page, at('Downloads'), theme, result);
        await page.locator('[data-testid="queue-table"] tbody tr[data-item-id] button.who').first().click();
        await page.getByTestId('detail').waitFor();
        await audit(page, at('Downloads, file details'), theme, result);
        await page.getByTestId('detail-close').click();
        await page.getByTestId('detail').waitFor({ state: 'detached' });
        await auditDialog(session, 'confirm-clear', () => page.getByTestId('clear-finished').click(), at('Downloads, "Clear finished" dialog'), theme, result);

        await app.go('history');
        await page.locator(`[data-testid="history-count"][data-count="${saved}"]`).waitFor();
        await audit(page, at('History'), theme, result);
        await page.getByTestId('row-actions').first().click();
        await page.locator('[role="menu"]:popover-open').waitFor();
        await audit(page, at('History, row menu'), theme, result);
        await auditDialog(
          session,
          'confirm-remove',
          () => page.locator('[role="menu"]:popover-open [data-action="remove"]').click(),
          at('History, "Remove" dialog'),
          theme,
          result,
        );
        await page.getByTestId('verify').click();
        await page.locator('[data-testid="verify-report"][data-problems="0"]').waitFor();
        await audit(page, at('History, files checked'), theme, result);

        await app.go('settings');
        await audit(page, at('Settings'), theme, result);
      }
    }

    if (process.env['A11Y_REPORT']) {
      for (const [key, m] of [...result.lowest].sort()) console.log(`${key}: ${m.ratio.toFixed(2)}:1 ${m.control} (${m.colours}) at ${m.where}`);
    }
    expect(result.controls, 'form controls measured').toBeGreaterThan(100);
    expect(result.problems.length, `${result.problems.length} problems:\n${result.problems.join('\n')}\n`).toBe(0);
    expect(session.pageErrors).toEqual([]);
  }, 180_000);
});
