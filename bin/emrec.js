#!/usr/bin/env node
// Launcher for the emrec command line. The sources are TypeScript run by Node's own type stripping
// (Node >= 22.18 / 24), so `npx emrec` works right after `npm install` with no build step.
// On an older 22.x the flag is still needed: re-run ourselves with it.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

if (process.features.typescript) {
  await import('../main/cli.ts');
} else {
  const cli = fileURLToPath(new URL('../main/cli.ts', import.meta.url));
  const run = spawnSync(process.execPath, ['--experimental-strip-types', '--no-warnings', cli, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(run.status ?? 1);
}
