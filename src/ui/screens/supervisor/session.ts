/**
 * The supervisor's sign-in on this device. Two things are signed in with one badge:
 * - the HTTP session (src/server/auth) that the /api/supervisor routes check — unless this machine already has the
 *   role through loopback;
 * - the workflow operator on a screen id of its own (exception resolve / override name it), so the operator's
 *   kiosk session is untouched.
 */
import type { OperatorView, WorkflowScanResponse } from '../../../server/api/workflow-types.js';
import { getJson, newKey, postJson, setCsrfToken } from '../../api.js';
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

const SUP_ROLES = new Set(['supervisor', 'admin']);

interface SessionInfo {
  authenticated: boolean;
  role?: string;
  csrfToken?: string;
}

async function httpRole(badge: string): Promise<string | undefined> {
  const s = await getJson<SessionInfo>('/api/auth/session');
  if (s.ok && s.body.authenticated) {
    setCsrfToken(s.body.csrfToken);
    if (s.body.role && SUP_ROLES.has(s.body.role)) return s.body.role;
  }
  const r = await postJson<{ ok: boolean; user?: { role: string }; csrfToken?: string }>('/api/auth/login', { badge });
  if (r.ok && r.body.ok) {
    setCsrfToken(r.body.csrfToken);
    return r.body.user?.role;
  }
  return s.ok && s.body.authenticated ? s.body.role : undefined;
}

/**
 * Signs the supervisor in on this device. `key` is the sign-in's idempotency key (BUG-66): the form passes the same key
 * for the same badge and PIN while it is shown, so a double submit signs in once; a badge scan is a new sign-in.
 */
export async function supervisorSignIn(badge: string, pin?: string, key = newKey()): Promise<void> {
  signInError.set('');
  const role = await httpRole(badge);
  const r = await postJson<WorkflowScanResponse>('/api/workflow/sign-in', { badge, ...(pin ? { pin } : {}), screen: SUP_SCREEN, idempotencyKey: key });
  if (!r.ok && r.unreachable) {
    signInError.set('The station is not answering.');
    return;
  }
  const body = r.body as WorkflowScanResponse | undefined;
  const wfOp = body && typeof body === 'object' && body.ok ? body.screen.operator : undefined;
  if (wfOp && SUP_ROLES.has(wfOp.role)) {
    supervisor.set(wfOp);
    return;
  }
  // Not a supervisor: signed out again, under a key that belongs to this sign-in (a repeat changes nothing).
  if (wfOp) await postJson('/api/workflow/sign-out', { screen: SUP_SCREEN, idempotencyKey: `${key}:not-supervisor` });
  const refused = body && typeof body === 'object' && body.ok === false && typeof body.error === 'object' ? body.error : undefined;
  // A station without the workflow API: the HTTP role alone decides (rules, workload, devices, sync still work).
  if (r.status === 404 && !refused && role && SUP_ROLES.has(role)) supervisor.set({ pseudonym: 'supervisor', displayName: 'Supervisor', role: 'supervisor', signedInAt: Date.now(), screen: SUP_SCREEN });
  else if (refused) signInError.set(refused.text?.en ?? refused.message);
  else signInError.set('not-supervisor');
}

/** Signs the supervisor out; `key` belongs to the session shown (a double click signs out once). */
export async function supervisorSignOut(key: string): Promise<void> {
  await postJson('/api/workflow/sign-out', { screen: SUP_SCREEN, idempotencyKey: key });
  await postJson('/api/auth/logout', {});
  setCsrfToken(undefined);
  supervisor.set(null);
}
