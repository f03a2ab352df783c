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
  // Issue 8, the returns workflow (src/station): operators, expected returns, cases, exceptions, totes, handoffs.
  (db) => {
    db.exec(`
      CREATE TABLE wf_operators (
        id TEXT PRIMARY KEY,                -- the pseudonym (op-…): what events and HQ see
        badge TEXT NOT NULL UNIQUE,         -- the badge id stays on the station
        display_name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('operator', 'supervisor', 'admin')),
        pin_hash TEXT,
        department TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE wf_screens (
        screen TEXT PRIMARY KEY,
        operator TEXT REFERENCES wf_operators(id),
        signed_in_at INTEGER,
        case_id TEXT,
        selected_bin TEXT,
        selected_tote TEXT,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE wf_sessions (
        id INTEGER PRIMARY KEY,
        operator TEXT NOT NULL,
        screen TEXT NOT NULL,
        signed_in_at INTEGER NOT NULL,
        signed_out_at INTEGER,
        method TEXT
      );
      CREATE TABLE wf_orders (
        order_no TEXT PRIMARY KEY,
        tracking TEXT,
        delivered_at INTEGER,
        customer_reason TEXT,
        source TEXT,
        row_hash TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX wf_orders_tracking ON wf_orders(tracking) WHERE tracking IS NOT NULL;
      CREATE TABLE wf_rmas (
        rma TEXT PRIMARY KEY,
        order_no TEXT NOT NULL,
        tracking TEXT,
        reason TEXT,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX wf_rmas_order ON wf_rmas(order_no);
      CREATE INDEX wf_rmas_tracking ON wf_rmas(tracking) WHERE tracking IS NOT NULL;
      CREATE TABLE wf_order_lines (
        order_no TEXT NOT NULL,
        line_no INTEGER NOT NULL,
        gtin TEXT NOT NULL,
        sku TEXT,
        qty_ordered INTEGER NOT NULL,
        qty_shipped INTEGER NOT NULL,       -- base units
        uom TEXT NOT NULL DEFAULT 'EA',
        units_per_uom INTEGER NOT NULL DEFAULT 1,
        lots TEXT,                          -- JSON array of lots shipped
        row_hash TEXT NOT NULL,
        PRIMARY KEY (order_no, line_no)
      );
      CREATE INDEX wf_lines_gtin ON wf_order_lines(gtin);
      CREATE TABLE wf_shipped_serials (
        order_no TEXT NOT NULL,
        line_no INTEGER NOT NULL,
        gtin TEXT NOT NULL,
        serial TEXT NOT NULL,
        shipped_at INTEGER,
        PRIMARY KEY (order_no, gtin, serial)
      );
      CREATE INDEX wf_serials_serial ON wf_shipped_serials(gtin, serial, shipped_at);
      CREATE TABLE wf_cases (
        id TEXT PRIMARY KEY,
        screen TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
        rma TEXT,
        order_no TEXT,
        opened_at INTEGER NOT NULL,
        opened_by TEXT,
        closed_at INTEGER,
        override_json TEXT
      );
      CREATE INDEX wf_cases_order ON wf_cases(order_no, status);
      CREATE INDEX wf_cases_rma ON wf_cases(rma, status);
      CREATE TABLE wf_items (
        item_id TEXT PRIMARY KEY REFERENCES items(id),
        case_id TEXT NOT NULL REFERENCES wf_cases(id),
        seq INTEGER NOT NULL,               -- order within the case
        order_no TEXT,
        line_no INTEGER,
        gtin TEXT,
        serial TEXT,
        lot TEXT,
        epc TEXT,
        pack_gtin TEXT,
        qty INTEGER NOT NULL,               -- base units
        counts INTEGER NOT NULL DEFAULT 0,  -- 1 = counts as returned on its order line
        state TEXT NOT NULL,
        answers_json TEXT NOT NULL DEFAULT '{}',
        question TEXT,
        decision_json TEXT,
        bin_expected TEXT,
        bin TEXT,
        tote TEXT,
        handoff_id TEXT,
        exception_id TEXT,
        source TEXT NOT NULL,
        raw TEXT NOT NULL,
        operator TEXT,
        events_json TEXT NOT NULL DEFAULT '{}', -- the latest event of each kind, for corrections
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      -- BUG-66: one line per serial / EPC in a case, however often it is added.
      CREATE UNIQUE INDEX wf_items_case_serial ON wf_items(case_id, gtin, serial) WHERE serial IS NOT NULL;
      CREATE UNIQUE INDEX wf_items_case_epc ON wf_items(case_id, epc) WHERE epc IS NOT NULL;
      CREATE INDEX wf_items_case ON wf_items(case_id, seq);
      CREATE INDEX wf_items_line ON wf_items(order_no, line_no) WHERE counts = 1;
      CREATE INDEX wf_items_serial ON wf_items(gtin, serial) WHERE serial IS NOT NULL;
      CREATE INDEX wf_items_bin ON wf_items(bin) WHERE bin IS NOT NULL AND tote IS NULL;
      CREATE INDEX wf_items_tote ON wf_items(tote) WHERE tote IS NOT NULL;
      CREATE TABLE wf_exceptions (
        id TEXT PRIMARY KEY,
        item_id TEXT NOT NULL,
        case_id TEXT NOT NULL,
        code TEXT NOT NULL,
        details_json TEXT,
        created_at INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
        resolution_json TEXT
      );
      CREATE INDEX wf_exceptions_status ON wf_exceptions(status, created_at);
      CREATE TABLE wf_totes (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('open', 'handed_off', 'acknowledged')),
        bin TEXT,
        department TEXT,
        handoff_id TEXT,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE wf_handoffs (
        id TEXT PRIMARY KEY,
        tote TEXT NOT NULL,
        department TEXT NOT NULL,
        item_ids TEXT NOT NULL,
        handed_at INTEGER NOT NULL,
        handed_by TEXT,
        escalate_at INTEGER NOT NULL,
        escalated_at INTEGER,
        acknowledged_at INTEGER,
        acknowledged_by TEXT,
        event_id TEXT
      );
      CREATE INDEX wf_handoffs_open ON wf_handoffs(escalate_at) WHERE acknowledged_at IS NULL;
      -- Every user action's idempotency key and its first answer (BUG-66).
      CREATE TABLE wf_actions (
        key TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        response_json TEXT NOT NULL,
        at INTEGER NOT NULL
      );
      CREATE TABLE wf_products (
        gtin TEXT PRIMARY KEY,
        json TEXT NOT NULL,
        row_hash TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE wf_audit (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        kind TEXT NOT NULL,                 -- override | correction | exception_resolved
        subject TEXT NOT NULL,
        by TEXT,
        reason TEXT,
        details_json TEXT
      );
      CREATE INDEX wf_audit_subject ON wf_audit(subject);
    `);
  },
  // Issue 8: the screen's next item (open questions, then unbinned) in O(log n) however large the case.
  (db) => {
    db.exec(`
      CREATE INDEX wf_items_grading ON wf_items(case_id, seq) WHERE state = 'grading';
      CREATE INDEX wf_items_unbinned ON wf_items(case_id, seq) WHERE bin IS NULL AND bin_expected IS NOT NULL;
    `);
  },
  // Issue 7, HQ downlink: the version applied per stream, so a restart neither re-applies nor rolls back; the rule
  // set's source is kept because the configured file would otherwise win again at start-up.
  (db) => {
    db.exec(`
      CREATE TABLE downlink_applied (
        stream TEXT PRIMARY KEY,            -- 'rules' | 'catalog:<target>' | 'returns:<target>'
        kind TEXT NOT NULL,
        target TEXT NOT NULL,
        version INTEGER NOT NULL,
        issued_at TEXT NOT NULL,
        applied_at INTEGER NOT NULL,
        hash TEXT NOT NULL,
        payload TEXT                        -- rules only: the active set's source
      );
      CREATE TABLE downlink_log (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        kind TEXT NOT NULL,
        target TEXT NOT NULL,
        version INTEGER,
        status TEXT NOT NULL CHECK (status IN ('applied', 'refused')),
        code TEXT,
        reason TEXT
      );
    `);
  },
  // Issue 6, "activation is recorded": every rule set activation attempt, and the text of accepted ones, so the set
  // a supervisor or HQ activated is the one that comes back after a restart (src/store/rule-activations.ts).
  (db) => {
    db.exec(`
      CREATE TABLE rule_activations (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        rule_set_id TEXT NOT NULL,
        version TEXT NOT NULL,
        hash TEXT NOT NULL,                 -- '' when the candidate did not load
        source TEXT NOT NULL CHECK (source IN ('config', 'supervisor', 'downlink')),
        by TEXT,                            -- pseudonym or system name, never a person's name
        reason TEXT,
        accepted INTEGER NOT NULL CHECK (accepted IN (0, 1)),
        previous_json TEXT,
        golden_passed INTEGER NOT NULL,
        golden_failed INTEGER NOT NULL,
        errors_json TEXT NOT NULL,
        text TEXT                           -- accepted attempts only: the rule set as activated
      );
      CREATE INDEX rule_activations_accepted ON rule_activations(id) WHERE accepted = 1;
      CREATE INDEX rule_activations_source ON rule_activations(source, id);
    `);
  },
  // An item's events are looked up by item on every item view and sync push; without this index each look-up
  // scanned the whole outbox, so a station got slower with every stored event.
  (db) => {
    db.exec(`CREATE INDEX IF NOT EXISTS outbox_item ON outbox(item_id, seq) WHERE item_id IS NOT NULL;`);
  },
  // Issue #8: exceptions of the plain intake (POST /api/scans, the station log, scenarios: no case) were stored on
  // the item only, so the supervisor's exceptions queue never showed them. The intake now writes their queue row
  // (id exc-<item>, case_id ''); the items stored before get theirs here, with the reason the station gave then.
  (db) => {
    db.exec(`
      INSERT OR IGNORE INTO wf_exceptions (id, item_id, case_id, code, details_json, created_at)
      SELECT 'exc-' || i.id, i.id, '', i.exception_code,
        json_object('text', CASE i.exception_code
            WHEN 'NOT_IN_CATALOG' THEN json_object('en', 'This product is not in the catalog: put it in the exceptions bin for a supervisor.', 'zh-CN', '目录中没有此商品：放入异常区，等待主管处理。')
            ELSE json_object('en', 'This item needs a supervisor: put it in the exceptions bin.', 'zh-CN', '此商品需要主管处理：放入异常区。') END,
          'intake', 'scan'),
        i.created_at
      FROM items i
      WHERE i.status = 'exception' AND i.case_id IS NULL AND i.exception_code IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM wf_exceptions e WHERE e.item_id = i.id);
    `);
  },
];

export const SCHEMA_VERSION = migrations.length;
