/** What the sync benchmark needs from the store, including the raw SQL its bare-better-sqlite3 peer runs. */
export { openStationDb, recordEvents, recordItem, rowsFrom } from './index.js';
export { UPSERT_ITEM_SQL as UPSERT_ITEM_SQL_FOR_BENCH, itemParams as itemParamsForBench } from './items.js';
