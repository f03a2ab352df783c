import type { Decision } from '../rules/index.js';
import type { CorrectionRequest, ExceptionResolution } from '../server/api/workflow-types.js';
import { binLabels } from './config.js';
import { decide, eventCtx, saveWfItem } from './cases.js';
import { flowFor, refuseBadAnswers } from './grading.js';
import { Refusal, tx2, type Core } from './core.js';
import { binOfLabel } from './logistics.js';
import type { OperatorRow } from './operators.js';
import type { OutboxEventLike } from './ports.js';
import { audit, getCase, getException, getWfItem, itemEvents, withEvents, type CaseRow, type ExceptionRow, type StoredDecision, type WfItemRow } from './rows.js';

/**
 * Supervisor work: resolving exceptions and correcting earlier steps. A correction never edits an event: it emits an
 * EPCIS error declaration for the earlier event plus the corrective event, and keeps an audit row.
 */

const RESOLUTION_BINS: Record<Exclude<ExceptionResolution, 'accept'>, { disposition: string; bin: string; nextDepartment: string }> = {
  quarantine: { disposition: 'quarantine', bin: 'QUARANTINE', nextDepartment: 'supervisor' },
  return_to_customer: { disposition: 'return_to_customer', bin: 'RETURN-TO-CUSTOMER', nextDepartment: 'customer_service' },
};

function declareWrong(core: Core, originals: Array<OutboxEventLike | undefined>, corrective: OutboxEventLike[], op: OperatorRow, note: string, itemId: string): void {
  const at = core.now();
  const decls = originals.filter((e): e is OutboxEventLike => e !== undefined).map((o) => core.deps.events.corrected(o, { at, operator: op.id, correctiveEventIDs: corrective.map((c) => c.eventID), note }));
  if (decls.length) core.deps.store.append(decls, itemId);
}

export function resolveException(core: Core, op: OperatorRow, id: string, resolution: ExceptionResolution, reason: string, key: string): { ex: ExceptionRow; item: WfItemRow | undefined } {
  const ex = getException(core, id);
  if (!ex) throw new Refusal('EXCEPTION_UNKNOWN', tx2('No such exception.', '找不到该异常。'));
  if (ex.status === 'resolved') throw new Refusal('EXCEPTION_RESOLVED', tx2('This exception was already resolved.', '该异常已处理。'));
  const wf = getWfItem(core, ex.item_id);
  if (!wf) return { ex: resolvePlain(core, op, ex, resolution, reason, key), item: undefined };
  const r = wf;
  const c = getCase(core, r.case_id) as CaseRow;
  const before = itemEvents(r);
  const at = core.now();
  // accept: the line counts as returned only when it matched an order line and there is quantity left.
  const counts = resolution === 'accept' && r.line_no !== null ? 1 : 0;
  const base: WfItemRow = { ...r, counts, exception_id: null, state: 'decided' };
  const next = decide(core, base, undefined, c, {
    key,
    serialMatched: resolution === 'accept' ? null : false,
    ...(resolution === 'accept' ? {} : { override: RESOLUTION_BINS[resolution] }),
  });
  // The item keeps its exception link for the record; its state is now decided (unless the rules still cannot decide
  // it, e.g. a product missing from the catalog: then it has a new exception of its own).
  const stillException = next.state === 'exception';
  if (!stillException) saveWfItem(core, { ...next, exception_id: ex.id, state: 'decided' });
  const after = itemEvents(next);
  declareWrong(core, [before.decided], [after.decided].filter((e): e is OutboxEventLike => e !== undefined), op, `exception ${ex.code} resolved: ${resolution}`, r.item_id);
  const d = JSON.parse(next.decision_json ?? '{}') as StoredDecision;
  const resolutionJson = { kind: resolution, reason, by: op.id, at, disposition: d.disposition, bin: d.bin };
  core.st("UPDATE wf_exceptions SET status = 'resolved', resolution_json = ? WHERE id = ?").run(JSON.stringify(resolutionJson), id);
  if (!stillException) core.st("UPDATE items SET status = 'decided', exception_code = NULL WHERE id = ?").run(r.item_id);
  audit(core, 'exception_resolved', r.item_id, op.id, reason, { exception: id, code: ex.code, resolution });
  return { ex: getException(core, id) as ExceptionRow, item: getWfItem(core, r.item_id) as WfItemRow };
}

interface PlainItem {
  id: string;
  gtin: string | null;
  serial: string | null;
  epc: string | null;
  rma: string | null;
  decision_json: string | null;
  exception_code: string | null;
}

/**
 * An exception of the plain intake (POST /api/scans, the station log: no case). accept takes the rules' own decision,
 * which exists only when the rules could decide the item (a product missing from the catalog cannot be accepted:
 * quarantine it, send it back, or add it to the catalog and scan it again); the others send it to their bin. The new
 * disposition event goes to HQ; the items row shows the outcome.
 */
function resolvePlain(core: Core, op: OperatorRow, ex: ExceptionRow, resolution: ExceptionResolution, reason: string, key: string): ExceptionRow {
  const row = core.st('SELECT id, gtin, serial, epc, rma, decision_json, exception_code FROM items WHERE id = ?').get(ex.item_id) as PlainItem | undefined;
  if (!row) throw new Refusal('ITEM_UNKNOWN', tx2('The item of this exception is not known here.', '找不到该异常的商品。'));
  const d = JSON.parse(row.decision_json ?? '{}') as Partial<Decision>;
  let target: { disposition: string; bin: string; nextDepartment: string };
  if (resolution === 'accept') {
    if (ex.code === 'NOT_IN_CATALOG' || !d.disposition || d.disposition === 'exception' || !d.bin || !d.nextDepartment) {
      throw new Refusal('RESOLUTION_INVALID', tx2('The rules cannot decide this item (e.g. it is not in the catalog): quarantine it or send it back to the customer, or add it to the catalog and scan it again.', '规则无法判定此商品（例如不在目录中）：请隔离或退回客户，或将其加入目录后重新扫描。'), { details: { field: 'resolution', allowed: ['quarantine', 'return_to_customer'] } });
    }
    target = { disposition: d.disposition, bin: d.bin, nextDepartment: d.nextDepartment };
  } else target = RESOLUTION_BINS[resolution];
  const at = core.now();
  const decision = { ...(d as Decision), disposition: target.disposition as Decision['disposition'], bin: target.bin, nextDepartment: target.nextDepartment, matchedRows: d.matchedRows ?? [] };
  const decided = core.deps.events.decided({ item: { itemId: row.id, epc: row.epc, gtin: row.gtin, serial: row.serial, lot: null }, at, caseId: null, rma: row.rma, operator: op.id, key, decision });
  core.deps.store.append([decided], row.id);
  core.st("UPDATE items SET status = 'decided', exception_code = NULL, disposition = ?, bin = ?, next_department = ?, updated_at = ? WHERE id = ?").run(target.disposition, target.bin, target.nextDepartment, at, row.id);
  core.st("UPDATE wf_exceptions SET status = 'resolved', resolution_json = ? WHERE id = ?").run(JSON.stringify({ kind: resolution, reason, by: op.id, at, disposition: target.disposition, bin: target.bin }), ex.id);
  audit(core, 'exception_resolved', row.id, op.id, reason, { exception: ex.id, code: ex.code, resolution });
  return getException(core, ex.id) as ExceptionRow;
}

export function correct(core: Core, op: OperatorRow, itemId: string, req: Pick<CorrectionRequest, 'kind' | 'bin' | 'answers' | 'reason'>, key: string): WfItemRow {
  const r = getWfItem(core, itemId);
  if (!r) throw new Refusal('ITEM_UNKNOWN', tx2('This item is not known here.', '找不到此商品。'));
  const c = getCase(core, r.case_id) as CaseRow;
  const ev = itemEvents(r);
  const at = core.now();
  if (req.kind === 'bin') {
    const bin = req.bin ? (binOfLabel(core, req.bin) ?? req.bin) : undefined;
    if (!bin || !ev.binned || r.bin === null) throw new Refusal('NOTHING_TO_CORRECT', tx2('This item has no confirmed bin to correct.', '该商品没有可更正的货位。'));
    if (bin === r.bin) throw new Refusal('NOTHING_TO_CORRECT', tx2(`The item is already recorded in ${bin}.`, `该商品已记录在 ${bin}。`));
    const d = JSON.parse(r.decision_json ?? '{}') as StoredDecision;
    const binned = core.deps.events.binned({ ...eventCtx(c, { ...r, operator: op.id }, at, key), bin, disposition: d.disposition, confirmedBy: 'button' });
    declareWrong(core, [ev.binned], [binned], op, req.reason, itemId);
    core.deps.store.append([binned], itemId);
    saveWfItem(core, { ...r, bin, events_json: withEvents(r.events_json, { binned }), updated_at: at });
    audit(core, 'correction', itemId, op.id, req.reason, { kind: 'bin', from: r.bin, to: bin });
  } else {
    if (!req.answers || Object.keys(req.answers).length === 0) throw new Refusal('NOTHING_TO_CORRECT', tx2('Give the corrected answers.', '请提供更正后的答案。'));
    if (!ev.decided) throw new Refusal('NOTHING_TO_CORRECT', tx2('This item has not been graded yet.', '该商品尚未评估。'));
    refuseBadAnswers(core, flowFor(core.deps.config, core.deps.catalog.get(r.gtin ?? undefined)?.category).flow, req.answers);
    const oldAnswers = JSON.parse(r.answers_json) as Record<string, string>;
    const answers = { ...oldAnswers, ...req.answers };
    const from = oldAnswers.grade ?? oldAnswers.sealed ?? '';
    const next = decide(core, { ...r, answers_json: JSON.stringify(answers) }, undefined, c, { key, serialMatched: r.serial === null ? null : r.counts === 1 ? true : null, exception: r.state === 'exception' ? 'keep' : undefined });
    const after = itemEvents(next);
    declareWrong(core, [ev.inspected, ev.decided], [after.inspected, after.decided].filter((e): e is OutboxEventLike => e !== undefined), op, req.reason, itemId);
    const d = JSON.parse(next.decision_json ?? '{}') as StoredDecision;
    // Still in the right bin? Keep the confirmation; otherwise the screen asks for the new bin.
    if (r.bin !== null && r.bin === d.bin) saveWfItem(core, { ...next, bin: r.bin, state: r.state });
    audit(core, 'correction', itemId, op.id, req.reason, { kind: 'grade', from, to: answers.grade ?? answers.sealed ?? '', bin: d.bin, binLabels: binLabels(core.deps.config, d.bin) });
  }
  core.work({ at, operator: op.id, kind: 'correction', itemId });
  return getWfItem(core, itemId) as WfItemRow;
}
