// The only door to the main process: `window.api` from the preload (or the test bridge), typed by
// the shared contract. A rejected promise (a bug or a broken bridge) becomes an INTERNAL Result too:
// it is our failure, not the server's.
import type { Api, EventChannel, EventPayloads, InvokeArg, InvokeChannel, InvokeResults, Result } from '../../../main/ipc/contract.ts';

declare global {
  interface Window {
    readonly api: Api;
  }
}

export async function invoke<C extends InvokeChannel>(channel: C, arg: InvokeArg<C>): Promise<Result<InvokeResults[C]>> {
  try {
    return await window.api.invoke(channel, arg);
  } catch (error) {
    return { ok: false, error: { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) } };
  }
}

export function on<E extends EventChannel>(event: E, listener: (payload: EventPayloads[E]) => void): () => void {
  return window.api.on(event, listener);
}
