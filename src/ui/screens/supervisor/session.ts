/**
 * The supervisor's sign-in on this device: badge (+ PIN where required) on a screen id of its own, so the
 * operator's kiosk session is untouched. Supervisor actions name this screen; the station checks the role.
 */
import type { OperatorView, WorkflowScanResponse } from '../../../server/api/workflow-types.js';
import { newKey, postJson } from '../../api.js';
import { Store } from '../../store.js';

function screenId(): string {
  try {
    let id = sessionStorage.getItem('rs.supScreen');
    if (!id) {
      id = `sup-${newKey().slice(0, 8)}`;
      sessionStorage.setItem('rs.supScreen', id);
    }
    return id;
  } catch {
    return 'sup-local';
  }
}

export const SUP_SCREEN = screenId();
export const supervisor = new Store<OperatorView | null>(null);
export const signInError = new Store<string>('');

export async function supervisorSignIn(badge: string, pin?: string): Promise<void> {
  signInError.set('');
  const r = await postJson<WorkflowScanResponse>('/api/workflow/sign-in', { badge, ...(pin ? { pin } : {}), screen: SUP_SCREEN, idempotencyKey: newKey() });
  const body = (r.ok ? r.body : r.body) as WorkflowScanResponse | undefined;
  if (!r.ok && r.unreachable) {
    signInError.set('The station is not answering.');
    return;
  }
  if (!body || typeof body !== 'object') {
    signInError.set(`The station refused the sign-in (HTTP ${r.status}).`);
    return;
  }
  if (!body.ok) {
    signInError.set(body.error.text?.en ? `${body.error.text.en}` : body.error.message);
    return;
  }
  const op = body.screen.operator;
  if (!op || (op.role !== 'supervisor' && op.role !== 'admin')) {
    signInError.set('not-supervisor');
    await postJson('/api/workflow/sign-out', { screen: SUP_SCREEN, idempotencyKey: newKey() });
    return;
  }
  supervisor.set(op);
}

export async function supervisorSignOut(): Promise<void> {
  await postJson('/api/workflow/sign-out', { screen: SUP_SCREEN, idempotencyKey: newKey() });
  supervisor.set(null);
}
