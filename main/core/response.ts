// Tolerant reading of a listing answer: the vendor's docs disagree on its shape, so accept every
// shape they suggest, keep good records, report bad ones, and fail clearly on anything else.
import { EmrecError } from './errors.ts';
import { RecordingSchema, type Recording } from './record.ts';

/** A record the server sent that we cannot use (no id or url...). */
export interface InvalidRecord {
  /** Position in the answer's list. */
  readonly index: number;
  /** `path: message` for each problem. */
  readonly reason: string;
  readonly raw: unknown;
}

export interface ListResult {
  readonly records: Recording[];
  readonly invalid: InvalidRecord[];
}

// A bare object counts as one record only if it has at least one field a record has.
const RECORD_KEYS = ['id', 'url', 'confrId', 'owner', 'recordType', 'userName', 'memberName', 'confrBeginTime', 'recordTime'];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The list of raw items in a decoded answer, or undefined when the shape is not one we accept. */
function extractItems(body: unknown): unknown[] | undefined {
  if (Array.isArray(body)) return body;
  if (!isPlainObject(body)) return undefined;
  for (const key of ['entities', 'data'] as const) {
    if (!(key in body)) continue;
    const inner = body[key];
    if (Array.isArray(inner)) return inner;
    if (inner === null) return [];
    if (isPlainObject(inner)) return [inner];
    return undefined;
  }
  return RECORD_KEYS.some((key) => key in body) ? [body] : undefined;
}

/** Validates each item; good ones become records (unknown fields kept), bad ones go to `invalid`. */
function validateItems(items: readonly unknown[]): ListResult {
  const records: Recording[] = [];
  const invalid: InvalidRecord[] = [];
  items.forEach((raw, index) => {
    const result = RecordingSchema.safeParse(raw);
    if (result.success) {
      records.push(result.data);
    } else {
      const reason = result.error.issues.map((issue) => `${issue.path.join('.') || '(record)'}: ${issue.message}`).join('; ');
      invalid.push({ index, reason, raw });
    }
  });
  return { records, invalid };
}

/**
 * Parses a listing answer's text. `endpoint` names the endpoint kind for messages (e.g. "time range").
 * Throws BAD_RESPONSE (with `status`) when the body is not JSON or not an accepted shape.
 */
export function parseListBody(text: string, endpoint: string, status: number): ListResult {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the body (signed URLs): keep it out of the error
    throw new EmrecError('BAD_RESPONSE', `The ${endpoint} listing answer (HTTP ${status}) is not valid JSON`, {
      status,
      reason: 'not_easemob',
      details: { endpoint, length: text.length },
    });
  }
  const items = extractItems(body);
  if (items === undefined) {
    const shape = Array.isArray(body) ? 'array' : body === null ? 'null' : typeof body;
    const keys = isPlainObject(body) ? Object.keys(body).slice(0, 10) : [];
    throw new EmrecError(
      'BAD_RESPONSE',
      `The ${endpoint} listing answer (HTTP ${status}) is not a record list: got ${shape}${keys.length ? ` with keys ${keys.join(', ')}` : ''}`,
      { status, reason: 'not_easemob', details: { endpoint, shape, keys } },
    );
  }
  return validateItems(items);
}
