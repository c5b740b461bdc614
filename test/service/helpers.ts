// A service over a temp state folder and a real demo server, plus waiting on its events.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startDemoServer, type DemoOptions, type DemoServer } from '../../main/demo/server.ts';
import type { ConnectionInput, EventChannel, EventPayloads, InvokeChannel, InvokeArg, InvokeResults, Result } from '../../main/ipc/contract.ts';
import { createService, type Service, type ServiceOptions } from '../../main/service/index.ts';
import { invokeHandler } from '../../main/service/invoke.ts';
import type { SecretBox } from '../../main/service/secret-box.ts';

/** Reversible but not plain: proves secrets never reach the disk as typed. */
export const testSecretBox: SecretBox = {
  available: true,
  encrypt: (s) => `enc:${Buffer.from(s, 'utf8').toString('base64').split('').reverse().join('')}`,
  decrypt: (s) => {
    if (!s.startsWith('enc:')) throw new Error('not encrypted by this box');
    return Buffer.from(s.slice(4).split('').reverse().join(''), 'base64').toString('utf8');
  },
};

export interface Harness {
  readonly service: Service;
  readonly demo: DemoServer;
  readonly root: string;
  readonly stateDir: string;
  readonly outDir: string;
  readonly opened: string[];
  readonly shown: string[];
  call<C extends InvokeChannel>(channel: C, arg?: InvokeArg<C>): Promise<Result<InvokeResults[C]>>;
  /** Like call, but unwraps the value and fails on an error result. */
  ok<C extends InvokeChannel>(channel: C, arg?: InvokeArg<C>): Promise<InvokeResults[C]>;
  /** Unvalidated call, for malformed arguments. */
  raw(channel: unknown, arg: unknown): Promise<Result<unknown>>;
  close(): Promise<void>;
}

export async function startHarness(
  options: { demo?: DemoOptions; service?: Partial<ServiceOptions>; root?: string } = {},
): Promise<Harness> {
  const root = options.root ?? (await mkdtemp(path.join(os.tmpdir(), 'emrec-svc-')));
  const stateDir = path.join(root, 'state');
  const outDir = path.join(root, 'out');
  const opened: string[] = [];
  const shown: string[] = [];
  const demo = await startDemoServer(options.demo);
  const service = createService({
    stateDir,
    secrets: testSecretBox,
    systemLanguage: 'en-US',
    version: '9.9.9-test',
    home: root,
    pickFolder: async () => outDir,
    openPath: async (p) => void opened.push(p),
    showItem: (p) => void shown.push(p),
    demo: { start: async () => demo },
    ...options.service,
  });
  const raw = (channel: unknown, arg: unknown): Promise<Result<unknown>> => invokeHandler(service.handlers, channel, arg);
  const call = (channel: InvokeChannel, arg?: unknown) => raw(channel, arg);
  return {
    service,
    demo,
    root,
    stateDir,
    outDir,
    opened,
    shown,
    call: call as Harness['call'],
    ok: (async (channel: InvokeChannel, arg?: unknown) => {
      const result = await call(channel, arg);
      if (!result.ok) throw new Error(`${channel} failed: ${result.error.code} ${result.error.message}`);
      return result.value;
    }) as Harness['ok'],
    raw,
    async close() {
      await service.dispose();
      await demo.close().catch(() => undefined);
      if (options.root === undefined) await rm(root, { recursive: true, force: true });
    },
  };
}

/** Resolves with the first event payload that satisfies `accept` (rejects after a generous timeout, naming what it waited for). */
export function waitForEvent<E extends EventChannel>(
  service: Service,
  event: E,
  accept: (payload: EventPayloads[E]) => boolean,
  what: string = event,
  timeoutMs = 90_000,
): Promise<EventPayloads[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const stop = service.on(event, (payload) => {
      if (!accept(payload)) return;
      clearTimeout(timer);
      stop();
      resolve(payload);
    });
  });
}

/** Collects every query:page of a query until its `done` page. */
export async function runQuery(h: Harness, connectionId: string, query: InvokeArg<'query:start'>['query'], template = '{date}/{confrId}/{time}_{user}_{recordType}_{id}.{ext}') {
  const pages: EventPayloads['query:page'][] = [];
  let queryId: string | undefined;
  const early: EventPayloads['query:page'][] = [];
  const done = new Promise<void>((resolve) => {
    const stop = h.service.on('query:page', (page) => {
      if (queryId === undefined) early.push(page);
      else if (page.queryId === queryId) pages.push(page);
      if (page.done && (queryId === undefined || page.queryId === queryId)) {
        stop();
        resolve();
      }
    });
  });
  const started = await h.ok('query:start', { connectionId, query, template });
  queryId = started.queryId;
  pages.unshift(...early.filter((p) => p.queryId === queryId));
  await done;
  return { queryId, pages, rows: pages.flatMap((p) => p.rows), last: pages.at(-1) };
}

/** A 30-day range ending now, as the window sends it. */
export function last30Days(kind: 'range' | 'merged' = 'range') {
  const to = new Date();
  const from = new Date(to.getTime() - 30 * 24 * 3600_000);
  return { kind, from: from.toISOString(), to: to.toISOString() } as const;
}

/** A connection input for the harness's demo server; overrides may be malformed on purpose (typed as valid). */
export function demoConnectionInput(h: Harness, name: string, over: Record<string, unknown> = {}): ConnectionInput {
  return {
    name,
    server: h.demo.url,
    org: h.demo.org,
    app: h.demo.app,
    timezone: 'Asia/Shanghai',
    auth: { type: 'client', clientId: h.demo.clientId, clientSecret: h.demo.clientSecret },
    ...over,
  } as ConnectionInput;
}
