/**
 * The operator's own workload figures (continuous work, break nudge). Polled gently; never blocks work, and only
 * the signed-in operator's own figures are asked for.
 */
import type { OperatorWorkloadResponse } from '../server/routes/supervisor-types.js';
import { getJson } from './api.js';
import { screen } from './state.js';
import { Store } from './store.js';

export const myWorkload = new Store<OperatorWorkloadResponse | null>(null);
/** The nudge the operator tapped away; the same nudge returns after NUDGE_SNOOZE_MS. */
export const nudgeSnoozedUntil = new Store<number>(0);
export const NUDGE_SNOOZE_MS = 15 * 60_000;

let timer: ReturnType<typeof setInterval> | undefined;

async function refresh(): Promise<void> {
  const signedIn = screen.get()?.operator;
  const op = signedIn?.pseudonym;
  if (!op) {
    myWorkload.set(null);
    return;
  }
  // The server shows an operator's figures only to the operator signed in on the asking screen (or a supervisor).
  const r = await getJson<OperatorWorkloadResponse>(`/api/workload/operator/${encodeURIComponent(op)}?screen=${encodeURIComponent(signedIn.screen)}`, 4000);
  if (r.ok) myWorkload.set(r.body);
}

export function startWorkloadPolling(intervalMs = 30_000): void {
  if (timer) return;
  let lastOp: string | undefined;
  screen.subscribe((s) => {
    if (s?.operator?.pseudonym !== lastOp) {
      lastOp = s?.operator?.pseudonym;
      void refresh();
    }
  });
  timer = setInterval(() => void refresh(), intervalMs);
  void refresh();
}

export function refreshWorkload(): Promise<void> {
  return refresh();
}
