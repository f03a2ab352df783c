import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type BetterSqlite3 from 'better-sqlite3';
import { createLogger } from '../core/logger.js';
import type { CheckpointerReply, CheckpointerRequest } from './sqlite-checkpointer.js';
import { startHqWorker } from './worker-thread.js';
import { seqRanges, SKIP_HORIZON, skipCounts, stationView, walk, type BatchResult, type HourCount, type HqStore, type IncomingEvent, type IncomingSkip, type StationReceipt, type StationView, type StationWorkloadMetrics, type StoredDownlinkAck, type StoredEventsPage } from './types.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS hq_events (
  rid INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  event_id TEXT NOT NULL,
  site TEXT NOT NULL,
  station TEXT NOT NULL,
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  event_time TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  payload TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS hq_events_received ON hq_events(received_at);
CREATE TABLE IF NOT EXISTS hq_seqs (
  site TEXT NOT NULL, station TEXT NOT NULL, seq INTEGER NOT NULL,
  PRIMARY KEY (site, station, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hq_skips (
  site TEXT NOT NULL, station TEXT NOT NULL, seq INTEGER NOT NULL, event_id TEXT, reason TEXT NOT NULL, detail TEXT,
  received_at INTEGER NOT NULL, PRIMARY KEY (site, station, seq)
);
CREATE TABLE IF NOT EXISTS hq_stations (
  site TEXT NOT NULL, station TEXT NOT NULL, contiguous INTEGER NOT NULL DEFAULT 0, highest INTEGER NOT NULL DEFAULT 0,
  events INTEGER NOT NULL DEFAULT 0, last_contact INTEGER, status TEXT, status_at INTEGER,
  conflicts INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (site, station)
);
CREATE TABLE IF NOT EXISTS hq_workload_metrics (
  site TEXT NOT NULL, station TEXT NOT NULL, at INTEGER NOT NULL, received_at INTEGER NOT NULL, payload TEXT NOT NULL,
  PRIMARY KEY (site, station)
);
CREATE TABLE IF NOT EXISTS hq_downlink_acks (
  site TEXT NOT NULL, station TEXT NOT NULL, kind TEXT NOT NULL, target TEXT NOT NULL, received_at INTEGER NOT NULL, payload TEXT NOT NULL,
  PRIMARY KEY (site, station, kind, target)
);
`;
/** 2: hq_stations.conflicts (numbers HQ got from two different events). */
const SCHEMA_VERSION = 2;

const log = createLogger('hq');
/** SQLite's own checkpoint threshold while no checkpointer thread runs (64 MiB of WAL), see init(). */
const WRITER_CHECKPOINT_BYTES = 64 * 1024 * 1024;
/** With the checkpointer running, the writer checkpoints itself only if the WAL reaches 256 MiB anyway. */
const WRITER_BACKSTOP_BYTES = 256 * 1024 * 1024;
/**
 * Page size of a new HQ file. An event row is ~1 KB of JSON plus its columns: a 4 KiB page holds three and leaves a
 * quarter empty, a 16 KiB page holds fifteen. Measured on 100,000 station events, batches of 5,000, synchronous=FULL:
 * 4 KiB 103–114k events/s, 8 KiB 115–128k, 16 KiB 157–168k, 32 KiB 166–179k. A file made before keeps its pages.
 */
export const HQ_PAGE_SIZE = 16_384;

export interface SqliteHqStoreOptions {
  /**
   * Event text stored since the last checkpoint that makes the next one due during a burst. Default 48 MiB, about
   * the 64 MiB of WAL the file is truncated to anyway: the eventID index pages a burst dirties are copied once.
   */
  checkpointEveryBytes?: number;
  /** false: no checkpointer thread (a one-shot reader such as `hq --stations`); SQLite checkpoints as it always did. */
  checkpointer?: boolean;
}

interface Touched {
  site: string;
  station: string;
  inserted: number;
  conflictSeqs: number[];
  /** skips above this number are refused (see SKIP_HORIZON) */
  horizon?: number;
}

/** The hq_stations columns a batch adds before its receipt, and the ones it needs to write it. */
function receiptOf(t: Touched, c: ReturnType<typeof walk>, st: { conflicts: number }, now: number): StationReceipt {
  const r: StationReceipt = { site: t.site, station: t.station, contiguous: c.contiguous, highest: c.highest, at: now };
  if (c.missing.length) r.missing = c.missing;
  if (t.conflictSeqs.length) r.conflicts = seqRanges(t.conflictSeqs);
  if (st.conflicts > 0) r.conflictsTotal = st.conflicts;
  return r;
}

/** Columns added after the first release: added in place (ALTER TABLE), so an older HQ file keeps every event. */
function migrate(db: BetterSqlite3.Database): void {
  const have = new Set((db.pragma('table_info(hq_stations)') as Array<{ name: string }>).map((c) => c.name));
  if (!have.has('conflicts')) db.exec('ALTER TABLE hq_stations ADD COLUMN conflicts INTEGER NOT NULL DEFAULT 0');
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
}

/** HQ on one SQLite file. Several workers (processes) may share it: every batch is one IMMEDIATE transaction. */
export class SqliteHqStore implements HqStore {
  readonly kind = 'sqlite' as const;
  private db!: BetterSqlite3.Database;
  private idleTimer: NodeJS.Timeout | undefined;
  private tx!: (events: readonly IncomingEvent[], skips: readonly IncomingSkip[], now: number) => BatchResult;
  private checkpointer: Worker | undefined;
  private checkpointerReady = false;
  private checkpointRunning = false;
  private bytesSinceCheckpoint = 0;
  private pageBytes = 4096;

  private readonly checkpointEveryBytes: number;
  private readonly withCheckpointer: boolean;

  constructor(
    private readonly path: string,
    opts: SqliteHqStoreOptions = {},
  ) {
    this.checkpointEveryBytes = opts.checkpointEveryBytes ?? 48 * 1024 * 1024;
    this.withCheckpointer = opts.checkpointer ?? true;
  }

  async init(): Promise<void> {
    if (this.path !== ':memory:') mkdirSync(dirname(this.path), { recursive: true });
    const db = new Database(this.path);
    // Only takes effect on a new, empty file (before WAL mode is set); an existing file keeps its page size.
    db.pragma(`page_size = ${HQ_PAGE_SIZE}`);
    db.pragma('busy_timeout = 10000');
    db.pragma('journal_mode = WAL');
    // A receipt is only sent after commit, so a commit must survive power loss: FULL.
    db.pragma('synchronous = FULL');
    db.pragma('journal_size_limit = 67108864');
    // Checkpoint when the WAL reaches the size it is truncated to anyway (64 MiB), not every 1,000 pages: a
    // station's backlog arrives in bursts, and the eventID index pages every batch dirties are then copied into the
    // database once per checkpoint rather than once per batch (measured: 57k → 78k events/s). Idle time does the rest.
    // Once the checkpointer thread is up it takes over, and this becomes a backstop (startCheckpointer).
    this.pageBytes = Number(db.pragma('page_size', { simple: true })) || 4096;
    db.pragma(`wal_autocheckpoint = ${this.walPages(WRITER_CHECKPOINT_BYTES)}`);
    db.exec(SCHEMA);
    migrate(db);
    this.db = db;
    if (this.path !== ':memory:' && this.withCheckpointer) this.startCheckpointer();
    const insEvent = db.prepare(
      // The payload comes as text or as its UTF-8 bytes (IncomingEvent); CAST stores either as the same TEXT.
      'INSERT INTO hq_events (key, event_id, site, station, seq, type, event_time, received_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS TEXT)) ON CONFLICT(key) DO NOTHING',
    );
    const insSeq = db.prepare('INSERT INTO hq_seqs (site, station, seq) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
    const insSkip = db.prepare(
      'INSERT INTO hq_skips (site, station, seq, event_id, reason, detail, received_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    );
    const upStation = db.prepare(
      `INSERT INTO hq_stations (site, station, events, last_contact, conflicts) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(site, station) DO UPDATE SET events = events + excluded.events, last_contact = excluded.last_contact,
         conflicts = conflicts + excluded.conflicts
       RETURNING contiguous, conflicts`,
    );
    const maxSeq = db.prepare('SELECT MAX(seq) FROM hq_seqs WHERE site = ? AND station = ?').pluck();
    const seqsAbove = db.prepare('SELECT seq FROM hq_seqs WHERE site = ? AND station = ? AND seq > ? ORDER BY seq LIMIT 5000').pluck();
    const setStation = db.prepare('UPDATE hq_stations SET contiguous = ?, highest = MAX(highest, ?) WHERE site = ? AND station = ?');
    const run = db.transaction((events: readonly IncomingEvent[], skips: readonly IncomingSkip[], now: number): BatchResult => {
      const touched = new Map<string, Touched>();
      const touch = (site: string, station: string): Touched => {
        const k = `${site}\u0000${station}`;
        let t = touched.get(k);
        if (!t) touched.set(k, (t = { site, station, inserted: 0, conflictSeqs: [] }));
        return t;
      };
      let inserted = 0;
      let conflicts = 0;
      for (const e of events) {
        const t = touch(e.site, e.station);
        if (insEvent.run(e.key, e.eventID, e.site, e.station, e.seq, e.type, e.eventTime, e.receivedAt, e.payload).changes === 1) {
          inserted++;
          t.inserted++;
          // Stored even so: it is a return step that happened; only its number is shared with another event.
          if (insSeq.run(e.site, e.station, e.seq).changes === 0) {
            conflicts++;
            t.conflictSeqs.push(e.seq);
          }
        } else if (insSeq.run(e.site, e.station, e.seq).changes === 1) {
          // An event HQ holds already, under another of the station's numbers: this number is accounted for too, or
          // the receipt would wait for it for ever (the station can only send the same event again).
          insSkip.run(e.site, e.station, e.seq, e.eventID, 'duplicate_event', null, e.receivedAt);
        }
      }
      const refused: IncomingSkip[] = [];
      for (const s of skips) {
        const t = touch(s.site, s.station);
        if (t.horizon === undefined) t.horizon = ((maxSeq.get(s.site, s.station) as number | null) ?? 0) + SKIP_HORIZON;
        if (s.seq > t.horizon) {
          refused.push(s);
          continue;
        }
        // A number that already holds an event (a late or forged notice) keeps its event and gets no skip row.
        if (insSeq.run(s.site, s.station, s.seq).changes === 1) insSkip.run(s.site, s.station, s.seq, s.eventID, s.reason, s.detail ?? null, s.receivedAt);
      }
      const receipts: StationReceipt[] = [];
      for (const t of touched.values()) {
        const st = upStation.get(t.site, t.station, t.inserted, now, t.conflictSeqs.length) as { contiguous: number; conflicts: number };
        const c = walk(st.contiguous, (after) => seqsAbove.all(t.site, t.station, after) as number[]);
        setStation.run(c.contiguous, c.highest, t.site, t.station);
        receipts.push(receiptOf(t, c, st, now));
      }
      return { inserted, duplicates: events.length - inserted, conflicts, receipts, refusedSkips: refused };
    });
    this.tx = (e, s, n) => run.immediate(e, s, n);
    await Promise.resolve();
  }

  async storeBatch(events: readonly IncomingEvent[], skips: readonly IncomingSkip[], now: number): Promise<BatchResult> {
    const r = this.tx(events, skips, now);
    for (const e of events) this.bytesSinceCheckpoint += e.payload.length;
    if (this.bytesSinceCheckpoint >= this.checkpointEveryBytes) this.checkpoint('burst');
    this.checkpointWhenIdle();
    return await Promise.resolve(r);
  }

  /** `wal_autocheckpoint` counts pages, and a file's pages are 4 or 16 KiB (HQ_PAGE_SIZE): the same bytes either way. */
  private walPages(bytes: number): number {
    return Math.max(1, Math.round(bytes / this.pageBytes));
  }

  /**
   * The checkpointer thread (sqlite-checkpointer.ts). Until it is up, and if it ever stops, SQLite's automatic
   * checkpoint at 64 MiB stays in charge, so the WAL is bounded either way.
   */
  private startCheckpointer(): void {
    let w: Worker;
    try {
      w = startHqWorker('sqlite-checkpointer', { path: this.path });
    } catch (e) {
      log.warn({ err: e instanceof Error ? e.message : String(e) }, 'WAL checkpoints stay in the writer: no checkpointer thread');
      return;
    }
    this.checkpointer = w;
    w.on('message', (m: CheckpointerReply) => {
      if (m.op === 'ready') {
        this.checkpointerReady = true;
        if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${this.walPages(WRITER_BACKSTOP_BYTES)}`);
      } else {
        this.checkpointRunning = false;
        if (m.op === 'failed') log.warn({ err: m.error }, 'WAL checkpoint failed; the next one retries');
      }
    });
    const gone = (why: string): void => {
      if (this.checkpointer !== w) return;
      this.checkpointer = undefined;
      this.checkpointerReady = false;
      this.checkpointRunning = false;
      if (this.db.open) {
        this.db.pragma(`wal_autocheckpoint = ${this.walPages(WRITER_CHECKPOINT_BYTES)}`);
        log.warn({ why }, 'WAL checkpointer thread stopped; the writer checkpoints again');
      }
    };
    w.on('error', (e) => gone(e.message));
    w.on('exit', (code) => gone(`exit ${code}`));
  }

  /** `burst`: enough was written since the last one; `idle`: no batch for a second. */
  private checkpoint(why: 'burst' | 'idle'): void {
    const w = this.checkpointer;
    if (w && this.checkpointerReady) {
      if (this.checkpointRunning) return;
      this.checkpointRunning = true;
      this.bytesSinceCheckpoint = 0;
      w.postMessage({ op: 'checkpoint' } satisfies CheckpointerRequest);
      return;
    }
    // Without the thread, SQLite's automatic checkpoint covers bursts; only the idle one runs here.
    if (why !== 'idle') return;
    try {
      if (this.db.open) this.db.pragma('wal_checkpoint(PASSIVE)');
      this.bytesSinceCheckpoint = 0;
    } catch {
      // Busy or closing: the next idle moment or the automatic checkpoint does it.
    }
  }

  /** A passive checkpoint once no batch came for a second, so a quiet HQ keeps a small WAL. */
  private checkpointWhenIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      this.checkpoint('idle');
    }, 1000);
    this.idleTimer.unref();
  }

  async noteStatus(site: string, station: string, status: string, at: number): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO hq_stations (site, station, status, status_at, last_contact) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(site, station) DO UPDATE SET status = excluded.status, status_at = excluded.status_at, last_contact = excluded.last_contact`,
      )
      .run(site, station, status, at, at);
    await Promise.resolve();
  }

  async stations(): Promise<StationView[]> {
    // `_hq` rows: HQ workers' own status, stored by releases before HQ stopped listing itself as a station.
    const rows = this.db
      .prepare("SELECT site, station, contiguous, highest, events, conflicts, last_contact, status, status_at FROM hq_stations WHERE site <> '_hq' ORDER BY site, station")
      .all() as Array<{ site: string; station: string; contiguous: number; highest: number; events: number; conflicts: number; last_contact: number | null; status: string | null; status_at: number | null }>;
    const skipped = skipCounts(this.db.prepare('SELECT site, station, reason, COUNT(*) AS n FROM hq_skips GROUP BY site, station, reason').all() as Array<{ site: string; station: string; reason: string; n: number }>);
    return await Promise.resolve(rows.map((r) => stationView(r, skipped)));
  }

  async eventsPerHour(hours: number, now = Date.now()): Promise<HourCount[]> {
    const since = now - hours * 3600_000;
    const rows = this.db
      .prepare("SELECT strftime('%Y-%m-%dT%H:00:00Z', received_at / 1000, 'unixepoch') AS hour, COUNT(*) AS events FROM hq_events WHERE received_at >= ? GROUP BY hour ORDER BY hour")
      .all(since) as HourCount[];
    return await Promise.resolve(rows);
  }

  async countEvents(site?: string, station?: string): Promise<number> {
    const r =
      site !== undefined && station !== undefined
        ? (this.db.prepare('SELECT COUNT(*) AS n FROM hq_events WHERE site = ? AND station = ?').get(site, station) as { n: number })
        : (this.db.prepare('SELECT COUNT(*) AS n FROM hq_events').get() as { n: number });
    return await Promise.resolve(r.n);
  }

  async putWorkloadMetrics(m: StationWorkloadMetrics): Promise<boolean> {
    const r = this.db
      .prepare(
        `INSERT INTO hq_workload_metrics (site, station, at, received_at, payload) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(site, station) DO UPDATE SET at = excluded.at, received_at = excluded.received_at, payload = excluded.payload
         WHERE excluded.at > hq_workload_metrics.at`,
      )
      .run(m.site, m.station, m.at, m.receivedAt, m.payload);
    return await Promise.resolve(r.changes === 1);
  }

  async workloadMetrics(): Promise<StationWorkloadMetrics[]> {
    const rows = this.db.prepare('SELECT site, station, at, received_at, payload FROM hq_workload_metrics ORDER BY site, station').all() as Array<{ site: string; station: string; at: number; received_at: number; payload: string }>;
    return await Promise.resolve(rows.map((r) => ({ site: r.site, station: r.station, at: r.at, receivedAt: r.received_at, payload: r.payload })));
  }

  async putDownlinkAck(a: StoredDownlinkAck): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO hq_downlink_acks (site, station, kind, target, received_at, payload) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(site, station, kind, target) DO UPDATE SET received_at = excluded.received_at, payload = excluded.payload
         WHERE excluded.received_at >= hq_downlink_acks.received_at`,
      )
      .run(a.site, a.station, a.kind, a.target, a.receivedAt, a.payload);
    await Promise.resolve();
  }

  async downlinkAcks(): Promise<StoredDownlinkAck[]> {
    const rows = this.db.prepare('SELECT site, station, kind, target, received_at, payload FROM hq_downlink_acks ORDER BY site, station, kind, target').all() as Array<{ site: string; station: string; kind: string; target: string; received_at: number; payload: string }>;
    return await Promise.resolve(rows.map((r) => ({ site: r.site, station: r.station, kind: r.kind, target: r.target, receivedAt: r.received_at, payload: r.payload })));
  }

  async eventsAfter(site: string, station: string, afterSeq: number, limit: number): Promise<StoredEventsPage> {
    const st = this.db.prepare('SELECT contiguous, highest FROM hq_stations WHERE site = ? AND station = ?').get(site, station) as { contiguous: number; highest: number } | undefined;
    const events = this.db
      .prepare('SELECT key, seq, payload FROM hq_events WHERE site = ? AND station = ? AND seq > ? ORDER BY seq, rid LIMIT ?')
      .all(site, station, afterSeq, limit) as StoredEventsPage['events'];
    return await Promise.resolve({ contiguous: st?.contiguous ?? 0, highest: st?.highest ?? 0, events });
  }

  /** For tests and `hq doctor`: PRAGMA integrity_check. */
  integrityCheck(): string {
    return String(this.db.pragma('integrity_check', { simple: true }));
  }

  get database(): BetterSqlite3.Database {
    return this.db;
  }

  async close(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const w = this.checkpointer;
    this.checkpointer = undefined;
    if (w) {
      // Its connection closes before ours, so ours is the last one and leaves no WAL behind.
      const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
      w.postMessage({ op: 'close' } satisfies CheckpointerRequest);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, 5000)))]);
      clearTimeout(timer);
      await w.terminate();
    }
    if (this.db?.open) this.db.close();
  }
}
