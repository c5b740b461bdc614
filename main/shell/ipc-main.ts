// Registers the invoke channel (through the sender-checking wrapper) and forwards the service's
// events (already batched by the service) to our windows.
import { BrowserWindow, ipcMain } from 'electron';
import { EVENT_CHANNELS } from '../ipc/contract.ts';
import { createIpcInvoke } from '../ipc/guard.ts';
import { IPC_EVENT, IPC_INVOKE } from '../ipc/channels.ts';
import { isTrustedUrl } from '../desktop/security.ts';
import type { Service } from '../service/index.ts';

/** Wires the service to IPC; returns a function that undoes it. */
export function registerIpc(service: Service, origins: readonly string[]): () => void {
  ipcMain.handle(IPC_INVOKE, createIpcInvoke(service.handlers, origins));
  const stops = EVENT_CHANNELS.map((event) =>
    service.on(event, (payload) => {
      for (const win of BrowserWindow.getAllWindows()) {
        const contents = win.webContents;
        if (!contents.isDestroyed() && isTrustedUrl(contents.getURL(), origins)) contents.send(IPC_EVENT, event, payload);
      }
    }),
  );
  return () => {
    ipcMain.removeHandler(IPC_INVOKE);
    for (const stop of stops) stop();
  };
}
