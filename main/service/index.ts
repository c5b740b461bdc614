// The app's behaviour behind the IPC contract, in plain Node: Electron's main process and the
// renderer's tests both drive it through `handlers` and `on`. One context (context.ts) holds what the
// feature modules share; each module answers its own channels, and the contract checks none is missing.
import type { ErrorInfo } from '../core/errors.ts';
import type { AppShow, EventChannel, Handlers, Settings } from '../ipc/contract.ts';
import { archiveHandlers } from './archive.ts';
import { connectionHandlers } from './connections.ts';
import { createContext, type ServiceOptions } from './context.ts';
import { demoHandlers } from './demo.ts';
import { downloadHandlers } from './downloads.ts';
import type { Listener } from './events.ts';
import { historyHandlers } from './history-view.ts';
import { queryHandlers } from './queries.ts';
import { settingsHandlers } from './settings.ts';
import { shellHandlers } from './shell.ts';

export type { ServiceOptions } from './context.ts';
export { plainSecretBox } from './secret-box.ts';

export interface Service {
  readonly handlers: Handlers;
  on<E extends EventChannel>(event: E, listener: Listener<E>): () => void;
  /** Current settings (for the shell). */
  settings(): Settings;
  /** True while downloads run or wait. */
  readonly downloadsBusy: boolean;
  /** What runs now, for the shell's quit question and the updater: files waiting/downloading/converting, conversions, an auto-archive listing. */
  activity(): { readonly downloadsBusy: boolean; readonly converting: number; readonly archiveRunning: boolean };
  /** How many unfinished downloads a previous run saved. */
  savedQueueCount(): number;
  /** Re-queues what a previous run saved (taking the state folder's lock); resolves with how many. */
  restoreQueue(): Promise<number>;
  /** Pauses downloads (the queue stays saved for the next start). */
  pauseAll(): void;
  /** Resolves when downloads are idle (tests). */
  downloadsIdle(): Promise<void>;
  /** Asks the window to show a screen (the shell, on a notification click). */
  show(view: AppShow): void;
  /** Sends a notice event (and keeps it for app:info). */
  notice(info: ErrorInfo): void;
  dispose(): Promise<void>;
}

export function createService(options: ServiceOptions): Service {
  const ctx = createContext(options);
  const handlers = {
    ...settingsHandlers(ctx),
    ...connectionHandlers(ctx),
    ...demoHandlers(ctx),
    ...queryHandlers(ctx),
    ...downloadHandlers(ctx),
    ...historyHandlers(ctx),
    ...shellHandlers(ctx),
    ...archiveHandlers(ctx),
  } satisfies Handlers;
  const { downloads } = ctx;
  return {
    handlers,
    on: (event, listener) => ctx.events.on(event, listener),
    settings: () => ctx.settings.get(),
    get downloadsBusy() {
      return downloads.queue.busy;
    },
    activity: () => ({ downloadsBusy: downloads.queue.busy, converting: downloads.queue.count('converting'), archiveRunning: ctx.archive.running }),
    savedQueueCount: () => downloads.saved.size,
    restoreQueue: () => downloads.restore(),
    pauseAll: () => downloads.queue.pause(),
    downloadsIdle: () => downloads.queue.onIdle(),
    show: (view) => ctx.events.emit('app:show', view),
    notice: (info) => ctx.notices.add(info),
    dispose: () => ctx.dispose(),
  };
}
