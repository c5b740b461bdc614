// One rule for the layout: only the thin shell in main/shell/ may import Electron (or electron-store,
// electron-log and electron-updater, which import it). The engine, the service, the IPC contract, the
// desktop rules, the demo and the CLI run in plain Node, where they are tested.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';

const MAIN = path.join(import.meta.dirname, '../../main');
const ELECTRON_IMPORT = /from\s+['"]electron(-store|-log(?!\/node)|-updater)?(\/[^'"]*)?['"]|import\(\s*['"]electron|require\(\s*['"]electron/;

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

const all = tsFiles(MAIN).map((file) => path.relative(MAIN, file).split(path.sep).join('/'));

it('only main/shell/** imports electron (type-only imports included)', () => {
  const outside = all.filter((file) => !file.startsWith('shell/'));
  expect(outside.length).toBeGreaterThan(50);
  const offenders = outside.filter((file) => ELECTRON_IMPORT.test(readFileSync(path.join(MAIN, file), 'utf8')));
  expect(offenders).toEqual([]);
});

it('the rule sees the shell’s own imports (it can fail)', () => {
  const shell = all.filter((file) => file.startsWith('shell/'));
  expect(shell.filter((file) => ELECTRON_IMPORT.test(readFileSync(path.join(MAIN, file), 'utf8'))).length).toBeGreaterThanOrEqual(6);
});
