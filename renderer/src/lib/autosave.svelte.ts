// Settings are saved as they change, as in any settings window people know: a moment after the last
// change (so typing "12" is one save, not two), with the outcome said next to the fields.
import type { ErrorInfo } from '../../../main/core/errors.ts';

export class Autosave<T> {
  state = $state<'idle' | 'saving' | 'saved'>('idle');
  error = $state.raw<ErrorInfo | undefined>(undefined);
  #last: string;

  /** Call in a component's setup: `read` is tracked; `save` runs `delayMs` after the last change. */
  constructor(read: () => T, save: (value: T) => Promise<ErrorInfo | undefined>, delayMs = 500) {
    this.#last = JSON.stringify(read());
    $effect(() => {
      const value = read();
      const text = JSON.stringify(value);
      if (text === this.#last) return;
      const timer = setTimeout(async () => {
        this.#last = text;
        this.state = 'saving';
        this.error = await save(value);
        this.state = this.error === undefined ? 'saved' : 'idle';
      }, delayMs);
      return () => clearTimeout(timer);
    });
  }
}
