// What the app:// scheme answers for a request: a file of the built renderer with the CSP header, and
// never anything outside its folder. Plain Node (the shell hands it each request), so the rules are
// tested on real files: a malformed %-escape is a 400, a path out of the folder a 403.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { APP_HOST, CONTENT_SECURITY_POLICY } from './security.ts';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};

export async function rendererResponse(rendererDir: string, requestUrl: string): Promise<Response> {
  const root = path.resolve(rendererDir);
  let url: URL;
  let rel: string;
  try {
    url = new URL(requestUrl);
    rel = decodeURIComponent(url.pathname).replace(/^\/+/, '') || 'index.html';
  } catch {
    return new Response('Bad request', { status: 400 });
  }
  const file = path.resolve(root, rel);
  if (url.host !== APP_HOST || rel.includes('\0') || (file !== root && !file.startsWith(root + path.sep))) return new Response('Forbidden', { status: 403 });
  try {
    const body = await readFile(file);
    return new Response(body, {
      headers: { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'content-security-policy': CONTENT_SECURITY_POLICY },
    });
  } catch {
    return new Response('Not found', { status: 404 });
  }
}
