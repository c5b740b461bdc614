// What the window's close button does: while work runs (downloads, or the auto-archive schedule),
// the window hides and the app keeps running in the tray; the first time, it says so once.

export interface CloseState {
  readonly quitting: boolean;
  readonly downloadsBusy: boolean;
  readonly autoArchive: boolean;
  /** The person has been told once already (kept in the settings file). */
  readonly toldBefore: boolean;
}

export type CloseDecision = { readonly action: 'close' } | { readonly action: 'hide'; readonly tell: boolean };

export function onClose(state: CloseState): CloseDecision {
  if (state.quitting || (!state.downloadsBusy && !state.autoArchive)) return { action: 'close' };
  return { action: 'hide', tell: !state.toldBefore };
}
