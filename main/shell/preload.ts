// The only bridge between the page and main: exactly the contract's `window.api`, one invoke and one
// event subscription, never ipcRenderer itself. Bundled to CommonJS because sandboxed preloads cannot be ESM.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { Api, EventChannel } from '../ipc/contract.ts';
import { IPC_EVENT, IPC_INVOKE } from '../ipc/channels.ts';

const api: Api = {
  invoke: (channel, arg) => ipcRenderer.invoke(IPC_INVOKE, channel, arg),
  on(event, listener) {
    // The page never sees the IPC event object, only the payload of the event it asked for.
    const wrapped = (_e: IpcRendererEvent, name: EventChannel, payload: unknown): void => {
      if (name === event) (listener as (p: unknown) => void)(payload);
    };
    ipcRenderer.on(IPC_EVENT, wrapped);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT, wrapped);
    };
  },
};

contextBridge.exposeInMainWorld('api', api);
