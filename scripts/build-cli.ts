// Bundles main/cli.ts into dist/emrec.mjs, the file bin/emrec.js runs (the `prepare` script);
// `--out FILE` bundles into FILE instead (the bundle test's own copy).
// Node's built-in modules are loaded through `require`, not `import`: the ESM face of `node:http`
// reads every export, lazy getters included, and so loads undici (fetch, WebSocket) that emrec never
// uses. `require` leaves the getters alone.
// The bundle must stay ASCII: one character beyond Latin-1 (esbuild leaves regular expressions as they
// are) makes V8 keep the whole 1.7 MB source as UTF-16, 3.4 MB.
// The two took `emrec --version` from 129 ms and 77.8 MB peak RSS to 114 ms and 73.5 MB.
// zod's `locales` namespace (its error texts in 63 languages, 300 kB, 18 % of the bundle) is cut to the
// English one zod sets as its default: emrec shows its own messages (main/messages), never zod's.
import { readFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { build, type Plugin } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const requireHere = createRequire(import.meta.url);

/** Getters whose first read loads undici. */
const unread = new Set(['WebSocket', 'CloseEvent', 'MessageEvent']);

/** `export const x = m.x` for each export of the built-in module but the getters above. */
function builtinFacade(name: string): string {
  const exported = Object.keys(requireHere(name)).filter((key) => /^[A-Za-z_$][\w$]*$/.test(key) && key !== 'default' && !unread.has(key));
  const lines = [`const m = require(${JSON.stringify(name)});`, 'export default m;'];
  for (const key of exported) lines.push(`export const ${key} = m.${key};`);
  return lines.join('\n');
}

const builtinsThroughRequire: Plugin = {
  name: 'builtins-through-require',
  setup(b) {
    const names = new Set(builtinModules.flatMap((n) => [n, `node:${n}`]));
    b.onResolve({ filter: /^(node:)?[a-z_/0-9]+$/ }, (args) =>
      names.has(args.path) && args.kind === 'import-statement' ? { path: args.path.replace(/^node:/, ''), namespace: 'builtin' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({ contents: builtinFacade(`node:${args.path}`), loader: 'js' }));
  },
};

const onlyEnglishZodLocale: Plugin = {
  name: 'only-english-zod-locale',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer) ? { path: path.resolve(args.resolveDir, '../locales'), namespace: 'zod-locales' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({ contents: "export { default as en } from './en.js';", resolveDir: args.path, loader: 'js' }));
  },
};

const { values } = parseArgs({ options: { out: { type: 'string' } } });
const outfile = path.resolve(values.out ?? path.join(root, 'dist', 'emrec.mjs'));
await build({
  entryPoints: [path.join(root, 'main', 'cli.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  plugins: [builtinsThroughRequire, onlyEnglishZodLocale],
  banner: { js: "import { createRequire as __emrecRequire } from 'node:module'; const require = __emrecRequire(import.meta.url);" },
});

const wide = /[^\x00-\x7f].{0,40}/su.exec(readFileSync(outfile, 'utf8'));
if (wide) throw new Error(`${outfile} is not ASCII (write the character as \\u...): ${wide[0]}`);
