import type { Core } from './core.js';
import { decide, exceptionFrom, recordException, saveWfItem, verdictFor } from './cases.js';
import { flowFor, nextQuestion } from './grading.js';
import { audit, getCase, getException, type CaseRow, type WfItemRow } from './rows.js';

/**
 * BUG-64: a serial-tracked item scanned without its serial waits in the exceptions bin with "Serial number required:
 * scan the serial label of this item". The screen asks for the serial, so scanning it is the answer: the serial alone
 * (what the label carries), or the full GS1 string of the same GTIN with AI 21. The item is matched again with the
 * serial — one shipped on the order goes on to its grading and decision; an unknown serial goes to quarantine
 * (SERIAL_NOT_SHIPPED), never to stock. The SERIAL_REQUIRED exception is closed as answered (serial_scanned).
 */

/** The item a scanning screen holds in the exceptions bin because its serial is missing, if any. */
export function awaitingSerial(core: Core, pending: WfItemRow | undefined): WfItemRow | undefined {
  if (!pending || pending.state !== 'exception' || pending.serial !== null || !pending.exception_id || pending.bin !== null) return undefined;
  const ex = getException(core, pending.exception_id);
  return ex?.status === 'open' && ex.code === 'SERIAL_REQUIRED' ? pending : undefined;
}

/** A label text that can be a serial number (GS1 AI 21: up to 20 printable characters, no spaces). */
export function looksLikeSerial(code: string): boolean {
  return /^[\x21-\x7e]{1,20}$/.test(code);
}

export function serialScanned(core: Core, r: WfItemRow, serial: string, key: string): WfItemRow {
  const c = getCase(core, r.case_id) as CaseRow;
  const at = core.now();
  const exId = r.exception_id as string;
  core.st("UPDATE wf_exceptions SET status = 'resolved', resolution_json = ? WHERE id = ?").run(JSON.stringify({ kind: 'serial_scanned', reason: `serial ${serial} scanned`, by: r.operator ?? '', at }), exId);
  audit(core, 'serial_scanned', r.item_id, r.operator, null, { exception: exId, serial });
  core.st('UPDATE wf_items SET serial = ? WHERE item_id = ?').run(serial, r.item_id);
  const product = core.deps.catalog.get(r.gtin ?? undefined);
  const verdict = verdictFor(core, c, { gtin: r.gtin ?? undefined, serial, lot: r.lot ?? undefined, qty: r.qty }, product);
  const exc = exceptionFrom(verdict, { noRma: !c.order_no && core.deps.config.requireRma, sharedEpc: false, known: product !== undefined });
  const next: WfItemRow = {
    ...r, serial, exception_id: null, state: 'grading', question: null, bin_expected: null, line_no: verdict?.lineNo ?? null, counts: verdict?.ok ? 1 : 0, updated_at: at,
  };
  if (exc) recordException(core, c, next, exc, at, key);
  const answers = JSON.parse(r.answers_json) as Record<string, string>;
  const q = exc ? undefined : nextQuestion(flowFor(core.deps.config, product?.category).flow, answers)?.id;
  if (q) {
    next.question = q;
    saveWfItem(core, next);
    // The decision of the exceptions bin no longer stands: the items row shows the item as being graded again.
    core.st("UPDATE items SET serial = ?, status = 'grading', exception_code = NULL, disposition = NULL, bin = NULL, next_department = NULL, updated_at = ? WHERE id = ?").run(serial, at, r.item_id);
    return next;
  }
  core.st('UPDATE items SET serial = ? WHERE id = ?').run(serial, r.item_id);
  return decide(core, next, undefined, c, { key, serialMatched: verdict?.serialMatched ?? null, exception: exc?.code });
}
