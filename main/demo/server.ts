// A built-in Easemob recording server on 127.0.0.1: the REST API of the contract and an OSS-like file
// host in one node:http server. It backs `emrec demo`, every end-to-end test and the benchmarks;
// tests flip `faults` at any time to make it misbehave and read `stats` to see what the client did.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_TIMEZONE } from '../core/connection.ts';
import { RestApi } from './api.ts';
import type { ApiFaults, ResponseShape } from './api.ts';
import { demoCatalogue, demoExtension, formatLocal } from './catalogue.ts';
import type { DemoFile } from './catalogue.ts';
import { DEFAULT_MEDIA_DIR, MediaStore } from './media.ts';
import { FileHost } from './oss.ts';
import type { FileFaults } from './oss.ts';

export type { DemoFile } from './catalogue.ts';
export { demoCatalogue, syntheticCatalogue } from './catalogue.ts';

export interface DemoOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Defaults 'demo-org', 'demo-app'. */
  org?: string;
  app?: string;
  /** Defaults 'YXA6demo-client' / 'YXA6demo-secret'. */
  clientId?: string;
  clientSecret?: string;
  /** Default: `demoCatalogue()` for this org/app. */
  catalogue?: DemoFile[];
  /** Where generated media is cached. Default: os.tmpdir()/emrec-demo-media-v1. */
  mediaDir?: string;
  /** Default true: a page starting at startId includes that id; false: only ids greater than it. */
  startIdInclusive?: boolean;
  /** Default 'entities'. 'object' = a bare object when exactly one record, else an array. */
  responseShape?: ResponseShape;
  /** Default 7200. */
  tokenTtlSeconds?: number;
  /** Default 3600: how long signed URLs live (may be negative to issue already-expired URLs). */
  urlTtlSeconds?: number;
  /** Server-local zone of `expireTime`; default Asia/Shanghai. */
  timezone?: string;
  /**
   * Default false: neither the listening socket nor an idle connection keeps the process alive, so a run
   * that uses the server in-process (`emrec download --demo`) and fails before closing it still exits at
   * once (the client's side of a request in flight holds the process meanwhile). `emrec demo`, which
   * only serves, sets it.
   */
  holdProcess?: boolean;
}

/** Switches that make the server misbehave; tests may change them at any time. Counted faults count down and clear. */
export interface DemoFaults extends ApiFaults, FileFaults {
  /** The next `count` list requests (not token, not file) get `status` with a JSON error body, and Retry-After when set. */
  throttle: { count: number; status: 429 | 503; retryAfterSeconds?: number };
  /** The next N list requests get 500. */
  serverErrors: number;
  /** Every token stops working (401) after N authorised list calls. */
  tokenInvalidAfterCalls?: number;
  /** Setting true expires every URL issued so far (403 XML); URLs signed by later listings work. */
  expireUrlsNow: boolean;
  /** The next `times` file bodies are cut (socket destroyed) after `bytes` bytes. */
  cutAfterBytes?: { bytes: number; times: number };
  /** The file host answers 200 with the whole file to Range requests. */
  ignoreRange: boolean;
  /** The next `times` file bodies pause `ms` after `afterBytes` bytes. */
  stall?: { afterBytes: number; ms: number; times: number };
  /** Per-response pace of file bodies. */
  bytesPerSecond?: number;
  /** The line's pace: all file bodies together (with bytesPerSecond, a host slower per connection than the line). */
  lineBytesPerSecond?: number;
  /** The next N authorised list requests answer 200 with a body in no accepted shape. */
  badJsonNext?: number;
  /** Paged listings (time range, merged) ignore `startId` and always answer the first page. */
  ignoreStartId: boolean;
  /** The files of these recording ids answer 404 NoSuchKey (lost by the host), the others as usual. */
  missingIds?: readonly number[];
}

export interface DemoStats {
  /** List requests (every `/{org}/{app}/...` request but the token grant), whatever their answer. */
  apiRequests: number;
  tokenRequests: number;
  fileRequests: number;
  fileBytesSent: number;
  /** File responses sending a body now, and the most at once. */
  openFileResponses: number;
  peakFileResponses: number;
  /** Count per URL path (no query string, so no signatures). */
  requestsByPath: Record<string, number>;
  /** When the first file request came (Date.now()): a client's start-up, seen from the server. */
  firstFileRequestAt?: number;
}

export interface DemoServer {
  /** e.g. http://127.0.0.1:PORT: the REST base, no trailing slash. */
  readonly url: string;
  readonly org: string;
  readonly app: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly faults: DemoFaults;
  readonly stats: DemoStats;
  readonly files: readonly DemoFile[];
  /** Replaces a file's content: new bytes, new ETag (same URL path). */
  changeFile(id: number): void;
  /** Hex sha256 of a file's current content. */
  expectedSha256(id: number): Promise<string>;
  /** Current size in bytes of a file's content (generates real media if needed). */
  fileSize(id: number): Promise<number>;
  /** Generates every real media file now (otherwise each is made on its first download). */
  prepareMedia(): Promise<void>;
  resetStats(): void;
  close(): Promise<void>;
}

function freshStats(): DemoStats {
  return { apiRequests: 0, tokenRequests: 0, fileRequests: 0, fileBytesSent: 0, openFileResponses: 0, peakFileResponses: 0, requestsByPath: {} };
}

function decodeSegments(pathname: string): string[] | undefined {
  try {
    return pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

/** Starts the demo server on 127.0.0.1. */
export async function startDemoServer(options: DemoOptions = {}): Promise<DemoServer> {
  const org = options.org ?? 'demo-org';
  const app = options.app ?? 'demo-app';
  const clientId = options.clientId ?? 'YXA6demo-client';
  const clientSecret = options.clientSecret ?? 'YXA6demo-secret';
  const timezone = options.timezone ?? DEFAULT_TIMEZONE;
  const urlTtlSeconds = options.urlTtlSeconds ?? 3600;
  const files: readonly DemoFile[] = Object.freeze(
    [...(options.catalogue ?? demoCatalogue(new Date(), { org, app, timezone }))].sort((a, b) => a.id - b.id),
  );
  const byId = new Map(files.map((f) => [f.id, f]));
  const versions = new Map<number, number>();
  const media = new MediaStore(options.mediaDir ?? DEFAULT_MEDIA_DIR);
  const closing = new AbortController();
  let stats = freshStats();

  const bucket = 'emrec-demo-media';
  const appDir = createHash('sha1').update(`${org}#${app}`).digest('hex').slice(0, 32);
  const objectPathOf = (f: DemoFile): string =>
    `${appDir}/${f.confrBeginTime.replace(/\D/g, '')}-${String(f.id).padStart(9, '0')}.${demoExtension(f)}`;
  const byObjectPath = new Map(files.map((f) => [objectPathOf(f), f]));

  let fileHost: FileHost | undefined;
  const faults: DemoFaults = {
    throttle: { count: 0, status: 429 },
    serverErrors: 0,
    ignoreRange: false,
    expireUrlsNow: false,
    ignoreStartId: false,
  };
  let expireUrlsNow = false;
  Object.defineProperty(faults, 'expireUrlsNow', {
    enumerable: true,
    get: () => expireUrlsNow,
    set: (on: boolean) => {
      expireUrlsNow = on;
      fileHost?.setExpireIssued(on);
    },
  });
  // Stats are replaced by resetStats; the API and file host read them through these views.
  const statsView = {
    get apiRequests() { return stats.apiRequests; },
    set apiRequests(n: number) { stats.apiRequests = n; },
    get tokenRequests() { return stats.tokenRequests; },
    set tokenRequests(n: number) { stats.tokenRequests = n; },
    get fileRequests() { return stats.fileRequests; },
    set fileRequests(n: number) { stats.fileRequests = n; },
    get fileBytesSent() { return stats.fileBytesSent; },
    set fileBytesSent(n: number) { stats.fileBytesSent = n; },
    get openFileResponses() { return stats.openFileResponses; },
    set openFileResponses(n: number) { stats.openFileResponses = n; },
    get peakFileResponses() { return stats.peakFileResponses; },
    set peakFileResponses(n: number) { stats.peakFileResponses = n; },
    get firstFileRequestAt() { return stats.firstFileRequestAt; },
  };
  fileHost = new FileHost({ bucket, faults, stats: statsView, signal: closing.signal });
  const host = fileHost;

  let base = '';
  const api = new RestApi({
    org,
    app,
    clientId,
    clientSecret,
    tokenTtlSeconds: options.tokenTtlSeconds ?? 7200,
    startIdInclusive: options.startIdInclusive ?? true,
    responseShape: options.responseShape ?? 'entities',
    faults,
    stats: statsView,
    files: () => files,
    toRecord: (file) => {
      const { media: _media, ...fields } = file;
      const { url, expires } = host.sign(base, objectPathOf(file), Math.floor(Date.now() / 1000) + urlTtlSeconds);
      return { ...fields, expireTime: formatLocal(expires * 1000, timezone), url };
    },
  });

  const serveFile = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    stats.fileRequests += 1;
    stats.firstFileRequestAt ??= Date.now();
    const prefix = `/oss/${bucket}/`;
    const objectPath = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : '';
    if (!host.authorise(url, objectPath, res)) return;
    const file = byObjectPath.get(objectPath);
    if (file === undefined || faults.missingIds?.includes(file.id)) return host.noSuchKey(res);
    const body = await media.body(file, versions.get(file.id) ?? 0);
    await host.serve(req, res, body);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    stats.requestsByPath[url.pathname] = (stats.requestsByPath[url.pathname] ?? 0) + 1;
    const work = url.pathname.startsWith('/oss/')
      ? serveFile(req, res, url)
      : (() => {
          const segments = decodeSegments(url.pathname);
          if (segments === undefined || segments.length < 3) {
            res.writeHead(404, { 'Content-Type': 'application/json;charset=UTF-8' });
            res.end(JSON.stringify({ error: 'not_found', error_description: `no such path: ${url.pathname}` }));
            return Promise.resolve();
          }
          return api.handle(req, res, segments, base);
        })();
    work.catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'application/json;charset=UTF-8' });
        res.end(JSON.stringify({ error: 'internal_server_error', error_description: String(error) }));
      } else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  if (!options.holdProcess) {
    server.unref();
    server.on('connection', (socket) => socket.unref());
  }
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const fileOf = (id: number): DemoFile => {
    const file = byId.get(id);
    if (file === undefined) throw new Error(`the demo catalogue has no file ${id}`);
    return file;
  };

  return {
    url: base,
    org,
    app,
    clientId,
    clientSecret,
    faults,
    get stats() {
      return stats;
    },
    files,
    changeFile(id) {
      fileOf(id);
      versions.set(id, (versions.get(id) ?? 0) + 1);
    },
    expectedSha256: async (id) => media.sha256(fileOf(id), versions.get(id) ?? 0),
    fileSize: async (id) => (await media.body(fileOf(id), versions.get(id) ?? 0)).size,
    async prepareMedia() {
      await Promise.all(files.filter((f) => f.media.kind === 'ffmpeg').map((f) => media.body(f, versions.get(f.id) ?? 0)));
    },
    resetStats() {
      stats = freshStats();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        closing.abort();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
