// History as the window sees it: searchable rows with whether the file is still on disk and when the
// meeting took place (history-when.ts), and a CSV export that Excel opens correctly (history-csv.ts).
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EmrecError } from '../core/errors.ts';
import { historyKey, type History, type HistoryEntry } from '../core/history.ts';
import type { Recording } from '../core/record.ts';
import { verifyHistory } from '../core/verify.ts';
import { importFolder } from '../core/import-folder.ts';
import { appkeyOf } from '../core/connection.ts';
import type { HistoryCsvWords, HistoryRow } from '../ipc/contract.ts';
import type { HandlerSlice, ServiceContext } from './context.ts';
import type { QueueRequest } from './downloads.ts';
import { historyCsv } from './history-csv.ts';
import { meetingTimeReader, serverTimeToIso, zonesOf } from './history-when.ts';
import { checkAbsolutePath } from './paths.ts';

function toHistoryRow(e: HistoryEntry, recordedAt: string | undefined): HistoryRow {
  const converted = e.convert && e.convert.mode !== 'none' ? e.convert.path : undefined;
  return {
    key: historyKey(e.appkey, e.id),
    id: e.id,
    appkey: e.appkey,
    confrId: e.confrId,
    user: e.user,
    recordType: e.recordType,
    path: e.path,
    size: e.size,
    sha256: e.sha256,
    finishedAt: e.finishedAt,
    ...(recordedAt !== undefined ? { recordedAt } : {}),
    ...(converted !== undefined ? { convertedPath: converted } : {}),
    exists: existsSync(converted ?? e.path) || existsSync(e.path),
  };
}

/** What rows are read with: the naming template (for the meeting time in file names) and each app's timezone. */
interface RowContext {
  readonly template: string;
  readonly zoneOf: (appkey: string) => string;
}

/**
 * Rows newest first; `search` matches id, conference, user, type, app, path or the meeting's time as the
 * server wrote it (`2026-11-06 08:20`), case-insensitive, every word.
 */
function listHistory(history: History, ctx: RowContext, search?: string): HistoryRow[] {
  history.reload();
  const words = (search ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  const meetingTime = meetingTimeReader(ctx.template);
  const rows: HistoryRow[] = [];
  for (const e of history.all().sort((a, b) => b.finishedAt.localeCompare(a.finishedAt) || b.id - a.id)) {
    // stored since this version; older entries: read from the file's name
    const local = e.recordedAt ?? meetingTime(e);
    if (words.length > 0) {
      const text = [e.id, e.confrId, e.user, e.recordType, e.appkey, e.path, e.convert?.path ?? '', local ?? ''].join('\n').toLowerCase();
      if (!words.every((w) => text.includes(w))) continue;
    }
    rows.push(toHistoryRow(e, serverTimeToIso(local, ctx.zoneOf(e.appkey))));
  }
  return rows;
}

/** `appkey|id` back into its parts; BAD_INPUT when malformed, NOT_FOUND when not in history. */
function findByKey(history: History, key: string): HistoryEntry {
  const bar = key.lastIndexOf('|');
  const id = Number(key.slice(bar + 1));
  if (bar <= 0 || !/^\d+$/.test(key.slice(bar + 1)) || !Number.isSafeInteger(id)) {
    throw new EmrecError('BAD_INPUT', `"${key.slice(0, 100)}" is not a history key`, { details: { field: 'key' } });
  }
  history.reload();
  const entry = history.get(key.slice(0, bar), id);
  if (!entry) throw new EmrecError('NOT_FOUND', `Recording ${id} is not in the history`, { details: { field: 'key' } });
  return entry;
}

/** Writes the history CSV to `file` (creating its folder). */
async function exportHistoryCsv(history: History, ctx: RowContext, file: string, words?: HistoryCsvWords): Promise<{ path: string; rows: number }> {
  const rows = listHistory(history, ctx);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, historyCsv(rows, ctx.zoneOf, words), 'utf8');
  return { path: file, rows: rows.length };
}

/** The History screen: search, remove, download again, export. */
export function historyHandlers(
  ctx: ServiceContext,
): HandlerSlice<'history:list' | 'history:remove' | 'history:redownload' | 'history:redownloadMany' | 'history:verify' | 'history:import' | 'history:exportCsv'> {
  const { history, book, clients, settings, downloads, options } = ctx;
  const rowContext = (): RowContext => ({ template: settings.get().template, zoneOf: zonesOf(book) });

  /**
   * Fetches saved recordings again, in their folders, as one batch: each conference is listed once for
   * fresh links; NOT_FOUND when a connection is missing or the server no longer has a recording.
   */
  async function redownload(keys: readonly string[]): Promise<{ queued: number }> {
    const entries = keys.map((key) => findByKey(history, key));
    const listings = new Map<string, Promise<readonly Recording[]>>();
    const current = settings.get();
    const groups = new Map<string, { request: QueueRequest; records: Recording[] }>();
    for (const entry of entries) {
      const connectionId = book.idFor(entry.appkey);
      if (connectionId === undefined) {
        throw new EmrecError('NOT_FOUND', `No saved connection for ${entry.appkey}: add one to download this recording again`, {
          details: { appkey: entry.appkey },
        });
      }
      const listingKey = `${entry.appkey}|${entry.confrId}`;
      let listing = listings.get(listingKey);
      if (!listing) {
        listing = clients.for(connectionId).listConference(entry.confrId).then((r) => r.records);
        listings.set(listingKey, listing);
      }
      const record = (await listing).find((r) => r.id === entry.id);
      if (!record) throw new EmrecError('NOT_FOUND', `Recording ${entry.id} is no longer on the server (recordings are deleted after 30 days)`);
      const folder = ctx.folders.holding(entry.path);
      const groupKey = `${entry.appkey}|${folder}`;
      let group = groups.get(groupKey);
      if (!group) {
        group = { request: downloads.request(entry.appkey, folder, { template: current.template, force: true }), records: [] };
        groups.set(groupKey, group);
      }
      group.records.push(record);
    }
    const { queued } = await downloads.enqueueAll([...groups.values()], current.concurrency);
    return { queued };
  }

  return {
    'history:list': async ({ search }) => listHistory(history, rowContext(), search),

    'history:remove': async ({ key }) => {
      const entry = findByKey(history, key);
      history.remove(entry.appkey, entry.id);
    },

    'history:redownload': async ({ key }) => redownload([key]),

    'history:redownloadMany': async ({ keys }) => redownload(keys),

    'history:verify': async () => {
      const entries = history.all();
      const report = await verifyHistory(entries);
      const byKey = new Map(entries.map((e) => [historyKey(e.appkey, e.id), e]));
      return {
        checked: report.checked,
        ok: report.ok,
        findings: report.findings.map(({ appkey, ...f }) => {
          const key = historyKey(appkey, f.id);
          const entry = byKey.get(key);
          return { ...f, key, confrId: entry?.confrId ?? '', user: entry?.user ?? '', recordType: entry?.recordType ?? '' };
        }),
      };
    },

    'history:import': async ({ folder: given }) => {
      const activeId = book.activeId;
      if (activeId === null) throw new EmrecError('BAD_INPUT', 'Connect first: imported recordings belong to a connection', { details: { field: 'connection' } });
      const appkey = appkeyOf(book.connection(activeId));
      const folder = given ?? (options.pickFolder ? await options.pickFolder(settings.get().defaultFolder) : null);
      if (folder === null || folder === undefined) return null;
      const checked = checkAbsolutePath(folder, 'folder');
      const report = await importFolder(checked, { history, appkey, template: settings.get().template });
      return { folder: checked, ...report };
    },

    'history:exportCsv': async ({ path: target, words }) => {
      let file = target;
      if (file === undefined) {
        const suggested = path.join(settings.get().defaultFolder, `emrec-history-${new Date().toISOString().slice(0, 10)}.csv`);
        file = options.pickSavePath ? ((await options.pickSavePath(suggested)) ?? undefined) : suggested;
        if (file === undefined) return null;
      }
      const checked = checkAbsolutePath(file, 'path');
      if (path.extname(checked).toLowerCase() !== '.csv') {
        throw new EmrecError('BAD_INPUT', 'The export file must end in .csv', { details: { field: 'path' } });
      }
      return exportHistoryCsv(history, rowContext(), checked, words);
    },
  };
}
