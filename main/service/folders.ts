// The folders downloads went to (remembered in the app state), and with the saved files the one
// allow-list of what shell actions from the window may open or show.
import path from 'node:path';
import type { History } from '../core/history.ts';
import { readStrings, type AppStateBackend } from './app-state.ts';
import { checkKnownPath } from './paths.ts';

/** How many output folders are remembered (the oldest go first). */
const KEEP_FOLDERS = 100;

export class OutputFolders {
  readonly #state: AppStateBackend;
  readonly #history: History;
  readonly #defaultFolder: () => string;

  constructor(state: AppStateBackend, history: History, defaultFolder: () => string) {
    this.#state = state;
    this.#history = history;
    this.#defaultFolder = defaultFolder;
  }

  list(): string[] {
    return readStrings(this.#state.get('outputFolders'));
  }

  remember(folder: string): void {
    const all = this.list();
    if (all.includes(folder)) return;
    this.#state.set('outputFolders', [...all, folder].slice(-KEEP_FOLDERS));
  }

  /** `candidate` normalised when it lies in an output folder (or the default one) or is a saved file; BAD_INPUT otherwise. */
  known(candidate: string): string {
    const files = this.#history.all().flatMap((e) => [e.path, ...(e.convert ? [e.convert.path] : [])]);
    return checkKnownPath(candidate, [this.#defaultFolder(), ...this.list()], files);
  }

  /** The remembered folder (else the default one) a saved file lies in: the same template then gives the same path. */
  holding(file: string): string {
    const resolved = path.resolve(file);
    const fallback = this.#defaultFolder();
    return [...this.list(), fallback].find((f) => resolved.startsWith(path.resolve(f) + path.sep)) ?? fallback;
  }
}
