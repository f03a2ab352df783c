import type { Receipt } from '../sync/topics.js';

export interface IncomingEvent {
  key: string;
  eventID: string;
  site: string;
  station: string;
  seq: number;
  type: string;
  eventTime: string;
  /**
   * The event's JSON exactly as it came: its UTF-8 bytes (a view into the message they arrived in), or its text.
   * Bytes are what HQ keeps while a batch fills: thousands of event texts held on the JavaScript heap would be
   * copied by every garbage collection and again into the store's thread.
   */
  payload: string | Uint8Array;
  receivedAt: number;
}

/** The event's JSON text, whichever form `payload` has. */
export function payloadText(e: Pick<IncomingEvent, 'payload'>): string {
  return typeof e.payload === 'string' ? e.payload : Buffer.from(e.payload.buffer, e.payload.byteOffset, e.payload.byteLength).toString('utf8');
}

/** A sequence number HQ will not get an event for (blocked oversize at the station, or refused here). */
export interface IncomingSkip {
  site: string;
  station: string;
  seq: number;
  eventID: string;
  reason: string;
  detail?: string;
  receivedAt: number;
}

export interface StationReceipt extends Receipt {
  site: string;
  station: string;
}

export interface BatchResult {
  inserted: number;
  duplicates: number;
  /** same station + sequence number already stored under another eventID (e.g. a station restored from an old backup) */
  conflicts: number;
  receipts: StationReceipt[];
  /** skip notices for numbers far beyond anything the station has sent (SKIP_HORIZON): not stored */
  refusedSkips?: IncomingSkip[];
}

/**
 * A skip notice says a number will never carry an event. A station only skips numbers it has given out, within its
 * window beyond HQ's receipt (at most 2,000 messages of up to 1,000 events); one far beyond the highest number HQ
 * holds would open a gap the receipt waits on for ever, so it is refused.
 */
export const SKIP_HORIZON = 1_000_000;

/** Sorted, merged ranges of sequence numbers, at most `max` of them (a receipt stays small). */
export function seqRanges(seqs: readonly number[], max = 20): Array<[number, number]> {
  const sorted = [...seqs].sort((a, b) => a - b);
  const out: Array<[number, number]> = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1] + 1) last[1] = Math.max(last[1], s);
    else if (out.length < max) out.push([s, s]);
    else break;
  }
  return out;
}

export interface StationView {
  site: string;
  station: string;
  contiguous: number;
  highest: number;
  /** sequence numbers above `contiguous` not yet here (a lower bound of the station's backlog) */
  backlog: number;
  events: number;
  /** numbers HQ got twice, from different events (two stations with one name, a cloned disk): look at this station */
  conflicts: number;
  lastContact: number | null;
  status: string | null;
  statusAt: number | null;
  /**
   * Numbers that will never carry an event, by reason (`blocked_oversize`: an event over the broker's limit the
   * station never sent, BUG-47; `lost_in_restore`, `duplicate_event` …): work HQ will not see; look at the station.
   */
  skipped: Record<string, number>;
}

/** Per-station skip counts by reason, keyed `site\u0000station`, from rows of a GROUP BY over hq_skips. */
export function skipCounts(rows: ReadonlyArray<{ site: string; station: string; reason: string; n: number | string }>): Map<string, Record<string, number>> {
  const m = new Map<string, Record<string, number>>();
  for (const r of rows) {
    const k = `${r.site}\u0000${r.station}`;
    const byReason = m.get(k) ?? {};
    byReason[r.reason] = Number(r.n);
    m.set(k, byReason);
  }
  return m;
}

/** A stations-view row from the columns both stores keep. */
export function stationView(
  r: { site: string; station: string; contiguous: number; highest: number; events: number; conflicts: number; last_contact: number | null; status: string | null; status_at: number | null },
  skipped: Map<string, Record<string, number>> = new Map(),
): StationView {
  return {
    site: r.site, station: r.station, contiguous: r.contiguous, highest: r.highest, backlog: r.highest - r.contiguous, events: r.events, conflicts: r.conflicts,
    lastContact: r.last_contact, status: r.status, statusAt: r.status_at, skipped: skipped.get(`${r.site}\u0000${r.station}`) ?? {},
  };
}

/** A station's latest answer to a downlink (applied, refused with why, ignored), as HQ last heard it. */
export interface StoredDownlinkAck {
  site: string;
  station: string;
  kind: string;
  target: string;
  receivedAt: number;
  /** the ack message as the station sent it (JSON) */
  payload: string;
}

/** A station's latest aggregated workload message (issue 10): HQ keeps only the newest per station. */
export interface StationWorkloadMetrics {
  site: string;
  station: string;
  /** the message's own time (ms); an older message never replaces a newer one */
  at: number;
  receivedAt: number;
  payload: string;
}

export interface HourCount {
  hour: string;
  events: number;
}

/** HQ's storage: SQLite by default, PostgreSQL at scale. Inserts are idempotent (keyed by eventID). */
export interface HqStore {
  readonly kind: 'sqlite' | 'postgres';
  init(): Promise<void>;
  storeBatch(events: readonly IncomingEvent[], skips: readonly IncomingSkip[], now: number): Promise<BatchResult>;
  noteStatus(site: string, station: string, status: string, at: number): Promise<void>;
  stations(): Promise<StationView[]>;
  eventsPerHour(hours: number, now?: number): Promise<HourCount[]>;
  countEvents(site?: string, station?: string): Promise<number>;
  /** Keeps the message if it is newer than the stored one for its station; true when stored. Idempotent. */
  putWorkloadMetrics(m: StationWorkloadMetrics): Promise<boolean>;
  workloadMetrics(): Promise<StationWorkloadMetrics[]>;
  /** A station's answer to a downlink; only the newest per station, kind and target is kept. */
  putDownlinkAck(a: StoredDownlinkAck): Promise<void>;
  downlinkAcks(): Promise<StoredDownlinkAck[]>;
  /**
   * A station's stored events above `afterSeq` in sequence order (at most `limit`) and its receipt, for the
   * re-sync after a station restored a backup (BUG-54, docs/sync.md Recovery). Optional: a store without it
   * answers no re-sync requests.
   */
  eventsAfter?(site: string, station: string, afterSeq: number, limit: number): Promise<StoredEventsPage>;
  close(): Promise<void>;
}

/** One page of a station's events as HQ stored them, with HQ's receipt for the station (BUG-54 re-sync). */
export interface StoredEventsPage {
  contiguous: number;
  highest: number;
  events: Array<{ key: string; seq: number; payload: string }>;
}

/** Highest contiguous sequence, gaps above it (first few) and the highest seen, from sorted seqs above `from`. */
export function contiguity(from: number, sortedSeqs: readonly number[], maxGaps = 20): { contiguous: number; missing: Array<[number, number]>; highest: number } {
  let c = from;
  let i = 0;
  while (i < sortedSeqs.length && (sortedSeqs[i] ?? 0) <= c + 1) {
    c = Math.max(c, sortedSeqs[i] ?? 0);
    i++;
  }
  const missing: Array<[number, number]> = [];
  let prev = c;
  for (; i < sortedSeqs.length && missing.length < maxGaps; i++) {
    const s = sortedSeqs[i] ?? 0;
    if (s > prev + 1) missing.push([prev + 1, s - 1]);
    prev = Math.max(prev, s);
  }
  const highest = Math.max(c, sortedSeqs[sortedSeqs.length - 1] ?? 0);
  return { contiguous: c, missing, highest };
}

/** Rows per look-up when walking a station's sequence numbers (the stores' LIMIT). */
export const SEQ_PAGE = 5000;

/**
 * Receipt for a station: page through stored sequence numbers above `from` until a gap or the end, so the
 * receipt can move by more than one page after a big re-send fills an old gap.
 */
export function walk(from: number, page: (after: number) => number[]): { contiguous: number; missing: Array<[number, number]>; highest: number } {
  let c = from;
  for (;;) {
    const seqs = page(c);
    const r = contiguity(c, seqs);
    if (seqs.length < SEQ_PAGE || r.contiguous < (seqs[seqs.length - 1] ?? 0)) return { ...r, highest: Math.max(r.highest, c) };
    c = r.contiguous;
  }
}

export async function walkAsync(from: number, page: (after: number) => Promise<number[]>): Promise<{ contiguous: number; missing: Array<[number, number]>; highest: number }> {
  let c = from;
  for (;;) {
    const seqs = await page(c);
    const r = contiguity(c, seqs);
    if (seqs.length < SEQ_PAGE || r.contiguous < (seqs[seqs.length - 1] ?? 0)) return { ...r, highest: Math.max(r.highest, c) };
    c = r.contiguous;
  }
}
