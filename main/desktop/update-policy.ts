// When the app checks for, announces and installs updates (electron-updater does the fetching, in
// main/shell/updater.ts). Background checks say nothing unless an update is ready; a check the person
// starts always answers; an update never installs while downloads or the auto-archive run are busy
// (it waits for a quit with nothing running). The feed is configurable: a private deployment's users
// may not reach GitHub.
import type { MessageKey } from '../messages/en.ts';

export type CheckOrigin = 'background' | 'user';

export type UpdateOutcome =
  | { readonly kind: 'none'; readonly version: string }
  | { readonly kind: 'available'; readonly version: string }
  | { readonly kind: 'downloaded'; readonly version: string }
  | { readonly kind: 'error' };

/** What to show the person: nothing, a message, or a question whether to restart now. */
export type UpdateAnnouncement =
  | { readonly show: 'nothing' }
  | { readonly show: 'message'; readonly message: MessageKey; readonly detail?: MessageKey; readonly version?: string }
  | { readonly show: 'restart?'; readonly message: MessageKey; readonly detail: MessageKey; readonly version: string };

export interface BusyState {
  readonly downloadsBusy: boolean;
  readonly archiveRunning: boolean;
}

const busy = (state: BusyState): boolean => state.downloadsBusy || state.archiveRunning;

export function announce(origin: CheckOrigin, outcome: UpdateOutcome, state: BusyState): UpdateAnnouncement {
  switch (outcome.kind) {
    case 'none':
      return origin === 'user' ? { show: 'message', message: 'update.none', version: outcome.version } : { show: 'nothing' };
    case 'error':
      return origin === 'user' ? { show: 'message', message: 'update.failed' } : { show: 'nothing' };
    case 'available':
      return origin === 'user' ? { show: 'message', message: 'update.available', detail: 'update.downloading', version: outcome.version } : { show: 'nothing' };
    case 'downloaded':
      // said once it is ready, whoever started the check; offering a restart only when nothing runs
      return busy(state)
        ? { show: 'message', message: 'update.ready', detail: 'update.readyBusy', version: outcome.version }
        : { show: 'restart?', message: 'update.ready', detail: 'update.readyDetail', version: outcome.version };
  }
}

/** Whether a downloaded update may be installed now (at a quit, or on "Restart and Install"). */
export function mayInstall(downloaded: boolean, state: BusyState): boolean {
  return downloaded && !busy(state);
}

/** How often the background check runs, and how long after the start the first one waits. */
export const BACKGROUND_CHECK = { firstAfterMs: 60_000, everyMs: 6 * 60 * 60_000 } as const;

/** electron-updater's feed for a configured address: a generic server; none (undefined) means the built-in one (GitHub releases). */
export function feedFor(address: string): { readonly provider: 'generic'; readonly url: string } | undefined {
  const trimmed = address.trim();
  if (trimmed === '') return undefined;
  const url = new URL(trimmed); // validated as https:// by the settings schema
  return { provider: 'generic', url: url.toString() };
}
