import pg from 'pg';
import { StationError, errorMessage } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { payloadText, seqRanges, SKIP_HORIZON, skipCounts, stationView, walkAsync, type BatchResult, type HourCount, type HqStore, type IncomingEvent, type IncomingSkip, type StationReceipt, type StationView, type StationWorkloadMetrics, type StoredDownlinkAck, type StoredEventsPage } from './types.js';

// Lean on purpose (every index costs on each of tens of thousands of inserts a second): the event key is the
// primary key, (site, station, seq) is unique and doubles as the receipt index, arrival time gets a BRIN index.
// An event arriving under a number HQ already holds for another event (two stations with one name, a cloned disk)
// is kept in hq_seq_conflicts, reported, and counted among the station's events: never dropped.
const log = createLogger('hq.pg');

const SCHEMA = `
CREATE TABLE IF NOT EXISTS hq_events (
  key TEXT PRIMARY KEY,
  event_id TEXT NOT NULL,
  site TEXT NOT NULL,
  station TEXT NOT NULL,
  seq BIGINT NOT NULL,
  type TEXT NOT NULL,
  event_time TIMESTAMPTZ NOT NULL,
  received_at TIMESTAMPTZ NOT NULL,
  payload JSON NOT NULL,
  UNIQUE (site, station, seq)
);
CREATE TABLE IF NOT EXISTS hq_seq_conflicts (
  key TEXT PRIMARY KEY,
  event_id TEXT NOT NULL,
  site TEXT NOT NULL,
  station TEXT NOT NULL,
  seq BIGINT NOT NULL,
  type TEXT NOT NULL,
  event_time TIMESTAMPTZ NOT NULL,
  received_at TIMESTAMPTZ NOT NULL,
  payload JSON NOT NULL
);
CREATE INDEX IF NOT EXISTS hq_events_received ON hq_events USING brin (received_at);
CREATE TABLE IF NOT EXISTS hq_skips (
  site TEXT NOT NULL, station TEXT NOT NULL, seq BIGINT NOT NULL, event_id TEXT, reason TEXT NOT NULL, detail TEXT,
  received_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (site, station, seq)
);
CREATE TABLE IF NOT EXISTS hq_stations (
  site TEXT NOT NULL, station TEXT NOT NULL, contiguous BIGINT NOT NULL DEFAULT 0, highest BIGINT NOT NULL DEFAULT 0,
  events BIGINT NOT NULL DEFAULT 0, last_contact TIMESTAMPTZ, status TEXT, status_at TIMESTAMPTZ,
  PRIMARY KEY (site, station)
);
ALTER TABLE hq_stations ADD COLUMN IF NOT EXISTS conflicts BIGINT NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS hq_workload_metrics (
  site TEXT NOT NULL, station TEXT NOT NULL, at BIGINT NOT NULL, received_at BIGINT NOT NULL, payload TEXT NOT NULL,
  PRIMARY KEY (site, station)
);
CREATE TABLE IF NOT EXISTS hq_downlink_acks (
  site TEXT NOT NULL, station TEXT NOT NULL, kind TEXT NOT NULL, target TEXT NOT NULL, received_at BIGINT NOT NULL, payload TEXT NOT NULL,
  PRIMARY KEY (site, station, kind, target)
);
`;

// One round trip per batch, and the batch travels as ONE json parameter: node-pg's text[] encoding of JSON
// strings (every quote escaped, then unescaped by the server) cost ten times more than the insert itself.
// Idempotent on the event key and on station + seq; a row not inserted is a duplicate, or a conflict when its
// station + seq is held by a different event (see KEEP_CONFLICTS).
// Inserted rows are counted per station in the same statement: the stations view counts each station's events, and
// a batch of a shared worker holds several stations.
const INSERT_EVENTS = `
WITH ins AS (
  INSERT INTO hq_events (key, event_id, site, station, seq, type, event_time, received_at, payload)
  SELECT k, e, si, st, sq, ty, et::timestamptz, to_timestamp(ra / 1000.0), p
  FROM json_to_recordset($1::json) AS t(k text, e text, si text, st text, sq bigint, ty text, et text, ra float8, p json)
  ON CONFLICT DO NOTHING
  RETURNING site, station
)
SELECT site, station, count(*)::int AS n FROM ins GROUP BY site, station`;

// Rare path (some rows not inserted): a refused row whose key HQ does not hold lost to a number held by another
// event. It is kept here (by key, so a re-send is not a second one); the new ones come back per station.
const KEEP_CONFLICTS = `
WITH t AS (
  SELECT * FROM json_to_recordset($1::json) AS t(k text, e text, si text, st text, sq bigint, ty text, et text, ra float8, p json)
  WHERE NOT EXISTS (SELECT 1 FROM hq_events h WHERE h.key = t.k)
), ins AS (
  INSERT INTO hq_seq_conflicts (key, event_id, site, station, seq, type, event_time, received_at, payload)
  SELECT k, e, si, st, sq, ty, et::timestamptz, to_timestamp(ra / 1000.0), p FROM t
  ON CONFLICT (key) DO NOTHING
  RETURNING site, station, seq
)
SELECT site, station, json_agg(seq) AS seqs FROM ins GROUP BY site, station`;

const SKIP_DUPLICATE_NUMBERS = `
INSERT INTO hq_skips (site, station, seq, event_id, reason, detail, received_at)
SELECT si, st, sq, e, 'duplicate_event', NULL, to_timestamp(ra / 1000.0)
FROM json_to_recordset($1::json) AS t(k text, e text, si text, st text, sq bigint, ra float8)
WHERE EXISTS (SELECT 1 FROM hq_events h WHERE h.key = t.k)
  AND NOT EXISTS (SELECT 1 FROM hq_events h WHERE h.site = t.si AND h.station = t.st AND h.seq = t.sq)
ON CONFLICT DO NOTHING`;

// A number that already holds an event keeps it and gets no skip row; one far beyond the station's highest number
// is refused (SKIP_HORIZON) and returned.
const INSERT_SKIPS = `
WITH t AS (
  SELECT si, st, sq, e, r, d, ra,
    sq > coalesce((SELECT max(seq) FROM hq_events h WHERE h.site = x.si AND h.station = x.st), 0) + $2::bigint AS beyond
  FROM json_to_recordset($1::json) AS x(si text, st text, sq bigint, e text, r text, d text, ra float8)
), ins AS (
  INSERT INTO hq_skips (site, station, seq, event_id, reason, detail, received_at)
  SELECT si, st, sq, e, r, d, to_timestamp(ra / 1000.0) FROM t
  WHERE NOT beyond AND NOT EXISTS (SELECT 1 FROM hq_events h WHERE h.site = t.si AND h.station = t.st AND h.seq = t.sq)
  ON CONFLICT DO NOTHING
)
SELECT si, st, sq FROM t WHERE beyond`;

/** The batch as a JSON array; each payload is spliced in as it arrived (already checked to be JSON). */
function eventsJson(events: readonly IncomingEvent[]): string {
  const parts = events.map(
    (e) => `{"k":${JSON.stringify(e.key)},"e":${JSON.stringify(e.eventID)},"si":${JSON.stringify(e.site)},"st":${JSON.stringify(e.station)},"sq":${e.seq},"ty":${JSON.stringify(e.type)},"et":${JSON.stringify(e.eventTime)},"ra":${e.receivedAt},"p":${payloadText(e)}}`,
  );
  return `[${parts.join(',')}]`;
}

const SEQS_ABOVE = `
SELECT seq FROM (
  SELECT seq FROM hq_events WHERE site = $1 AND station = $2 AND seq > $3
  UNION ALL
  SELECT seq FROM hq_skips WHERE site = $1 AND station = $2 AND seq > $3
) s ORDER BY seq LIMIT 5000`;

/**
 * HQ on PostgreSQL. Workers on several machines may share it: the station row is locked (upsert) while its
 * receipt is computed, in a fixed order, so two workers never compute a receipt from each other's half.
 */
export class PgHqStore implements HqStore {
  readonly kind = 'postgres' as const;
  private pool: pg.Pool;
  private readonly schema: string | undefined;

  /** `schema` keeps HQ's tables in their own PostgreSQL schema (created if missing). */
  constructor(url: string, opts: { schema?: string; max?: number } = {}) {
    if (opts.schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(opts.schema)) {
      throw new StationError('HQ_BAD_SCHEMA', `"${opts.schema}" is not a usable PostgreSQL schema name (lower-case letters, digits, _).`);
    }
    // search_path as a connection option: set before the first query, unlike a query fired from 'connect', which
    // races the pool's own first query on that client (pg warns it will stop queueing such calls).
    this.pool = new pg.Pool({ connectionString: url, max: opts.max ?? 4, ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}) });
    // An idle client's error (PostgreSQL restarted, connection cut) is emitted on the pool; unheard, it would
    // crash HQ. The next query gets a fresh connection, and a failed batch is retried by the ingest.
    this.pool.on('error', (e) => log.warn({ err: errorMessage(e) }, 'PostgreSQL connection lost; reconnecting on the next batch'));
    this.schema = opts.schema;
  }

  async init(): Promise<void> {
    const c = await this.pool.connect();
    try {
      // Two workers starting together must not race on CREATE TABLE.
      await c.query('SELECT pg_advisory_lock(727001)');
      if (this.schema) await c.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}; SET search_path TO ${this.schema}`);
      await c.query(SCHEMA);
      await c.query('SELECT pg_advisory_unlock(727001)');
    } finally {
      c.release();
    }
  }

  async storeBatch(events: readonly IncomingEvent[], skips: readonly IncomingSkip[], now: number): Promise<BatchResult> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      let inserted = 0;
      let conflicts = 0;
      const insertedBy = new Map<string, number>();
      const conflictsBy = new Map<string, number[]>();
      if (events.length) {
        const r = await c.query<{ site: string; station: string; n: number }>(INSERT_EVENTS, [eventsJson(events)]);
        for (const row of r.rows) {
          inserted += row.n;
          insertedBy.set(`${row.site}\u0000${row.station}`, row.n);
        }
        if (inserted < events.length) {
          const json = eventsJson(events);
          const cf = await c.query<{ site: string; station: string; seqs: Array<string | number> }>(KEEP_CONFLICTS, [json]);
          for (const row of cf.rows) {
            const k = `${row.site}\u0000${row.station}`;
            const seqs = row.seqs.map(Number);
            conflicts += seqs.length;
            conflictsBy.set(k, seqs);
            // Kept events count among the station's events, as in SQLite where they share the table.
            insertedBy.set(k, (insertedBy.get(k) ?? 0) + seqs.length);
          }
          // An event HQ holds already under another of the station's numbers: that number is accounted for too.
          await c.query(SKIP_DUPLICATE_NUMBERS, [json]);
        }
      }
      const refusedSkips: IncomingSkip[] = [];
      if (skips.length) {
        const r = await c.query<{ si: string; st: string; sq: string }>(INSERT_SKIPS, [JSON.stringify(skips.map((s) => ({ si: s.site, st: s.station, sq: s.seq, e: s.eventID, r: s.reason, d: s.detail ?? null, ra: s.receivedAt }))), SKIP_HORIZON]);
        const beyond = new Set(r.rows.map((x) => `${x.si}\u0000${x.st}\u0000${x.sq}`));
        for (const s of skips) if (beyond.has(`${s.site}\u0000${s.station}\u0000${s.seq}`)) refusedSkips.push(s);
      }
      const touched = new Map<string, { site: string; station: string; inserted: number; conflictSeqs: number[] }>();
      for (const x of [...events, ...skips]) {
        const k = `${x.site}\u0000${x.station}`;
        if (!touched.has(k)) touched.set(k, { site: x.site, station: x.station, inserted: insertedBy.get(k) ?? 0, conflictSeqs: conflictsBy.get(k) ?? [] });
      }
      const receipts: StationReceipt[] = [];
      const at = new Date(now);
      for (const t of [...touched.values()].sort((a, b) => (a.site + a.station < b.site + b.station ? -1 : 1))) {
        const up = await c.query<{ contiguous: string; conflicts: string }>(
          `INSERT INTO hq_stations (site, station, events, last_contact, conflicts) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (site, station) DO UPDATE SET events = hq_stations.events + excluded.events, last_contact = excluded.last_contact,
             conflicts = hq_stations.conflicts + excluded.conflicts
           RETURNING contiguous, conflicts`,
          [t.site, t.station, t.inserted, at, t.conflictSeqs.length],
        );
        const row = up.rows[0];
        const from = Number(row?.contiguous ?? 0);
        const cg = await walkAsync(from, async (after) => (await c.query<{ seq: string }>(SEQS_ABOVE, [t.site, t.station, after])).rows.map((r) => Number(r.seq)));
        await c.query('UPDATE hq_stations SET contiguous = $1, highest = GREATEST(highest, $2) WHERE site = $3 AND station = $4', [cg.contiguous, cg.highest, t.site, t.station]);
        const r: StationReceipt = { site: t.site, station: t.station, contiguous: cg.contiguous, highest: cg.highest, at: now };
        if (cg.missing.length) r.missing = cg.missing;
        if (t.conflictSeqs.length) r.conflicts = seqRanges(t.conflictSeqs);
        if (Number(row?.conflicts ?? 0) > 0) r.conflictsTotal = Number(row?.conflicts);
        receipts.push(r);
      }
      await c.query('COMMIT');
      return { inserted, duplicates: events.length - inserted, conflicts, receipts, refusedSkips };
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  async noteStatus(site: string, station: string, status: string, at: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO hq_stations (site, station, status, status_at, last_contact) VALUES ($1, $2, $3, $4, $4)
       ON CONFLICT (site, station) DO UPDATE SET status = excluded.status, status_at = excluded.status_at, last_contact = excluded.last_contact`,
      [site, station, status, new Date(at)],
    );
  }

  async stations(): Promise<StationView[]> {
    // `_hq` rows: HQ workers' own status, stored by releases before HQ stopped listing itself as a station.
    const r = await this.pool.query<{ site: string; station: string; contiguous: string; highest: string; events: string; conflicts: string; last_contact: Date | null; status: string | null; status_at: Date | null }>(
      "SELECT site, station, contiguous, highest, events, conflicts, last_contact, status, status_at FROM hq_stations WHERE site <> '_hq' ORDER BY site, station",
    );
    const skips = await this.pool.query<{ site: string; station: string; reason: string; n: string }>('SELECT site, station, reason, count(*) AS n FROM hq_skips GROUP BY site, station, reason');
    const skipped = skipCounts(skips.rows);
    return r.rows.map((x) =>
      stationView(
        {
          site: x.site, station: x.station, contiguous: Number(x.contiguous), highest: Number(x.highest), events: Number(x.events), conflicts: Number(x.conflicts),
          last_contact: x.last_contact ? x.last_contact.getTime() : null, status: x.status, status_at: x.status_at ? x.status_at.getTime() : null,
        },
        skipped,
      ),
    );
  }

  async eventsPerHour(hours: number, now = Date.now()): Promise<HourCount[]> {
    const r = await this.pool.query<{ hour: string; events: number }>(
      `SELECT to_char(date_trunc('hour', received_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD"T"HH24:00:00"Z"') AS hour, count(*)::int AS events
       FROM hq_events WHERE received_at >= $1 GROUP BY 1 ORDER BY 1`,
      [new Date(now - hours * 3600_000)],
    );
    return r.rows;
  }

  async countEvents(site?: string, station?: string): Promise<number> {
    const r =
      site !== undefined && station !== undefined
        ? await this.pool.query<{ n: number }>(
            'SELECT ((SELECT count(*) FROM hq_events WHERE site = $1 AND station = $2) + (SELECT count(*) FROM hq_seq_conflicts WHERE site = $1 AND station = $2))::int AS n',
            [site, station],
          )
        : await this.pool.query<{ n: number }>('SELECT ((SELECT count(*) FROM hq_events) + (SELECT count(*) FROM hq_seq_conflicts))::int AS n');
    return r.rows[0]?.n ?? 0;
  }

  async eventsAfter(site: string, station: string, afterSeq: number, limit: number): Promise<StoredEventsPage> {
    const st = await this.pool.query<{ contiguous: string; highest: string }>('SELECT contiguous, highest FROM hq_stations WHERE site = $1 AND station = $2', [site, station]);
    const r = await this.pool.query<{ key: string; seq: string; payload: string }>(
      `SELECT key, seq, payload FROM (
         SELECT key, seq, payload::text AS payload, 0 AS o FROM hq_events WHERE site = $1 AND station = $2 AND seq > $3
         UNION ALL
         SELECT key, seq, payload::text AS payload, 1 AS o FROM hq_seq_conflicts WHERE site = $1 AND station = $2 AND seq > $3
       ) x ORDER BY seq, o, key LIMIT $4`,
      [site, station, afterSeq, limit],
    );
    const row = st.rows[0];
    return { contiguous: Number(row?.contiguous ?? 0), highest: Number(row?.highest ?? 0), events: r.rows.map((e) => ({ key: e.key, seq: Number(e.seq), payload: e.payload })) };
  }

  async putWorkloadMetrics(m: StationWorkloadMetrics): Promise<boolean> {
    // The WHERE keeps the newest: a late or repeated QoS 0 message never rolls a station's figures back.
    const r = await this.pool.query(
      `INSERT INTO hq_workload_metrics (site, station, at, received_at, payload) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (site, station) DO UPDATE SET at = excluded.at, received_at = excluded.received_at, payload = excluded.payload
       WHERE excluded.at > hq_workload_metrics.at`,
      [m.site, m.station, m.at, m.receivedAt, m.payload],
    );
    return r.rowCount === 1;
  }

  async workloadMetrics(): Promise<StationWorkloadMetrics[]> {
    const r = await this.pool.query<{ site: string; station: string; at: string; received_at: string; payload: string }>(
      'SELECT site, station, at, received_at, payload FROM hq_workload_metrics ORDER BY site, station',
    );
    return r.rows.map((x) => ({ site: x.site, station: x.station, at: Number(x.at), receivedAt: Number(x.received_at), payload: x.payload }));
  }

  async putDownlinkAck(a: StoredDownlinkAck): Promise<void> {
    await this.pool.query(
      `INSERT INTO hq_downlink_acks (site, station, kind, target, received_at, payload) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (site, station, kind, target) DO UPDATE SET received_at = excluded.received_at, payload = excluded.payload
       WHERE excluded.received_at >= hq_downlink_acks.received_at`,
      [a.site, a.station, a.kind, a.target, a.receivedAt, a.payload],
    );
  }

  async downlinkAcks(): Promise<StoredDownlinkAck[]> {
    const r = await this.pool.query<{ site: string; station: string; kind: string; target: string; received_at: string; payload: string }>(
      'SELECT site, station, kind, target, received_at, payload FROM hq_downlink_acks ORDER BY site, station, kind, target',
    );
    return r.rows.map((x) => ({ site: x.site, station: x.station, kind: x.kind, target: x.target, receivedAt: Number(x.received_at), payload: x.payload }));
  }

  /** Drops HQ's tables (tests and benchmarks only). */
  async reset(): Promise<void> {
    await this.pool.query('DROP TABLE IF EXISTS hq_events, hq_skips, hq_stations, hq_workload_metrics, hq_downlink_acks');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
