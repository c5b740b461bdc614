// A tiny typed event hub for the contract's events: the Electron shell forwards them to the window,
// tests subscribe directly. A throwing listener must not break the service, so errors are contained.
import type { ErrorInfo } from '../core/errors.ts';
import type { EventChannel, EventPayloads } from '../ipc/contract.ts';

export type Listener<E extends EventChannel> = (payload: EventPayloads[E]) => void;

/** Subscribe/emit for the contract's event channels. */
export class EventHub {
  readonly #listeners = new Map<EventChannel, Set<(payload: never) => void>>();

  /** Add a listener; returns the function that removes it. */
  on<E extends EventChannel>(event: E, listener: Listener<E>): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener as (payload: never) => void);
    return () => {
      set.delete(listener as (payload: never) => void);
    };
  }

  emit<E extends EventChannel>(event: E, payload: EventPayloads[E]): void {
    for (const listener of this.#listeners.get(event) ?? []) {
      try {
        (listener as Listener<E>)(payload);
      } catch (error) {
        console.error(`listener for ${event} failed:`, error instanceof Error ? error.message : String(error));
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}

/** How many notices app:info keeps (the oldest go first). */
const KEEP_NOTICES = 50;

/** Warnings for the window (STORE_CORRUPT at start, a fold that failed later...): sent as `notice` and kept for app:info. */
export class Notices {
  readonly #events: EventHub;
  readonly #kept: ErrorInfo[];

  /** `initial` (found before the window could listen) is kept without an event. */
  constructor(events: EventHub, initial: readonly ErrorInfo[]) {
    this.#events = events;
    this.#kept = [...initial];
  }

  add(info: ErrorInfo): void {
    this.#kept.push(info);
    if (this.#kept.length > KEEP_NOTICES) this.#kept.shift();
    this.#events.emit('notice', info);
  }

  all(): ErrorInfo[] {
    return [...this.#kept];
  }
}
