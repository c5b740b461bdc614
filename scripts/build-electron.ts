// Builds what Electron runs: main compiled by tsc to dist/main (ESM, `.ts` imports rewritten to `.js`),
// and the preload bundled by esbuild to one CommonJS file, because a sandboxed preload cannot be ESM.
// `--out DIR` builds into DIR/main and DIR/preload.cjs instead of dist/ (the boot wiring test's own copy).
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { out: { type: 'string' } } });
const dist = path.resolve(values.out ?? path.join(root, 'dist'));
rmSync(path.join(dist, 'main'), { recursive: true, force: true });
execFileSync(
  process.execPath,
  [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'tsconfig.electron.json'), '--outDir', path.join(dist, 'main')],
  { stdio: 'inherit', cwd: root },
);
await build({
  entryPoints: [path.join(root, 'main', 'shell', 'preload.ts')],
  outfile: path.join(dist, 'preload.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node22',
  external: ['electron'],
  logLevel: 'warning',
});
console.log(`built ${path.relative(root, dist) || '.'}/main and preload.cjs`);
