// Which bytes of one segmented download are on disk and who fetches the rest. The segments partition
// [0, total): each holds the bytes [start, pos) and still needs [pos, end). A free connection takes a
// segment no one works on, or steals the upper half of the largest one still running (its worker stops
// at the new end). Only what is on disk is counted: `pos` moves after a write completes.

export interface Segment {
  readonly start: number;
  pos: number;
  end: number;
  /** A connection works on it. */
  busy: boolean;
}

/** [from, to) ranges still to fetch: what the resume sidecar keeps. */
export type Todo = readonly (readonly [number, number])[];

export class SegmentTable {
  readonly total: number;
  readonly #segments: Segment[];

  private constructor(total: number, segments: Segment[]) {
    this.total = total;
    this.#segments = segments;
  }

  /** Bytes [0, from) on disk, the rest in one segment. */
  static fresh(total: number, from = 0): SegmentTable {
    const segments: Segment[] = [];
    if (from > 0) segments.push({ start: 0, pos: from, end: from, busy: false });
    if (from < total) segments.push({ start: from, pos: from, end: total, busy: false });
    return new SegmentTable(total, segments);
  }

  /** The table a sidecar describes; undefined if its ranges are not sorted, disjoint and inside the file. */
  static fromTodo(total: number, todo: Todo): SegmentTable | undefined {
    const segments: Segment[] = [];
    let at = 0;
    for (const [from, to] of todo) {
      if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < at || to <= from || to > total) return undefined;
      if (from > at) segments.push({ start: at, pos: from, end: from, busy: false });
      segments.push({ start: from, pos: from, end: to, busy: false });
      at = to;
    }
    if (at < total) segments.push({ start: at, pos: total, end: total, busy: false });
    return new SegmentTable(total, segments);
  }

  get done(): number {
    let left = 0;
    for (const s of this.#segments) left += s.end - s.pos;
    return this.total - left;
  }

  get complete(): boolean {
    return this.#segments.every((s) => s.pos === s.end);
  }

  todo(): [number, number][] {
    return this.#segments.filter((s) => s.pos < s.end).map((s) => [s.pos, s.end]);
  }

  /** Whether a free connection would find work: a segment no one works on, or one worth halving. */
  hasWork(minPiece: number, reserved: (s: Segment) => number = () => 0): boolean {
    return this.#segments.some((s) => s.pos < s.end && (!s.busy || s.end - s.pos - reserved(s) >= 2 * Math.max(1, minPiece)));
  }

  /** Takes the first segment no one works on (marked busy). */
  takeFree(): Segment | undefined {
    const free = this.#segments.find((s) => !s.busy && s.pos < s.end);
    if (free) free.busy = true;
    return free;
  }

  /**
   * Halves the largest running segment with at least 2 × minPiece left: its worker keeps the lower half,
   * the upper half is a new busy segment for the caller. `reserved` bytes past a segment's pos (received
   * by its worker, not yet written) stay with it.
   */
  split(minPiece: number, reserved: (s: Segment) => number = () => 0): Segment | undefined {
    minPiece = Math.max(1, minPiece);
    let victim: Segment | undefined;
    let most = 0;
    for (const s of this.#segments) {
      const left = s.end - s.pos - reserved(s);
      if (s.busy && left >= 2 * minPiece && left > most) {
        victim = s;
        most = left;
      }
    }
    if (!victim) return undefined;
    const mid = victim.end - Math.floor(most / 2);
    const piece: Segment = { start: mid, pos: mid, end: victim.end, busy: true };
    victim.end = mid;
    this.#segments.splice(this.#segments.indexOf(victim) + 1, 0, piece);
    return piece;
  }

  /** The end of the bytes on disk that follow `from` without a gap. */
  contiguousFrom(from: number): number {
    let at = from;
    for (const s of this.#segments) {
      if (s.end <= at) continue;
      if (s.start > at || s.pos <= at) break; // `at` lies in this segment's missing part
      at = s.pos;
      if (s.pos < s.end) break;
    }
    return at;
  }
}
