// The one door into the service for IPC: validates channel and argument with the contract, calls the
// handler, and turns expected failures into `{ ok: false, error }`. Bugs become SERVER_ERROR values
// and are logged by channel and message only (arguments may hold secrets).
import { EmrecError, toErrorInfo } from '../core/errors.ts';
import { isInvokeChannel, parseArg, type Handlers, type Result } from '../ipc/contract.ts';

/** Validate and run one invoke; never throws. */
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
    console.error(`[ipc] ${channel} failed unexpectedly: ${message}`);
    return { ok: false, error: { code: info.code, message: `${channel} failed: ${message}`, details: { channel } } };
  }
}

/** Drops what may be secret from a message: URL query strings (signatures) and bearer tokens. */
export function redact(message: string): string {
  return message
    .replace(/(https?:\/\/[^\s?#"']+)\?[^\s"']*/gi, '$1?…')
    .replace(/(bearer\s+)[\w.~+/=-]+/gi, '$1…')
    .replace(/("?(?:client_secret|access_token|token)"?\s*[:=]\s*"?)[^"\s,}]+/gi, '$1…');
}
