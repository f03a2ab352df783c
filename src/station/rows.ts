import { jsonKept } from '../core/json.js';
import type { Text } from '../server/api/workflow-types.js';
import type { Core } from './core.js';
import type { OutboxEventLike } from './ports.js';

/** Row shapes of the workflow tables and the small queries several modules share. */
export interface CaseRow {
  id: string;
  screen: string;
  status: 'open' | 'closed';
  rma: string | null;
  order_no: string | null;
  opened_at: number;
  opened_by: string | null;
  closed_at: number | null;
  override_json: string | null;
}

export interface StoredDecision {
  disposition: string;
  bin: string;
  nextDepartment: string;
  explanation: Text;
  ruleSet: { id: string; version: string; hash: string };
  matchedRows: string[];
}

export interface WfItemRow {
  item_id: string;
  case_id: string;
  seq: number;
  order_no: string | null;
  line_no: number | null;
  gtin: string | null;
  serial: string | null;
  lot: string | null;
  epc: string | null;
  pack_gtin: string | null;
  qty: number;
  counts: number;
  state: string;
  answers_json: string;
  question: string | null;
  decision_json: string | null;
  bin_expected: string | null;
  bin: string | null;
  tote: string | null;
  handoff_id: string | null;
  exception_id: string | null;
  source: string;
  raw: string;
  operator: string | null;
  events_json: string;
  created_at: number;
  updated_at: number;
}

export interface ExceptionRow {
  id: string;
  item_id: string;
  case_id: string;
  code: string;
  details_json: string | null;
  created_at: number;
  status: 'open' | 'resolved';
  resolution_json: string | null;
}

export interface HandoffRow {
  id: string;
  tote: string;
  department: string;
  item_ids: string;
  handed_at: number;
  handed_by: string | null;
  escalate_at: number;
  escalated_at: number | null;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
}

export interface ToteRow {
  id: string;
  kind: 'label' | 'grai' | 'sscc';
  status: 'open' | 'handed_off' | 'acknowledged';
  bin: string | null;
  department: string | null;
  handoff_id: string | null;
  updated_at: number;
}

export type ItemEvents = Partial<Record<'inspected' | 'decided' | 'binned', OutboxEventLike>>;

export const getCase = (core: Core, id: string): CaseRow | undefined => core.st('SELECT * FROM wf_cases WHERE id = ?').get(id) as CaseRow | undefined;
export const getWfItem = (core: Core, id: string): WfItemRow | undefined => core.st('SELECT * FROM wf_items WHERE item_id = ?').get(id) as WfItemRow | undefined;
export const getException = (core: Core, id: string): ExceptionRow | undefined => core.st('SELECT * FROM wf_exceptions WHERE id = ?').get(id) as ExceptionRow | undefined;
export const getHandoff = (core: Core, id: string): HandoffRow | undefined => core.st('SELECT * FROM wf_handoffs WHERE id = ?').get(id) as HandoffRow | undefined;
export const getTote = (core: Core, id: string): ToteRow | undefined => core.st('SELECT * FROM wf_totes WHERE id = ?').get(id) as ToteRow | undefined;

/** The item the screen works on: the oldest one with open questions, else the oldest decided one not yet binned. */
export function pendingItem(core: Core, caseId: string | null): WfItemRow | undefined {
  if (!caseId) return undefined;
  return (core.st("SELECT * FROM wf_items WHERE case_id = ? AND state = 'grading' ORDER BY seq LIMIT 1").get(caseId) ??
    core.st('SELECT * FROM wf_items WHERE case_id = ? AND bin IS NULL AND bin_expected IS NOT NULL ORDER BY seq LIMIT 1').get(caseId)) as WfItemRow | undefined;
}

/** What a screen shows of its pending item: the same item as pendingItem, without the large JSON columns. */
export type PendingBrief = Pick<WfItemRow, 'item_id' | 'state' | 'gtin' | 'question' | 'bin_expected'>;

export function pendingBrief(core: Core, caseId: string): PendingBrief | undefined {
  return (core.st("SELECT item_id, state, gtin, question, bin_expected FROM wf_items WHERE case_id = ? AND state = 'grading' ORDER BY seq LIMIT 1").get(caseId) ??
    core.st('SELECT item_id, state, gtin, question, bin_expected FROM wf_items WHERE case_id = ? AND bin IS NULL AND bin_expected IS NOT NULL ORDER BY seq LIMIT 1').get(caseId)) as PendingBrief | undefined;
}

/** Base units accepted per line of an order, over every case. */
export function returnedByLine(core: Core, orderNo: string): Map<number, number> {
  const rows = core.st('SELECT line_no, SUM(qty) AS q FROM wf_items WHERE order_no = ? AND counts = 1 GROUP BY line_no').all(orderNo) as Array<{ line_no: number; q: number }>;
  return new Map(rows.map((r) => [r.line_no, r.q]));
}

/**
 * The item's latest event per step. wf_items keeps the whole events, not just their IDs: a correction must re-declare
 * the original event (EPCIS errorDeclaration) even after outbox retention has purged it as confirmed at HQ.
 */
export function itemEvents(row: WfItemRow): ItemEvents {
  return JSON.parse(row.events_json) as ItemEvents;
}

/** The row's events with newer ones added (newest per step wins). */
export function withEvents(eventsJson: string, add: ItemEvents): string {
  const all = JSON.parse(eventsJson) as ItemEvents;
  const added = new Set<unknown>();
  for (const [k, ev] of Object.entries(add) as Array<[keyof ItemEvents, OutboxEventLike | undefined]>) {
    if (!ev) continue;
    all[k] = ev;
    added.add(ev);
  }
  // JSON.stringify(all), member by member: the new events' JSON is kept for the outbox append that follows (core/json).
  return `{${Object.entries(all).map(([k, v]) => `${JSON.stringify(k)}:${added.has(v) ? jsonKept(v as object) : JSON.stringify(v)}`).join(',')}}`;
}

export function audit(core: Core, kind: string, subject: string, by: string | null, reason: string | null, details: unknown): void {
  core.st('INSERT INTO wf_audit (at, kind, subject, by, reason, details_json) VALUES (?, ?, ?, ?, ?, ?)').run(core.now(), kind, subject, by, reason, details === undefined ? null : JSON.stringify(details));
}
