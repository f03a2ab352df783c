import { findCaseCode } from '../catalog/expected.js';
import { BusyBackoff, busyPolicyOf, isBusyError, retryWhileBusy } from '../core/busy.js';
import { errorMessage } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { identify, identifyEpcHex } from '../identity/index.js';
import type {
  AcknowledgeRequest, AnswerRequest, CaseOverrideRequest, CloseCaseRequest, ConfirmBinRequest, CorrectionRequest, HandoffRequest, NoteRequest, PackRequest,
  ResolveExceptionRequest, ScanKind, ScreenState, SignInRequest, SignOutRequest, Text, WorkflowAction, WorkflowOk, WorkflowScanRequest, WorkflowScanResponse,
} from '../server/api/workflow-types.js';
import { addItem, answer, closeCase, openCase, type AddResult } from './cases.js';
import { Core, Refusal, refusedOf, storageBusyRefusal, tx2 } from './core.js';
import { GroupCommit } from './group-commit.js';
import { isToteLabel, toteOfLabel } from './labels.js';
import * as L from './logistics.js';
import { saveNote } from './notes.js';
import { awaitingSerial, looksLikeSerial, serialScanned } from './serials.js';
import { authenticate, operatorByBadge, requireRole, screenRow, signedIn, signIn, signOut, type OperatorRow, type ScreenRow } from './operators.js';
import type { WorkflowDeps } from './ports.js';
import { getCase, getException, getHandoff, getTote, getWfItem, pendingItem, type WfItemRow } from './rows.js';
import { correct, resolveException } from './supervision.js';
import { caseView, exceptionView, handoffView, itemView, questionOf, screenState, toteView } from './views.js';

const DEFAULT_SCREEN = 'main';
const log = createLogger('workflow');
const CASE_CODE = /^(RMA|RET|RA|SO|DN|ORD|ORDER)[-_ ]?[A-Z0-9]/i;

/**
 * The returns workflow of one station. Every public action takes an idempotency key and runs as one transaction:
 * the state change, its EPCIS events (outbox) and the stored answer commit together or not at all.
 */
export class Workflow {
  readonly core: Core;
  private timer: NodeJS.Timeout | undefined;

  constructor(deps: WorkflowDeps) {
    this.core = new Core(deps);
  }

  /** Starts the escalation check for unacknowledged handoffs. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      try {
        this.checkEscalations();
      } catch (e) {
        // From a timer nothing may escape (it would end the process); a busy database is simply checked next time.
        if (isBusyError(e)) log.info('escalation check skipped: the station database is busy; next check as scheduled');
        else log.error({ err: errorMessage(e) }, 'escalation check failed');
      }
    }, this.core.deps.config.escalationCheckSec * 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Live pushes wait for the commit when actions run in a batch: a screen must never show what might roll back. */
  private deferred: Array<(() => void) | undefined> | undefined;
  /**
   * In a batch, each screen's state is worked out once, after the commit, and shared by every answer and push of
   * the batch: the state between two actions of one transaction was never committed, so no screen should show it.
   */
  private screens: Map<string, ScreenState> | undefined;
  private screenPushAt: Map<string, number> | undefined;
  // A batch the database was too busy to start (BUG-52) is tried again without blocking (core/busy.ts policy).
  private readonly group = new GroupCommit<WorkflowScanResponse>((fn) => this.batch(fn), 512, {
    retryable: isBusyError,
    backoff: () => new BusyBackoff(busyPolicyOf(this.core.db)),
  });
  /** > 0 while stored() runs an action: a busy database is thrown to it (to wait and try again), not answered. */
  private busyThrows = 0;

  private emit(msg: Parameters<NonNullable<WorkflowDeps['emit']>>[0]): void {
    const sink = this.core.deps.emit;
    if (!sink) return;
    const later = this.deferred;
    if (!later) return sink(msg);
    if (msg.type === 'wf-screen') {
      // One push per screen per batch, in the place of its last action: they would all carry the same state.
      const at = this.screenPushAt?.get(msg.screen.screen);
      if (at !== undefined) later[at] = undefined;
      this.screenPushAt?.set(msg.screen.screen, later.length);
    }
    later.push(() => sink(msg));
  }

  private screenOf(name: string): ScreenState {
    const later = this.screens;
    if (!later) return screenState(this.core, name);
    let s = later.get(name);
    if (!s) later.set(name, (s = { screen: name } as ScreenState));
    return s;
  }

  /**
   * Group commit: runs several actions in ONE transaction, each in its own savepoint (a refused action rolls back
   * alone). One disk sync for the lot instead of one per action; answers and pushes only after the commit.
   */
  batch<T>(fn: () => T): T {
    if (this.deferred) return fn();
    const pushes: Array<(() => void) | undefined> = [];
    const screens = new Map<string, ScreenState>();
    this.deferred = pushes;
    this.screens = screens;
    this.screenPushAt = new Map();
    let out: T;
    try {
      out = this.core.tx(fn);
    } finally {
      this.deferred = undefined;
      this.screens = undefined;
      this.screenPushAt = undefined;
    }
    for (const [name, st] of screens) Object.assign(st, screenState(this.core, name));
    for (const p of pushes) p?.();
    return out;
  }

  /**
   * Queues an action for the next group commit (same event-loop turn); resolves after its batch committed. Still
   * busy after the wait and the retries (BUG-52): the STORAGE_BUSY answer for `screen`, nothing stored.
   */
  enqueue(run: () => WorkflowScanResponse, screen = DEFAULT_SCREEN): Promise<WorkflowScanResponse> {
    return this.group.enqueue(run).catch((e: unknown) => {
      if (isBusyError(e)) return this.busyAnswer(screen);
      throw e;
    });
  }

  /** `scan`, group-committed with whatever else arrives in the same turn (HTTP, RFID). */
  scanQueued(req: WorkflowScanRequest): Promise<WorkflowScanResponse> {
    return this.enqueue(() => this.scan(req), req.screen ?? DEFAULT_SCREEN);
  }

  /**
   * An action from the HTTP API (sign-in, answer, confirm-bin …): runs now; while another program holds the database
   * (BUG-52) it is tried again after asynchronous pauses, so /api/health, MQTT and the other screens are served
   * meanwhile. Still busy after the wait and the retries: the STORAGE_BUSY answer (503), nothing stored.
   */
  async stored(screen: string | undefined, act: () => WorkflowScanResponse): Promise<WorkflowScanResponse> {
    try {
      return await retryWhileBusy(this.core.db, () => {
        this.busyThrows++;
        try {
          return act();
        } finally {
          this.busyThrows--;
        }
      });
    } catch (e) {
      if (isBusyError(e)) return this.busyAnswer(screen ?? DEFAULT_SCREEN);
      throw e;
    }
  }

  /** STORAGE_BUSY for a screen, as any refusal: pushed to the screen, with its current state. */
  private busyAnswer(screen: string): WorkflowScanResponse {
    return this.after(refusedOf(storageBusyRefusal(), 'unknown'), screen);
  }

  private ok(kind: ScanKind, action: WorkflowAction, screen: string, message: Text, more: Partial<WorkflowOk> = {}, sound: WorkflowOk['sound'] = 'ok'): WorkflowOk {
    return { ok: true, kind, action, sound, message, screen: this.screenOf(screen), ...more };
  }

  /** After an action: push what changed to the screens, and refresh a replayed answer's screen state. */
  private after(res: WorkflowScanResponse, screen: string): WorkflowScanResponse {
    if (res.duplicate) {
      if (!res.ok) return res;
      // Stored answers keep ids only: rebuild the views as they are now.
      const item = res.item ? getWfItem(this.core, res.item.itemId) : undefined;
      const c = res.case ? getCase(this.core, res.case.id) : undefined;
      const { item: _i, case: _c, ...rest } = res;
      return { ...rest, ...(item ? { item: itemView(this.core, item) } : {}), ...(c ? { case: caseView(this.core, c) } : {}), screen: this.screenOf(screen) };
    }
    if (!res.ok) {
      this.emit({ type: 'wf-refused', screen, error: res.error });
      return { ...res, screen: this.screenOf(screen) };
    }
    if (res.item) this.emit({ type: 'wf-item', item: res.item });
    if (res.exception) this.emit({ type: 'wf-exception', exception: res.exception });
    if (res.tote) this.emit({ type: 'wf-tote', tote: res.tote });
    if (res.handoff) this.emit({ type: 'wf-handoff', handoff: res.handoff });
    if (res.case) this.emit({ type: 'wf-case', case: res.case });
    this.emit({ type: 'wf-screen', screen: res.screen });
    return res;
  }

  private run(kind: string, key: string, screen: string, request: unknown, fn: () => WorkflowScanResponse): WorkflowScanResponse {
    let res: WorkflowScanResponse;
    try {
      res = this.core.once(kind, key, request, fn);
    } catch (e) {
      // The database was busy and nothing ran (Core.tx). Inside stored() or a batch the caller waits and tries again;
      // a direct call gets the STORAGE_BUSY answer at once (one attempt, bounded by the connection's busy timeout).
      if (!isBusyError(e) || this.busyThrows > 0 || this.deferred) throw e;
      return this.busyAnswer(screen);
    }
    return this.after(res, screen);
  }

  // ───────────── scanning ─────────────

  /** Whatever was scanned, routed by what it is (badge, bin, department, tote, case label, item). */
  scan(req: WorkflowScanRequest): WorkflowScanResponse {
    const screen = req.screen ?? DEFAULT_SCREEN;
    const { idempotencyKey: key, ...request } = req;
    return this.run('scan', key, screen, request, () => this.route(req, screen, key));
  }

  private route(req: WorkflowScanRequest, screenName: string, key: string): WorkflowScanResponse {
    const core = this.core;
    const code = req.code.trim();
    const badge = operatorByBadge(core, code);
    if (badge) return this.badgeScanned(badge, screenName, req.pin, key);
    const { screen, op } = signedIn(core, screenName);
    const bin = L.binOfLabel(core, code);
    if (bin !== undefined) return this.binScanned(screen, op, code, bin, key);
    const dept = L.departmentOfCode(core, code);
    if (dept !== undefined) return this.handoffTo(screen, op, dept, key);
    if (isToteLabel(core, code)) return this.toteScanned(screen, op, toteOfLabel(core, code), 'label', key);
    // RMA, order and tracking numbers first: an order number may look like anything, even digits.
    if (req.source !== 'rfid') {
      const ref = this.tryCase(screen, op, code, key, req.source);
      if (ref) return ref;
    }
    const id = req.source === 'rfid' ? identifyEpcHex(code) : identify(code, req.symbology ? { symbology: req.symbology } : undefined);
    // BUG-64: the screen asks for the serial of the item it holds; the serial label (alone, or the item's GS1 string
    // with AI 21) is that answer, not a new item.
    const waiting = req.source !== 'rfid' ? awaitingSerial(core, pendingOpen(core, screen)) : undefined;
    if (waiting) {
      const sameItem = id.ok && id.identity.gtin !== undefined && (id.identity.gtin === waiting.gtin || id.identity.gtin === waiting.pack_gtin);
      const serial = id.ok ? (sameItem ? id.identity.serial : undefined) : looksLikeSerial(code) ? code : undefined;
      if (serial) return this.itemResponse({ row: serialScanned(core, waiting, serial, key), merged: false });
    }
    if (!id.ok) {
      if (CASE_CODE.test(code)) throw new Refusal('RMA_UNKNOWN', tx2(`${code} is not an RMA, order or tracking number this station knows.`, `${code} 不是本工位已知的退货授权、订单或运单号。`), { kind: 'case' });
      throw new Refusal(id.error.code === 'NOT_GS1' ? 'CODE_UNKNOWN' : id.error.code, tx2(id.error.message, `无法识别：${id.error.message}`), { kind: 'unknown' });
    }
    if (id.identity.grai || id.identity.sscc) return this.toteScanned(screen, op, id.identity.epc?.pureIdentityUri ?? id.identity.grai ?? id.identity.sscc ?? code, id.identity.grai ? 'grai' : 'sscc', key);
    if (!id.identity.gtin) throw new Refusal('CODE_UNKNOWN', tx2('This code names no product.', '此码不对应任何商品。'), { kind: 'unknown' });
    if (req.source !== 'rfid') this.refuseWhilePending(screen, 'item');
    return this.itemResponse(addItem(core, screen, op, { identity: id.identity, warnings: id.warnings, source: req.source ?? 'barcode', raw: code, answers: req.answers ?? {}, key }));
  }

  private tryCase(screen: ScreenRow, op: OperatorRow, code: string, key: string, source: WorkflowScanRequest['source']): WorkflowScanResponse | undefined {
    // Most scans are items: look the code up first rather than paying for a refusal every time.
    const found = findCaseCode(this.core.db, code);
    if (found.kind === 'none') return undefined;
    // Several returns whose references differ only in letter case: refused by openCase (it never guesses), unless
    // an item is still pending, which is said first.
    const ref = found.kind === 'found' ? found.ref : undefined;
    // Another case would take the screen away from an item still waiting for its answers or its bin; the current
    // case's own label (resume) changes nothing and stays allowed.
    const current = screen.case_id ? getCase(this.core, screen.case_id) : undefined;
    const same = ref !== undefined && current?.status === 'open' && current.order_no === ref.orderNo && (ref.rma === undefined || current.rma === ref.rma);
    if (source !== 'rfid' && !same) this.refuseWhilePending(screen, 'case');
    try {
      const { case: c, resumed } = ref ? openCase(this.core, screen, op, code, key, undefined, ref) : openCase(this.core, screen, op, code, key);
      return this.ok('case', resumed ? 'case_resumed' : 'case_opened', screen.screen, tx2(`Case ${c.rma ?? c.order_no ?? c.id} ${resumed ? 'resumed' : 'opened'}: scan the items.`, `退货单 ${c.rma ?? c.order_no ?? c.id} 已${resumed ? '继续' : '打开'}：请扫描商品。`), { case: caseView(this.core, c) });
    } catch (e) {
      if (e instanceof Refusal && e.wfCode === 'RMA_UNKNOWN') return undefined;
      throw e;
    }
  }

  /**
   * One item at a time on a scanning screen: while an earlier item still waits for its answers or its bin scan, a new
   * item (or another case) is refused, or the screen's bin prompt would point at one item while the operator holds
   * another (wrong-bin risk). RFID bulk reads are not refused: their tags queue as pending items by design.
   */
  private refuseWhilePending(screen: ScreenRow, kind: ScanKind): void {
    const core = this.core;
    const p = pendingOpen(core, screen);
    if (!p) return;
    const product = core.deps.catalog.get(p.pack_gtin ?? p.gtin ?? undefined) ?? core.deps.catalog.get(p.gtin ?? undefined);
    const name = product?.name ?? p.gtin ?? p.raw;
    const details = { pendingItemId: p.item_id, awaiting: p.state === 'grading' ? 'grading' : 'bin' };
    if (p.state === 'grading') {
      const q = questionOf(core, p, product?.category);
      const text = q
        ? tx2(`First answer: ${q.text.en} (${name})`, `请先回答：${q.text['zh-CN']}（${name}）`)
        : tx2(`First answer the questions for the ${name}.`, `请先回答 ${name} 的问题。`);
      throw new Refusal('ITEM_PENDING', text, { kind, details: { ...details, ...(q ? { questionId: q.id } : {}) } });
    }
    const bin = p.bin_expected ?? '';
    if (awaitingSerial(core, p)) {
      throw new Refusal('ITEM_PENDING', tx2(`First scan the serial label of the ${name} (or put it in bin ${bin} and scan the bin label).`, `请先扫描 ${name} 的序列号标签（或将其放入货位 ${bin} 并扫描货位标签）。`), { kind, details: { ...details, awaiting: 'serial', bin } });
    }
    throw new Refusal('ITEM_PENDING', tx2(`First put the ${name} in bin ${bin} and scan the bin label.`, `请先将 ${name} 放入货位 ${bin} 并扫描货位标签。`), { kind, details: { ...details, bin } });
  }

  private badgeScanned(badge: OperatorRow, screenName: string, pin: string | undefined, key: string): WorkflowScanResponse {
    const core = this.core;
    const s = screenRow(core, screenName);
    // With a tote selected, another person's badge is the receiver: handoff to their department, acknowledged.
    if (s.operator && s.operator !== badge.id && s.selected_tote && badge.department) {
      const { op } = signedIn(core, screenName);
      return this.handoffTo(s, op, badge.department, key, badge);
    }
    if (s.operator === badge.id) {
      signOut(core, screenName);
      return this.ok('badge', 'signed_out', screenName, tx2(`Signed out. Thank you, ${badge.display_name}.`, `已退出。谢谢，${badge.display_name}。`), {}, 'done');
    }
    const op = authenticate(core, badge.badge, pin);
    signIn(core, screenName, op, 'badge');
    return this.ok('badge', 'signed_in', screenName, tx2(`Hello ${op.display_name}.`, `你好，${op.display_name}。`));
  }

  private binScanned(screen: ScreenRow, op: OperatorRow, label: string, bin: string, key: string): WorkflowScanResponse {
    const core = this.core;
    const pending = L.isBinLabel(core, label) ? pendingOpen(core, screen) : undefined;
    if (pending && pending.state !== 'grading') {
      const r = L.confirmBin(core, screen, op, label, key);
      return this.ok('bin', 'bin_confirmed', screen.screen, tx2(`In ${r.bin}. Next item.`, `已放入 ${r.bin}。下一件。`), { item: itemView(core, r) });
    }
    if (pending?.state === 'grading') throw new Refusal('GRADING_PENDING', tx2('Answer the questions for this item first.', '请先回答该商品的问题。'), { kind: 'bin' });
    const { bin: selected, n } = L.selectBin(core, screen, bin);
    return this.ok('bin', 'bin_selected', screen.screen, tx2(`${selected}: ${n} item(s). Scan a tote to pack them.`, `${selected}：${n} 件。请扫描周转箱装箱。`));
  }

  private toteScanned(screen: ScreenRow, op: OperatorRow, tote: string, kind: 'label' | 'grai' | 'sscc', key: string): WorkflowScanResponse {
    const core = this.core;
    const pendingHo = L.pendingHandoffOfTote(core, tote);
    if (pendingHo && op.department === pendingHo.department) {
      const h = L.acknowledge(core, pendingHo.id, op.id, key);
      return this.ok('tote', 'acknowledged', screen.screen, tx2(`Tote ${tote} received by ${h.department}.`, `${h.department} 已接收周转箱 ${tote}。`), { handoff: handoffView(h) }, 'done');
    }
    if (screen.selected_bin) {
      const { tote: t, items } = L.pack(core, screen, op, tote, kind, { bin: screen.selected_bin }, key);
      return this.ok('tote', 'packed', screen.screen, tx2(`${items.length} item(s) packed into ${tote}. Scan the department or receiver.`, `已将 ${items.length} 件装入 ${tote}。请扫描部门或接收人。`), { tote: toteView(core, t) });
    }
    const t = L.selectTote(core, screen, tote);
    return this.ok('tote', 'tote_selected', screen.screen, tx2(`Tote ${tote} selected: scan the department or receiver.`, `已选择周转箱 ${tote}：请扫描部门或接收人。`), { tote: toteView(core, t) });
  }

  private handoffTo(screen: ScreenRow, op: OperatorRow, department: string, key: string, receiver?: OperatorRow): WorkflowScanResponse {
    const core = this.core;
    if (!screen.selected_tote) throw new Refusal('NO_TOTE_SELECTED', tx2('Scan the tote first, then the department.', '请先扫描周转箱，再扫描部门。'), { kind: 'department' });
    const h = L.handoff(core, screen, op, screen.selected_tote, department, key, receiver);
    const t = getTote(core, h.tote);
    return this.ok('department', h.acknowledged_at ? 'acknowledged' : 'handed_off', screen.screen, tx2(`Tote ${h.tote} handed to ${department}${h.acknowledged_at ? ' and acknowledged' : ''}.`, `周转箱 ${h.tote} 已交给 ${department}${h.acknowledged_at ? '并已确认' : ''}。`), {
      handoff: handoffView(h),
      ...(t ? { tote: toteView(core, t) } : {}),
    }, 'done');
  }

  private itemResponse(res: AddResult): WorkflowOk {
    const core = this.core;
    const r = res.row;
    const c = res.case ?? getCase(core, r.case_id);
    const item = itemView(core, r, !res.merged);
    const more: Partial<WorkflowOk> = { item };
    if (res.caseOpened) more.case = caseView(core, res.caseOpened);
    if (res.merged) return this.ok('item', 'item_merged', c?.screen ?? DEFAULT_SCREEN, tx2('Already in this case: not added twice.', '已在此退货单中：不会重复添加。'), more);
    if (r.state === 'exception') {
      const ex = r.exception_id ? getException(core, r.exception_id) : undefined;
      if (ex) more.exception = exceptionView(core, ex);
      return this.ok('item', 'item_exception', c?.screen ?? DEFAULT_SCREEN, item.exception?.text ?? tx2('Exceptions bin.', '放入异常区。'), more, 'attention');
    }
    if (r.state === 'grading') return this.ok('item', 'question', c?.screen ?? DEFAULT_SCREEN, item.question?.text ?? tx2('Answer the question.', '请回答问题。'), more);
    return this.ok('item', 'item_decided', c?.screen ?? DEFAULT_SCREEN, tx2(`Put it in ${r.bin_expected ?? ''}.`, `请放入 ${r.bin_expected ?? ''}。`), more);
  }

  /** An RFID tag arrived at the intake: added to the RFID screen's open case. Undefined when no case is open there. */
  addRfid(p: { epc: string; key: string; firstSeen: number; sharedEpc?: boolean; needsManualCount?: boolean }, answers: Record<string, string> = {}): WorkflowScanResponse | undefined {
    const core = this.core;
    const screenName = core.deps.config.rfidScreen;
    const s = screenRow(core, screenName);
    const c = s.case_id ? getCase(core, s.case_id) : undefined;
    if (!s.operator || c?.status !== 'open') return undefined;
    return this.rfidAction(p, answers, screenName)();
  }

  /** The same as addRfid, group-committed with the other tags of the same read burst. */
  addRfidQueued(p: Parameters<Workflow['addRfid']>[0], answers: Record<string, string> = {}): Promise<WorkflowScanResponse> | undefined {
    const core = this.core;
    const screenName = core.deps.config.rfidScreen;
    const s = screenRow(core, screenName);
    const c = s.case_id ? getCase(core, s.case_id) : undefined;
    if (!s.operator || c?.status !== 'open') return undefined;
    return this.enqueue(this.rfidAction(p, answers, screenName), screenName);
  }

  private rfidAction(p: Parameters<Workflow['addRfid']>[0], answers: Record<string, string>, screenName: string): () => WorkflowScanResponse {
    const core = this.core;
    const key = `rfid:${p.key}:${p.firstSeen}`;
    return () => this.run('rfid', key, screenName, { epc: p.epc }, () => {
      const { screen, op } = signedIn(core, screenName);
      const id = identifyEpcHex(p.epc);
      if (!id.ok) throw new Refusal(id.error.code, tx2(id.error.message, `无法识别标签：${id.error.message}`), { kind: 'item' });
      return this.itemResponse(addItem(core, screen, op, { identity: id.identity, warnings: id.warnings, source: 'rfid', raw: p.epc, answers, key, sharedEpc: p.sharedEpc === true || p.needsManualCount === true }));
    });
  }

  // ───────────── buttons ─────────────

  signIn(req: SignInRequest): WorkflowScanResponse {
    const screen = req.screen ?? DEFAULT_SCREEN;
    return this.run('sign-in', req.idempotencyKey, screen, { badge: req.badge, screen }, () => {
      const op = authenticate(this.core, req.badge, req.pin);
      signIn(this.core, screen, op, req.pin ? 'pin' : 'badge');
      return this.ok('badge', 'signed_in', screen, tx2(`Hello ${op.display_name}.`, `你好，${op.display_name}。`));
    });
  }

  signOut(req: SignOutRequest): WorkflowScanResponse {
    const screen = req.screen ?? DEFAULT_SCREEN;
    return this.run('sign-out', req.idempotencyKey, screen, { screen }, () => {
      signOut(this.core, screen);
      return this.ok('badge', 'signed_out', screen, tx2('Signed out.', '已退出。'), {}, 'done');
    });
  }

  answer(itemId: string, req: AnswerRequest): WorkflowScanResponse {
    const screen = req.screen ?? DEFAULT_SCREEN;
    return this.run('answer', req.idempotencyKey, screen, { itemId, q: req.questionId, v: req.value }, () => {
      signedIn(this.core, screen);
      const r = answer(this.core, itemId, req.questionId, req.value, req.idempotencyKey);
      return this.itemResponse({ row: r, merged: false });
    });
  }

  confirmBin(itemId: string, req: ConfirmBinRequest): WorkflowScanResponse {
    const screen = req.screen ?? DEFAULT_SCREEN;
    return this.run('confirm-bin', req.idempotencyKey, screen, { itemId, label: req.label }, () => {
      const { screen: s, op } = signedIn(this.core, screen);
      const r = L.confirmBin(this.core, s, op, req.label, req.idempotencyKey, itemId);
      return this.ok('bin', 'bin_confirmed', screen, tx2(`In ${r.bin}.`, `已放入 ${r.bin}。`), { item: itemView(this.core, r) });
    });
  }

  closeCase(caseId: string, req: CloseCaseRequest): WorkflowScanResponse {
    const screen = req.screen ?? DEFAULT_SCREEN;
    return this.run('close-case', req.idempotencyKey, screen, { caseId, ...(req.confirmEmpty ? { confirmEmpty: true } : {}) }, () => {
      const { screen: s } = signedIn(this.core, screen);
      const c = closeCase(this.core, s, caseId, req.confirmEmpty === true);
      const ref = c.rma ?? c.order_no;
      return this.ok('case', 'case_closed', screen, ref ? tx2(`Return ${ref} complete: case closed.`, `退货 ${ref} 已完成：退货单已关闭。`) : tx2('Case closed.', '退货单已关闭。'), { case: caseView(this.core, c) }, 'done');
    });
  }

  /** BUG-60 override: a supervisor opens a case although nothing is returnable, with a reason (audited). */
  override(req: CaseOverrideRequest): WorkflowScanResponse {
    const screen = req.screen ?? DEFAULT_SCREEN;
    return this.run('override', req.idempotencyKey, screen, { code: req.code, reason: req.reason, by: req.supervisorBadge }, () => {
      refuseBlankReason(req.reason);
      const sup = this.supervisor(screen, req.supervisorBadge, req.supervisorPin);
      const s = screenRow(this.core, screen);
      const { case: c } = openCase(this.core, s, s.operator ? (signedIn(this.core, screen).op) : sup, req.code.trim(), req.idempotencyKey, { by: sup.id, reason: req.reason });
      this.core.st('INSERT INTO wf_audit (at, kind, subject, by, reason, details_json) VALUES (?, ?, ?, ?, ?, ?)').run(this.core.now(), 'override', c.id, sup.id, req.reason, JSON.stringify({ code: req.code, orderNo: c.order_no }));
      return this.ok('case', 'override', screen, tx2(`Override logged: case ${c.id} opened.`, `已记录特批：退货单 ${c.id} 已打开。`), { case: caseView(this.core, c) }, 'attention');
    });
  }

  private supervisor(screen: string, badge: string | undefined, pin: string | undefined): OperatorRow {
    if (badge) return requireRole(authenticate(this.core, badge, pin), 'supervisor');
    return requireRole(signedIn(this.core, screen).op, 'supervisor');
  }

  resolveException(id: string, req: ResolveExceptionRequest): WorkflowScanResponse {
    const screen = req.screen ?? DEFAULT_SCREEN;
    return this.run('resolve', req.idempotencyKey, screen, { id, resolution: req.resolution, reason: req.reason }, () => {
      refuseBlankReason(req.reason);
      const sup = this.supervisor(screen, req.supervisorBadge, req.supervisorPin);
      const { ex, item } = resolveException(this.core, sup, id, req.resolution, req.reason, req.idempotencyKey);
      const exception = exceptionView(this.core, ex);
      const bin = item?.bin_expected ?? exception.resolution?.bin ?? '';
      return this.ok('item', 'exception_resolved', screen, tx2(`Resolved: ${req.resolution}. Put it in ${bin}.`, `已处理：${req.resolution}。请放入 ${bin}。`), { exception, ...(item ? { item: itemView(this.core, item) } : {}) });
    });
  }

  correct(itemId: string, req: CorrectionRequest): WorkflowScanResponse {
    const screen = req.screen ?? DEFAULT_SCREEN;
    return this.run('correct', req.idempotencyKey, screen, { itemId, kind: req.kind, bin: req.bin, answers: req.answers, reason: req.reason }, () => {
      refuseBlankReason(req.reason);
      const { op } = signedIn(this.core, screen);
      const r = correct(this.core, op, itemId, req, req.idempotencyKey);
      return this.ok('item', 'corrected', screen, tx2('Correction recorded.', '更正已记录。'), { item: itemView(this.core, r) });
    });
  }

  /** BUG-57: the customer note for an item, typed on the operator screen; the same key again changes nothing. */
  note(itemId: string, req: NoteRequest): WorkflowScanResponse {
    const screen = req.screen ?? DEFAULT_SCREEN;
    return this.run('note', req.idempotencyKey, screen, { itemId, note: req.note }, () => {
      const { op } = signedIn(this.core, screen);
      const r = saveNote(this.core, op, itemId, req.note);
      return this.ok('item', 'note_saved', screen, tx2('Note saved.', '备注已保存。'), { item: itemView(this.core, r) });
    });
  }

  pack(label: string, req: PackRequest): WorkflowScanResponse {
    const screen = req.screen ?? DEFAULT_SCREEN;
    return this.run('pack', req.idempotencyKey, screen, { tote: label, itemIds: req.itemIds, bin: req.bin }, () => {
      const { screen: s, op } = signedIn(this.core, screen);
      const kind = L.toteKind(label);
      const tote = kind === 'label' ? toteOfLabel(this.core, label) : label;
      const { tote: t, items } = L.pack(this.core, s, op, tote, kind, { itemIds: req.itemIds, bin: req.bin ?? s.selected_bin ?? undefined }, req.idempotencyKey);
      return this.ok('tote', 'packed', screen, tx2(`${items.length} item(s) packed into ${tote}.`, `已将 ${items.length} 件装入 ${tote}。`), { tote: toteView(this.core, t) });
    });
  }

  handoff(req: HandoffRequest): WorkflowScanResponse {
    const screen = req.screen ?? DEFAULT_SCREEN;
    return this.run('handoff', req.idempotencyKey, screen, { tote: req.tote, department: req.department, receiver: req.receiverBadge }, () => {
      const { screen: s, op } = signedIn(this.core, screen);
      const receiver = req.receiverBadge ? operatorByBadge(this.core, req.receiverBadge) : undefined;
      if (req.receiverBadge && !receiver) throw new Refusal('BADGE_UNKNOWN', tx2("The receiver's badge is not registered.", '接收人工牌未登记。'), { kind: 'badge' });
      const dept = req.department ?? receiver?.department ?? undefined;
      if (!dept) throw new Refusal('DEPARTMENT_UNKNOWN', tx2('Name the department (or scan a receiver who belongs to one).', '请指定部门（或扫描所属部门的接收人）。'), { kind: 'department' });
      const tote = L.toteKind(req.tote) === 'label' ? toteOfLabel(this.core, req.tote) : req.tote;
      return this.handoffTo({ ...s, selected_tote: tote }, op, dept, req.idempotencyKey, receiver);
    });
  }

  acknowledge(handoffId: string, req: AcknowledgeRequest): WorkflowScanResponse {
    const screen = req.screen ?? DEFAULT_SCREEN;
    return this.run('ack', req.idempotencyKey, screen, { handoffId, badge: req.badge }, () => {
      const by = req.badge ? operatorByBadge(this.core, req.badge) : signedIn(this.core, screen).op;
      if (!by) throw new Refusal('BADGE_UNKNOWN', tx2('This badge is not registered at this station.', '此工牌未在本工位登记。'), { kind: 'badge' });
      const h = L.acknowledge(this.core, handoffId, by.id, req.idempotencyKey);
      return this.ok('tote', 'acknowledged', screen, tx2(`Tote ${h.tote} received.`, `周转箱 ${h.tote} 已接收。`), { handoff: handoffView(h) }, 'done');
    });
  }

  /** Escalates unacknowledged handoffs past their time; pushes each to the supervisor view. */
  checkEscalations(now = this.core.now()): number {
    const due = this.core.tx(() => L.escalate(this.core, now));
    for (const h of due) this.emit({ type: 'wf-escalation', handoff: handoffView(h) });
    return due.length;
  }

  // ───────────── reads ─────────────

  screen(name: string): ReturnType<typeof screenState> {
    return screenState(this.core, name, true);
  }

  item(itemId: string): ReturnType<typeof itemView> | undefined {
    const r = getWfItem(this.core, itemId);
    return r ? itemView(this.core, r) : undefined;
  }

  caseById(id: string): ReturnType<typeof caseView> | undefined {
    const c = getCase(this.core, id);
    return c ? caseView(this.core, c) : undefined;
  }

  handoffById(id: string): ReturnType<typeof handoffView> | undefined {
    const h = getHandoff(this.core, id);
    return h ? handoffView(h) : undefined;
  }
}

/** An override or a resolution is audited with its reason: blank ("   ") is none (the HTTP schema says the same). */
function refuseBlankReason(reason: string): void {
  if (reason.trim().length > 0) return;
  throw new Refusal('REQUEST_INVALID', tx2('reason: give a reason.', '原因：请填写原因。'), { details: { field: 'reason' } });
}

function pendingOpen(core: Core, screen: ScreenRow): WfItemRow | undefined {
  const c = screen.case_id ? getCase(core, screen.case_id) : undefined;
  return c?.status === 'open' ? pendingItem(core, c.id) : undefined;
}
