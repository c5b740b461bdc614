// The engine, the demo server, the CLI, the service and the IPC contract run in plain Node: none of
// them may import Electron (or electron-store, which imports it). Only the thin shell in main/*.ts may.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';

const MAIN = path.join(import.meta.dirname, '../../main');
const ELECTRON_IMPORT = /from\s+['"]electron(-store)?(\/[^'"]*)?['"]|import\(\s*['"]electron|require\(\s*['"]electron/;

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

it.each(['core', 'demo', 'cli', 'service', 'ipc'])('main/%s never imports electron', (folder) => {
  const files = tsFiles(path.join(MAIN, folder));
  expect(files.length).toBeGreaterThan(0);
  for (const file of files) expect(readFileSync(file, 'utf8'), path.relative(MAIN, file)).not.toMatch(ELECTRON_IMPORT);
});

it('the pure shell helpers and the CLI entry never import electron either', () => {
  for (const name of ['cli.ts', 'ipc-guard.ts', 'ipc-names.ts', 'batch-tracker.ts', 'security.ts', 'notify-text.ts']) {
    const text = readFileSync(path.join(MAIN, name), 'utf8').replace(/import type [^;]+;/g, '');
    expect(text, name).not.toMatch(ELECTRON_IMPORT);
  }
});
