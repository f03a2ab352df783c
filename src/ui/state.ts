/**
 * The operator screen's state and actions. Everything the operator does is one POST to the workflow API; its answer
 * carries the whole screen state, so the page never guesses. Live pushes keep other screens' changes (RFID, a
 * supervisor resolving an exception) in view.
 */
import type { DeviceView, HealthReport, ItemView, RecoveryNoticeView, ScanResponse, SyncView, UiSettings } from '../server/api-types.js';
import type {
  CaseItemView, CaseView, OperatorView, ScreenState, Text, WorkflowConfigView, WorkflowError, WorkflowRefused, WorkflowScanResponse,
} from '../server/api/workflow-types.js';
import { connectLive, getJson, isStorageBusy, newKey, postJson, type AnyLive, type ApiResult } from './api.js';
import { playSound, type SoundName } from './sound.js';
import { Store } from './store.js';

export const OPERATOR_SCREEN = 'main';
/** How long the operator can undo the last answer or bin confirmation. */
export const UNDO_WINDOW_MS = 10_000;

export interface ResultView {
  at: number;
  tone: 'decided' | 'confirmed' | 'refused' | 'info' | 'exception' | 'done';
  /** The huge label: a bin, or a short word for refusals. */
  big: string;
  disposition?: string;
  title: Text;
  explanation?: Text;
  hint?: string;
  itemId?: string;
  /** The answer this result came from can be undone until then. */
  undoUntil?: number;
  undoKind?: 'grade' | 'bin';
  links?: WorkflowError['links'];
  /** A refusal's code (NOTHING_RETURNABLE: the return is blocked, BUG-60). */
  code?: string;
}

export type Fatal =
  | { kind: 'server' }
  | { kind: 'database'; detail?: string }
  | { kind: 'device'; id: string; detail?: string }
  | { kind: 'page'; detail: string };

export const conn = new Store<'connecting' | 'live' | 'down'>('connecting');
export const devices = new Store<DeviceView[]>([]);
export const sync = new Store<SyncView | null>(null);
/** BUG-54: the last start-up recovery of the station database, from /api/health (a banner until acknowledged). */
export const recovery = new Store<RecoveryNoticeView | null>(null);
export const settings = new Store<UiSettings | null>(null);
export const screen = new Store<ScreenState | null>(null);
/**
 * The operator screen's open case with its items. Scan answers keep the screen state small (no case), so the case
 * comes from the screen GET and is then kept current from answers and live pushes (wf-case, wf-item).
 */
export const openCase = new Store<CaseView | null>(null);
export const result = new Store<ResultView | null>(null);
export const fatal = new Store<Fatal | null>(null);
export const wfConfig = new Store<WorkflowConfigView | null>(null);
export const camera = new Store<{ state: string; message?: string }>({ state: 'stopped' });
/** Device faults the operator chose to work around (hand scanner) are not shown full-screen again. */
const dismissedFaults = new Set<string>();
/** True when the station has no workflow API (older build): scans go to /api/scans. */
let legacy = false;

/** Scan → painted result, ms, for the benchmark and the e2e test (window.__rs.metrics). */
export const metrics = { scanToPaint: [] as number[], firstUsableMs: 0 };

function afterPaint(t0: number | undefined): void {
  if (t0 === undefined) return;
  requestAnimationFrame(() => {
    // The frame with the new result is being produced now; the message fires right after it is handed over.
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      metrics.scanToPaint.push(performance.now() - t0);
      if (metrics.scanToPaint.length > 1000) metrics.scanToPaint.shift();
    };
    ch.port2.postMessage(0);
  });
}

function itemResult(it: CaseItemView, at: number): ResultView | null {
  if (it.exception) {
    return { at, tone: 'exception', big: it.decision?.bin ?? 'EXCEPTIONS', disposition: 'exception', title: it.exception.text, explanation: it.decision?.explanation ?? it.exception.text, itemId: it.itemId };
  }
  if (!it.decision) return null;
  return {
    at, tone: 'decided', big: it.decision.bin, disposition: it.decision.disposition,
    title: { en: `${it.decision.disposition.replace(/_/g, ' ')} → ${it.decision.nextDepartment}${it.productName ? ` · ${it.productName}` : ''}`, 'zh-CN': `${it.decision.disposition} → ${it.decision.nextDepartment}${it.productName ? ` · ${it.productName}` : ''}` },
    explanation: it.decision.explanation, itemId: it.itemId,
  };
}

/** An item of the open case, new or changed: replaced in place, or added at the end. */
export function keepItem(it: CaseItemView): void {
  openCase.update((c) => {
    if (!c || c.id !== it.caseId) return c;
    const i = c.items.findIndex((x) => x.itemId === it.itemId);
    return { ...c, items: i < 0 ? [...c.items, it] : c.items.map((x, j) => (j === i ? it : x)) };
  });
}

/**
 * Shows a screen state and keeps its case in step: the state's own case (GET), a case the answer carried, the item
 * the answer changed, or, for a case this page has not seen yet (opened by a scan-first item, resumed), the GET.
 */
function showScreen(s: ScreenState, from: { case?: CaseView; item?: CaseItemView; fetched?: boolean } = {}): void {
  screen.set(s);
  if (s.case) openCase.set(s.case);
  else if (!s.caseId) openCase.set(null);
  else if (from.case?.id === s.caseId) openCase.set(from.case);
  else if (openCase.get()?.id === s.caseId) {
    if (from.item) keepItem(from.item);
  } else if (!from.fetched) void refreshScreen();
}

/**
 * Keys whose accepted answer this page has already shown (BUG-66). The second tap of a double tap sends the same key
 * and gets the same answer back (`duplicate: true`, or first, should the two requests cross): it refreshes the screen
 * state but shows no second result and plays no second sound.
 */
const shown = new Set<string>();
const MAX_SHOWN = 200;

/** Records that the accepted answer of `key` is shown now; false when it already was. */
export function firstShowing(key: string): boolean {
  if (shown.has(key)) return false;
  shown.add(key);
  if (shown.size > MAX_SHOWN) {
    const oldest = shown.values().next();
    if (!oldest.done) shown.delete(oldest.value);
  }
  return true;
}

/** Turns any workflow answer into screen state, a result and a sound; `key` is the request's idempotency key. */
export function applyResponse(res: WorkflowScanResponse, t0?: number, key?: string): void {
  const now = Date.now();
  if (res.screen) showScreen(res.screen, res.ok ? { ...(res.case ? { case: res.case } : {}), ...(res.item ? { item: res.item } : {}) } : {});
  if (res.ok && key !== undefined && !firstShowing(key)) return;
  if (!res.ok) {
    const e = res.error;
    const big = e.code === 'WRONG_BIN' ? '✗' : '!';
    result.set({ at: now, tone: 'refused', big, code: e.code, title: e.text ?? { en: e.message, 'zh-CN': e.message }, ...(e.hint ? { hint: e.hint } : {}), ...(e.links ? { links: e.links } : {}) });
    playSound('error');
    afterPaint(t0);
    return;
  }
  const sound: SoundName = res.sound;
  let view: ResultView | null = null;
  if (res.action === 'bin_confirmed' && res.item) {
    view = { at: now, tone: 'confirmed', big: `✓ ${res.item.bin ?? res.item.decision?.bin ?? ''}`, disposition: res.item.decision?.disposition ?? 'restock', title: res.message, itemId: res.item.itemId, undoUntil: now + UNDO_WINDOW_MS, undoKind: 'bin' };
  } else if (res.item && (res.action === 'item_decided' || res.action === 'item_exception' || res.action === 'corrected')) {
    view = itemResult(res.item, now);
    if (view && res.action === 'item_decided') {
      view.undoUntil = now + UNDO_WINDOW_MS;
      view.undoKind = 'grade';
    }
  } else if (res.action === 'case_closed') {
    view = { at: now, tone: 'done', big: '✓', title: res.message };
  } else {
    view = { at: now, tone: 'info', big: '', title: res.message };
  }
  if (view) result.set(view);
  if (res.action !== 'signed_out' && res.action !== 'signed_in') playSound(sound);
  else if (res.action === 'signed_in') playSound('ok');
  afterPaint(t0);
}

function legacyResult(r: ScanResponse, t0?: number): void {
  const now = Date.now();
  if (!r.ok) {
    result.set({ at: now, tone: 'refused', big: '!', title: r.error.text ?? { en: r.error.message, 'zh-CN': r.error.message }, ...(r.error.hint ? { hint: r.error.hint } : {}) });
    playSound('error');
  } else {
    const it: ItemView = r.item;
    result.set({ at: now, tone: it.status === 'exception' ? 'exception' : 'decided', big: it.bin, disposition: it.disposition, title: { en: `${it.disposition.replace(/_/g, ' ')} → ${it.nextDepartment}${it.productName ? ` · ${it.productName}` : ''}`, 'zh-CN': `${it.disposition} → ${it.nextDepartment}` }, explanation: it.explanation, itemId: it.id });
    playSound(it.status === 'exception' ? 'attention' : 'ok');
  }
  afterPaint(t0);
}

export interface ScanInput {
  code: string;
  source: 'barcode' | 'camera' | 'keyboard';
  symbology?: string;
  /** performance.now() of the scan's last key or accepted frame. */
  t0?: number;
}

/**
 * A scan the station has not stored (BUG-52: STORAGE_BUSY, or no answer at all), kept in this page's memory with its
 * request key until it is sent again or discarded. The same key again is stored once, whatever became of the first
 * request, so "Try again" can never make a second item.
 */
export interface DraftScan {
  input: ScanInput;
  key: string;
  at: number;
  why: 'busy' | 'unreachable';
}
export const drafts = new Store<DraftScan[]>([]);
const MAX_DRAFTS = 50;

function keepDraft(s: ScanInput, key: string, r: ApiResult<unknown>): void {
  const busy = isStorageBusy(r);
  if (busy || (!r.ok && r.unreachable === true)) {
    const d: DraftScan = { input: { code: s.code, source: s.source, ...(s.symbology ? { symbology: s.symbology } : {}) }, key, at: Date.now(), why: busy ? 'busy' : 'unreachable' };
    drafts.update((list) => [...list.filter((x) => x.key !== key), d].slice(-MAX_DRAFTS));
  } else if (drafts.get().some((x) => x.key === key)) {
    // Answered: stored, or refused for a reason of its own (shown as any answer). Either way it is no draft any more.
    drafts.update((list) => list.filter((x) => x.key !== key));
  }
}

/** Sends the kept scans again, oldest first, each with its own key; stops at the first one the station still cannot take. */
export async function retryDrafts(): Promise<void> {
  for (const d of [...drafts.get()]) {
    await submitScan(d.input, d.key);
    if (drafts.get().some((x) => x.key === d.key)) return;
  }
}

export function discardDrafts(): void {
  drafts.set([]);
}

/** Every scan goes here: badge, RMA label, item, bin label, tote, department — the station works out which. */
export async function submitScan(s: ScanInput, key = newKey()): Promise<void> {
  if (legacy) {
    const r = await postJson<ScanResponse>('/api/scans', { code: s.code, source: s.source === 'camera' ? 'camera' : 'barcode', ...(s.symbology ? { symbology: s.symbology } : {}), idempotencyKey: key });
    keepDraft(s, key, r);
    if (r.ok || (r.body && typeof r.body === 'object' && 'ok' in r.body)) legacyResult((r.ok ? r.body : r.body) as ScanResponse, s.t0);
    else if (r.unreachable) fatal.set({ kind: 'server' });
    return;
  }
  const r = await postJson<WorkflowScanResponse>('/api/workflow/scan', {
    code: s.code, idempotencyKey: key, screen: OPERATOR_SCREEN, source: s.source, ...(s.symbology ? { symbology: s.symbology } : {}),
  });
  if (r.status === 404 && !(r.body && typeof r.body === 'object' && 'kind' in r.body)) {
    legacy = true;
    return submitScan(s, key);
  }
  keepDraft(s, key, r);
  handleWorkflowAnswer(r, s.t0, key);
}

/** Shows the answer to a workflow POST sent with `key`: its result, a refusal, or the station not answering. */
export function handleWorkflowAnswer(r: ApiResult<WorkflowScanResponse>, t0?: number, key?: string): void {
  if (r.ok) return applyResponse(r.body, t0, key);
  if (r.unreachable) {
    fatal.set({ kind: 'server' });
    return;
  }
  const body = r.body as Partial<WorkflowRefused> | undefined;
  if (body && body.ok === false && body.error) return applyResponse(body as WorkflowRefused, t0, key);
  result.set({ at: Date.now(), tone: 'refused', big: '!', title: { en: `The station refused this (HTTP ${r.status}).`, 'zh-CN': `工作站拒绝了此操作（HTTP ${r.status}）。` } });
  playSound('error');
}

export function operator(): OperatorView | undefined {
  return screen.get()?.operator;
}

function onLive(m: AnyLive): void {
  switch (m.type) {
    case 'hello':
      settings.set(m.settings);
      devices.set(m.devices);
      sync.set(m.sync);
      break;
    case 'device':
      devices.update((list) => [...list.filter((d) => d.id !== m.device.id), m.device].sort((a, b) => a.id.localeCompare(b.id)));
      checkDevices();
      break;
    case 'sync':
      sync.set(m.sync);
      break;
    case 'wf-screen':
      if (m.screen.screen === OPERATOR_SCREEN) showScreen(m.screen);
      break;
    case 'wf-case':
      if (m.case.id === screen.get()?.caseId) openCase.set(m.case);
      break;
    case 'wf-item':
      keepItem(m.item);
      break;
    case 'wf-refused':
      if (m.screen === OPERATOR_SCREEN) applyResponse({ ok: false, kind: 'unknown', sound: 'error', error: m.error });
      break;
    default:
      break;
  }
}

function checkDevices(): void {
  const f = fatal.get();
  const bad = devices.get().find((d) => d.status === 'faulted' && !dismissedFaults.has(d.id));
  if (bad && (!f || f.kind === 'device')) fatal.set({ kind: 'device', id: bad.id, ...(bad.hint ? { detail: bad.hint } : {}) });
  else if (!bad && f?.kind === 'device') fatal.set(null);
}

export function dismissDeviceFault(id: string): void {
  dismissedFaults.add(id);
  if (fatal.get()?.kind === 'device') fatal.set(null);
  checkDevices();
}

async function pollHealth(): Promise<void> {
  const r = await getJson<HealthReport>('/api/health', 4000);
  const h = (r.ok ? r.body : r.body) as HealthReport | undefined;
  const f = fatal.get();
  if ((!r.ok && r.unreachable) || !h || typeof h !== 'object' || !('database' in h)) {
    if (conn.get() !== 'live') fatal.set({ kind: 'server' });
    return;
  }
  recovery.set(h.database.recovery ?? null);
  if (!h.database.ok) fatal.set({ kind: 'database', detail: h.database.path });
  else if (f?.kind === 'server' || f?.kind === 'database') fatal.set(null);
  const fresh = [...h.readers, ...(h.scanners ?? [])];
  devices.update((list) => {
    const ids = new Set(fresh.map((d) => d.id));
    return [...list.filter((d) => !ids.has(d.id)), ...fresh].sort((a, b) => a.id.localeCompare(b.id));
  });
  checkDevices();
}

/** Start the live link, health checks and the first screen state. */
export async function startStation(): Promise<void> {
  let downTimer: ReturnType<typeof setTimeout> | undefined;
  connectLive(onLive, (open) => {
    conn.set(open ? 'live' : 'down');
    if (open) {
      if (downTimer) clearTimeout(downTimer);
      void pollHealth();
      void refreshScreen();
    } else {
      // A short blip (server restart) is not worth a full-screen message; a lasting one is.
      downTimer ??= setTimeout(() => {
        downTimer = undefined;
        if (conn.get() !== 'live') void pollHealth();
      }, 2500);
    }
  });
  setInterval(() => void pollHealth(), 5000);
  await refreshScreen();
  const c = await getJson<WorkflowConfigView>('/api/workflow/config');
  if (c.ok) wfConfig.set(c.body);
}

async function refreshScreen(): Promise<void> {
  const r = await getJson<ScreenState>(`/api/workflow/screens/${OPERATOR_SCREEN}`);
  if (r.ok) {
    legacy = false;
    showScreen(r.body, { fetched: true });
  } else if (r.status === 404 && !(r.body && typeof r.body === 'object' && 'awaiting' in r.body)) {
    legacy = true;
  }
}

export function isLegacy(): boolean {
  return legacy;
}
