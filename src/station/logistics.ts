import { binLabels, type WorkflowConfig } from './config.js';
import { newId, Refusal, tx2, type Core } from './core.js';
import { eventCtx, saveWfItem } from './cases.js';
import { ambiguousLabel, foldCase, FoldedLabels } from './labels.js';
import { saveScreen, type OperatorRow, type ScreenRow } from './operators.js';
import type { EventItem } from './ports.js';
import { getCase, getHandoff, getTote, getWfItem, pendingItem, withEvents, type CaseRow, type HandoffRow, type StoredDecision, type ToteRow, type WfItemRow } from './rows.js';

/** Bins, totes, handoffs and acknowledgements: who holds an item at every moment. */

/** Configured bin labels → bin, once per configuration: every scan asks, most are items. */
const binLabelIndex = new WeakMap<WorkflowConfig['binLabels'], FoldedLabels<string>>();

/**
 * The bin a label names, in any letter case (BUG-15 kind): configured labels first, then `BIN-<bin>` (the bin as
 * scanned: selectBin finds it whatever its case). Configured labels of two bins that differ only in case: refused.
 */
export function binOfLabel(core: Core, label: string): string | undefined {
  const l = label.trim();
  const labels = core.deps.config.binLabels;
  let idx = binLabelIndex.get(labels);
  if (!idx) binLabelIndex.set(labels, (idx = new FoldedLabels(Object.entries(labels).flatMap(([bin, ls]) => ls.map((x) => [x, bin] as const)))));
  const hit = idx.get(l);
  if (hit.kind === 'found') return hit.value;
  if (hit.kind === 'ambiguous') throw ambiguousLabel('bin', l, hit.labels);
  return foldCase(l).startsWith('BIN-') && l.length > 4 ? l.slice(4) : undefined;
}

/** The printed label of the bin a scanned label names (first configured label), or the scan itself when none. */
function printedLabel(core: Core, scanned: string): string {
  const named = binOfLabel(core, scanned);
  if (named === undefined) return scanned.trim();
  // `BIN-<bin>` as scanned: the bin as the station knows it (an item's bin), else in capitals, as bin labels print.
  const bin = (core.st('SELECT bin_expected FROM wf_items WHERE bin_expected = ? COLLATE NOCASE LIMIT 1').pluck().get(named) as string | undefined) ?? foldCase(named);
  return binLabels(core.deps.config, bin)[0] ?? scanned.trim();
}

export function isBinLabel(core: Core, code: string): boolean {
  return binOfLabel(core, code) !== undefined;
}

/**
 * Confirms the pending item's bin by its label. A wrong bin is refused (nothing stored, a misbin counted for the
 * workload figures) so the item cannot end up where the screen did not send it.
 */
export function confirmBin(core: Core, screen: ScreenRow, op: OperatorRow, label: string, key: string, itemId?: string, confirmedBy: 'scan' | 'button' = 'scan'): WfItemRow {
  const r = itemId ? getWfItem(core, itemId) : pendingItem(core, screen.case_id);
  if (!r || r.bin_expected === null || r.bin !== null) throw new Refusal('NO_ITEM_AWAITING_BIN', tx2('No item is waiting for a bin.', '没有等待放入货位的商品。'), { kind: 'bin' });
  if (r.state === 'grading') throw new Refusal('GRADING_PENDING', tx2('Answer the questions for this item first.', '请先回答该商品的问题。'), { kind: 'bin' });
  const want = binLabels(core.deps.config, r.bin_expected);
  // Any letter case: `bin-restock` from a scanner behind Caps Lock is the label BIN-RESTOCK, not a wrong bin. A label
  // that configured labels of two bins share but for letter case is refused first (BIN_AMBIGUOUS), never guessed.
  binOfLabel(core, label);
  const scanned = foldCase(label.trim());
  if (!want.some((w) => foldCase(w) === scanned)) {
    throw new Refusal('WRONG_BIN', tx2(`Wrong bin. This item goes to ${r.bin_expected} (${want[0] ?? ''}).`, `货位错误。此商品应放入 ${r.bin_expected}（${want[0] ?? ''}）。`), {
      kind: 'bin',
      // The bins as their labels are printed, not as the scanner typed them (bin-recycle is BIN-RECYCLE).
      hint: `Take the item out of ${printedLabel(core, label)} and put it in ${r.bin_expected} (${want[0] ?? ''}).`,
      details: { expected: r.bin_expected, expectedLabels: want, scanned: label, itemId: r.item_id, record: true },
      work: { at: core.now(), station: core.deps.station, operator: op.id, kind: 'misbin', itemId: r.item_id, meta: { expected: r.bin_expected, scanned: label } },
    });
  }
  const at = core.now();
  const c = getCase(core, r.case_id) as CaseRow;
  const d = JSON.parse(r.decision_json ?? '{}') as StoredDecision;
  const binned = core.deps.events.binned({ ...eventCtx(c, { ...r, operator: op.id }, at, key), bin: r.bin_expected, disposition: d.disposition, confirmedBy });
  const next: WfItemRow = { ...r, state: r.state === 'exception' ? 'exception' : 'binned', bin: r.bin_expected, events_json: withEvents(r.events_json, { binned }), updated_at: at };
  saveWfItem(core, next);
  core.deps.store.append([binned], r.item_id);
  core.st('UPDATE items SET updated_at = ? WHERE id = ?').run(at, r.item_id);
  core.work({ at, operator: op.id, kind: 'item_done', itemId: r.item_id });
  saveScreen(core, { ...screen, selected_bin: null });
  return next;
}

/**
 * A bin label scanned while nothing waits for a bin: select it for packing. The bin is found whatever the letter case
 * of the label (`bin-restock`); two bins holding items whose names differ only in case: refused, nothing selected.
 */
export function selectBin(core: Core, screen: ScreenRow, scanned: string): { bin: string; n: number } {
  // The partial index wf_items_bin holds only unpacked binned items: few, so NOCASE needs no index of its own.
  const rows = core
    .st("SELECT bin, COUNT(*) AS n FROM wf_items WHERE bin = ? COLLATE NOCASE AND bin IS NOT NULL AND tote IS NULL AND state = 'binned' GROUP BY bin ORDER BY bin")
    .all(scanned) as Array<{ bin: string; n: number }>;
  if (rows.length > 1) throw ambiguousLabel('bin', `BIN-${scanned}`, rows.map((r) => `BIN-${r.bin}`));
  const [one] = rows;
  if (!one) throw new Refusal('BIN_EMPTY', tx2(`Nothing in ${scanned} to pack.`, `${scanned} 中没有可装箱的商品。`), { kind: 'bin' });
  saveScreen(core, { ...screen, selected_bin: one.bin, selected_tote: null });
  return one;
}

/**
 * The bin a pack request names, whatever its letter case (`rtv` is RTV, BUG-15 kind) or as its label (BIN-RTV): the
 * stored bin of the binned items it matches; bins that differ only in letter case are refused, never guessed.
 */
function binToPack(core: Core, named: string): string {
  const bin = binOfLabel(core, named) ?? named.trim();
  const rows = core.st("SELECT DISTINCT bin FROM wf_items WHERE bin = ? COLLATE NOCASE AND tote IS NULL AND state = 'binned' ORDER BY bin").pluck().all(bin) as string[];
  if (rows.length > 1) throw ambiguousLabel('bin', `BIN-${bin}`, rows.map((r) => `BIN-${r}`));
  return rows[0] ?? bin;
}

export function toteKind(code: string): ToteRow['kind'] {
  return /^urn:epc:id:grai:|^\(?8003/.test(code) ? 'grai' : /^urn:epc:id:sscc:|^\(?00\)?\d{18}$/.test(code) ? 'sscc' : 'label';
}

function ensureTote(core: Core, tote: string, kind: ToteRow['kind']): ToteRow {
  const t = getTote(core, tote);
  if (t) {
    if (t.status !== 'open') {
      // A reusable tote comes back empty after its handoff was acknowledged: it starts a new trip.
      const left = core.st('SELECT COUNT(*) FROM wf_items WHERE tote = ? AND handoff_id IS NULL').pluck().get(tote) as number;
      if (t.status === 'handed_off' || left > 0) throw new Refusal('TOTE_HANDED_OFF', tx2(`Tote ${tote} was handed off and is not back yet.`, `周转箱 ${tote} 已交接，尚未归还。`), { kind: 'tote' });
      core.st("UPDATE wf_totes SET status = 'open', bin = NULL, department = NULL, handoff_id = NULL, updated_at = ? WHERE id = ?").run(core.now(), tote);
      core.st('UPDATE wf_items SET tote = NULL WHERE tote = ?').run(tote);
      return getTote(core, tote) as ToteRow;
    }
    return t;
  }
  core.st("INSERT INTO wf_totes (id, kind, status, updated_at) VALUES (?, ?, 'open', ?)").run(tote, kind, core.now());
  return getTote(core, tote) as ToteRow;
}

/** Packs items (given, or every binned unpacked item of `bin`) into a tote: one AggregationEvent. */
export function pack(core: Core, screen: ScreenRow, op: OperatorRow, tote: string, kind: ToteRow['kind'], sel: { itemIds?: string[] | undefined; bin?: string | undefined }, key: string): { tote: ToteRow; items: WfItemRow[] } {
  ensureTote(core, tote, kind);
  const rows = sel.itemIds
    ? sel.itemIds.map((id) => getWfItem(core, id)).filter((r): r is WfItemRow => r !== undefined && r.state === 'binned' && r.tote === null)
    : (core.st("SELECT * FROM wf_items WHERE bin = ? AND tote IS NULL AND state = 'binned' ORDER BY created_at").all(sel.bin === undefined ? '' : binToPack(core, sel.bin)) as WfItemRow[]);
  if (rows.length === 0) throw new Refusal('TOTE_EMPTY', tx2('Nothing to pack: confirm items into their bin first.', '没有可装箱的商品：请先确认货位。'), { kind: 'tote' });
  const at = core.now();
  const items: EventItem[] = rows.map((r) => ({ itemId: r.item_id, epc: r.epc, gtin: r.gtin, serial: r.serial, lot: r.lot, quantity: r.qty }));
  const ev = core.deps.events.packed({ tote, items, at, operator: op.id, key });
  for (const r of rows) saveWfItem(core, { ...r, state: 'packed', tote, updated_at: at });
  core.st('UPDATE wf_totes SET bin = ?, updated_at = ? WHERE id = ?').run(rows[0]?.bin ?? null, at, tote);
  core.deps.store.append([ev], null);
  saveScreen(core, { ...screen, selected_bin: null, selected_tote: tote });
  return { tote: getTote(core, tote) as ToteRow, items: rows };
}

/** Tote scanned with no bin selected: select it for handoff (it must hold packed items). */
export function selectTote(core: Core, screen: ScreenRow, tote: string): ToteRow {
  const t = getTote(core, tote);
  const n = core.st("SELECT COUNT(*) FROM wf_items WHERE tote = ? AND state = 'packed'").pluck().get(tote) as number;
  if (!t || n === 0) throw new Refusal('TOTE_EMPTY', tx2(`Tote ${tote} is empty: select a bin first (scan its label), then the tote.`, `周转箱 ${tote} 为空：请先扫描货位标签，再扫描周转箱。`), { kind: 'tote' });
  if (t.status !== 'open') throw new Refusal('TOTE_HANDED_OFF', tx2(`Tote ${tote} was already handed off.`, `周转箱 ${tote} 已交接。`), { kind: 'tote' });
  saveScreen(core, { ...screen, selected_bin: null, selected_tote: tote });
  return t;
}

/** Department codes → department id, once per department list: every scan asks, most are items. */
const departmentCodes = new WeakMap<readonly unknown[], { prefix: string; codes: FoldedLabels<string> }>();

/**
 * The department a code names, in any letter case (BUG-15 kind). The first department with a code wins, as the
 * list's order always decided; codes of two departments that differ only in letter case: refused.
 */
export function departmentOfCode(core: Core, code: string): string | undefined {
  const cfg = core.deps.config;
  let known = departmentCodes.get(cfg.departments);
  if (!known || known.prefix !== cfg.departmentPrefix) {
    const codes = new FoldedLabels(cfg.departments.map((d) => [d.code ?? `${cfg.departmentPrefix}${d.id.toUpperCase().replace(/_/g, '-')}`, d.id] as const));
    departmentCodes.set(cfg.departments, (known = { prefix: cfg.departmentPrefix, codes }));
  }
  const c = code.trim();
  const hit = known.codes.get(c);
  if (hit.kind === 'ambiguous') throw ambiguousLabel('department', c, hit.labels);
  return hit.kind === 'found' ? hit.value : undefined;
}

/** Hands a packed tote to a department; the receiver's badge at the station acknowledges at once. */
export function handoff(core: Core, screen: ScreenRow, op: OperatorRow, tote: string, department: string, key: string, receiver?: OperatorRow): HandoffRow {
  if (!core.deps.config.departments.some((d) => d.id === department)) throw new Refusal('DEPARTMENT_UNKNOWN', tx2(`No department "${department}".`, `没有部门 "${department}"。`), { kind: 'department' });
  const t = getTote(core, tote);
  const rows = core.st("SELECT * FROM wf_items WHERE tote = ? AND state = 'packed'").all(tote) as WfItemRow[];
  if (!t || rows.length === 0) throw new Refusal('TOTE_EMPTY', tx2(`Tote ${tote} holds nothing to hand off.`, `周转箱 ${tote} 中没有可交接的商品。`), { kind: 'tote' });
  if (t.status !== 'open') throw new Refusal('TOTE_HANDED_OFF', tx2(`Tote ${tote} was already handed off.`, `周转箱 ${tote} 已交接。`), { kind: 'tote' });
  const at = core.now();
  const id = newId('ho', at, key);
  const escalateAt = at + core.deps.config.escalateAfterMin * 60_000;
  const rmas = core.st("SELECT DISTINCT c.rma FROM wf_items i JOIN wf_cases c ON c.id = i.case_id WHERE i.tote = ? AND i.state = 'packed' AND c.rma IS NOT NULL").pluck().all(tote) as string[];
  const ev = core.deps.events.handedOff({ tote, department, handoffId: id, at, operator: op.id, key, rmas });
  core.st('INSERT INTO wf_handoffs (id, tote, department, item_ids, handed_at, handed_by, escalate_at, event_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(id, tote, department, JSON.stringify(rows.map((r) => r.item_id)), at, op.id, escalateAt, ev.eventID);
  core.st("UPDATE wf_totes SET status = 'handed_off', department = ?, handoff_id = ?, updated_at = ? WHERE id = ?").run(department, id, at, tote);
  for (const r of rows) saveWfItem(core, { ...r, state: 'handed_off', handoff_id: id, updated_at: at });
  core.deps.store.append([ev], null);
  saveScreen(core, { ...screen, selected_tote: null, selected_bin: null });
  if (receiver) acknowledge(core, id, receiver.id, key);
  return getHandoff(core, id) as HandoffRow;
}

export function acknowledge(core: Core, handoffId: string, by: string | null, key: string): HandoffRow {
  const h = getHandoff(core, handoffId);
  if (!h) throw new Refusal('HANDOFF_UNKNOWN', tx2('No such handoff.', '找不到该交接。'));
  if (h.acknowledged_at !== null) throw new Refusal('ALREADY_ACKNOWLEDGED', tx2('This handoff was already acknowledged.', '该交接已确认。'), { details: { acknowledgedAt: h.acknowledged_at } });
  const at = core.now();
  const ev = core.deps.events.acknowledged({ tote: h.tote, department: h.department, handoffId, at: Math.max(at, h.handed_at + 1), operator: by, receivedBy: by, key: `${key}#ack` });
  core.st('UPDATE wf_handoffs SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ?').run(at, by, handoffId);
  core.st("UPDATE wf_totes SET status = 'acknowledged', updated_at = ? WHERE id = ?").run(at, h.tote);
  core.deps.store.append([ev], null);
  return getHandoff(core, handoffId) as HandoffRow;
}

/** The pending handoff of a tote, if any (a tote scanned at the receiving end acknowledges it). */
export function pendingHandoffOfTote(core: Core, tote: string): HandoffRow | undefined {
  return core.st('SELECT * FROM wf_handoffs WHERE tote = ? AND acknowledged_at IS NULL ORDER BY handed_at DESC LIMIT 1').get(tote) as HandoffRow | undefined;
}

/** Marks unacknowledged handoffs past their time as escalated; returns the newly escalated ones. */
export function escalate(core: Core, now: number): HandoffRow[] {
  const due = core.st('SELECT * FROM wf_handoffs WHERE acknowledged_at IS NULL AND escalated_at IS NULL AND escalate_at <= ?').all(now) as HandoffRow[];
  for (const h of due) core.st('UPDATE wf_handoffs SET escalated_at = ? WHERE id = ?').run(now, h.id);
  return due.map((h) => ({ ...h, escalated_at: now }));
}
