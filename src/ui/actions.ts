/**
 * The operator screen's buttons: each is one POST to the workflow API with the idempotency key of the action as the
 * screen presented it (action-keys.ts, BUG-66), so a double tap or a retry is stored once and shown once.
 */
import type { Text, WorkflowRefused, WorkflowScanResponse } from '../server/api/workflow-types.js';
import { postJson } from './api.js';
import { playSound } from './sound.js';
import { fatal, firstShowing, handleWorkflowAnswer, keepItem, OPERATOR_SCREEN, result } from './state.js';

const item = (itemId: string, what: string): string => `/api/workflow/items/${encodeURIComponent(itemId)}/${what}`;

export async function answer(itemId: string, questionId: string, value: string, key: string): Promise<void> {
  const t0 = performance.now();
  const r = await postJson<WorkflowScanResponse>(item(itemId, 'answer'), { questionId, value, screen: OPERATOR_SCREEN, idempotencyKey: key });
  handleWorkflowAnswer(r, t0, key);
}

/** Undo = a correction event (nothing is edited in place): a new grade, or the bin the item really went to. */
export async function undoGrade(itemId: string, answers: Record<string, string>, reason: string, key: string): Promise<void> {
  const r = await postJson<WorkflowScanResponse>(item(itemId, 'correct'), { kind: 'grade', answers, reason, screen: OPERATOR_SCREEN, idempotencyKey: key });
  handleWorkflowAnswer(r, undefined, key);
}

/**
 * Stores the customer note of an item (BUG-57). The answer updates the item in the case list but leaves the big
 * result alone: the bin and its undo stay on screen while the operator writes. Returns the refusal text, if any.
 */
export async function saveNote(itemId: string, note: string, key: string): Promise<{ ok: true } | { ok: false; why: Text }> {
  const r = await postJson<WorkflowScanResponse>(item(itemId, 'note'), { note, screen: OPERATOR_SCREEN, idempotencyKey: key });
  if (r.ok && r.body.ok) {
    if (r.body.item) keepItem(r.body.item);
    if (firstShowing(key)) playSound('ok');
    return { ok: true };
  }
  if (!r.ok && r.unreachable) {
    fatal.set({ kind: 'server' });
    return { ok: false, why: { en: 'the station is not answering', 'zh-CN': '工作站没有响应' } };
  }
  const body = r.body as Partial<WorkflowRefused> | undefined;
  playSound('error');
  return { ok: false, why: body?.error?.text ?? { en: `HTTP ${r.status}`, 'zh-CN': `HTTP ${r.status}` } };
}

export async function signOut(key: string): Promise<void> {
  const r = await postJson<WorkflowScanResponse>('/api/workflow/sign-out', { screen: OPERATOR_SCREEN, idempotencyKey: key });
  handleWorkflowAnswer(r, undefined, key);
  result.set(null);
}

/** "Complete return" (BUG-60 flow): closes the case; its units then count as returned for any later return. */
export async function closeCase(caseId: string, key: string, confirmEmpty = false): Promise<void> {
  const r = await postJson<WorkflowScanResponse>(`/api/workflow/cases/${encodeURIComponent(caseId)}/close`, { screen: OPERATOR_SCREEN, idempotencyKey: key, ...(confirmEmpty ? { confirmEmpty: true } : {}) });
  handleWorkflowAnswer(r, undefined, key);
}
