import { getOrder, latestShipment, onlyOrderWithGtin, onlyRmaOf, orderLines, serialsOf, type CaseRef } from '../catalog/expected.js';
import { caseRefOf } from './case-codes.js';
import type { IdentityWarning, ItemIdentity } from '../identity/index.js';
import type { Decision } from '../rules/index.js';
import type { ExceptionCode, Text, WorkflowError } from '../server/api/workflow-types.js';
import { newId, Refusal, tx2, type Core } from './core.js';
import { buildFacts } from './facts.js';
import { applyAnswer, flowFor, gradeOf, nextQuestion, refuseBadAnswers } from './grading.js';
import { EXCEPTION_TEXT, matchUnit, type LineFacts, type Verdict } from './matching.js';
import type { Product } from '../catalog/catalog.js';
import {
  confirmReading, isReadingQuestion, openReading, readingFact, readingQuestionId, scanWarnings, storedIdentity, unconfirmedText, withoutUnconfirmed, type StoredIdentity,
} from './readings.js';
import { saveScreen, type OperatorRow, type ScreenRow } from './operators.js';
import type { ItemEventCtx, OutboxEventLike } from './ports.js';
import { earlierReturns } from './views.js';
import { audit, getCase, getWfItem, returnedByLine, withEvents, type CaseRow, type StoredDecision, type WfItemRow } from './rows.js';

/** Cases and their items: open (scan-first lookup), add, grade, decide. Every function runs inside Core.once's transaction. */

const DAY = 86_400_000;

function lineFacts(core: Core, orderNo: string, caseId?: string): LineFacts[] {
  const returned = returnedByLine(core, orderNo);
  const here = new Map<number, number>();
  if (caseId) for (const r of core.st('SELECT line_no, SUM(qty) AS q FROM wf_items WHERE case_id = ? AND counts = 1 GROUP BY line_no').all(caseId) as Array<{ line_no: number; q: number }>) here.set(r.line_no, r.q);
  return orderLines(core.db, orderNo).map((l) => ({
    lineNo: l.line_no,
    gtin: l.gtin,
    qtyShipped: l.qty_shipped,
    qtyReturned: returned.get(l.line_no) ?? 0,
    qtyReturnedBefore: (returned.get(l.line_no) ?? 0) - (here.get(l.line_no) ?? 0),
    serialsShipped: new Set(serialsOf(core.db, orderNo, l.line_no)),
    lotsShipped: new Set(l.lots ? (JSON.parse(l.lots) as string[]) : []),
  }));
}

function insertCase(core: Core, screen: ScreenRow, op: OperatorRow | null, ref: { orderNo?: string | undefined; rma?: string | undefined }, key: string, override?: { by: string; reason: string }): CaseRow {
  const at = core.now();
  const id = newId('case', at, key);
  // A case found by its order alone (scan-first by serial or GTIN) still gets the order's RMA when it has only one.
  if (ref.rma === undefined && ref.orderNo) ref = { ...ref, rma: onlyRmaOf(core.db, ref.orderNo) };
  core.st('INSERT INTO wf_cases (id, screen, status, rma, order_no, opened_at, opened_by, override_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
    id, screen.screen, 'open', ref.rma ?? null, ref.orderNo ?? null, at, op?.id ?? null, override ? JSON.stringify({ ...override, at }) : null,
  );
  saveScreen(core, { ...screen, case_id: id, selected_bin: null, selected_tote: null });
  core.work({ at, operator: op?.id ?? null, kind: 'case_started', itemId: id });
  return getCase(core, id) as CaseRow;
}

/**
 * Opens (or resumes) the case for a scanned RMA / order / tracking code. BUG-60: when every line of the order is
 * already returned, the case is refused with links to the earlier returns unless a supervisor overrides.
 */
export function openCase(
  core: Core, screen: ScreenRow, op: OperatorRow | null, code: string, key: string, override?: { by: string; reason: string }, ref: CaseRef = caseRefOf(core, code),
): { case: CaseRow; resumed: boolean } {
  const open = core.st("SELECT * FROM wf_cases WHERE order_no = ? AND status = 'open' AND (rma IS ? OR ? IS NULL) ORDER BY opened_at DESC LIMIT 1").get(ref.orderNo, ref.rma ?? null, ref.rma ?? null) as CaseRow | undefined;
  if (open) {
    if (open.screen !== screen.screen) core.st('UPDATE wf_cases SET screen = ? WHERE id = ?').run(screen.screen, open.id);
    saveScreen(core, { ...screen, case_id: open.id, selected_bin: null, selected_tote: null });
    return { case: open, resumed: true };
  }
  const lines = lineFacts(core, ref.orderNo);
  if (!override && lines.length > 0 && lines.every((l) => l.qtyReturned >= l.qtyShipped)) {
    // Each earlier return with its RMA and when it was closed: two returns under one RMA (an override) stay apart.
    const links: NonNullable<WorkflowError['links']> = earlierReturns(core, ref.orderNo, null).map((e) => ({ kind: 'case' as const, id: e.caseId, label: e.rma ? `${e.rma}, ${closedText(e.closedAt)}` : returnLabel(ref.orderNo, e.closedAt) }));
    throw new Refusal('NOTHING_RETURNABLE', tx2(`Everything shipped on ${ref.orderNo} was already returned (returnable quantity 0).`, `${ref.orderNo} 的发货已全部退回（可退数量为0）。`), {
      kind: 'case',
      hint: 'A supervisor can override with a reason.',
      links,
      details: { orderNo: ref.orderNo, returnable: 0 },
    });
  }
  return { case: insertCase(core, screen, op, ref, key, override), resumed: false };
}

/** What an operator recognises when an earlier return has no RMA: its order and when it was closed, never our id. */
function returnLabel(orderNo: string, closedAt: number | undefined): string {
  return closedAt ? `return of ${orderNo}, ${closedText(closedAt)}` : `open return of ${orderNo}`;
}

function closedText(closedAt: number | undefined): string {
  return closedAt ? `closed ${new Date(closedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC` : 'still open';
}

export interface AddInput {
  identity: ItemIdentity;
  source: string;
  raw: string;
  answers: Record<string, string>;
  key: string;
  /** RFID: another physical tag carries the same EPC, or the count is uncertain. */
  sharedEpc?: boolean;
  confirmedBy?: 'scan' | 'rfid';
  /** Identity's warnings for the scan: kept with the item; an uncertain reading is asked about first (readings.ts). */
  warnings?: readonly IdentityWarning[];
}

export interface AddResult {
  row: WfItemRow;
  merged: boolean;
  caseOpened?: CaseRow;
  /** The item's case as it is now (nothing after caseForItem changes it), so the answer need not read it again. */
  case?: CaseRow;
}

/** Scan-first: an item scanned with no case open finds its order by serial (latest shipment) or a unique GTIN. */
function caseForItem(core: Core, screen: ScreenRow, op: OperatorRow | null, gtin: string | undefined, serial: string | undefined, key: string): { c: CaseRow; opened?: CaseRow } {
  const current = screen.case_id ? getCase(core, screen.case_id) : undefined;
  if (current?.status === 'open') return { c: current };
  let orderNo: string | undefined;
  if (gtin && serial) orderNo = latestShipment(core.db, gtin, serial)?.orderNo;
  if (!orderNo && gtin) orderNo = onlyOrderWithGtin(core.db, gtin);
  if (orderNo) {
    const open = core.st("SELECT * FROM wf_cases WHERE order_no = ? AND status = 'open' ORDER BY opened_at DESC LIMIT 1").get(orderNo) as CaseRow | undefined;
    if (open) {
      saveScreen(core, { ...screen, case_id: open.id });
      return { c: open };
    }
  }
  const c = insertCase(core, screen, op, { orderNo }, key);
  return { c, opened: c };
}

export function exceptionFrom(v: Verdict | undefined, opts: { noRma: boolean; sharedEpc: boolean; known: boolean }): { code: ExceptionCode; text: Text; details?: Record<string, unknown> } | undefined {
  if (opts.sharedEpc) return { code: 'EPC_SHARED', text: EXCEPTION_TEXT.EPC_SHARED as Text };
  if (opts.noRma) return { code: 'NO_RMA', text: EXCEPTION_TEXT.NO_RMA as Text };
  if (v && !v.ok && v.code && v.text) return { code: v.code, text: v.text, ...(v.details ? { details: v.details } : {}) };
  if (!opts.known) return { code: 'NOT_IN_CATALOG', text: EXCEPTION_TEXT.NOT_IN_CATALOG as Text };
  return undefined;
}

export function addItem(core: Core, screen: ScreenRow, op: OperatorRow | null, input: AddInput): AddResult {
  // BUG-19 d / BUG-27 b: a field whose reading is uncertain is used for nothing (case lookup, merge, matching,
  // events) until the operator has answered which reading is right; that question comes before any other.
  const warnings = scanWarnings(input.identity, input.warnings);
  const stored: StoredIdentity = { ...input.identity, warnings };
  const pending = openReading(warnings);
  const identity = withoutUnconfirmed(input.identity, warnings);
  const at = core.now();
  const scannedGtin = identity.gtin;
  const base = scannedGtin ? core.deps.catalog.baseOf(scannedGtin) : undefined;
  const gtin = base?.gtin ?? scannedGtin;
  const serial = identity.serial;
  const epc = identity.epc?.pureIdentityUri ?? (identity.epc?.hex ? identity.epc.hex : undefined);
  refuseBadAnswers(core, flowFor(core.deps.config, core.deps.catalog.get(gtin)?.category).flow, input.answers);
  const { c, opened } = caseForItem(core, screen, op, gtin, serial, input.key);

  // BUG-66: one line per serial / EPC in a case; adding it again is a merge, not a second unit.
  const dup = (serial && gtin ? core.st('SELECT * FROM wf_items WHERE case_id = ? AND gtin = ? AND serial = ?').get(c.id, gtin, serial) : undefined) ??
    (epc ? core.st('SELECT * FROM wf_items WHERE case_id = ? AND epc = ?').get(c.id, epc) : undefined);
  if (dup) return { row: dup as WfItemRow, merged: true, case: c };

  const product = core.deps.catalog.get(gtin);
  const qty = base?.units ?? 1;
  const verdict = pending ? undefined : verdictFor(core, c, { gtin, serial, lot: identity.lot, qty }, product);
  const exc = pending ? undefined : exceptionFrom(verdict, { noRma: !c.order_no && core.deps.config.requireRma, sharedEpc: input.sharedEpc === true, known: product !== undefined });

  const order = c.order_no ? getOrder(core.db, c.order_no) : undefined;
  const answers: Record<string, string> = { ...input.answers };
  // A stored reason the active rules do not know (imported before imports were checked) is not used: the reason
  // question is asked instead, so the decision rests on an answer the rules understand.
  if (answers.reason === undefined && order?.customer_reason && core.deps.rules.active().checkFacts({ reason: order.customer_reason }).ok) answers.reason = order.customer_reason;
  const seq = ((core.st('SELECT MAX(seq) FROM wf_items WHERE case_id = ?').pluck().get(c.id) as number | null) ?? 0) + 1;
  const itemId = newId('item', at, input.key);
  const rowIn: WfItemRow = {
    item_id: itemId, case_id: c.id, seq, order_no: c.order_no, line_no: verdict?.lineNo ?? null, gtin: gtin ?? null, serial: serial ?? null, lot: identity.lot ?? null,
    epc: epc ?? null, pack_gtin: base && base.gtin !== scannedGtin ? (scannedGtin ?? null) : null, qty, counts: verdict?.ok ? 1 : 0, state: 'grading',
    answers_json: JSON.stringify(answers), question: null, decision_json: null, bin_expected: null, bin: null, tote: null, handoff_id: null, exception_id: null,
    source: input.source, raw: input.raw, operator: op?.id ?? null, events_json: '{}', created_at: at, updated_at: at,
  };
  const received = core.deps.events.received({ ...eventCtx(c, rowIn, at, input.key), source: input.source });

  if (exc) recordException(core, c, rowIn, exc, at, input.key);
  const q = exc ? undefined : pending ? readingQuestionId(pending) : nextQuestion(flowFor(core.deps.config, product?.category).flow, answers)?.id;
  core.work({ at, operator: op?.id ?? null, kind: 'scan', itemId, intake: input.source === 'rfid' ? 'rfid' : input.source === 'camera' ? 'camera' : 'barcode' });
  if (q) {
    rowIn.question = q;
    core.deps.store.upsertItem(itemRowInput(core, rowIn, stored, c, undefined, undefined));
    insertWfItem(core, rowIn);
    core.deps.store.append([received], itemId);
    return { row: rowIn, merged: false, case: c, ...(opened ? { caseOpened: opened } : {}) };
  }
  // Decided at once (answers known, or an exception): one write per table and one append for all three events.
  const e = evaluate(core, rowIn, stored, c, { key: input.key, serialMatched: verdict?.serialMatched ?? null, exception: exc?.code });
  core.deps.store.upsertItem(itemRowInput(core, e.next, stored, c, e.facts, e.decision));
  insertWfItem(core, e.next);
  core.deps.store.append([received, ...e.events], itemId);
  return { row: e.next, merged: false, case: c, ...(opened ? { caseOpened: opened } : {}) };
}

/** Whether the unit may be accepted against the case's order (matching.ts), from what was shipped and returned. */
export function verdictFor(core: Core, c: CaseRow, u: { gtin: string | undefined; serial: string | undefined; lot: string | undefined; qty: number }, product: Product | undefined): Verdict | undefined {
  const { gtin, serial, qty } = u;
  if (!c.order_no || !gtin) return undefined;
  const later = serial ? latestShipment(core.db, gtin, serial) : undefined;
  const returnedHere = serial
    ? (core.st('SELECT i.case_id, c.rma FROM wf_items i JOIN wf_cases c ON c.id = i.case_id WHERE i.order_no = ? AND i.gtin = ? AND i.serial = ? AND i.counts = 1 LIMIT 1').get(c.order_no, gtin, serial) as { case_id: string; rma: string | null } | undefined)
    : undefined;
  const v = matchUnit(
    {
      gtin,
      serial,
      lot: u.lot,
      qty,
      serialTracked: product?.serialTracked ?? false,
      lotTracked: product?.lotTracked ?? false,
      serialShippedLater: later && later.orderNo !== c.order_no && (core.st('SELECT 1 FROM wf_shipped_serials WHERE order_no = ? AND gtin = ? AND serial = ?').get(c.order_no, gtin, serial) !== undefined) ? { orderNo: later.orderNo, shippedAt: later.shippedAt ?? undefined } : undefined,
      serialReturnedHere: returnedHere ? { caseId: returnedHere.case_id, rma: returnedHere.rma ?? undefined } : undefined,
    },
    lineFacts(core, c.order_no, c.id),
  );
  // BUG-60: an override opens the return, it does not make a unit beyond what was shipped stock. Say so, or the
  // operator reads "already returned" right after the supervisor let the return in.
  if (c.override_json && !v.ok && (v.code === 'ALREADY_RETURNED' || v.code === 'MORE_THAN_SHIPPED') && v.text) {
    v.text = {
      en: `${v.text.en} This return was opened by a supervisor override: the unit goes to EXCEPTIONS for the supervisor to decide, never straight to stock.`,
      'zh-CN': `${v.text['zh-CN']} 此退货单由主管特批打开：该件放入 EXCEPTIONS，由主管决定，不直接入库。`,
    };
  }
  return v;
}

export function recordException(core: Core, c: CaseRow, r: WfItemRow, exc: { code: ExceptionCode; text: Text; details?: Record<string, unknown> }, at: number, key: string): void {
  const exId = newId('exc', at, key);
  const links = exc.code === 'SERIAL_SHIPPED_LATER' && exc.details?.latestOrder ? [{ kind: 'order' as const, id: String(exc.details.latestOrder), label: String(exc.details.latestOrder) }] : undefined;
  core.st('INSERT INTO wf_exceptions (id, item_id, case_id, code, details_json, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(exId, r.item_id, c.id, exc.code, JSON.stringify({ text: exc.text, ...exc.details, ...(links ? { links } : {}) }), at);
  r.exception_id = exId;
  r.state = 'exception';
}

/**
 * The answer to "Lot reads 21G0073JZ2023 — the whole lot, or 21G0073JZ + 2023 (AI 20)?": fixes the field (the split
 * reading re-parsed, so its extra AIs are real), records who chose what, and only then matches the unit against
 * the order and goes on with the grading questions or the decision. "Neither" sends it to the exceptions bin.
 */
function answerReading(core: Core, r: WfItemRow, c: CaseRow, value: string, key: string): WfItemRow {
  const at = core.now();
  const read = storedIdentity(core, r.item_id);
  const warnings = read?.warnings ?? [];
  const open = openReading(warnings);
  const done = read && open && readingQuestionId(open) === r.question ? confirmReading(read, open, value, { operator: r.operator, at }) : undefined;
  if (!read || !open || !done) {
    const allowed = ['as_read', ...(open?.split ? ['split'] : []), 'neither'];
    throw new Refusal('ANSWER_INVALID', tx2(`"${value}" is not one of the answers. Use one of: ${allowed.join(', ')}.`, `"${value}" 不是可选答案。可选：${allowed.join('、')}。`), { details: { field: open ? readingFact(open) : r.question, allowed } });
  }
  const nextWarnings = warnings.map((w) => (w.reading === open ? { ...w, reading: done.reading } : w));
  const stored: StoredIdentity = { ...done.identity, warnings: nextWarnings };
  const identity = withoutUnconfirmed(done.identity, nextWarnings);
  const answers = { ...(JSON.parse(r.answers_json) as Record<string, string>), [readingFact(open)]: value };
  core.work({ at, operator: r.operator, kind: 'tap', itemId: r.item_id });
  audit(core, 'reading_confirmed', r.item_id, r.operator, null, { ai: open.ai, field: open.field, choice: value, asRead: open.asRead, value: done.reading.value ?? null });
  const next: WfItemRow = { ...r, serial: identity.serial ?? r.serial, lot: identity.lot ?? null, answers_json: JSON.stringify(answers), question: null, updated_at: at };
  core.st('UPDATE wf_items SET serial = ?, lot = ? WHERE item_id = ?').run(next.serial, next.lot, r.item_id);

  const another = openReading(nextWarnings);
  const product = core.deps.catalog.get(r.gtin ?? undefined);
  let verdict: Verdict | undefined;
  let exc: { code: ExceptionCode; text: Text; details?: Record<string, unknown> } | undefined;
  if (done.reading.status === 'rejected') exc = { code: open.code, text: unconfirmedText(open) };
  else if (!another) {
    verdict = verdictFor(core, c, { gtin: r.gtin ?? undefined, serial: next.serial ?? undefined, lot: next.lot ?? undefined, qty: r.qty }, product);
    exc = exceptionFrom(verdict, { noRma: !c.order_no && core.deps.config.requireRma, sharedEpc: false, known: product !== undefined });
    next.line_no = verdict?.lineNo ?? null;
    next.counts = verdict?.ok ? 1 : 0;
  }
  if (exc) recordException(core, c, next, exc, at, key);
  const q = exc ? undefined : another ? readingQuestionId(another) : nextQuestion(flowFor(core.deps.config, product?.category).flow, answers)?.id;
  if (q) {
    next.question = q;
    saveWfItem(core, next);
    core.deps.store.upsertItem(itemRowInput(core, next, stored, c, undefined, undefined));
    return next;
  }
  return decide(core, next, stored, c, { key, serialMatched: verdict?.serialMatched ?? null, exception: exc?.code });
}

function insertWfItem(core: Core, r: WfItemRow): void {
  core
    .st(`INSERT INTO wf_items (item_id, case_id, seq, order_no, line_no, gtin, serial, lot, epc, pack_gtin, qty, counts, state, answers_json, question,
      decision_json, bin_expected, bin, tote, handoff_id, exception_id, source, raw, operator, events_json, created_at, updated_at)
      VALUES (@item_id, @case_id, @seq, @order_no, @line_no, @gtin, @serial, @lot, @epc, @pack_gtin, @qty, @counts, @state, @answers_json, @question,
      @decision_json, @bin_expected, @bin, @tote, @handoff_id, @exception_id, @source, @raw, @operator, @events_json, @created_at, @updated_at)`)
    .run(r);
}

export function saveWfItem(core: Core, r: WfItemRow): void {
  core
    .st(`UPDATE wf_items SET line_no = @line_no, counts = @counts, state = @state, answers_json = @answers_json, question = @question,
      decision_json = @decision_json, bin_expected = @bin_expected, bin = @bin, tote = @tote, handoff_id = @handoff_id, exception_id = @exception_id,
      events_json = @events_json, updated_at = @updated_at WHERE item_id = @item_id`)
    .run(r);
}

export function eventCtx(c: Pick<CaseRow, 'id' | 'rma'> & Partial<Pick<CaseRow, 'order_no'>>, r: WfItemRow, at: number, key: string): ItemEventCtx {
  return { item: { itemId: r.item_id, epc: r.epc, gtin: r.gtin, serial: r.serial, lot: r.lot, quantity: r.qty }, at, caseId: c.id, rma: c.rma, orderNo: c.order_no ?? r.order_no, operator: r.operator, key };
}

function itemRowInput(core: Core, r: WfItemRow, identity: ItemIdentity | undefined, c: CaseRow, facts: unknown, decision: Decision | undefined): Parameters<Core['deps']['store']['upsertItem']>[0] {
  return {
    id: r.item_id, caseId: c.id, createdAt: r.created_at, source: r.source, raw: r.raw, gtin: r.gtin, serial: r.serial, epc: r.epc,
    identity: identity ?? (core.st('SELECT identity_json FROM items WHERE id = ?').pluck().get(r.item_id) as string | undefined) ?? null,
    facts: facts ?? null, decision: decision ?? null, disposition: decision ? r.state === 'exception' ? 'exception' : decision.disposition : null,
    bin: r.bin_expected, nextDepartment: decision ? (r.state === 'exception' ? 'supervisor' : decision.nextDepartment) : null,
    status: r.state === 'exception' ? 'exception' : r.state === 'grading' ? 'grading' : 'decided',
    exceptionCode: r.exception_id ? ((core.st('SELECT code FROM wf_exceptions WHERE id = ?').pluck().get(r.exception_id) as string | undefined) ?? null) : null,
    operator: r.operator, rma: c.rma,
  };
}

interface Evaluated {
  next: WfItemRow;
  facts: unknown;
  decision: Decision;
  events: OutboxEventLike[];
}

type DecideOpts = { key: string; serialMatched: boolean | null; exception?: string | undefined; override?: { disposition: string; bin: string; nextDepartment: string } };

/**
 * Decision from the rule engine, with the inspecting and disposition events (not yet written). An item in the
 * exceptions queue keeps the rules' explanation but goes to the exceptions bin: never silently into stock.
 */
/** Exceptions whose item is held in the quarantine bin rather than the exceptions bin. */
const QUARANTINED: ReadonlySet<string> = new Set(['SERIAL_NOT_SHIPPED']);

function evaluate(core: Core, r: WfItemRow, identity: StoredIdentity | undefined, c: CaseRow, opts: DecideOpts): Evaluated {
  const at = core.now();
  const answers = JSON.parse(r.answers_json) as Record<string, string>;
  const product = core.deps.catalog.get(r.gtin ?? undefined);
  const order = c.order_no ? getOrder(core.db, c.order_no) : undefined;
  const grade = gradeOf(answers);
  const facts = buildFacts(identity ?? { raw: r.raw, source: 'gs1', ...(r.gtin ? { gtin: r.gtin } : {}), ...(r.serial ? { serial: r.serial } : {}), ...(r.lot ? { lot: r.lot } : {}) }, product, {
    reason: answers.reason,
    grade,
    ...(answers.packaging ? { packaging: answers.packaging } : {}),
    daysSinceDelivery: answers.daysSinceDelivery !== undefined ? Number(answers.daysSinceDelivery) : order?.delivered_at ? Math.max(0, Math.floor((at - order.delivered_at) / DAY)) : undefined,
    serialMatched: opts.serialMatched ?? undefined,
  }, identity?.warnings);
  const rs = core.deps.rules.active();
  // Last guard before deciding: answers are checked where they arrive, but the catalog or the flow config can
  // still hold a value the active rule set does not know, and that must not be decided as something else.
  const checked = rs.checkFacts(facts);
  if (!checked.ok) throw new Refusal('FACT_INVALID', checked.error.text, { kind: 'item', details: checked.error.details });
  const decision = rs.evaluate(facts);
  const exc = opts.exception ?? (decision.disposition === 'exception' ? 'RULES_EXCEPTION' : undefined);
  let stored: StoredDecision = {
    disposition: decision.disposition, bin: decision.bin, nextDepartment: decision.nextDepartment, explanation: decision.explanation,
    ruleSet: decision.ruleSet, matchedRows: decision.matchedRows.map((m) => `${m.table}#${m.row}`),
  };
  if (opts.override) stored = { ...stored, ...opts.override };
  else if (exc) {
    // Still in the supervisor's exceptions queue; physically, an unknown serial is held in quarantine (BUG-64).
    const bin = QUARANTINED.has(exc) ? core.deps.config.quarantineBin : core.deps.config.exceptionsBin;
    stored = { ...stored, disposition: 'exception', bin, nextDepartment: 'supervisor' };
  }
  let exceptionId = r.exception_id;
  if (exc && !exceptionId) {
    exceptionId = newId('exc', at, opts.key);
    core.st('INSERT INTO wf_exceptions (id, item_id, case_id, code, details_json, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(exceptionId, r.item_id, c.id, exc, JSON.stringify({ text: decision.explanation }), at);
  }
  const ctx = eventCtx(c, r, at, opts.key);
  const inspected = core.deps.events.inspected({ ...ctx, grade: grade ?? 'ungraded', answers });
  const decidedDecision: Decision = { ...decision, disposition: stored.disposition as Decision['disposition'], bin: stored.bin, nextDepartment: stored.nextDepartment };
  const decided = core.deps.events.decided({ ...ctx, at: at + 1, decision: decidedDecision });
  const next: WfItemRow = {
    ...r,
    exception_id: exceptionId,
    state: exc && !opts.override ? 'exception' : 'decided',
    question: null,
    decision_json: JSON.stringify(stored),
    bin_expected: stored.bin,
    bin: null,
    events_json: withEvents(r.events_json, { inspected, decided }),
    updated_at: at,
  };
  return { next, facts, decision: decidedDecision, events: [inspected, decided] };
}

/** Decides an item already stored (after its last answer, a resolution or a correction). */
export function decide(core: Core, r: WfItemRow, identity: StoredIdentity | undefined, c: CaseRow, opts: DecideOpts): WfItemRow {
  const e = evaluate(core, r, identity, c, opts);
  saveWfItem(core, e.next);
  core.deps.store.upsertItem(itemRowInput(core, e.next, identity, c, e.facts, e.decision));
  core.deps.store.append(e.events, r.item_id);
  return e.next;
}

/** One grading answer; when the flow is complete the item is decided in the same transaction. */
export function answer(core: Core, itemId: string, questionId: string, value: string, key: string): WfItemRow {
  const r = getWfItem(core, itemId);
  if (!r) throw new Refusal('ITEM_UNKNOWN', tx2('This item is not known here.', '找不到此商品。'));
  const c = getCase(core, r.case_id) as CaseRow;
  if (r.state !== 'grading' || r.question !== questionId) throw new Refusal('ANSWER_INVALID', tx2('That question is no longer open for this item.', '该问题已不需要回答。'), { details: { open: r.question } });
  if (isReadingQuestion(questionId)) return answerReading(core, r, c, value, key);
  const product = core.deps.catalog.get(r.gtin ?? undefined);
  const flow = flowFor(core.deps.config, product?.category).flow;
  const q = flow.questions.find((x) => x.id === questionId);
  const answers = q ? applyAnswer(q, value, JSON.parse(r.answers_json) as Record<string, string>) : undefined;
  if (!q || !answers) {
    const allowed = q?.answers.map((a) => a.value) ?? [];
    throw new Refusal('ANSWER_INVALID', tx2(`"${value}" is not one of the answers${q ? ` to "${q.text.en}". Use one of: ${allowed.join(', ')}` : ''}.`, `"${value}" 不是可选答案${q ? `。可选：${allowed.join('、')}` : ''}。`), {
      details: { field: q?.fact ?? questionId, allowed },
    });
  }
  // The flow config is written by hand: an answer (or what it sets) the rule set does not know is refused here,
  // before it is stored, rather than decided as something else.
  const checked = core.deps.rules.active().checkFacts(answers);
  if (!checked.ok) throw new Refusal('FACT_INVALID', checked.error.text, { details: checked.error.details });
  const nq = nextQuestion(flow, answers);
  const next: WfItemRow = { ...r, answers_json: JSON.stringify(answers), question: nq?.id ?? null, updated_at: core.now() };
  core.work({ at: core.now(), operator: r.operator, kind: 'tap', itemId });
  if (nq) {
    saveWfItem(core, next);
    return next;
  }
  const serialMatched = r.serial === null ? null : r.counts === 1 ? true : null;
  return decide(core, next, undefined, c, { key, serialMatched });
}

export function closeCase(core: Core, screen: ScreenRow, caseId: string, confirmEmpty = false): CaseRow {
  const c = getCase(core, caseId);
  if (!c) throw new Refusal('CASE_UNKNOWN', tx2('No such case.', '找不到该退货单。'));
  if (c.status === 'closed') throw new Refusal('CASE_CLOSED', tx2('This case is already closed.', '该退货单已关闭。'));
  const grading = core.st("SELECT COUNT(*) FROM wf_items WHERE case_id = ? AND state = 'grading'").pluck().get(caseId) as number;
  if (grading > 0) throw new Refusal('GRADING_PENDING', tx2(`${grading} item(s) still have open questions.`, `还有 ${grading} 件商品未完成评估。`));
  // Issue #8: a return with nothing in it is asked about, never completed by a stray tap.
  if (!confirmEmpty && core.st('SELECT COUNT(*) FROM wf_items WHERE case_id = ?').pluck().get(caseId) === 0) {
    throw new Refusal('RETURN_EMPTY', tx2(`No item was scanned for ${c.rma ?? c.order_no ?? 'this return'}. Scan its items, or confirm that the parcel was empty.`, `${c.rma ?? c.order_no ?? '此退货'} 还没有扫描任何商品。请扫描商品，或确认包裹为空。`), {
      details: { confirm: 'confirmEmpty' },
    });
  }
  const at = core.now();
  core.st("UPDATE wf_cases SET status = 'closed', closed_at = ? WHERE id = ?").run(at, caseId);
  if (screen.case_id === caseId) saveScreen(core, { ...screen, case_id: null });
  return getCase(core, caseId) as CaseRow;
}
