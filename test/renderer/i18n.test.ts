// The dictionaries, walked: both languages have the same keys and placeholders, every error code is
// translated, every key the code uses exists; and in the browser, switching language changes every
// visible string (no English left in Chinese, no raw key anywhere).
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../main/core/errors.ts';
import { LANGUAGES } from '../../main/ipc/contract.ts';
import { en } from '../../main/messages/en.ts';
import { DICTIONARIES, formatBytes, translatePlural } from '../../main/messages/format.ts';
import { zhCN } from '../../main/messages/zh-CN.ts';
import type { ScreenName } from './app.ts';
import { sessionPerTest, type Session } from './session.ts';

const SRC = fileURLToPath(new URL('../../renderer/src/', import.meta.url));
const placeholders = (text: string): string[] => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sources(full)));
    else if (/\.(svelte|ts)$/.test(entry.name) && !full.includes(`${path.sep}i18n${path.sep}`)) out.push(full);
  }
  return out;
}

describe('dictionaries', () => {
  it('have the same keys and placeholders in every language, none empty', () => {
    expect(Object.keys(DICTIONARIES).sort()).toEqual([...LANGUAGES].sort());
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
    for (const [key, text] of Object.entries(en)) {
      const zh = zhCN[key as keyof typeof en];
      expect(text.trim(), key).not.toBe('');
      expect(zh.trim(), key).not.toBe('');
      expect(placeholders(zh), key).toEqual(placeholders(text));
    }
  });

  it('translate every error code', () => {
    for (const code of ERROR_CODES) {
      for (const language of LANGUAGES) {
        const text = DICTIONARIES[language][`error.${code}`];
        expect(text, `${language} ${code}`).toBeTruthy();
        expect(text).not.toContain(code);
      }
    }
  });

  it('really translate: Chinese differs from English except for product words', () => {
    const same = Object.keys(en).filter((k) => en[k as keyof typeof en] === zhCN[k as keyof typeof en]);
    expect(same.sort()).toEqual(['connect.clientId']);
  });

  it('have both plural forms for every plural key, and pick them by count', () => {
    for (const key of Object.keys(en)) {
      if (key.endsWith('_one')) expect(Object.hasOwn(en, key.replace(/_one$/, '_other')), key).toBe(true);
      if (key.endsWith('_other')) expect(Object.hasOwn(en, key.replace(/_other$/, '_one')), key).toBe(true);
    }
    expect(translatePlural('en', 'find.found', 1)).toBe('1 recording found');
    expect(translatePlural('en', 'find.found', 12_345)).toBe('12,345 recordings found');
    expect(translatePlural('zh-CN', 'find.found', 2)).toBe('找到 2 个录制文件');
    expect(formatBytes('en', 1536)).toBe('1.5 kB');
  });

  it('contain every key the screens use', async () => {
    const keys = new Set(Object.keys(en));
    const prefixes = new Set([...keys].map((k) => k.slice(0, k.lastIndexOf('.') + 1)));
    const used: string[] = [];
    for (const file of await sources(SRC)) {
      const text = await readFile(file, 'utf8');
      for (const m of text.matchAll(/\b(?:t|plural)\(\s*(['`])([\w.-]+)(\$\{)?/g)) {
        const literal = m[2] ?? '';
        if (m[3] !== undefined) expect(prefixes.has(literal), `${file}: ${literal}\${...}`).toBe(true);
        else if (m[0].includes('plural')) expect(keys.has(`${literal}_other`), `${file}: ${literal}`).toBe(true);
        else expect(keys.has(literal), `${file}: ${literal}`).toBe(true);
        used.push(literal);
      }
    }
    expect(used.length).toBeGreaterThan(100);
  });
});

describe('language in the browser', () => {
  const open = sessionPerTest();

  const SCREENS: readonly ScreenName[] = ['connect', 'find', 'queue', 'history', 'settings'];

  /** Visible text plus placeholders, labels and titles of every screen. */
  async function allText(s: Session): Promise<string> {
    const parts: string[] = [];
    // the download dialog (open when called) is modal: its words first, then Esc to reach the screens
    const dialog = s.page.locator('dialog.modal[open]');
    if ((await dialog.count()) > 0) {
      parts.push(await dialog.innerText());
      await s.page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
    }
    for (const screen of SCREENS) {
      await s.app.go(screen);
      if (screen === 'history') await s.page.locator('[data-testid="history-count"][data-count="3"]').waitFor();
      parts.push(await s.app.text());
      parts.push(
        ...(await s.page.locator('[placeholder], [aria-label], [title]').evaluateAll((els) =>
          els.flatMap((el) => ['placeholder', 'aria-label', 'title'].map((a) => el.getAttribute(a) ?? '')),
        )),
      );
    }
    parts.push(await s.page.title());
    return parts.join('\n');
  }

  it('follows the OS language on first start and switches every string at once', async () => {
    const session = await open({ systemLanguage: 'zh_CN.UTF-8' });
    const { app, page, demo } = session;
    expect(await app.language()).toBe('zh-CN');

    // Put something on every screen: results, a finished queue, history.
    await app.tryDemo();
    const first = demo.files[0];
    if (first === undefined) throw new Error('empty demo catalogue');
    await app.query('conference', { confrId: first.confrId });
    await app.selectAll();
    await app.download({ pick: true, folder: session.outDir, convert: false });
    await app.waitAllDone(3);
    await app.query('conference', { confrId: first.confrId });
    await app.selectAll();
    await page.getByTestId('open-download').click();

    const zhText = await allText(session);
    await app.setLanguage('en');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await app.go('find');
    await page.getByTestId('open-download').click();
    const enText = await allText(session);

    // No dictionary key is ever shown raw.
    for (const key of Object.keys(en)) {
      expect(zhText.includes(key), key).toBe(false);
      expect(enText.includes(key), key).toBe(false);
    }
    // No English message fragment is left in the Chinese window (the demo's name "Demo" is data;
    // product words the Chinese text keeps on purpose, like "Token", are allowed).
    const zhAll = Object.values(zhCN).join('\n');
    for (const [key, text] of Object.entries(en)) {
      if (key === 'connect.demoBadge' || text === zhCN[key as keyof typeof en]) continue;
      const fragments = text.split(/\{\w+\}/).map((f) => f.trim());
      for (const fragment of fragments.filter((f) => f.length >= 4 && /[a-z]/i.test(f) && !zhAll.includes(f))) {
        // As a whole word: "{recordType}" in the naming hint is a field name, not the word "Type".
        const word = new RegExp(`(^|[^A-Za-z])${fragment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z])`);
        expect(word.test(zhText), `${key}: "${fragment}"`).toBe(false);
      }
    }
    // And the English window shows English, not Chinese UI strings.
    expect(enText).toContain(en['nav.find']);
    expect(enText).not.toContain(zhCN['nav.find']);
    expect(zhText).toContain(zhCN['queue.heading']);
    expect(session.pageErrors).toEqual([]);
  });
});
