// The one wrapper every IPC call goes through (Fiddle's ipc.ts idea): a call from a frame that is not
// our page is refused with a typed error before any handler runs; the rest is invokeHandler.
import type { Handlers, Result } from './contract.ts';
import { invokeHandler } from '../service/invoke.ts';
import { isTrustedUrl } from '../desktop/security.ts';

/** What the wrapper reads from Electron's IpcMainInvokeEvent. */
export interface SenderInfo {
  readonly senderFrame: { readonly url: string; readonly parent?: unknown } | null;
}

/** An `ipcMain.handle` listener for the invoke channel. */
export function createIpcInvoke(handlers: Handlers, origins: readonly string[]) {
  return async (event: SenderInfo, channel: unknown, arg: unknown): Promise<Result<unknown>> => {
    const frame = event.senderFrame;
    // Only the top frame of our own page: no subframes, no foreign origins, no destroyed frames.
    if (frame === null || (frame.parent !== null && frame.parent !== undefined) || !isTrustedUrl(frame.url, origins)) {
      return { ok: false, error: { code: 'BAD_INPUT', message: 'Refused: the call did not come from the app window' } };
    }
    return invokeHandler(handlers, channel, arg);
  };
}
