// `npm run dev`: the renderer from Vite's dev server (hot reload) inside Electron running the built main.
// Main and preload are rebuilt by `npm run build:main` before this starts.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createServer } from 'vite';

const root = path.resolve(import.meta.dirname, '..');
const server = await createServer({ configFile: path.join(root, 'renderer', 'vite.config.ts'), server: { host: '127.0.0.1' } });
await server.listen();
const url = server.resolvedUrls?.local[0];
if (!url) throw new Error('the Vite dev server did not report its address');
// The electron package exports the path of its binary (and downloads it when missing).
const electron = createRequire(import.meta.url)('electron') as string;
const child = spawn(electron, [root], { stdio: 'inherit', env: { ...process.env, EMREC_DEV_SERVER_URL: url } });
child.on('exit', (code) => {
  void server.close().then(() => process.exit(code ?? 0));
});
