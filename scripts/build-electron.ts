// Builds what Electron runs: main compiled by tsc to dist/main (ESM, `.ts` imports rewritten to `.js`),
// and the preload bundled by esbuild to one CommonJS file, because a sandboxed preload cannot be ESM.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
rmSync(path.join(root, 'dist', 'main'), { recursive: true, force: true });
execFileSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'tsconfig.electron.json')], {
  stdio: 'inherit',
  cwd: root,
});
await build({
  entryPoints: [path.join(root, 'main', 'shell', 'preload.ts')],
  outfile: path.join(root, 'dist', 'preload.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node22',
  external: ['electron'],
  logLevel: 'warning',
});
console.log('built dist/main and dist/preload.cjs');
