// The one door into the service for IPC: validates channel and argument with the contract, calls the
// handler, and turns expected failures into `{ ok: false, error }`. An exception that is no EmrecError
// is logged by channel (redacted: arguments and messages may hold secrets); a bug of ours becomes INTERNAL
// and is logged with its stack.
import { EmrecError, toErrorInfo } from '../core/errors.ts';
import { isInvokeChannel, parseArg, type Handlers, type Result } from '../ipc/contract.ts';

/** Validate and run one invoke; never throws. A handler that returns nothing answers null. */
export async function invokeHandler(handlers: Handlers, channel: unknown, arg: unknown): Promise<Result<unknown>> {
  if (!isInvokeChannel(channel)) {
    const name = typeof channel === 'string' ? channel.slice(0, 64) : typeof channel;
    return { ok: false, error: { code: 'BAD_INPUT', message: `Unknown channel ${JSON.stringify(name)}`, details: { channel: name } } };
  }
  const parsed = parseArg(channel, arg);
  if (!parsed.ok) return parsed;
  try {
    const handler = handlers[channel] as (value: unknown) => Promise<unknown>;
    const value = await handler(parsed.value);
    return { ok: true, value: value === undefined ? null : value };
  } catch (error) {
    if (error instanceof EmrecError) return { ok: false, error: toErrorInfo(error) };
    const info = toErrorInfo(error);
    const message = redact(info.message);
    logUnexpected(`[ipc] ${channel} failed unexpectedly`, error);
    return { ok: false, error: { code: info.code, message: `${channel} failed: ${message}`, details: { channel } } };
  }
}

/** Logs a failure that is no EmrecError (console.error in main for now): the stack for a bug of ours, else the message; redacted. */
export function logUnexpected(what: string, error: unknown): void {
  if (error instanceof EmrecError) return;
  const info = toErrorInfo(error);
  const text = info.code === 'INTERNAL' && error instanceof Error && error.stack !== undefined ? error.stack : info.message;
  console.error(`${what}: ${redact(text)}`);
}

/** Drops what may be secret from a message: URL query strings (signatures) and bearer tokens. */
export function redact(message: string): string {
  return message
    .replace(/(https?:\/\/[^\s?#"']+)\?[^\s"']*/gi, '$1?…')
    .replace(/(bearer\s+)[\w.~+/=-]+/gi, '$1…')
    .replace(/("?(?:client_secret|access_token|token)"?\s*[:=]\s*"?)[^"\s,}]+/gi, '$1…');
}
