import { getOrder, orderLines, serialsOf } from '../catalog/expected.js';
import type {
  Awaiting, CaseItemState, CaseItemView, CaseView, ExceptionView, ExpectedLineView, GradingQuestion, HandoffView, ScreenState, Text, ToteView,
} from '../server/api/workflow-types.js';
import { binLabels } from './config.js';
import { tx2, type Core } from './core.js';
import { flowFor, questionView } from './grading.js';
import { EXCEPTION_TEXT } from './matching.js';
import { noteOf } from './notes.js';
import { operatorView, screenWithOperator } from './operators.js';
import { isReadingQuestion, openReading, readingQuestion, storedIdentity } from './readings.js';
import {
  getCase, getException, pendingBrief, returnedByLine,
  type CaseRow, type ExceptionRow, type HandoffRow, type StoredDecision, type ToteRow, type WfItemRow,
} from './rows.js';

/** Read models: rows → the API's views. Nothing here writes. */

/** `fresh`: the row was made by the action answering now, so nothing can have corrected it or noted it yet. */
export function itemView(core: Core, r: WfItemRow, fresh = false): CaseItemView {
  const product = core.deps.catalog.get(r.pack_gtin ?? r.gtin ?? undefined) ?? core.deps.catalog.get(r.gtin ?? undefined);
  const v: CaseItemView = {
    itemId: r.item_id,
    caseId: r.case_id,
    at: r.created_at,
    source: r.source as CaseItemView['source'],
    raw: r.raw,
    quantity: r.qty,
    state: r.state as CaseItemState,
    answers: JSON.parse(r.answers_json) as Record<string, string>,
  };
  if (r.gtin) v.gtin = r.gtin;
  if (r.serial) v.serial = r.serial;
  if (r.lot) v.lot = r.lot;
  if (r.epc) v.epc = r.epc;
  if (product) {
    v.productName = product.name;
    v.category = product.category;
  }
  if (r.pack_gtin) v.packGtin = r.pack_gtin;
  if (r.order_no) v.orderNo = r.order_no;
  if (r.line_no !== null) v.orderLine = r.line_no;
  // The scan's identity warnings travel with the item (BUG-19 d, BUG-27 b); RFID reads have none of that kind.
  const warnings = r.source === 'rfid' ? undefined : storedIdentity(core, r.item_id)?.warnings;
  if (warnings?.length) v.warnings = warnings;
  if (r.state === 'grading' && r.question) {
    const q = questionOf(core, r, product?.category, warnings);
    if (q) v.question = q;
  }
  if (r.decision_json) {
    const d = JSON.parse(r.decision_json) as StoredDecision;
    v.decision = { disposition: d.disposition, bin: d.bin, binLabels: binLabels(core.deps.config, d.bin), nextDepartment: d.nextDepartment, explanation: d.explanation, ruleSet: d.ruleSet };
  }
  if (r.exception_id) {
    const e = getException(core, r.exception_id);
    if (e) v.exception = { id: e.id, code: e.code, message: exceptionText(e).en, text: exceptionText(e) };
  }
  if (r.bin) v.bin = r.bin;
  if (r.tote) v.tote = r.tote;
  if (r.handoff_id) v.handoffId = r.handoff_id;
  if (fresh) return v;
  const corr = core.st("SELECT at, details_json, reason FROM wf_audit WHERE kind = 'correction' AND subject = ? ORDER BY id").all(r.item_id) as Array<{ at: number; details_json: string; reason: string }>;
  if (corr.length) v.corrections = corr.map((c) => ({ at: c.at, reason: c.reason, ...(JSON.parse(c.details_json) as { kind: 'bin' | 'grade'; from: string; to: string }) }));
  const note = noteOf(core, r.item_id);
  if (note) v.customerNote = note;
  return v;
}

/** The item's open question: a reading to confirm (readings.ts) or the grading flow's. */
export function questionOf(core: Core, r: Pick<WfItemRow, 'item_id' | 'question'>, category: string | undefined, warnings = isReadingQuestion(r.question) ? storedIdentity(core, r.item_id)?.warnings : undefined): GradingQuestion | undefined {
  if (isReadingQuestion(r.question)) {
    const open = openReading(warnings ?? []);
    return open ? readingQuestion(open) : undefined;
  }
  const q = flowFor(core.deps.config, category).flow.questions.find((x) => x.id === r.question);
  return q ? questionView(q) : undefined;
}

export function exceptionText(e: ExceptionRow): Text {
  const d = e.details_json ? (JSON.parse(e.details_json) as { text?: Text }) : {};
  return d.text ?? EXCEPTION_TEXT[e.code] ?? tx2('This item needs a supervisor: exceptions bin.', '此商品需要主管处理：放入异常区。');
}

export function exceptionView(core: Core, e: ExceptionRow): ExceptionView {
  // An exception of the plain intake (no case) has its item in `items` only.
  const item = (core.st('SELECT gtin, serial, lot, order_no, case_id FROM wf_items WHERE item_id = ?').get(e.item_id) ??
    (e.case_id === '' ? core.st('SELECT gtin, serial, NULL AS lot, NULL AS order_no, rma FROM items WHERE id = ?').get(e.item_id) : undefined)) as (Pick<WfItemRow, 'gtin' | 'serial' | 'lot' | 'order_no'> & { rma?: string | null }) | undefined;
  const c = getCase(core, e.case_id);
  const details = e.details_json ? (JSON.parse(e.details_json) as Record<string, unknown> & { text?: Text; links?: ExceptionView['links'] }) : {};
  const { text: _t, links, ...rest } = details;
  const text = exceptionText(e);
  const v: ExceptionView = { id: e.id, code: e.code, message: text.en, text, itemId: e.item_id, caseId: e.case_id, at: e.created_at, status: e.status };
  if (item?.gtin) {
    v.gtin = item.gtin;
    const p = core.deps.catalog.get(item.gtin);
    if (p) v.productName = p.name;
  }
  if (item?.serial) v.serial = item.serial;
  if (item?.lot) v.lot = item.lot;
  if (item?.order_no) v.orderNo = item.order_no;
  if (c?.rma) v.rma = c.rma;
  else if (item?.rma) v.rma = item.rma;
  if (Object.keys(rest).length) v.details = rest;
  if (links?.length) v.links = links;
  if (e.resolution_json) v.resolution = JSON.parse(e.resolution_json) as NonNullable<ExceptionView['resolution']>;
  return v;
}

export function lineViews(core: Core, orderNo: string, caseId: string | null): ExpectedLineView[] {
  const returned = returnedByLine(core, orderNo);
  const here = new Map<number, number>();
  if (caseId) {
    for (const r of core.st('SELECT line_no, SUM(qty) AS q FROM wf_items WHERE case_id = ? AND counts = 1 GROUP BY line_no').all(caseId) as Array<{ line_no: number; q: number }>) here.set(r.line_no, r.q);
  }
  return orderLines(core.db, orderNo).map((l) => {
    const inCase = here.get(l.line_no) ?? 0;
    const before = (returned.get(l.line_no) ?? 0) - inCase;
    const p = core.deps.catalog.get(l.gtin);
    const returnedSerials = core.st('SELECT serial FROM wf_items WHERE order_no = ? AND line_no = ? AND counts = 1 AND serial IS NOT NULL ORDER BY serial').pluck().all(orderNo, l.line_no) as string[];
    const v: ExpectedLineView = {
      lineNo: l.line_no,
      gtin: l.gtin,
      qtyOrdered: l.qty_ordered,
      qtyShipped: l.qty_shipped,
      qtyReturnedBefore: before,
      qtyInThisCase: inCase,
      returnable: Math.max(0, l.qty_shipped - before - inCase),
      uom: l.uom,
      unitsPerUom: l.units_per_uom,
      serialsShipped: serialsOf(core.db, orderNo, l.line_no),
      serialsReturned: returnedSerials,
      lotsShipped: l.lots ? (JSON.parse(l.lots) as string[]) : [],
    };
    if (l.sku) v.sku = l.sku;
    if (p) v.productName = p.name;
    return v;
  });
}

/** Earlier returns of an order: cases with accepted units (BUG-60 links). */
export function earlierReturns(core: Core, orderNo: string, exceptCase: string | null): CaseView['earlierReturns'] {
  const rows = core.st('SELECT DISTINCT c.id, c.rma, c.closed_at FROM wf_cases c JOIN wf_items i ON i.case_id = c.id WHERE i.order_no = ? AND i.counts = 1 ORDER BY c.opened_at').all(orderNo) as Array<{ id: string; rma: string | null; closed_at: number | null }>;
  return rows.filter((r) => r.id !== exceptCase).map((r) => ({ caseId: r.id, ...(r.rma ? { rma: r.rma } : {}), ...(r.closed_at ? { closedAt: r.closed_at } : {}) }));
}

export function caseView(core: Core, c: CaseRow): CaseView {
  const v: CaseView = { id: c.id, status: c.status, openedAt: c.opened_at, screen: c.screen, lines: [], items: [], earlierReturns: [] };
  if (c.closed_at) v.closedAt = c.closed_at;
  if (c.opened_by) v.operator = c.opened_by;
  if (c.rma) v.rma = c.rma;
  if (c.override_json) v.override = JSON.parse(c.override_json) as NonNullable<CaseView['override']>;
  if (c.order_no) {
    v.orderNo = c.order_no;
    const o = getOrder(core.db, c.order_no);
    if (o?.tracking) v.tracking = o.tracking;
    if (o?.delivered_at) v.deliveredAt = o.delivered_at;
    if (o?.customer_reason) v.customerReason = o.customer_reason;
    v.lines = lineViews(core, c.order_no, c.id);
    v.earlierReturns = earlierReturns(core, c.order_no, c.id);
  }
  v.items = (core.st('SELECT * FROM wf_items WHERE case_id = ? ORDER BY seq').all(c.id) as WfItemRow[]).map((r) => itemView(core, r));
  return v;
}

export function toteView(core: Core, t: ToteRow): ToteView {
  const ids = core.st('SELECT item_id FROM wf_items WHERE tote = ? ORDER BY created_at').pluck().all(t.id) as string[];
  const v: ToteView = { id: t.id, kind: t.kind, status: t.status, itemIds: ids, updatedAt: t.updated_at };
  if (t.bin) v.bin = t.bin;
  if (t.department) v.department = t.department;
  if (t.handoff_id) v.handoffId = t.handoff_id;
  return v;
}

export function handoffView(h: HandoffRow): HandoffView {
  const status = h.acknowledged_at !== null ? 'acknowledged' : h.escalated_at !== null ? 'escalated' : 'pending';
  const v: HandoffView = { id: h.id, tote: h.tote, department: h.department, itemIds: JSON.parse(h.item_ids) as string[], handedAt: h.handed_at, status, escalateAt: h.escalate_at };
  if (h.handed_by) v.handedBy = h.handed_by;
  if (h.escalated_at !== null) v.escalatedAt = h.escalated_at;
  if (h.acknowledged_at !== null) v.acknowledgedAt = h.acknowledged_at;
  if (h.acknowledged_by) v.acknowledgedBy = h.acknowledged_by;
  return v;
}

const PROMPTS: Record<Awaiting, Text> = {
  sign_in: tx2('Scan your badge to sign in.', '请扫描工牌登录。'),
  case_or_item: tx2('Scan the RMA label, order or tracking number, or an item.', '请扫描退货标签、订单号、运单号或商品。'),
  grading: tx2('Answer the question.', '请回答问题。'),
  bin: tx2('Put the item in the bin shown and scan the bin label.', '请将商品放入所示货位并扫描货位标签。'),
  tote: tx2('Scan a tote label to pack the bin.', '请扫描周转箱标签进行装箱。'),
  receiver: tx2("Scan the department code or the receiver's badge.", '请扫描部门码或接收人工牌。'),
};

/** What the screen shows now. `withCase` adds the whole case (GET); scan answers leave it out to stay small. */
export function screenState(core: Core, screen: string, withCase = false): ScreenState {
  const { s, op } = screenWithOperator(core, screen);
  let awaiting: Awaiting = 'sign_in';
  const st: Partial<ScreenState> = {};
  if (op) {
    st.operator = operatorView(op, s);
    awaiting = 'case_or_item';
    const c = s.case_id ? getCase(core, s.case_id) : undefined;
    if (c && c.status === 'open') {
      st.caseId = c.id;
      if (withCase) st.case = caseView(core, c);
      const p = pendingBrief(core, c.id);
      if (p) {
        st.pendingItemId = p.item_id;
        if (p.state === 'grading') {
          awaiting = 'grading';
          const q = questionOf(core, p, core.deps.catalog.get(p.gtin ?? undefined)?.category);
          if (q) st.question = q;
        } else if (p.bin_expected) {
          awaiting = 'bin';
          st.expectedBin = { bin: p.bin_expected, labels: binLabels(core.deps.config, p.bin_expected) };
        }
      }
    }
    if (awaiting === 'case_or_item' && s.selected_bin) awaiting = 'tote';
    if (awaiting === 'case_or_item' && s.selected_tote) awaiting = 'receiver';
    if (s.selected_bin) st.selectedBin = s.selected_bin;
    if (s.selected_tote) st.selectedTote = s.selected_tote;
  }
  return { screen, awaiting, prompt: PROMPTS[awaiting], ...st };
}
