// Short forms of long words for narrow cells.

/** Meeting ids differ at their end ("IM…336C16"): both ends shown when it is long (the full id in the title). */
export function middleEllipsis(id: string): string {
  return id.length <= 10 ? id : `${id.slice(0, 2)}…${id.slice(-6)}`;
}

/** One meeting id per line, comma, semicolon or space of a pasted list (a spreadsheet column), each once. */
export function splitIds(text: string): string[] {
  return [...new Set(text.split(/[\s,;，；、]+/u).filter((id) => id !== ''))];
}
