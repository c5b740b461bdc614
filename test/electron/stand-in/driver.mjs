// Boots the built main (dist/main/app.js, or MAIN_ENTRY) under the stand-in electron and drives it through its
// registered IPC handler like the window would, then prints one JSON report on stdout.
// PHASE=first: boot, a query and a download from a slow demo server, quit during the download.
// PHASE=second: boot again over the same user data; the report says whether resuming was offered.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(import.meta.dirname, '../../..');
const { app } = await import('electron'); // the stand-in, through register.mjs
const s = globalThis.__standIn;
const phase = process.env.PHASE;
const report = { phase };
const until = async (what, test, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

let demo;
if (phase === 'first') {
  const { startDemoServer, syntheticCatalogue } = await import(pathToFileURL(path.join(root, 'main/demo/server.ts')).href);
  demo = await startDemoServer({ catalogue: syntheticCatalogue({ count: 6, size: 400_000, perConference: 3 }) });
  demo.faults.bytesPerSecond = 200_000;
}

await import(pathToFileURL(process.env.MAIN_ENTRY ?? path.join(root, 'dist/main/app.js')).href);
await until('the window', () => s.windows.length > 0 && s.handlers.size > 0);
const win = s.windows[0];
report.window = { options: win.options, url: win.webContents.url };
report.handlers = [...s.handlers.keys()];
report.calls = s.calls.map((c) => c.name);
report.trayImage = s.tray?.image?.options ?? null;
report.menu = s.menu?.template.map((m) => m.label ?? m.role);

const frame = { senderFrame: { url: win.webContents.url, parent: null } };
const invoke = (channel, arg) => s.handlers.get('emrec:invoke')(frame, channel, arg);
const { invokeChannels } = await import(pathToFileURL(path.join(root, 'main/ipc/contract.ts')).href);
// every contract channel answers through the one invoke handler: a wrong argument is BAD_INPUT with
// the channel's own validation, never "unknown channel"
report.channels = {};
for (const channel of Object.keys(invokeChannels)) {
  const r = await invoke(channel, { surely: 'not valid' });
  report.channels[channel] = r.ok ? 'ok' : r.error.message.startsWith('Unknown channel') ? 'unknown' : r.error.code;
}
report.foreignFrame = await s.handlers.get('emrec:invoke')({ senderFrame: { url: 'https://evil.example/', parent: null } }, 'settings:get', undefined);

if (phase === 'first') {
  const saved = await invoke('connections:save', {
    name: 'Wiring', server: demo.url, org: demo.org, app: demo.app, timezone: 'Asia/Shanghai',
    auth: { type: 'client', clientId: demo.clientId, clientSecret: demo.clientSecret },
  });
  if (!saved.ok) throw new Error(JSON.stringify(saved.error));
  const connectionId = saved.value.id;
  await invoke('connections:activate', { id: connectionId });
  const now = Date.now();
  const started = await invoke('query:start', {
    connectionId,
    query: { kind: 'range', from: new Date(now - 7 * 86_400_000).toISOString(), to: new Date(now).toISOString() },
    template: '{id}.{ext}',
  });
  if (!started.ok) throw new Error(JSON.stringify(started.error));
  const pages = () => s.sent.filter((m) => m.args[0] === 'query:page').map((m) => m.args[1]);
  await until('the last page', () => pages().some((p) => p.done));
  const ids = pages().flatMap((p) => p.rows.map((r) => r.id));
  report.listed = ids.length;
  const outDir = path.join(s.userData, 'out');
  const queued = await invoke('download:start', { connectionId, queryId: started.value.queryId, ids, outDir, template: '{id}.{ext}', convert: false, keepOriginal: true, concurrency: 2 });
  report.queued = queued.ok ? queued.value : queued.error;
  const progress = () => s.sent.filter((m) => m.args[0] === 'download:progress').map((m) => m.args[1]).at(-1);
  await until('some bytes', () => (progress()?.bytes ?? 0) > 100_000);
  // quit during the download: "Pause and Quit" (the first button)
  s.answers.push(0);
  const dialogsBefore = s.dialogs.length;
  s.app ??= undefined;
  app.quit();
  await until('the exit', () => s.exited !== undefined);
  report.quitDialog = s.dialogs.slice(dialogsBefore).map((d) => ({ message: d.message, buttons: d.buttons }));
  report.exited = s.exited;
  report.doneBeforeQuit = progress()?.counts.done;
  await demo.close();
}

if (phase === 'second') {
  await until('the resume question', () => s.dialogs.length > 0, 10_000).catch(() => undefined);
  report.dialogs = s.dialogs.map((d) => ({ message: d.message, buttons: d.buttons }));
}
process.stdout.write(`${JSON.stringify(report)}\n`);
process.exit(0);
