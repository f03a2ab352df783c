import type { StationDb } from './db.js';
import { getMeta, setMeta } from './meta.js';
import type { RecoveryInfo } from './recovery.js';

/**
 * BUG-54: what start-up recovery did, kept in the database it produced (the restored backup or the fresh file), so
 * it stays visible across restarts until a supervisor acknowledges it. A backup that carried an older notice gets
 * this one in its place, unacknowledged.
 */
export interface RecoveryNotice {
  at: number;
  /** the backup restored; null when none was usable and a fresh, empty database was started */
  restoredFrom: string | null;
  fresh: boolean;
  movedAside: string[];
  /** why the file was judged damaged, as SQLite said it */
  reason: string;
  refused: Array<{ backup: string; reason: string }>;
  acknowledged?: { by: string; at: number };
}

const NOTICE = 'recovery_notice';
const ACK = 'recovery_ack';


export function recordRecoveryNotice(sdb: StationDb, info: RecoveryInfo): void {
  const n: RecoveryNotice = { at: info.at, restoredFrom: info.recoveredFrom ?? null, fresh: info.fresh, movedAside: info.movedAside, reason: info.reason, refused: info.refused };
  sdb.db.transaction(() => {
    setMeta(sdb, NOTICE, JSON.stringify(n));
    sdb.prepare('DELETE FROM meta WHERE key = ?').run(ACK);
  }).immediate();
}

/** The last recovery, with its acknowledgement if given; undefined when the database was never recovered. */
export function recoveryNotice(sdb: StationDb): RecoveryNotice | undefined {
  const raw = getMeta(sdb, NOTICE);
  if (raw === undefined) return undefined;
  let n: RecoveryNotice;
  try {
    n = JSON.parse(raw) as RecoveryNotice;
  } catch {
    return undefined;
  }
  const ack = getMeta(sdb, ACK);
  if (ack !== undefined) {
    try {
      n.acknowledged = JSON.parse(ack) as { by: string; at: number };
    } catch {
      /* an unreadable acknowledgement counts as none: the banner shows again rather than never */
    }
  }
  return n;
}

/** A supervisor has seen it (and knows what to re-import). Idempotent: the first acknowledgement is kept. */
export function acknowledgeRecovery(sdb: StationDb, by: string, at = Date.now()): RecoveryNotice | undefined {
  if (getMeta(sdb, NOTICE) === undefined) return undefined;
  sdb.prepare('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING').run(ACK, JSON.stringify({ by, at }));
  return recoveryNotice(sdb);
}
