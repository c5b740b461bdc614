// Which file path belongs to which recording, so two records never share a file and a file this app
// did not write is never overwritten. Paths compare case-insensitively (Windows, macOS).
import fs from 'node:fs';
import path from 'node:path';
import { resolveInside, withSuffix } from '../naming.ts';

/** A path chosen for a record, and whether a file already lies there (adopt it if it is the same recording). */
export interface Claim {
  readonly rel: string;
  readonly abs: string;
  readonly existing: boolean;
}

const keyOf = (abs: string): string => path.resolve(abs).toLowerCase();

export class PathClaims {
  readonly #owners = new Map<string, string>();

  /** Marks an absolute file path as `owner`'s (a history entry's file, a saved download). */
  own(abs: string, owner: string): void {
    this.#owners.set(keyOf(abs), owner);
  }

  ownerOf(abs: string): string | undefined {
    return this.#owners.get(keyOf(abs));
  }

  release(abs: string, owner: string): void {
    const key = keyOf(abs);
    if (this.#owners.get(key) === owner) this.#owners.delete(key);
  }

  /**
   * The first of `planned`, `planned_<id>`, `planned_<id>-1`, … (or, when the planned name already ends
   * with the id, `planned (2)`, `planned (3)`, …) that `owner` already holds or no other record holds,
   * skipping the paths in `foreign` (files found there that are not this recording).
   */
  claim(outDir: string, planned: string, id: number, owner: string, foreign: ReadonlySet<string> = new Set()): Claim {
    const namesId = new RegExp(`_${id}(\\.[^./]*)?$`).test(planned);
    for (let n = 0; ; n += 1) {
      const rel = n === 0 ? planned : namesId ? withSuffix(planned, `(${n + 1})`, ' ') : withSuffix(planned, n === 1 ? String(id) : `${id}-${n - 1}`);
      const abs = resolveInside(outDir, rel);
      const holder = this.ownerOf(abs);
      if ((holder !== undefined && holder !== owner) || foreign.has(keyOf(abs))) continue;
      this.own(abs, owner);
      return { rel, abs, existing: fs.existsSync(abs) };
    }
  }

  static key(abs: string): string {
    return keyOf(abs);
  }
}
