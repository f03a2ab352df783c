import { createHash, randomUUID } from 'node:crypto';
import type { Catalog, Product } from '../catalog/catalog.js';
import type { TypedBus } from '../core/bus.js';
import { isBusyError, isSqliteBusy, retryWhileBusy, STORAGE_BUSY_HINT, STORAGE_BUSY_TEXT, StorageBusyError } from '../core/busy.js';
import { createLogger } from '../core/logger.js';
import { identify, identifyEpcHex, type IdentifyResult, type ItemIdentity } from '../identity/index.js';
import { cbvDisposition, type Decision, type RuleRegistry } from '../rules/index.js';
import type { Text } from '../server/api/workflow-types.js';
import type { ItemView, LiveMessage, ScanResponse, SyncState } from '../server/api-types.js';
import { buildFacts, exceptionFor, type GradingAnswers } from '../station/facts.js';
import { EXCEPTION_TEXT } from '../station/matching.js';
import { openReading, scanWarnings, unconfirmedText, withoutUnconfirmed, type StoredIdentity } from '../station/readings.js';
import type { ItemEventCtx, WorkflowEvents, WorkflowStore } from '../station/ports.js';
import { appendEvents, getItem, listItems, readWatermarks, recordItem, type ItemRecord, type ItemRow, type StationDb } from '../store/index.js';
import { itemParams, UPSERT_ITEM_SQL } from '../store/items.js';
import {
  acknowledgedEvent, binnedEvent, correctionEvent, dispositionEvent, handoffEvent, inspectingEvent, packedEvent, receivingEvent, stableEventId,
  type EpcisEvent, type StationPlace,
} from '../sync/epcis/index.js';
import { RS_NS } from '../sync/epcis/vocab.js';

const log = createLogger('intake');

export interface IntakeRead {
  source: 'rfid' | 'barcode' | 'camera';
  /** Barcode text as scanned, or the EPC hex an RFID reader reported. */
  code: string;
  symbology?: string | undefined;
  answers: GradingAnswers;
  at: number;
  /** Retried requests and double taps carry the same key and change nothing twice. */
  idempotencyKey?: string | undefined;
  operator?: string | undefined;
}

export interface PipelineDeps {
  sdb: StationDb;
  catalog: Catalog;
  rules: RuleRegistry;
  place: StationPlace;
  bus: TypedBus<{ live: LiveMessage }>;
}

/**
 * One read → identity → facts → decision → one transaction (item + its EPCIS events into the outbox) → live push.
 * Nothing here throws on bad input: a code that cannot be identified comes back as a typed error, is shown to the
 * operator, and stores nothing (there is no item to store).
 */
export class IntakePipeline {
  constructor(private readonly deps: PipelineDeps) {}

  /**
   * `process` for the station's own paths (POST /api/scans, RFID and HID intake): while another program holds the
   * database (BUG-52) it is tried again after asynchronous pauses, so the event loop keeps serving /api/health, MQTT
   * and the screens. Still busy after the wait and the retries: STORAGE_BUSY, nothing stored; the client keeps the
   * scan and sends the same request (same key) again.
   */
  async submit(read: IntakeRead): Promise<ScanResponse> {
    try {
      return await retryWhileBusy(this.deps.sdb.db, () => this.process(read));
    } catch (e) {
      if (!isBusyError(e)) throw e;
      log.warn({ source: read.source }, 'scan not stored: the station database is busy');
      return { ok: false, error: { code: 'STORAGE_BUSY', message: STORAGE_BUSY_TEXT.en, text: { ...STORAGE_BUSY_TEXT }, hint: STORAGE_BUSY_HINT } };
    }
  }

  /**
   * One attempt. A database another program holds beyond the connection's busy timeout throws StorageBusyError
   * before anything is written (no waiting here: a wait in this synchronous call would freeze the station).
   */
  process(read: IntakeRead): ScanResponse {
    const { sdb, bus } = this.deps;
    const itemId = read.idempotencyKey ? `k-${createHash('sha256').update(read.idempotencyKey).digest('hex').slice(0, 32)}` : randomUUID();
    const fingerprint = scanFingerprint(read);
    if (read.idempotencyKey) {
      const existing = getItem(sdb, itemId);
      if (existing) {
        // Same key, same scan: a retry or a double tap gets the stored item. Same key, another scan: refused (as the
        // workflow's `once` does), or the second scan's grade or reason would silently be dropped.
        const prior = sdb.prepare('SELECT kind, request_hash FROM wf_actions WHERE key = ?').get(read.idempotencyKey) as { kind: string; request_hash: string } | undefined;
        if (prior && prior.request_hash !== fingerprint) return idempotencyConflict(read.idempotencyKey, prior.kind, prior.request_hash, fingerprint);
        return { ok: true, item: this.view(existing), duplicate: true };
      }
      // A workflow action already used this key: one key names one action.
      const other = sdb.prepare('SELECT kind FROM wf_actions WHERE key = ?').pluck().get(read.idempotencyKey) as string | undefined;
      if (other !== undefined) return idempotencyConflict(read.idempotencyKey, other);
    }

    const identified: IdentifyResult = read.source === 'rfid' ? identifyEpcHex(read.code) : identify(read.code, read.symbology ? { symbology: read.symbology } : undefined);
    if (!identified.ok) {
      log.info({ code: identified.error.code, source: read.source }, 'read refused');
      bus.emit('live', { type: 'scan-rejected', raw: read.code, error: identified.error });
      return { ok: false, error: identified.error };
    }
    const identity = identified.identity;
    // An EPC entered as text (`epc:<hex>` or an EPC URI, typed or sent to POST /api/scans) names an RFID tag, not a
    // barcode: the item is labelled by what identified it, as a reader's read is.
    const source = identity.source === 'epc' ? 'rfid' : read.source;
    const product = this.deps.catalog.get(identity.gtin);
    // Every identity warning is kept with the item. A field whose reading is uncertain (BUG-19 d, BUG-27 b) reaches
    // the rules as e.g. lotConfirmed=false, and nothing else (row, events, view) uses its value.
    const warnings = scanWarnings(identity, identified.warnings);
    const known = withoutUnconfirmed(identity, warnings);
    const facts = buildFacts(identity, product, read.answers, warnings);
    const ruleSet = this.deps.rules.active();
    // A value the rule set does not know (reason "Defective") would still get a decision, just the wrong one.
    const checked = ruleSet.checkFacts(facts);
    if (!checked.ok) {
      log.info({ code: checked.error.code, field: checked.error.details.field, source: read.source }, 'read refused');
      bus.emit('live', { type: 'scan-rejected', raw: read.code, error: checked.error });
      return { ok: false, error: checked.error };
    }
    const evaluated = ruleSet.evaluate(facts);
    const exception = exceptionFor(product, warnings) ?? (evaluated.disposition === 'exception' ? { code: 'RULES_EXCEPTION', message: evaluated.explanation.en } : undefined);
    // Nobody at this path can confirm a reading: the item is held, never decided on a value it cannot trust.
    const decision = openReading(warnings) && exception?.text ? heldDecision(evaluated, exception.text) : evaluated;

    const events = this.events(itemId, known, decision, { ...read, source });
    const record = {
      id: itemId,
      createdAt: read.at,
      source,
      raw: read.code,
      gtin: identity.gtin ?? null,
      serial: known.serial ?? null,
      epc: identity.epc?.pureIdentityUri ?? identity.epc?.hex ?? null,
      identity: { ...identity, warnings } satisfies StoredIdentity,
      facts,
      decision,
      disposition: decision.disposition,
      bin: decision.bin,
      nextDepartment: decision.nextDepartment,
      status: exception ? 'exception' : 'decided',
      exceptionCode: exception?.code ?? null,
      operator: read.operator ?? null,
      rma: read.answers.rma ?? null,
    } satisfies ItemRecord;
    try {
      // Our own IMMEDIATE transaction, key or not: the key and the scan it stands for commit with the item (recordItem
      // nests as a savepoint), so a crash in between cannot leave an item whose key would later accept any scan; and
      // a busy database fails right here, once, before anything is written (BUG-52).
      storeTx(sdb).immediate(record, events, read.idempotencyKey ? { key: read.idempotencyKey, fingerprint, at: read.at } : undefined, exception ? { code: exception.code, text: exception.text ?? EXCEPTION_TEXT[exception.code] ?? { en: exceptionMessage(exception.code), 'zh-CN': '此商品需要主管处理：放入异常区。' } } : undefined);
    } catch (e) {
      if (isSqliteBusy(e)) throw new StorageBusyError(e);
      throw e;
    }
    const row = getItem(sdb, itemId);
    if (!row) throw new Error(`item ${itemId} vanished right after it was stored`);
    const item = this.view(row);
    bus.emit('live', { type: 'item', item });
    return { ok: true, item };
  }

  private events(itemId: string, identity: ItemIdentity, decision: Decision, read: IntakeRead): Array<{ eventID: string; [k: string]: unknown }> {
    const common = {
      place: this.deps.place,
      item: { itemId, epc: identity.epc?.pureIdentityUri ?? null, gtin: identity.gtin ?? null, serial: identity.serial ?? null, lot: identity.lot ?? null },
      rma: read.answers.rma ?? null,
      operator: read.operator ?? null,
      ruleSet: { version: decision.ruleSet.version, hash: decision.ruleSet.hash },
      matchedRows: decision.matchedRows.map((m) => `${m.table}#${m.row}`),
    };
    // Timestamps one millisecond apart keep the three steps in order at HQ even when sorted by eventTime.
    return [
      receivingEvent({ ...common, at: read.at, source: read.source }),
      inspectingEvent({ ...common, at: read.at + 1, grade: read.answers.grade ?? 'ungraded' }),
      dispositionEvent({ ...common, at: read.at + 2, disposition: decision.disposition, bin: decision.bin, nextDepartment: decision.nextDepartment }),
    ];
  }

  recent(limit: number): ItemView[] {
    return listItems(this.deps.sdb, { limit }).map((r) => this.view(r));
  }

  /** An item's sync state is that of its last event: confirmed by HQ, taken by the broker, or still waiting. */
  syncStateOf(maxSeq: number | undefined): SyncState {
    if (maxSeq === undefined) return 'confirmed';
    const w = readWatermarks(this.deps.sdb);
    if (w.confirmedSeq >= maxSeq) return 'confirmed';
    if (w.sentThrough >= maxSeq) return 'sent';
    return 'pending';
  }

  view(row: ItemRow): ItemView {
    const seqs = (this.deps.sdb.prepare('SELECT seq FROM outbox WHERE item_id = ? ORDER BY seq').all(row.id) as Array<{ seq: number }>).map((r) => r.seq);
    const stored = row.identity_json ? (JSON.parse(row.identity_json) as StoredIdentity) : undefined;
    const warnings = stored?.warnings ?? [];
    const identity = stored ? withoutUnconfirmed(stored, warnings) : undefined;
    const decision = JSON.parse(row.decision_json ?? '{}') as Decision;
    const product: Product | undefined = this.deps.catalog.get(row.gtin ?? undefined);
    const view: ItemView = {
      id: row.id,
      at: row.created_at,
      source: (row.source ?? 'barcode') as ItemView['source'],
      raw: row.raw ?? '',
      disposition: row.disposition ?? decision.disposition,
      bin: row.bin ?? decision.bin,
      nextDepartment: row.next_department ?? decision.nextDepartment,
      matchedRows: decision.matchedRows ?? [],
      explanation: decision.explanation ?? { en: '', 'zh-CN': '' },
      ruleSet: decision.ruleSet,
      status: row.status === 'exception' ? 'exception' : 'decided',
      sync: this.syncStateOf(seqs.at(-1)),
      eventSeqs: seqs,
    };
    if (row.gtin) view.gtin = row.gtin;
    if (row.serial) view.serial = row.serial;
    if (identity?.lot) view.lot = identity.lot;
    if (row.epc) view.epc = row.epc;
    if (product) {
      view.productName = product.name;
      view.category = product.category;
    }
    if (warnings.length) view.warnings = warnings;
    if (row.exception_code) {
      const reading = warnings.find((w) => w.reading?.code === row.exception_code && w.reading.status !== 'confirmed')?.reading;
      const text = reading ? unconfirmedText(reading) : undefined;
      view.exception = text ? { code: row.exception_code, message: text.en, text } : { code: row.exception_code, message: exceptionMessage(row.exception_code) };
    }
    if (row.case_id) this.addWorkflowState(view, row);
    return view;
  }

  /** Items that went through a case carry its state (grading, bin, tote, handoff). */
  private addWorkflowState(view: ItemView, row: ItemRow): void {
    const wf = this.deps.sdb.prepare('SELECT case_id, state, answers_json, bin, tote, handoff_id, order_no FROM wf_items WHERE item_id = ?').get(row.id) as
      | { case_id: string; state: ItemView['caseState']; answers_json: string; bin: string | null; tote: string | null; handoff_id: string | null; order_no: string | null }
      | undefined;
    if (!wf) return;
    view.caseId = wf.case_id;
    if (wf.state) view.caseState = wf.state;
    view.answers = JSON.parse(wf.answers_json) as Record<string, string>;
    if (wf.state === 'exception') view.status = 'exception';
    if (wf.bin) view.binConfirmed = wf.bin;
    if (wf.tote) view.tote = wf.tote;
    if (wf.handoff_id) view.handoffId = wf.handoff_id;
    if (row.rma) view.rma = row.rma;
    if (wf.order_no) view.orderNo = wf.order_no;
  }
}

/**
 * The plain scan path has nobody to ask: an item with an unconfirmed reading goes to the exceptions bin for a
 * supervisor, whatever the rules would have decided on the uncertain value (their rows stay on record).
 */
/** `wf_actions.kind` of a keyed /api/scans (or RFID) intake; the workflow's actions have their own kinds. */
const SCAN_KIND = 'scan';

/** What a keyed scan is, for comparing a retry with the first request: everything the operator sent, not when. */
function scanFingerprint(read: IntakeRead): string {
  const a = read.answers;
  const request = {
    source: read.source,
    code: read.code,
    symbology: read.symbology ?? null,
    reason: a.reason ?? null,
    grade: a.grade ?? null,
    daysSinceDelivery: a.daysSinceDelivery ?? null,
    rma: a.rma ?? null,
    operator: read.operator ?? null,
  };
  return `${SCAN_KIND}\u0000${JSON.stringify(request)}`;
}

/** IDEMPOTENCY_CONFLICT for a key already used: which fields differ when the first use was a scan too. */
function idempotencyConflict(key: string, priorKind: string, priorFingerprint?: string, fingerprint?: string): ScanResponse {
  const fields = (fp: string | undefined): Record<string, unknown> | undefined => {
    const json = fp?.startsWith(`${SCAN_KIND}\u0000`) ? fp.slice(SCAN_KIND.length + 1) : undefined;
    return json ? (JSON.parse(json) as Record<string, unknown>) : undefined;
  };
  const before = fields(priorFingerprint);
  const now = fields(fingerprint);
  const shown = (v: unknown): string => (v === null || v === undefined ? 'none' : JSON.stringify(v));
  const changes = before && now ? Object.keys(now).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(now[k])).map((k) => `${k} ${shown(before[k])} then ${shown(now[k])}`) : [];
  const what = priorKind === SCAN_KIND ? `a different scan${changes.length ? ` (${changes.join(', ')})` : ''}` : `a different action (${priorKind})`;
  return {
    ok: false,
    error: {
      code: 'IDEMPOTENCY_CONFLICT',
      message: `The request key "${key}" was already used for ${what}. Nothing was stored. Send a new key to record this scan, or send the first scan unchanged to get its item.`,
    },
  };
}

function heldDecision(decision: Decision, text: Text): Decision {
  return { ...decision, disposition: 'exception', cbvDisposition: cbvDisposition('exception'), bin: 'EXCEPTIONS', nextDepartment: 'supervisor', explanation: text, priority: Math.max(decision.priority, 7) };
}

function exceptionMessage(code: string): string {
  switch (code) {
    case 'NOT_IN_CATALOG':
      return 'This product is not in the catalog: put it in the exceptions bin for a supervisor.';
    default:
      return 'This item needs a supervisor: put it in the exceptions bin.';
  }
}

type StoreTx = ReturnType<typeof makeStoreTx>;
const storeTxs = new WeakMap<StationDb, StoreTx>();

function makeStoreTx(sdb: StationDb) {
  return sdb.db.transaction((record: ItemRecord, events: Array<{ eventID: string; [k: string]: unknown }>, keyed: { key: string; fingerprint: string; at: number } | undefined, exception: { code: string; text: Text } | undefined) => {
    recordItem(sdb, record, events);
    // Issue #8: an exception decided on this path (no case: POST /api/scans, the station log, RFID with no case open)
    // joins the supervisor's one exceptions queue with its reason, as the workflow's do; case_id '' = no case.
    if (exception) {
      sdb
        .prepare('INSERT OR IGNORE INTO wf_exceptions (id, item_id, case_id, code, details_json, created_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(plainExceptionId(record.id), record.id, '', exception.code, JSON.stringify({ text: exception.text, intake: 'scan' }), record.createdAt ?? Date.now());
    }
    if (keyed) sdb.prepare('INSERT INTO wf_actions (key, kind, request_hash, response_json, at) VALUES (?, ?, ?, ?, ?)').run(keyed.key, SCAN_KIND, keyed.fingerprint, JSON.stringify({ itemId: record.id }), keyed.at);
  });
}

/** The exception of an item stored by the plain intake: one per item, so a replay cannot make a second. */
export function plainExceptionId(itemId: string): string {
  return `exc-${itemId}`;
}

/** Built once per connection: the intake's write is on every scan's path. */
function storeTx(sdb: StationDb): StoreTx {
  let t = storeTxs.get(sdb);
  if (!t) storeTxs.set(sdb, (t = makeStoreTx(sdb)));
  return t;
}

const statementsFor = new WeakMap<StationDb, ReturnType<StationDb['prepare']>>();

/** The workflow's item/outbox writers: plain statements, run inside the workflow's own transaction. */
export function workflowStore(sdb: StationDb): WorkflowStore {
  let upsert = statementsFor.get(sdb);
  if (!upsert) {
    upsert = sdb.prepare(UPSERT_ITEM_SQL);
    statementsFor.set(sdb, upsert);
  }
  const st = upsert;
  return {
    upsertItem: (row) => void st.run(itemParams(row, Date.now())),
    append: (events, itemId) => appendEvents(sdb, events, { itemId }),
  };
}

/**
 * EPCIS events for the workflow (src/sync/epcis builders). Event IDs derive from the action's idempotency key, so a
 * replayed action can only produce the same IDs, which the outbox skips.
 */
export function workflowEvents(place: StationPlace): WorkflowEvents {
  const id = (kind: string, subject: string, key: string, at: number): string => stableEventId(at, place.site, place.station, kind, subject, key);
  const common = (c: ItemEventCtx, kind: string): Parameters<typeof receivingEvent>[0] => ({
    place,
    item: { itemId: c.item.itemId, epc: c.item.epc ?? null, gtin: c.item.gtin ?? null, serial: c.item.serial ?? null, lot: c.item.lot ?? null, ...(c.item.quantity !== undefined ? { quantity: c.item.quantity } : {}) },
    at: c.at,
    rma: c.rma,
    caseId: c.caseId,
    operator: c.operator,
    ...(c.orderNo ? { extra: { orderNo: c.orderNo } } : {}),
    eventId: id(kind, c.item.itemId, c.key, c.at),
  });
  return {
    received: (c) => receivingEvent({ ...common(c, 'receiving'), source: c.source }),
    inspected: (c) => inspectingEvent({ ...common(c, 'inspecting'), grade: c.grade, conformant: !['damaged', 'missing_parts'].includes(c.grade), answers: c.answers }),
    decided: (c) =>
      dispositionEvent({
        ...common(c, 'disposition'),
        disposition: c.decision.disposition,
        bin: c.decision.bin,
        nextDepartment: c.decision.nextDepartment,
        ruleSet: { version: c.decision.ruleSet.version, hash: c.decision.ruleSet.hash },
        matchedRows: c.decision.matchedRows.map((m) => `${m.table}#${m.row}`),
      }),
    binned: (c) => binnedEvent({ ...common(c, 'binned'), bin: c.bin, disposition: c.disposition, confirmedBy: c.confirmedBy }),
    packed: (c) => packedEvent({ place, tote: c.tote, at: c.at, operator: c.operator, eventId: id('packed', c.tote, c.key, c.at), items: c.items.map((i) => ({ itemId: i.itemId, epc: i.epc ?? null, gtin: i.gtin ?? null, serial: i.serial ?? null, lot: i.lot ?? null, ...(i.quantity !== undefined ? { quantity: i.quantity } : {}) })) }),
    handedOff: (c) => {
      const ev = handoffEvent({ place, tote: c.tote, at: c.at, operator: c.operator, department: c.department, handoffId: c.handoffId, eventId: id('handoff', c.handoffId, c.key, c.at) });
      // The RMAs travel with the tote so HQ can follow each return to its department.
      if (c.rmas.length) ev.bizTransactionList = c.rmas.map((r) => ({ type: 'rma', bizTransaction: /^(urn:|https?:)/.test(r) ? r : `${RS_NS}rma/${encodeURIComponent(r)}` }));
      return ev;
    },
    acknowledged: (c) => acknowledgedEvent({ place, tote: c.tote, at: c.at, operator: c.operator, department: c.department, handoffId: c.handoffId, receivedBy: c.receivedBy, eventId: id('acknowledged', c.handoffId, c.key, c.at) }),
    corrected: (original, c) => correctionEvent(original as EpcisEvent, { at: c.at, reason: 'incorrect_data', correctiveEventIDs: c.correctiveEventIDs, operator: c.operator, note: c.note }),
  };
}
