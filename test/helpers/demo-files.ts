// One demo file host for a test file: the server (its faults cleared before each test), an API client to
// list a file's signed record again, and a fresh destination for each download.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createApiClient, type ApiClient } from '../../main/core/api-client.ts';
import type { Recording } from '../../main/core/record.ts';
import { MemoryTokenCache } from '../../main/core/token.ts';
import { startDemoServer, type DemoOptions, type DemoServer } from '../../main/demo/server.ts';

export interface DemoFiles {
  readonly demo: DemoServer;
  readonly client: ApiClient;
  /** A temporary folder for the test file, removed after it. */
  readonly dir: string;
  /** The id of the catalogue's i-th file. */
  fileId(i: number): number;
  /** The file's record as listed now (a freshly signed URL). */
  recordOf(id: number): Promise<Recording>;
  /** A new path in a new sub-folder. */
  dest(name?: string): string;
}

export function demoFiles(options: DemoOptions, prefix: string): DemoFiles {
  let demo: DemoServer | undefined;
  let client: ApiClient | undefined;
  let dir: string | undefined;
  let n = 0;
  beforeAll(async () => {
    demo = await startDemoServer(options);
    client = createApiClient(
      { server: demo.url, org: demo.org, app: demo.app, timezone: 'Asia/Shanghai', auth: { type: 'client', clientId: demo.clientId, clientSecret: demo.clientSecret } },
      { tokenCache: new MemoryTokenCache() },
    );
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  afterAll(async () => {
    await demo?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    const faults = demo!.faults;
    for (const key of ['cutAfterBytes', 'stall', 'bytesPerSecond', 'lineBytesPerSecond', 'fileThrottle'] as const) delete faults[key];
    Object.assign(faults, { ignoreRange: false, expireUrlsNow: false });
    demo!.resetStats();
  });
  const files: DemoFiles = {
    get demo() {
      return demo!;
    },
    get client() {
      return client!;
    },
    get dir() {
      return dir!;
    },
    fileId: (i) => demo!.files[i]?.id as number,
    async recordOf(id) {
      const file = demo!.files.find((f) => f.id === id);
      const { records } = await client!.listConference(file?.confrId as string);
      const record = records.find((r) => r.id === id);
      if (!record) throw new Error(`demo did not list ${id}`);
      return record;
    },
    dest: (name = 'file.webm') => path.join(dir!, `sub${(n += 1)}`, name),
  };
  return files;
}
