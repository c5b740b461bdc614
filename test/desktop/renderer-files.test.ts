// The app:// scheme's answers, on real files: the built page with its CSP, 404 for what is not there,
// 403 for anything outside the renderer folder, and 400 (not a thrown URIError) for a malformed %-escape.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rendererResponse } from '../../main/desktop/renderer-files.ts';
import { CONTENT_SECURITY_POLICY } from '../../main/desktop/security.ts';

let root: string;
let dir: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'emrec-scheme-'));
  dir = path.join(root, 'renderer');
  await mkdir(path.join(dir, 'assets'), { recursive: true });
  await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>x</title>');
  await writeFile(path.join(dir, 'assets', 'app.js'), 'console.log(1)');
  await writeFile(path.join(root, 'secret.txt'), 'outside');
});
afterAll(() => rm(root, { recursive: true, force: true }));

it('serves the page and its assets with the CSP header and their types', async () => {
  const page = await rendererResponse(dir, 'app://renderer/');
  expect(page.status).toBe(200);
  expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(await page.text()).toContain('<title>x</title>');
  const js = await rendererResponse(dir, 'app://renderer/assets/app.js');
  expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
});

it('answers 400 for a malformed %-escape instead of throwing', async () => {
  for (const bad of ['app://renderer/%E0%A4%A', 'app://renderer/%', 'app://renderer/assets/%ZZ.js']) {
    const r = await rendererResponse(dir, bad);
    expect(r.status, bad).toBe(400);
  }
});

it('never serves a file outside the renderer folder, nor for another host', async () => {
  for (const url of ['app://renderer/..%2fsecret.txt', 'app://renderer/%2e%2e/secret.txt', 'app://renderer/assets/..%2f..%2fsecret.txt', 'app://other/index.html', 'app://renderer/index.html%00.js']) {
    const r = await rendererResponse(dir, url);
    // %2e%2e is '..' to the URL parser itself, which then stays inside (404); the others are refused
    expect([403, 404], url).toContain(r.status);
    expect(await r.text()).not.toContain('outside');
  }
  expect((await rendererResponse(dir, 'app://renderer/..%2fsecret.txt')).status).toBe(403);
  expect((await rendererResponse(dir, 'app://renderer/missing.js')).status).toBe(404);
});
