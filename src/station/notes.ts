import { NOTE_MAX_CHARS as NOTE_MAX, type CustomerNoteView } from '../server/api/workflow-types.js';
import { Refusal, tx2, type Core } from './core.js';
import type { OperatorRow } from './operators.js';
import { audit, getWfItem, type WfItemRow } from './rows.js';

/**
 * Customer notes (BUG-57, issue 9): what the customer wrote or said about a returned item, typed on the operator
 * screen. Kept as audit rows of the item (like corrections), so every version stays on record and no schema change
 * is needed; the item shows the newest one. An empty note clears it (a new row, the old text stays in the record).
 */
const KIND = 'customer_note';

export function saveNote(core: Core, op: OperatorRow, itemId: string, text: string): WfItemRow {
  const r = getWfItem(core, itemId);
  if (!r) throw new Refusal('ITEM_UNKNOWN', tx2('This item is not known here.', '找不到此商品。'));
  const note = text.trim();
  if (note.length > NOTE_MAX) {
    throw new Refusal('NOTE_TOO_LONG', tx2(`The note is too long (at most ${NOTE_MAX} characters).`, `备注过长（最多 ${NOTE_MAX} 个字符）。`));
  }
  audit(core, KIND, itemId, op.id, note, { caseId: r.case_id });
  return r;
}

export function noteOf(core: Core, itemId: string): CustomerNoteView | undefined {
  const row = core.st(`SELECT at, by, reason FROM wf_audit WHERE kind = '${KIND}' AND subject = ? ORDER BY id DESC LIMIT 1`).get(itemId) as
    | { at: number; by: string | null; reason: string | null }
    | undefined;
  if (!row?.reason) return undefined;
  return { text: row.reason, at: row.at, ...(row.by ? { by: row.by } : {}) };
}
