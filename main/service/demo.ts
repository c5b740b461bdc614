// "Try the demo": starts the built-in demo Easemob server once (on first use) and saves a connection to
// it. A server started here is closed with the service; one given through ServiceOptions.demo is the caller's.
import { DEFAULT_TIMEZONE } from '../core/connection.ts';
import type { DemoServer } from '../demo/server.ts';
import type { HandlerSlice, ServiceContext } from './context.ts';

export function demoHandlers(ctx: ServiceContext): HandlerSlice<'demo:connect'> {
  const { options, book, clients } = ctx;
  let server: Promise<DemoServer> | undefined;
  const start = (): Promise<DemoServer> => {
    server ??= (async () => {
      if (options.demo) return options.demo.start();
      const { startDemoServer } = await import('../demo/server.ts');
      return startDemoServer();
    })().catch((error: unknown) => {
      server = undefined;
      throw error;
    });
    return server;
  };
  ctx.onDispose(async () => {
    const started = server;
    server = undefined;
    if (started && !options.demo) await started.then((s) => s.close()).catch(() => undefined);
  });

  return {
    'demo:connect': async () => {
      const demo = await start();
      const existing = book.list().find((c) => c.demo);
      const saved = book.save(
        {
          ...(existing ? { id: existing.id } : {}),
          name: 'Demo',
          server: demo.url,
          org: demo.org,
          app: demo.app,
          timezone: DEFAULT_TIMEZONE,
          auth: { type: 'client', clientId: demo.clientId, clientSecret: demo.clientSecret },
        },
        { demo: true },
      );
      clients.forget(saved.id);
      book.activate(saved.id);
      return { ...saved, active: true };
    },
  };
}
