// Windowing for long tables (10,000 results or queued files): rows have one fixed height, so the rows
// in view follow from the scroll offset alone; only those (plus a few) go in the DOM and two spacer
// rows stand in for the rest. One implementation for every windowed table.

/** The slice [first, last) of `count` rows to render for a viewport, `overscan` rows on each side. */
function windowRange(
  scrollTop: number,
  viewport: number,
  rowHeight: number,
  overscan: number,
  count: number,
): { readonly first: number; readonly last: number } {
  const first = Math.min(count, Math.max(0, Math.floor(scrollTop / rowHeight) - overscan));
  const last = Math.min(count, Math.max(first, Math.ceil((scrollTop + viewport) / rowHeight) + overscan));
  return { first, last };
}

export interface RowWindowOptions {
  /** Height of every body row in CSS pixels; the CSS must give rows exactly this height. */
  readonly rowHeight: number;
  /** Extra rows rendered above and below the viewport (keyboard focus moves into them). */
  readonly overscan?: number;
  /** Header rows before the body, for `aria-rowindex` (default 1). */
  readonly headerRows?: number;
}

/**
 * The window over `count()` rows of one scroll container. Attach it with
 * `{@attach rows.attach}` on the scrolling element and render the rows with WindowRows.svelte (spacer
 * rows of `before` and `after` pixels around `slice(items)`, row `i` with `aria-rowindex={rowIndex(i)}`).
 */
export class RowWindow {
  readonly rowHeight: number;
  readonly overscan: number;
  readonly headerRows: number;
  scrollTop = $state(0);
  viewport = $state(400);
  readonly count: number;
  readonly first: number;
  readonly last: number;
  /** Pixel heights of the spacer rows above and below the rendered rows. */
  readonly before: number;
  readonly after: number;
  /** For `aria-rowcount` on the table: every row, header included, not only those in the DOM. */
  readonly ariaRowCount: number;

  constructor(count: () => number, options: RowWindowOptions) {
    this.rowHeight = options.rowHeight;
    this.overscan = options.overscan ?? 8;
    this.headerRows = options.headerRows ?? 1;
    this.count = $derived(count());
    const range = $derived(windowRange(this.scrollTop, this.viewport, this.rowHeight, this.overscan, this.count));
    this.first = $derived(range.first);
    this.last = $derived(range.last);
    this.before = $derived(this.first * this.rowHeight);
    this.after = $derived((this.count - this.last) * this.rowHeight);
    this.ariaRowCount = $derived(this.count + this.headerRows);
  }

  /** The rows to render now. */
  slice<T>(items: readonly T[]): readonly T[] {
    return items.slice(this.first, this.last);
  }

  /** `aria-rowindex` (1-based, header rows first) of the `index`-th rendered row. */
  rowIndex(index: number): number {
    return this.headerRows + this.first + index + 1;
  }

  /** Svelte attachment for the scrolling element: follows its scroll offset and height. */
  readonly attach = (element: HTMLElement): (() => void) => {
    const sync = (): void => {
      this.scrollTop = element.scrollTop;
      this.viewport = element.clientHeight;
    };
    sync();
    element.addEventListener('scroll', sync, { passive: true });
    const resize = new ResizeObserver(sync);
    resize.observe(element);
    return () => {
      element.removeEventListener('scroll', sync);
      resize.disconnect();
    };
  };
}
