// The longest "start…end" of a text that fits a width in a font, measured on a canvas (the same text
// engine as the page). The end keeps three fifths of what is kept: it is where names differ.

let context: OffscreenCanvasRenderingContext2D | null | undefined;
function measure(text: string, font: string): number {
  context ??= new OffscreenCanvas(1, 1).getContext('2d');
  if (!context) return 0;
  if (context.font !== font) context.font = font;
  return context.measureText(text).width;
}

/** `text` as it fits `width` CSS pixels in `font` (a CSS font shorthand), cut in the middle with "…". */
export function fitMiddle(text: string, width: number, font: string): string {
  if (!Number.isFinite(width) || font === '' || measure(text, font) <= width) return text;
  const chars = [...text];
  const cut = (kept: number): string => {
    const head = Math.floor(kept * 0.4);
    return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - (kept - head)).join('')}`;
  };
  // binary search on how many characters are kept
  let low = 0;
  let high = chars.length - 1;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (measure(cut(mid), font) <= width) low = mid;
    else high = mid - 1;
  }
  return cut(low);
}
