// One message catalogue (main/messages/) for every word the user sees: the window, the shell's menu,
// tray, dialogs and notifications, and emrec. No other module of main/ carries its own words: no
// Chinese outside comments, no `language === 'zh-CN' ? … : …` choices. And each error code has one
// translation, which the CLI's Chinese line says too.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorLine } from '../../main/cli/messages.ts';
import { ERROR_CODES } from '../../main/core/errors.ts';
import { en } from '../../main/messages/en.ts';
import { translate } from '../../main/messages/format.ts';
import { zhCN } from '../../main/messages/zh-CN.ts';

const MAIN = path.join(import.meta.dirname, '../../main');
const HAN = /\p{Script=Han}/u;

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The code without its comments (line and block), so words in comments do not count. */
const code = (text: string): string => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');

describe('words live only in the catalogue', () => {
  const places = ['shell', 'desktop', 'cli', 'service', 'ipc'].flatMap((dir) => tsFiles(path.join(MAIN, dir))).concat(path.join(MAIN, 'cli.ts'));

  it('no Chinese in the code of the shell, the desktop rules, the service, the contract or the CLI', () => {
    // 环信 is the product's name in the CLI's English description
    const offenders = places.filter((file) => HAN.test(code(readFileSync(file, 'utf8')).replaceAll('(环信)', '')));
    expect(offenders.map((file) => path.relative(MAIN, file))).toEqual([]);
  });

  it('no inline choice of words by language', () => {
    const choice = /===\s*'zh-CN'\s*\?/;
    const offenders = places.filter((file) => choice.test(code(readFileSync(file, 'utf8'))));
    expect(offenders.map((file) => path.relative(MAIN, file))).toEqual([]);
  });

  it('the shell’s words are there in both languages', () => {
    for (const key of Object.keys(en).filter((k) => /^(menu|tray|keyring|resume|quit|notify|update|diagnostics)\./.test(k))) {
      const zh = zhCN[key as keyof typeof en];
      expect(zh, key).toMatch(HAN);
      expect(en[key as keyof typeof en], key).not.toMatch(HAN);
    }
  });
});

describe('one translation of each error code', () => {
  it.each(ERROR_CODES.filter((c) => !['ALREADY_RUNNING', 'CONVERT_UNAVAILABLE', 'STORE_TOO_NEW', 'INTERNAL'].includes(c)))(
    '%s: emrec’s Chinese line says the window’s sentence, then the engine’s English words',
    (c) => {
      const line = errorLine({ code: c, message: 'engine words' }, 'zh-CN');
      expect(line).toBe(`${translate('zh-CN', `error.${c}`).replace(/。$/, '')}（engine words）`);
    },
  );

  it('emrec names the flag to fix, and its own remedy where the window’s would not fit a command line', () => {
    expect(errorLine({ code: 'BAD_INPUT', message: 'x', details: { field: 'org' } }, 'zh-CN')).toContain('--org');
    expect(errorLine({ code: 'ALREADY_RUNNING', message: 'x' }, 'zh-CN')).toContain('--wait');
    expect(errorLine({ code: 'AUTH_FAILED', message: 'Sign-in failed (401)' }, 'en')).toBe('Sign-in failed (401)');
  });
});
