import type BetterSqlite3 from 'better-sqlite3';

/**
 * Schema history. Index i upgrades user_version i → i+1. Never edit a shipped step: stations in the field
 * sit at every version, so a change is always a new step appended at the end.
 */
export const migrations: ReadonlyArray<(db: BetterSqlite3.Database) => void> = [
  (db) => {
    db.exec(`
      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
      CREATE TABLE items (
        id TEXT PRIMARY KEY,
        case_id TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        source TEXT,
        raw TEXT,
        gtin TEXT,
        serial TEXT,
        epc TEXT,
        identity_json TEXT,
        facts_json TEXT,
        decision_json TEXT,
        disposition TEXT,
        bin TEXT,
        next_department TEXT,
        status TEXT NOT NULL DEFAULT 'decided',
        exception_code TEXT,
        operator TEXT,
        rma TEXT
      );
      CREATE INDEX items_case ON items(case_id);
      CREATE INDEX items_created ON items(created_at);
      CREATE INDEX items_status ON items(status);
      -- AUTOINCREMENT on purpose: the sequence is what HQ counts on, and it must never be reused after
      -- retention deletes confirmed rows.
      CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id TEXT NOT NULL UNIQUE,
        item_id TEXT REFERENCES items(id) ON DELETE SET NULL,
        topic TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        sent_at INTEGER,
        confirmed_at INTEGER,
        attempts INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL DEFAULT 'pending'
          CHECK (state IN ('pending', 'sent', 'confirmed', 'blocked_oversize'))
      );
      CREATE INDEX outbox_blocked ON outbox(seq) WHERE state = 'blocked_oversize';
      CREATE INDEX outbox_settle ON outbox(state, confirmed_at);
      -- Exact delivery state of every row, from the watermarks (rows themselves are stamped lazily).
      CREATE VIEW outbox_status AS
        SELECT o.seq, o.event_id, o.item_id, o.topic, o.created_at,
          CASE
            WHEN o.state = 'blocked_oversize' THEN 'blocked_oversize'
            WHEN o.state = 'confirmed' OR o.seq <= COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'outbox_confirmed_seq'), 0) THEN 'confirmed'
            WHEN o.seq <= COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'outbox_sent_through'), 0) THEN 'sent'
            ELSE 'pending'
          END AS state
        FROM outbox o;
    `);
  },
];

export const SCHEMA_VERSION = migrations.length;
