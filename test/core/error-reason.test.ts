// Each known cause of a failed sign-in or listing is found from what a real server on 127.0.0.1 sends
// (or does not): the error carries the reason the UI turns into "what to check".
import { describe, expect, it } from 'vitest';
import { createApiClient } from '../../main/core/api-client.ts';
import type { Connection } from '../../main/core/connection.ts';
import { answerReason, socketReason } from '../../main/core/error-reason.ts';
import { MemoryTokenCache } from '../../main/core/token.ts';
import type { DemoServer } from '../../main/demo/server.ts';
import { demoServers } from '../helpers/demo.ts';
import { closedPort, rawServer } from '../helpers/http-server.ts';
import { failure } from '../helpers/wait.ts';

const FAST = { limit: 1, networkLimit: 1, baseDelayMs: 5, maxDelayMs: 10 } as const;
const demo = demoServers();

function client(server: string, s: DemoServer, change: Partial<Connection> = {}, secret = s.clientSecret) {
  const conn: Connection = {
    server,
    org: s.org,
    app: s.app,
    timezone: 'Asia/Shanghai',
    auth: { type: 'client', clientId: s.clientId, clientSecret: secret },
    ...change,
  };
  return createApiClient(conn, { tokenCache: new MemoryTokenCache(), retry: FAST, timeoutMs: 2_000 });
}

describe('the reason of a failed request', () => {
  it('names a wrong secret, an unknown org/app, a pasted token refused and an unknown meeting from the demo server', async () => {
    const s = await demo();
    const wrongSecret = await failure(client(s.url, s, {}, 'nope').listConference('x'));
    expect(wrongSecret).toMatchObject({ code: 'AUTH_FAILED', reason: 'wrong_credentials' });
    const noApp = await failure(client(s.url, s, { org: 'no-such-org' }).listConference('x'));
    expect(noApp).toMatchObject({ code: 'NOT_FOUND', reason: 'app_not_found' });
    const pasted = await failure(client(s.url, s, { auth: { type: 'token', token: 'YWMt-pasted-and-wrong' } }).listConference('x'));
    expect(pasted).toMatchObject({ code: 'AUTH_FAILED', reason: 'bad_token' });
    const meeting = await failure(client(s.url, s).listConference('no-such-meeting-404'));
    expect(meeting).toMatchObject({ code: 'NOT_FOUND', reason: 'no_recordings' });
  });

  it('names a web page answering instead of the API, from the token and the listing endpoints', async () => {
    const s = await demo();
    const page = await rawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><html><body>Welcome to nginx!</body></html>');
    });
    const notFound = await rawServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<html><head><title>404 Not Found</title></head></html>');
    });
    try {
      expect(await failure(client(page.base, s).listConference('x'))).toMatchObject({ code: 'BAD_RESPONSE', reason: 'not_easemob' });
      const missing = await failure(client(notFound.base, s).listConference('x'));
      expect(missing).toMatchObject({ code: 'NOT_FOUND', reason: 'not_easemob' });
      // the page's markup is not "what the server said"
      expect(missing.description).toBeUndefined();
    } finally {
      await page.close();
      await notFound.close();
    }
  });

  it('names HTTPS spoken to a plain HTTP server as a TLS problem, and a closed port as refused', async () => {
    const s = await demo();
    const tls = await failure(client(s.url.replace('http://', 'https://'), s).listConference('x'));
    expect(tls).toMatchObject({ code: 'NETWORK', reason: 'tls' });
    const refused = await failure(client(`http://127.0.0.1:${await closedPort()}`, s).listConference('x'));
    expect(refused).toMatchObject({ code: 'NETWORK', reason: 'refused' });
  });

  it('reads the causes from answers and socket codes', () => {
    expect(answerReason('token', 400, '{"error":"invalid_grant","error_description":"client_id or client_secret is wrong"}')).toBe('wrong_credentials');
    expect(answerReason('range', 401, '{"error":"auth_bad_access_token"}')).toBe('bad_token');
    expect(answerReason('range', 404, '{"error":"organization_application_not_found"}')).toBe('app_not_found');
    expect(answerReason('range', 500, '{"error":"internal"}')).toBeUndefined();
    expect(socketReason('CERT_HAS_EXPIRED')).toBe('tls');
    expect(socketReason('ERR_TLS_CERT_ALTNAME_INVALID')).toBe('tls');
    expect(socketReason('ENOTFOUND')).toBe('dns');
    expect(socketReason('ETIMEDOUT')).toBe('timeout');
    expect(socketReason('ECONNRESET')).toBeUndefined();
  });
});
