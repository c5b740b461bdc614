// The two Electron IPC channel names shared by main and the preload (kept apart so the sandboxed
// preload bundle pulls in nothing else). Contract channels travel as the first argument.
export const IPC_INVOKE = 'emrec:invoke';
export const IPC_EVENT = 'emrec:event';
