// Demo servers for a test file: each started one is closed after its test.
import { afterEach } from 'vitest';
import { startDemoServer, type DemoOptions, type DemoServer } from '../../main/demo/server.ts';

/** Registers an afterEach that closes what the returned function started. */
export function demoServers(): (options?: DemoOptions) => Promise<DemoServer> {
  const servers: DemoServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  return async (options = {}) => {
    const server = await startDemoServer(options);
    servers.push(server);
    return server;
  };
}
