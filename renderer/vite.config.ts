// Builds the renderer to dist/renderer with relative URLs so Electron can load it from file:.
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { CONTENT_SECURITY_POLICY, devContentSecurityPolicy, metaContentSecurityPolicy } from '../main/desktop/security.ts';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * index.html's CSP meta tag, from the one policy in main/desktop/security.ts: the built page gets the
 * header's policy, the dev server's page the dev variant (inline styles, the HMR socket) — a stricter
 * meta would block Vite's injected styles however the header is relaxed.
 */
const cspMeta: Plugin = {
  name: 'emrec-csp-meta',
  transformIndexHtml: {
    order: 'pre',
    handler(html, ctx) {
      const origin = ctx.server?.resolvedUrls?.local[0];
      const policy = ctx.server ? devContentSecurityPolicy(origin ? new URL(origin).origin : 'http://127.0.0.1') : CONTENT_SECURITY_POLICY;
      return html.replace('%EMREC_CSP%', metaContentSecurityPolicy(policy));
    },
  },
};

export default defineConfig({
  root,
  base: './',
  plugins: [svelte(), cspMeta],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'chrome130',
    // No inline scripts or data: URLs, so the page runs under `script-src 'self'`.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  logLevel: 'warn',
});
