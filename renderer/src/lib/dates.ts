// Period pickers work in the computer's local time (`<input type="datetime-local">`); the contract
// wants ISO instants with an offset, which main converts to the server's zone.

/** `YYYY-MM-DDTHH:mm` for a datetime-local input, in local time. */
function toLocalInput(date: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}T${p(date.getHours())}:${p(date.getMinutes())}`;
}

/** A datetime-local value as ISO 8601 with the local offset, e.g. `2024-05-01T08:00:00+08:00`; undefined if invalid. */
export function localInputToIso(value: string): string | undefined {
  const date = new Date(value);
  if (!value || Number.isNaN(date.getTime())) return undefined;
  const p = (n: number): string => String(Math.floor(Math.abs(n))).padStart(2, '0');
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  return `${toLocalInput(date)}:${p(date.getSeconds())}${sign}${p(offset / 60)}:${p(offset % 60)}`;
}

export type Preset = 'today' | 'yesterday' | 'week' | 'month';
export const PRESETS: readonly Preset[] = ['today', 'yesterday', 'week', 'month'];

/** A preset period as [from, to] datetime-local values. */
export function presetRange(preset: Preset, now: Date = new Date()): readonly [string, string] {
  const startOfToday = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const day = 86_400_000;
  switch (preset) {
    case 'today':
      return [toLocalInput(startOfToday), toLocalInput(now)];
    case 'yesterday':
      return [toLocalInput(new Date(startOfToday.getTime() - day)), toLocalInput(startOfToday)];
    case 'week':
      return [toLocalInput(new Date(now.getTime() - 7 * day)), toLocalInput(now)];
    case 'month':
      return [toLocalInput(new Date(now.getTime() - 30 * day)), toLocalInput(now)];
  }
}
