// While files download or convert, the computer must not go to sleep: an overnight batch or an
// auto-archive run would otherwise stop at the screen saver. Plain Node (the rule is tested); the
// shell hands in Electron's powerSaveBlocker ('prevent-app-suspension': the screen may still turn off).
import type { QueueProgress } from '../core/progress.ts';
import { activeCount } from '../core/queue/states.ts';

export interface SleepBlocker {
  start(): number;
  stop(id: number): void;
}

export class KeepAwake {
  readonly #blocker: SleepBlocker;
  #id: number | undefined;

  constructor(blocker: SleepBlocker) {
    this.#blocker = blocker;
  }

  get blocking(): boolean {
    return this.#id !== undefined;
  }

  /** Feeds one progress event: blocks sleep while any file waits, downloads or converts; lets go once none does. */
  update(p: QueueProgress): void {
    const busy = activeCount(p.counts) > 0;
    if (busy && this.#id === undefined) this.#id = this.#blocker.start();
    else if (!busy) this.release();
  }

  release(): void {
    if (this.#id === undefined) return;
    this.#blocker.stop(this.#id);
    this.#id = undefined;
  }
}
