// Which known cause an API failure has, from the answer's `error` name, its body or the socket's
// error code: "the client secret is wrong" helps a person where "HTTP 401" does not.
import type { ErrorReason } from './errors.ts';

/** A body that is a web page (a proxy's, a login portal's, a website at the wrong address). */
export function looksLikeHtml(body: string): boolean {
  return /^\s*(<!doctype html|<html|<head|<body|<\?xml[^>]*>\s*<html)/i.test(body.slice(0, 512));
}

/** The Easemob `error` name of an error body (`{"error":"invalid_grant",...}`), if any. */
function errorName(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    const name = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)['error'] : undefined;
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}

const WRONG_CREDENTIALS = new Set(['invalid_grant', 'invalid_client', 'unauthorized_client']);

/**
 * The reason of a non-2xx API answer. `endpoint` is the request's label: 'token', 'conference',
 * 'user in conference' (a listing of one meeting) or a time range.
 */
export function answerReason(endpoint: string, status: number, body: string): ErrorReason | undefined {
  if (looksLikeHtml(body)) return 'not_easemob';
  const name = errorName(body);
  if (name === 'organization_application_not_found') return 'app_not_found';
  if (name === 'auth_bad_access_token') return 'bad_token';
  if (endpoint === 'token') {
    if ((name !== undefined && WRONG_CREDENTIALS.has(name)) || status === 400 || status === 401 || status === 403) return 'wrong_credentials';
    if (status === 404 && name === undefined) return 'not_easemob';
    return undefined;
  }
  if (status === 401) return 'bad_token';
  if (status === 404 && name !== undefined && (endpoint === 'conference' || endpoint === 'user in conference')) return 'no_recordings';
  if (status === 404 && name === undefined) return 'not_easemob';
  return undefined;
}

const TLS_CODES = /^(CERT_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|UNABLE_TO_(VERIFY|GET_ISSUER)|ERR_TLS_|ERR_SSL_|EPROTO$|HOSTNAME_MISMATCH$)/;

/** The reason of a socket-level failure from its Node/got error code. */
export function socketReason(errno: string | undefined): ErrorReason | undefined {
  if (errno === undefined) return undefined;
  if (TLS_CODES.test(errno)) return 'tls';
  if (errno === 'ENOTFOUND' || errno === 'EAI_AGAIN') return 'dns';
  if (errno === 'ECONNREFUSED') return 'refused';
  if (errno === 'ETIMEDOUT' || errno === 'ESOCKETTIMEDOUT' || errno === 'UND_ERR_CONNECT_TIMEOUT') return 'timeout';
  return undefined;
}
