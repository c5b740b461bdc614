// `emrec demo`: starts the built-in demo server and tells the user how to point emrec at it.
import { startDemoServer } from './server.ts';
import type { DemoServer } from './server.ts';

export interface RunDemoOptions {
  readonly port?: number;
  /** Where to print; default process.stdout. */
  readonly out?: { write(text: string): unknown };
  /** Generate all demo media before printing (default true), so the first download is instant. */
  readonly prepare?: boolean;
}

/** Starts the demo server, prints its address and credentials and an example command, and returns it (still running). */
export async function runDemo(opts: RunDemoOptions = {}): Promise<DemoServer> {
  const server = await startDemoServer({ holdProcess: true, ...(opts.port === undefined ? {} : { port: opts.port }) });
  const out = opts.out ?? process.stdout;
  if (opts.prepare ?? true) {
    out.write('Preparing demo media with ffmpeg (cached after the first run)...\n');
    try {
      await server.prepareMedia();
    } catch (error) {
      await server.close();
      throw error;
    }
  }
  const conferences = new Set(server.files.map((f) => f.confrId)).size;
  const first = server.files[0];
  const lines = [
    `Demo Easemob recording server listening on ${server.url}`,
    `  org:           ${server.org}`,
    `  app:           ${server.app}`,
    `  client id:     ${server.clientId}`,
    `  client secret: ${server.clientSecret}`,
    `  recordings:    ${server.files.length} files in ${conferences} conferences over the last 30 days (timezone Asia/Shanghai)`,
    '',
    'Try:',
    `  npx emrec list --server ${server.url} --org ${server.org} --app ${server.app} --client-id ${server.clientId} --client-secret ${server.clientSecret} --days 30`,
    ...(first === undefined ? [] : [`  npx emrec list --server ${server.url} --org ${server.org} --app ${server.app} --client-id ${server.clientId} --client-secret ${server.clientSecret} --conference ${first.confrId}`]),
    '',
    'Press Ctrl+C to stop.',
    '',
  ];
  out.write(lines.join('\n'));
  return server;
}
