// What a log line may not carry: tokens, client secrets and the query strings of signed file URLs
// (they are credentials until they expire). Every line the app or emrec writes to a log file goes
// through `redact` (a hook of electron-log's, in main/shell/log.ts and main/cli/log.ts).

const HIDDEN = '[redacted]';

const RULES: readonly (readonly [RegExp, string])[] = [
  // Authorization: Bearer YWMt…
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${HIDDEN}`],
  // key=value, "key": "value", key: value for the names credentials go by
  [
    /(["']?\b(?:access_token|refresh_token|token|client_secret|clientSecret|secret|password|authorization|x-amz-signature|signature|sig)\b["']?\s*[:=]\s*)(["']?)[^"'\s,&}]+\2/gi,
    `$1$2${HIDDEN}$2`,
  ],
  // the query of any URL (signed OSS/S3 links: OSSAccessKeyId, Expires, Signature, X-Amz-…)
  [/\b((?:https?|wss?):\/\/[^\s?#"'<>]+)\?[^\s#"'<>]*/gi, `$1?${HIDDEN}`],
  // Easemob app tokens and client credentials where they appear bare
  [/\b(?:YWMt|YXA6)[A-Za-z0-9_-]{8,}/g, HIDDEN],
];

/** The text with every credential replaced by [redacted]. */
export function redact(text: string): string {
  let out = text;
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
  return out;
}

/** Redacts a log call's arguments: strings, errors (message and stack) and plain data (as JSON). */
export function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return redact(value);
  if (value instanceof Error) {
    const copy = new Error(redact(value.message));
    copy.name = value.name;
    if (value.stack) copy.stack = redact(value.stack);
    return copy;
  }
  if (value !== null && typeof value === 'object') {
    try {
      return JSON.parse(redact(JSON.stringify(value))) as unknown;
    } catch {
      return HIDDEN;
    }
  }
  return value;
}
