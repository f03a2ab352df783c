import type { StationDb } from './db.js';

/** The station's `meta` key/value table: watermarks, recovery state, notices. One accessor for the store's modules. */
export function getMeta(sdb: StationDb, key: string): string | undefined {
  return (sdb.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
}

export function setMeta(sdb: StationDb, key: string, value: string): void {
  sdb.prepare('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
}
