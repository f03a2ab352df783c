/**
 * Talking to the station: JSON over fetch with a timeout (a hung request must not freeze the screen), and the
 * live WebSocket with reconnect. Failures come back as values, never as exceptions into the components.
 */
import type { LiveMessage } from '../server/api-types.js';
import type { WorkflowLiveMessage } from '../server/api/workflow-types.js';

export type ApiResult<T> = { ok: true; status: number; body: T } | { ok: false; status: number; body?: unknown; unreachable?: boolean };

export async function getJson<T>(path: string, timeoutMs = 8000): Promise<ApiResult<T>> {
  return request<T>(path, { method: 'GET' }, timeoutMs);
}

let csrfToken: string | undefined;
/** The signed-in session's CSRF token (from /api/auth/login or /api/auth/session); sent with every state change. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

export async function postJson<T>(path: string, body: unknown, timeoutMs = 8000): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (csrfToken) headers['x-csrf-token'] = csrfToken;
  return request<T>(path, { method: 'POST', headers, body: JSON.stringify(body) }, timeoutMs);
}

async function request<T>(path: string, init: RequestInit, timeoutMs: number): Promise<ApiResult<T>> {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), timeoutMs);
  try {
    const res = await fetch(path, { ...init, signal: ctrl.signal, credentials: 'same-origin' });
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      body = undefined;
    }
    // 4xx answers of the workflow API still carry a typed body (refusals with their screen state).
    if (res.ok) return { ok: true, status: res.status, body: body as T };
    return { ok: false, status: res.status, body };
  } catch {
    return { ok: false, status: 0, unreachable: true };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The station could not store the request (BUG-52: its database was busy; HTTP 503 STORAGE_BUSY) and stored nothing:
 * the page keeps what was scanned and sends the same request, with the same key, again.
 */
export function isStorageBusy(r: ApiResult<unknown>): boolean {
  if (r.ok || r.status !== 503) return false;
  const b = r.body as { error?: { code?: unknown } } | undefined;
  return b?.error?.code === 'STORAGE_BUSY';
}

export function newKey(): string {
  return typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

export type AnyLive = LiveMessage | WorkflowLiveMessage;

/** The live socket: calls `onMessage` for each push and `onState` on open/close; reconnects with back-off. */
export function connectLive(onMessage: (m: AnyLive) => void, onState: (open: boolean) => void): () => void {
  let ws: WebSocket | undefined;
  let stopped = false;
  let delay = 500;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const open = (): void => {
    if (stopped) return;
    ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/live`);
    ws.onopen = () => {
      delay = 500;
      onState(true);
    };
    ws.onmessage = (ev) => {
      try {
        onMessage(JSON.parse(String(ev.data)) as AnyLive);
      } catch {
        /* one garbled push must not stop the others */
      }
    };
    ws.onclose = () => {
      onState(false);
      if (stopped) return;
      timer = setTimeout(open, delay);
      delay = Math.min(delay * 2, 5000);
    };
  };
  open();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    ws?.close();
  };
}
