// The history CSV's columns, in their order: one list for the contract (which checks the headers the
// window sends) and the window (which says them in the person's language). No imports: the renderer
// bundles this, and the contract module would bring zod along.

export const HISTORY_CSV_COLUMNS = [
  'recordedAt',
  'user',
  'confrId',
  'recordType',
  'size',
  'finishedAt',
  'timezone',
  'folder',
  'path',
  'convertedPath',
  'sha256',
  'exists',
  'id',
  'appkey',
] as const;
export type HistoryCsvColumn = (typeof HISTORY_CSV_COLUMNS)[number];
