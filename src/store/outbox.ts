import type BetterSqlite3 from 'better-sqlite3';
import { isSqliteBusy, StorageBusyError } from '../core/busy.js';
import { jsonWith, takeJson } from '../core/json.js';
import type { StationDb } from './db.js';
import { lastSeq, readWatermarks } from './delivery.js';
import { UPSERT_ITEM_SQL, itemParams, type ItemRecord } from './items.js';

/** An event as the station stores it: an EPCIS 2.0 JSON-LD object with a stable `eventID`. */
export interface OutboxEvent {
  eventID: string;
  [key: string]: unknown;
}

export type OutboxState = 'pending' | 'sent' | 'confirmed' | 'blocked_oversize';

export interface OutboxRow {
  seq: number;
  event_id: string;
  item_id: string | null;
  topic: string;
  payload: string;
  created_at: number;
  sent_at: number | null;
  confirmed_at: number | null;
  attempts: number;
  state: OutboxState;
}

/**
 * The key an event is de-duplicated by. An EPCIS error declaration repeats the original eventID, so it
 * needs its own key or it would be dropped as a duplicate of the event it corrects.
 */
export function eventKey(ev: { eventID: string; errorDeclaration?: unknown }): string {
  return ev.errorDeclaration === undefined ? ev.eventID : `${ev.eventID}#errorDeclaration`;
}

/** The extension key under which each event carries its per-station sequence number. */
export const SEQ_KEY = 'rs:stationSeq';

/**
 * Appends events to the outbox inside the caller's transaction. Each event gets the next per-station
 * sequence number, written into the payload too, so HQ can tell gaps from duplicates. An event whose
 * eventID is already there is skipped (a retried user action must not produce a second event).
 */
export function appendEvents(sdb: StationDb, events: readonly OutboxEvent[], opts: { itemId?: string | null; topic?: string; now?: number } = {}): number[] {
  const now = opts.now ?? Date.now();
  const seqs: number[] = [];
  if (events.length === 0) return seqs;
  const last = sdb.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").get() as { seq: number } | undefined;
  let next = (last?.seq ?? 0) + 1;
  // Look first: an upsert that does nothing still bumps sqlite_sequence, and a hole in the sequence would
  // have HQ wait forever for a number that never comes. The new ones go in with one statement.
  const keys = events.map(eventKey);
  const known = existingSeqs(sdb, keys);
  const rows: unknown[] = [];
  events.forEach((ev, i) => {
    const key = keys[i] as string;
    const had = known.get(key);
    if (had !== undefined) {
      seqs.push(had);
      return;
    }
    // The same JSON as JSON.stringify({ ...ev, [SEQ_KEY]: next }), reusing the event's JSON when the item row made it.
    rows.push(next, key, opts.itemId ?? null, opts.topic ?? 'events', jsonWith(ev, takeJson(ev) ?? JSON.stringify(ev), SEQ_KEY, next), now);
    known.set(key, next); // the same event twice in one call is stored once
    seqs.push(next);
    next++;
  });
  for (let i = 0; i < rows.length; i += CHUNK * 6) {
    const part = rows.slice(i, i + CHUNK * 6);
    sdb.prepare(INSERT_SQL[part.length / 6] as string).run(part);
  }
  return seqs;
}

const CHUNK = 8;
// By row count, built once: the statement cache is keyed by the SQL text.
const INSERT_SQL = Array.from({ length: CHUNK + 1 }, (_, n) => `INSERT INTO outbox (seq, event_id, item_id, topic, payload, created_at) VALUES ${Array.from({ length: n }, () => '(?, ?, ?, ?, ?, ?)').join(', ')}`);

function existingSeqs(sdb: StationDb, keys: readonly string[]): Map<string, number> {
  // One indexed get per key: cheaper than `IN (…)` for a scan's few events (SQLite builds a table for the list).
  const existing = sdb.prepare('SELECT seq FROM outbox WHERE event_id = ?').pluck();
  const found = new Map<string, number>();
  for (const key of keys) {
    const had = existing.get(key) as number | undefined;
    if (had !== undefined) found.set(key, had);
  }
  return found;
}

/**
 * Writes an item (insert or update) and appends its events to the outbox in ONE immediate transaction:
 * either the return and its events are both on disk, or neither is (BUG-42). IMMEDIATE because we read the
 * sequence before writing (BUG-52).
 */
export function recordItem(sdb: StationDb, item: ItemRecord, events: readonly OutboxEvent[]): { seqs: number[] } {
  const tx = txFor(sdb);
  return { seqs: withBusyRetry(() => tx.item.immediate(item, events)) };
}

/** Events without an item (tote packed, handoff, acknowledgement, correction), one transaction. */
export function recordEvents(sdb: StationDb, events: readonly OutboxEvent[]): { seqs: number[] } {
  const tx = txFor(sdb);
  return { seqs: withBusyRetry(() => tx.events.immediate(events)) };
}

interface Txs {
  item: BetterSqlite3.Transaction<(item: ItemRecord, events: readonly OutboxEvent[]) => number[]>;
  events: BetterSqlite3.Transaction<(events: readonly OutboxEvent[]) => number[]>;
}
const txCache = new WeakMap<StationDb, Txs>();

// Transaction wrappers are built once per connection: recordItem is the hot path of every scan.
function txFor(sdb: StationDb): Txs {
  let t = txCache.get(sdb);
  if (!t) {
    const upsert = sdb.prepare(UPSERT_ITEM_SQL);
    t = {
      item: sdb.db.transaction((item: ItemRecord, events: readonly OutboxEvent[]) => {
        const now = Date.now();
        upsert.run(itemParams(item, now));
        return appendEvents(sdb, events, { itemId: item.id, now });
      }),
      events: sdb.db.transaction((events: readonly OutboxEvent[]) => appendEvents(sdb, events)),
    };
    txCache.set(sdb, t);
  }
  return t;
}

export { StorageBusyError };

/**
 * busy_timeout already waits; when it still runs out (a long export holding the write lock) we retry a few times
 * with back-off before saying storage is busy (BUG-52).
 *
 * Synchronous, so it blocks its event loop while it waits: this is for command-line tools, tests and benchmarks, a
 * process whose one job is this write (`import`, `db`, the crash tests' writers). The running station never waits
 * here: its writes run their own transaction once (nested, recordItem is a savepoint that cannot be busy) and retry
 * asynchronously (core/busy.ts retryWhileBusy). The block is bounded: (attempts + 1) × the connection's busy timeout
 * plus 50 + 100 + 200 ms of back-off.
 */
export function withBusyRetry<T>(fn: () => T, attempts = 3): T {
  for (let i = 0; ; i++) {
    try {
      return fn();
    } catch (e) {
      if (!isSqliteBusy(e)) throw e;
      if (i >= attempts) throw new StorageBusyError(e);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50 * 2 ** i);
    }
  }
}

export interface OutboxStats {
  /** Events HQ has not confirmed yet, blocked ones included (they need a person). */
  depth: number;
  /** Events the broker has not taken yet (no PUBACK). */
  unsent: number;
  /** Taken by the broker (PUBACK) but not yet confirmed by HQ. */
  sentUnconfirmed: number;
  blockedOversize: number;
  lastSeq: number;
  lastConfirmedSeq: number;
  lastSentAt?: number;
  lastConfirmedAt?: number;
}

/** Cheap enough for every /api/health call: arithmetic on the watermarks plus one indexed count. */
export function outboxStats(sdb: StationDb): OutboxStats {
  const w = readWatermarks(sdb);
  const last = lastSeq(sdb);
  const blockedAbove = (from: number): number =>
    (sdb.prepare("SELECT COUNT(*) AS n FROM outbox WHERE state = 'blocked_oversize' AND seq > ?").get(from) as { n: number }).n;
  const blockedAll = blockedAbove(0);
  const confirmed = Math.min(w.confirmedSeq, last);
  const sent = Math.max(Math.min(w.sentThrough, last), confirmed);
  const stats: OutboxStats = {
    depth: last - confirmed - blockedAbove(confirmed) + blockedAll,
    unsent: last - sent - blockedAbove(sent),
    sentUnconfirmed: sent - confirmed - (blockedAbove(confirmed) - blockedAbove(sent)),
    blockedOversize: blockedAll,
    lastSeq: last,
    lastConfirmedSeq: confirmed,
  };
  if (w.lastSentAt !== undefined) stats.lastSentAt = w.lastSentAt;
  if (w.lastConfirmedAt !== undefined) stats.lastConfirmedAt = w.lastConfirmedAt;
  return stats;
}
