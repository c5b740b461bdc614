// The demo's REST API: the token grant and the four recording-list endpoints of the contract, with
// Bearer checks, paging, the accepted response shapes, and switchable faults (throttling, 500s,
// tokens that die early, bodies in no accepted shape).
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DateTime } from 'luxon';
import type { DemoFile } from './catalogue.ts';

/** API faults (part of the server's DemoFaults). */
export interface ApiFaults {
  throttle: { count: number; status: 429 | 503; retryAfterSeconds?: number };
  serverErrors: number;
  tokenInvalidAfterCalls?: number;
  badJsonNext?: number;
  /** Paged listings ignore `startId`: every page is the first page (a server whose paging is broken). */
  ignoreStartId?: boolean;
}

export interface ApiStats {
  apiRequests: number;
  tokenRequests: number;
}

export type ResponseShape = 'array' | 'object' | 'entities' | 'data';

export interface ApiOptions {
  readonly org: string;
  readonly app: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly tokenTtlSeconds: number;
  readonly startIdInclusive: boolean;
  readonly responseShape: ResponseShape;
  readonly faults: ApiFaults;
  readonly stats: ApiStats;
  /** The catalogue, sorted by id ascending. */
  readonly files: () => readonly DemoFile[];
  /** A file as a record of the API: its fields plus a freshly signed `url` and `expireTime`. */
  readonly toRecord: (file: DemoFile) => Record<string, unknown>;
}

const MAX_LENGTH = 100;
const MAX_TOKEN_BODY = 64 * 1024;

class HttpError extends Error {
  readonly status: number;
  readonly error: string;
  constructor(status: number, error: string, description: string) {
    super(description);
    this.status = status;
    this.error = error;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json;charset=UTF-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, error: string, description: string, headers?: Record<string, string>): void {
  sendJson(res, status, { error, exception: `demo.${error}`, timestamp: Date.now(), duration: 0, error_description: description }, headers);
}

/** `yyyyMMddHHmmss` that names a real moment, else a 400. */
function parseBound(text: string, name: string): string {
  if (!/^\d{14}$/.test(text) || !DateTime.fromFormat(text, 'yyyyMMddHHmmss', { zone: 'UTC' }).isValid) {
    throw new HttpError(400, 'illegal_argument', `${name} must be yyyyMMddHHmmss, got "${text}"`);
  }
  return text;
}

function parseCount(text: string, name: string): number {
  if (!/^\d{1,15}$/.test(text)) throw new HttpError(400, 'illegal_argument', `${name} must be a non-negative integer, got "${text}"`);
  return Number(text);
}

const digits = (local: string): string => local.replace(/\D/g, '');

interface Token {
  readonly expiresAt: number; // ms; Infinity for ttl 0
  calls: number;
}

/** Serves `/{org}/{app}/token` and `/{org}/{app}/audio/...`. */
export class RestApi {
  readonly #options: ApiOptions;
  readonly #tokens = new Map<string, Token>();
  readonly #application: string;
  #badJsonServed = 0;

  constructor(options: ApiOptions) {
    this.#options = options;
    const h = createHash('sha1').update(`${options.org}#${options.app}`).digest('hex');
    this.#application = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  }

  /** Handles a request whose path segments (decoded) are `segments`; `base` is the server's URL. */
  async handle(req: IncomingMessage, res: ServerResponse, segments: readonly string[], base: string): Promise<void> {
    try {
      if (segments[2] === 'token' && segments.length === 3) {
        this.#options.stats.tokenRequests += 1;
        await this.#token(req, res, segments);
        return;
      }
      this.#options.stats.apiRequests += 1;
      this.#list(req, res, segments, base);
    } catch (error) {
      if (error instanceof HttpError) sendError(res, error.status, error.error, error.message);
      else sendError(res, 500, 'internal_server_error', 'demo server error');
    }
  }

  #checkApp(segments: readonly string[]): void {
    const [org, app] = segments;
    if (org !== this.#options.org || app !== this.#options.app) {
      throw new HttpError(404, 'organization_application_not_found', `Could not find application for ${org ?? ''}/${app ?? ''}`);
    }
  }

  async #token(req: IncomingMessage, res: ServerResponse, segments: readonly string[]): Promise<void> {
    if (req.method !== 'POST') throw new HttpError(405, 'method_not_allowed', 'use POST to get a token');
    this.#checkApp(segments);
    const text = await readBody(req);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new HttpError(400, 'invalid_request', 'the body must be JSON');
    }
    const grant = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    if (grant['grant_type'] !== 'client_credentials') {
      throw new HttpError(400, 'unsupported_grant_type', 'grant_type must be client_credentials');
    }
    if (grant['client_id'] !== this.#options.clientId || grant['client_secret'] !== this.#options.clientSecret) {
      throw new HttpError(401, 'invalid_client', 'client_id or client_secret is wrong');
    }
    const ttlRaw = grant['ttl'];
    const ttl = typeof ttlRaw === 'number' && Number.isFinite(ttlRaw) && ttlRaw >= 0 ? Math.floor(ttlRaw) : this.#options.tokenTtlSeconds;
    const token = `YWMt${randomBytes(30).toString('base64url')}`;
    this.#tokens.set(token, { expiresAt: ttl === 0 ? Infinity : Date.now() + ttl * 1000, calls: 0 });
    sendJson(res, 200, { access_token: token, expires_in: ttl, application: this.#application });
  }

  #authorise(req: IncomingMessage): void {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw new HttpError(401, 'unauthorized', 'Unable to authenticate (OAuth)');
    const token = this.#tokens.get(match[1]);
    if (token === undefined) throw new HttpError(401, 'unauthorized', 'Unable to authenticate due to corrupt access token');
    const limit = this.#options.faults.tokenInvalidAfterCalls;
    if (Date.now() >= token.expiresAt || (limit !== undefined && token.calls >= limit)) {
      throw new HttpError(401, 'unauthorized', 'Unable to authenticate due to expired access token');
    }
    token.calls += 1;
  }

  #list(req: IncomingMessage, res: ServerResponse, segments: readonly string[], base: string): void {
    const faults = this.#options.faults;
    if (faults.throttle.count > 0) {
      faults.throttle.count -= 1;
      const { status, retryAfterSeconds } = faults.throttle;
      const headers: Record<string, string> = retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) };
      if (status === 429) sendError(res, 429, 'reach_limit', 'This request has reached api limit', headers);
      else sendError(res, 503, 'service_unavailable', 'The service is busy, please retry later', headers);
      return;
    }
    if (faults.serverErrors > 0) {
      faults.serverErrors -= 1;
      throw new HttpError(500, 'internal_server_error', 'The server met an unexpected fault');
    }
    this.#checkApp(segments);
    if (segments[2] !== 'audio') throw new HttpError(404, 'not_found', `no such endpoint: ${segments.slice(2).join('/')}`);
    if (req.method !== 'GET') throw new HttpError(405, 'method_not_allowed', 'use GET to list recordings');
    this.#authorise(req);
    if ((faults.badJsonNext ?? 0) > 0) {
      faults.badJsonNext = (faults.badJsonNext ?? 1) - 1;
      // Alternate between JSON of the wrong shape and an HTML page, as a misconfigured proxy would send.
      if (this.#badJsonServed++ % 2 === 0) sendJson(res, 200, { foo: 1 });
      else {
        const html = '<!DOCTYPE html><html><body><h1>Welcome</h1></body></html>';
        res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(html) });
        res.end(html);
      }
      return;
    }
    const records = this.#select(segments.slice(3));
    this.#answer(res, records.map(this.#options.toRecord), `${base}/${segments.map(encodeURIComponent).join('/')}`);
  }

  /** The files an `audio/...` path asks for, sorted by id. */
  #select(rest: readonly string[]): DemoFile[] {
    const all = [...this.#options.files()].sort((a, b) => a.id - b.id);
    if (rest[0] === 'merge') {
      // audio/merge/... is always the merged-files endpoint, never the user endpoint.
      if (rest.length !== 5) throw new HttpError(400, 'illegal_argument', 'use audio/merge/{beginTime}/{endTime}/{startId}/{length}');
      return this.#page(all.filter((f) => f.recordType === 'MERGE_ALL'), rest.slice(1));
    }
    if (rest.length === 4) return this.#page(all, rest);
    if (rest.length === 1 || rest.length === 2) {
      const confrId = rest.length === 1 ? rest[0] : rest[1];
      const userName = rest.length === 2 ? rest[0] : undefined;
      const found = all.filter((f) => f.confrId === confrId && (userName === undefined || f.userName === userName));
      if (found.length === 0) {
        const who = userName === undefined ? '' : ` for user ${userName}`;
        throw new HttpError(404, 'not_found', `no recording files found in conference ${confrId ?? ''}${who}`);
      }
      return found;
    }
    throw new HttpError(404, 'not_found', `no such endpoint: audio/${rest.join('/')}`);
  }

  #page(files: readonly DemoFile[], [beginText = '', endText = '', startText = '', lengthText = '']: readonly string[]): DemoFile[] {
    const begin = parseBound(beginText, 'beginTime');
    const end = parseBound(endText, 'endTime');
    if (begin > end) throw new HttpError(400, 'illegal_argument', 'beginTime must not be after endTime');
    const startId = parseCount(startText, 'startId');
    const length = parseCount(lengthText, 'length');
    if (length > MAX_LENGTH) throw new HttpError(400, 'illegal_argument', `length must be no more than ${MAX_LENGTH}, got ${length}`);
    if (length < 1) throw new HttpError(400, 'illegal_argument', 'length must be at least 1');
    const inclusive = this.#options.startIdInclusive;
    const ignoreStartId = this.#options.faults.ignoreStartId === true;
    return files
      .filter((f) => {
        const t = digits(f.confrBeginTime);
        return t >= begin && t <= end;
      })
      .filter((f) => ignoreStartId || startId === 0 || (inclusive ? f.id >= startId : f.id > startId))
      .slice(0, length);
  }

  #answer(res: ServerResponse, records: readonly Record<string, unknown>[], uri: string): void {
    const o = this.#options;
    switch (o.responseShape) {
      case 'array':
        return sendJson(res, 200, records);
      case 'object':
        return sendJson(res, 200, records.length === 1 ? records[0] : records);
      case 'data':
        return sendJson(res, 200, { data: records });
      case 'entities':
        return sendJson(res, 200, {
          action: 'get',
          application: this.#application,
          path: '/audio',
          uri,
          entities: records,
          timestamp: Date.now(),
          duration: 1,
          organization: o.org,
          applicationName: o.app,
          count: records.length,
        });
    }
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_TOKEN_BODY) throw new HttpError(413, 'request_too_large', 'the body is too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
