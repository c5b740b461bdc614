// Expected failures are values with a stable code the CLI maps to an exit code and the UI translates.
// Only bugs throw plain Errors; everything a user can cause or meet is an EmrecError.

export const ERROR_CODES = [
  'AUTH_FAILED', // 401 after one renewal, wrong client id/secret, pasted token rejected
  'NOT_FOUND', // unknown org/app/conference (404)
  'FILE_GONE', // the file host no longer has a recording's file (404/410): deleted after the retention period, or lost
  'RATE_LIMITED', // 429/503 still failing after bounded retries
  'SERVER_ERROR', // 5xx still failing after bounded retries
  'BAD_RESPONSE', // body not in any accepted shape
  'NETWORK', // unreachable, DNS, reset, timeout
  'URL_EXPIRED', // signed URL expired and could not be refreshed
  'DISK_FULL', // not enough free space for the file
  'FILE_CHANGED', // the file changed on the server while downloading and could not be restarted
  'SIZE_MISMATCH', // fewer or more bytes than announced
  'CANCELLED', // user cancelled
  'BAD_INPUT', // bad date range, unknown timezone, length > 100, missing credentials...
  'INVALID_RECORD', // a record without id or url
  'CONVERT_FAILED', // ffmpeg failed
  'CONVERT_UNAVAILABLE', // no usable ffmpeg/ffprobe
  'STORE_CORRUPT', // a store file was corrupt and was reset (a warning, not fatal)
  'FOLDER_NOT_WRITABLE', // the output or state folder is read-only or not ours to write (EROFS, EACCES, EPERM), or something of the wrong kind is at a path we need (a folder where a state file belongs, a file where a folder belongs)
  'PAGING_BROKEN', // the server's paging did not advance (ignores startId, ids going backwards): the list would be partial
  'ALREADY_RUNNING', // another run holds the state folder's lock
  'NOT_ALLOWED', // an action the item's state does not allow (queue/states.ts)
  'STORE_TOO_NEW', // the state folder was written by a newer version of this app: nothing is read or changed
  'NAME_TAKEN', // a warning: another file lies at a recording's planned name; it is kept and the recording saved beside it
  'INTERNAL', // a bug in this app: an exception that is none of the above (logged with its stack)
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * A known cause within a code, when the answer or the socket tells it: the UI says what to check for
 * it rather than the code's general sentence (error-reason.ts finds them).
 */
export const ERROR_REASONS = [
  'wrong_credentials', // the token endpoint refused the client ID/secret (invalid_grant, invalid_client, 400/401)
  'app_not_found', // organization_application_not_found: no such org/app on this server
  'bad_token', // a pasted or stored token the server refused (auth_bad_access_token)
  'no_recordings', // a meeting (or a person in it) the server has no recordings for (404 on its listing)
  'not_easemob', // the address answered a web page or something else that is not the Easemob REST API
  'tls', // the server's certificate could not be verified, or it does not speak HTTPS
  'dns', // no host of this name
  'refused', // nothing listens at the address and port
  'timeout', // no answer in time
  'no_keyring', // no keyring to encrypt secrets, and storing them unencrypted is not allowed (Settings → Advanced)
] as const;

export type ErrorReason = (typeof ERROR_REASONS)[number];

/** Plain data form of an error: what crosses IPC and goes into JSON summaries. */
export interface ErrorInfo {
  readonly code: ErrorCode;
  readonly message: string;
  /** The server's `error_description`, when it gave one. */
  readonly description?: string;
  readonly status?: number;
  /** A known cause, when one is known: the UI's sentence for it says what to check. */
  readonly reason?: ErrorReason;
  /** Free-form details for the UI (e.g. `{ field: 'from' }`, `{ needed: 123, free: 4 }`). */
  readonly details?: Readonly<Record<string, unknown>>;
}

export class EmrecError extends Error implements ErrorInfo {
  override readonly name = 'EmrecError';
  readonly code: ErrorCode;
  readonly description?: string;
  readonly status?: number;
  readonly reason?: ErrorReason;
  readonly details?: Readonly<Record<string, unknown>>;

  constructor(
    code: ErrorCode,
    message: string,
    extra: { description?: string; status?: number; reason?: ErrorReason; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.code = code;
    if (extra.description !== undefined) this.description = extra.description;
    if (extra.status !== undefined) this.status = extra.status;
    if (extra.reason !== undefined) this.reason = extra.reason;
    if (extra.details !== undefined) this.details = extra.details;
  }

  toJSON(): ErrorInfo {
    return toErrorInfo(this);
  }
}

export function isEmrecError(error: unknown, code?: ErrorCode): error is EmrecError {
  return error instanceof EmrecError && (code === undefined || error.code === code);
}

/** Socket and stream failures of Node, undici and got that mean the network, not our code. */
const NETWORK_CODE = /^(E(CONN|TIMEDOUT|PIPE|AI_|NOTFOUND|HOSTUNREACH|NETUNREACH)|UND_ERR_|ERR_STREAM_PREMATURE_CLOSE$|ERR_HTTP_CONTENT_LENGTH_MISMATCH$)/;

/**
 * Any thrown value as ErrorInfo. An unknown error becomes NETWORK, DISK_FULL or FOLDER_NOT_WRITABLE when its
 * system code says so, else INTERNAL: a bug of ours, never to be shown as the server's problem.
 */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof EmrecError) {
    const info: { -readonly [K in keyof ErrorInfo]: ErrorInfo[K] } = { code: error.code, message: error.message };
    if (error.description !== undefined) info.description = error.description;
    if (error.status !== undefined) info.status = error.status;
    if (error.reason !== undefined) info.reason = error.reason;
    if (error.details !== undefined) info.details = error.details;
    return info;
  }
  const message = error instanceof Error ? error.message : String(error);
  const sysCode = (error as { code?: unknown } | null)?.code;
  if (sysCode === 'ENOSPC' || sysCode === 'EDQUOT') return { code: 'DISK_FULL', message };
  if (sysCode === 'EROFS' || sysCode === 'EACCES' || sysCode === 'EPERM') return { code: 'FOLDER_NOT_WRITABLE', message };
  if (typeof sysCode === 'string' && NETWORK_CODE.test(sysCode)) return { code: 'NETWORK', message };
  return { code: 'INTERNAL', message };
}
