// What has been downloaded (so a second run skips it): the history store file (conf for the CLI,
// electron-store for the app) plus its append-only journal. The implementation is in store/history.ts;
// the token cache is store/token-cache.ts, the store-file layer store/store-file.ts.
export {
  FOLD_MIN_LINES,
  FOLD_RATIO,
  History,
  HISTORY_BATCH_MS,
  HISTORY_STORE,
  HistoryEntrySchema,
  historyKey,
  journalPathFor,
  STORE_DEFAULTS,
  STORE_VERSION,
  StoreDataSchema,
  type CachedToken,
  type ConvertInfo,
  type HistoryEntry,
  type HistoryOptions,
  type StoreBackend,
  type StoreData,
  type TokenCache,
} from './store/history.ts';
