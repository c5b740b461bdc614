// What a file host's answer says, and how to let go of one: shared by the one-stream download, its
// segments and the identity probe, so they read validators, ranges and the host's own words alike.
import { setTimeout as sleep } from 'node:timers/promises';
import type { IncomingHttpHeaders } from 'node:http';
import type { Request } from 'got';

/** A validator usable in If-Range: a strong ETag, else Last-Modified. */
export function validatorOf(headers: IncomingHttpHeaders): string | undefined {
  const etag = headers.etag;
  if (etag && !etag.startsWith('W/')) return etag;
  return headers['last-modified'];
}

/** A 206's `Content-Range: bytes start-end/total` (total undefined for `*`); undefined when it is not one. */
export function contentRange(headers: IncomingHttpHeaders): { readonly start: number; readonly total: number | undefined } | undefined {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(headers['content-range'] ?? '');
  return m ? { start: Number(m[1]), total: m[3] === '*' ? undefined : Number(m[3]) } : undefined;
}

/** Bodies up to this size are read to the end when dropped, so their keep-alive socket is reused. */
const SMALL_BODY = 64 * 1024;

/**
 * Lets go of a response whose body we do not want. A got stream destroyed with its body unread leaves
 * the socket open, holding the process for the socket timeout (a 404 kept emrec alive ~30 s): a small
 * body is drained instead, a large one has its socket destroyed with it.
 */
export function release(stream: Request, headers: IncomingHttpHeaders): void {
  const length = Number(headers['content-length'] ?? Number.NaN);
  if (length <= SMALL_BODY) {
    stream.resume();
    return;
  }
  stream.socket?.destroy();
  stream.destroy();
}

/** The most of an error body read for the host's own words. */
const ERROR_BODY = 8 * 1024;

/**
 * What the file host said in an error's body, e.g. OSS's or S3's XML `<Code>NoSuchKey</Code>
 * <Message>The specified key does not exist.</Message>` → "NoSuchKey: The specified key does not exist."
 * Only the code and message are kept (the body may repeat the signed request); then the stream is let go.
 */
export async function hostWords(stream: Request, headers: IncomingHttpHeaders): Promise<string | undefined> {
  const length = Number(headers['content-length'] ?? 0);
  if (length > ERROR_BODY) {
    release(stream, headers);
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    const reading = (async () => {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= ERROR_BODY) break;
      }
    })();
    reading.catch(() => undefined); // destroyed below when the host is slow to say it
    await Promise.race([reading, sleep(2_000, undefined, { ref: false })]);
  } catch {
    // a body cut short: what came is enough
  } finally {
    stream.destroy();
  }
  const text = Buffer.concat(chunks).subarray(0, ERROR_BODY).toString('utf8');
  // plain words only: no control characters (a terminal's escapes), no links (the signed URL, echoed back)
  const field = (name: string): string | undefined =>
    new RegExp(`<${name}>([^<]{1,300})</${name}>`)
      .exec(text)?.[1]
      ?.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
      .replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, '[link]')
      .replace(/(Signature|OSSAccessKeyId|AccessKeyId|X-Amz-[A-Za-z-]+|Expires|security-token)=\S+/gi, '$1=…')
      .trim() || undefined;
  const code = field('Code');
  const message = field('Message');
  if (code === undefined && message === undefined) return undefined;
  return [code, message].filter(Boolean).join(': ');
}

/** Waits for the response head of a got stream (or its error). */
export function responseOf(stream: Request): Promise<{ statusCode: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    stream.once('response', resolve);
    stream.once('error', reject);
  });
}
