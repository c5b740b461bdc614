// Gives a Playwright page the same `window.api` the preload gives the real window: invokes go to the
// real service through `page.exposeBinding` (validated exactly like ipcMain), events are pushed in.
import type { Page } from 'playwright-core';
import type { EventChannel, EventPayloads, Handlers } from '../../main/ipc/contract.ts';
import { EVENT_CHANNELS } from '../../main/ipc/contract.ts';
import { invokeHandler } from '../../main/service/invoke.ts';

export interface Bridgeable {
  readonly handlers: Handlers;
  on<E extends EventChannel>(event: E, listener: (payload: EventPayloads[E]) => void): () => void;
}

// Runs in the page before any of its scripts: a frozen `window.api` over the exposed binding.
const INIT_SCRIPT = `(() => {
  const listeners = new Map();
  const api = Object.freeze({
    invoke: (channel, arg) => globalThis.__emrecInvoke(channel, arg),
    on: (event, listener) => {
      let set = listeners.get(event);
      if (!set) { set = new Set(); listeners.set(event, set); }
      set.add(listener);
      return () => { set.delete(listener); };
    },
  });
  Object.defineProperty(globalThis, 'api', { value: api });
  Object.defineProperty(globalThis, '__emrecEmit', {
    value: (event, payload) => { for (const l of listeners.get(event) || []) l(payload); },
  });
  globalThis.__emrecCspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    globalThis.__emrecCspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
  });
})();`;

/** Wires `service` into `page`; returns a function that stops forwarding events. */
export async function bridge(page: Page, service: Bridgeable): Promise<() => void> {
  await page.exposeBinding('__emrecInvoke', (_source, channel: unknown, arg: unknown) => invokeHandler(service.handlers, channel, arg));
  await page.addInitScript({ content: INIT_SCRIPT });
  const stops = EVENT_CHANNELS.map((event) =>
    service.on(event, (payload) => {
      // Ordered: Playwright sends evaluations in call order. A closed page just drops the event.
      page
        .evaluate(([e, p]) => (globalThis as unknown as { __emrecEmit(e: string, p: unknown): void }).__emrecEmit(e, p), [event, payload] as const)
        .catch(() => undefined);
    }),
  );
  return () => {
    for (const stop of stops) stop();
  };
}

/** CSP violations the page has seen since it loaded. */
export function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (globalThis as unknown as { __emrecCspViolations: string[] }).__emrecCspViolations);
}
