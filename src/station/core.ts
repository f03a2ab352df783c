import { randomBytes } from 'node:crypto';
import { sha1Hex } from '../core/hash.js';
import type BetterSqlite3 from 'better-sqlite3';
import { isSqliteBusy, STORAGE_BUSY_HINT, STORAGE_BUSY_TEXT, StorageBusyError } from '../core/busy.js';
import { StationError } from '../core/errors.js';
import type { ScanKind, Text, WorkflowError, WorkflowRefused, WorkflowScanResponse } from '../server/api/workflow-types.js';
import type { WorkEvent } from '../workload/types.js';
import type { WorkflowDeps } from './ports.js';

/** A refusal raised inside an action: rolls the transaction back and becomes a 4xx answer. */
export class Refusal extends StationError {
  constructor(
    readonly wfCode: string,
    readonly text: Text,
    readonly extra: Partial<Pick<WorkflowError, 'hint' | 'links' | 'details'>> & { kind?: ScanKind; status?: number; work?: WorkEvent } = {},
  ) {
    super(wfCode, text.en);
  }

  toError(): WorkflowError {
    return { code: this.wfCode, message: this.text.en, text: this.text, ...(this.extra.hint ? { hint: this.extra.hint } : {}), ...(this.extra.links ? { links: this.extra.links } : {}), ...(this.extra.details ? { details: this.extra.details } : {}) };
  }
}

export const tx2 = (en: string, zh: string): Text => ({ en, 'zh-CN': zh });

/** The answer to an action the database was too busy to store (BUG-52): 503, nothing changed, the screen keeps the scan. */
export function storageBusyRefusal(kind: ScanKind = 'unknown'): Refusal {
  return new Refusal('STORAGE_BUSY', { ...STORAGE_BUSY_TEXT }, { status: 503, kind, hint: STORAGE_BUSY_HINT });
}

/** The workflow's shared state: deps, prepared statements, the clock, transactions and idempotency. */
export class Core {
  readonly db: BetterSqlite3.Database;
  private readonly stmts = new Map<string, BetterSqlite3.Statement>();
  private secret: string | undefined;
  private readonly pendingWork: WorkEvent[] = [];
  private runTx: BetterSqlite3.Transaction<(f: () => unknown) => unknown> | undefined;

  constructor(readonly deps: WorkflowDeps) {
    this.db = deps.db;
  }

  now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  st(sql: string): BetterSqlite3.Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  /**
   * One IMMEDIATE transaction; a Refusal thrown inside rolls everything back. Another program holding the database
   * beyond the connection's busy timeout (BUG-52) is StorageBusyError, thrown before anything ran: no waiting here,
   * because a wait in a synchronous call freezes the whole station. Callers on an asynchronous path try again
   * without blocking (Workflow.stored, the group commit; core/busy.ts).
   */
  tx<T>(fn: () => T): T {
    // One wrapper for every call (better-sqlite3 builds five closures per `transaction()`): BEGIN IMMEDIATE at the
    // top, a savepoint when nested, exactly as a fresh wrapper would.
    const run = (this.runTx ??= this.db.transaction((f: () => unknown) => f())) as BetterSqlite3.Transaction<(f: () => T) => T>;
    if (this.db.inTransaction) return run(fn);
    try {
      return run.immediate(fn);
    } catch (e) {
      if (isSqliteBusy(e)) throw new StorageBusyError(e);
      throw e;
    }
  }

  /** Pseudonym secret: made once per station database, never leaves it. */
  siteSecret(): string {
    if (this.secret) return this.secret;
    const row = this.st("SELECT value FROM meta WHERE key = 'operator_secret'").get() as { value: string } | undefined;
    if (row) return (this.secret = row.value);
    const s = randomBytes(32).toString('hex');
    this.st("INSERT OR IGNORE INTO meta (key, value) VALUES ('operator_secret', ?)").run(s);
    return (this.secret = (this.st("SELECT value FROM meta WHERE key = 'operator_secret'").get() as { value: string }).value);
  }

  /** Buffered inside the transaction, handed to the workload monitor only after commit. */
  work(ev: Omit<WorkEvent, 'station'>): void {
    if (this.deps.work) this.pendingWork.push({ ...ev, station: this.deps.station });
  }

  flushWork(): void {
    const sink = this.deps.work;
    if (!sink) return;
    for (const ev of this.pendingWork.splice(0)) {
      try {
        sink(ev);
      } catch {
        // Workload figures must never block a return.
      }
    }
  }

  dropWork(): void {
    this.pendingWork.length = 0;
  }

  /**
   * Runs a user action once per idempotency key (BUG-66). The first answer is stored in the same transaction as
   * the action's changes; the same key again gets that answer back with `duplicate: true`, the same key for a
   * different request is refused.
   */
  once(kind: string, key: string, request: unknown, fn: () => WorkflowScanResponse, refreshed?: (r: WorkflowScanResponse) => WorkflowScanResponse): WorkflowScanResponse {
    // The request itself (small) is its fingerprint: comparing it is cheaper than hashing every action.
    const reqHash = `${kind}\u0000${JSON.stringify(request)}`;
    const prior = this.st('SELECT kind, request_hash, response_json FROM wf_actions WHERE key = ?').get(key) as { kind: string; request_hash: string; response_json: string } | undefined;
    if (prior) {
      if (prior.request_hash !== reqHash) {
        return refusedOf(new Refusal('IDEMPOTENCY_CONFLICT', tx2('This action key was already used for a different action.', '该操作键已用于另一个操作。'), { status: 409, details: { kind: prior.kind } }), 'unknown');
      }
      const r = JSON.parse(prior.response_json) as WorkflowScanResponse;
      const again = { ...r, duplicate: true };
      return refreshed ? refreshed(again) : again;
    }
    try {
      const res = this.tx(() => {
        const r = fn();
        // Inside the transaction: operator activity commits with the action, without a second disk sync.
        this.flushWork();
        this.st('INSERT INTO wf_actions (key, kind, request_hash, response_json, at) VALUES (?, ?, ?, ?, ?)').run(key, kind, reqHash, JSON.stringify(compact(r)), this.now());
        return r;
      });
      return res;
    } catch (e) {
      this.dropWork();
      if (e instanceof Refusal) {
        const refused = refusedOf(e, e.extra.kind ?? 'unknown');
        // Refusals that count (a wrong bin is a misbin) are stored too, so a retried refusal counts once.
        if (e.extra.details?.record === true) this.recordRefusal(kind, key, reqHash, refused);
        // Work counted by a refusal (a misbin) is recorded after the rollback, or it would vanish with it.
        if (e.extra.work) {
          this.pendingWork.push(e.extra.work);
          this.flushWork();
        }
        return refused;
      }
      throw e;
    }
  }

  private recordRefusal(kind: string, key: string, reqHash: string, r: WorkflowRefused): void {
    this.tx(() => this.st('INSERT OR IGNORE INTO wf_actions (key, kind, request_hash, response_json, at) VALUES (?, ?, ?, ?, ?)').run(key, kind, reqHash, JSON.stringify(r), this.now()));
  }
}

/**
 * What is kept of an answer for replays: the item and case by id, no screen (a replay rebuilds those as they are
 * now, see Workflow.after), so the stored answer stays small.
 */
function compact(r: WorkflowScanResponse): unknown {
  if (!r.ok) return r;
  const { screen: _s, item, case: c, ...rest } = r;
  return { ...rest, ...(item ? { item: { itemId: item.itemId } } : {}), ...(c ? { case: { id: c.id } } : {}) };
}

export function refusedOf(e: Refusal, kind: ScanKind): WorkflowRefused {
  const error = e.toError();
  if (error.details) {
    const { record: _r, ...rest } = error.details;
    if (Object.keys(rest).length) error.details = rest;
    else delete error.details;
  }
  return { ok: false, kind, sound: 'error', error };
}

export function statusOf(r: WorkflowScanResponse): number {
  if (r.ok) return 200;
  switch (r.error.code) {
    case 'REQUEST_INVALID':
      return 400;
    case 'SIGN_IN_REQUIRED':
    case 'BADGE_UNKNOWN':
    case 'PIN_REQUIRED':
    case 'PIN_WRONG':
      return 401;
    case 'ROLE_REQUIRED':
      return 403;
    case 'PIN_LOCKED':
      return 429;
    case 'CASE_UNKNOWN':
    case 'ITEM_UNKNOWN':
    case 'HANDOFF_UNKNOWN':
    case 'EXCEPTION_UNKNOWN':
      return 404;
    case 'IDEMPOTENCY_CONFLICT':
    case 'SCREEN_BUSY':
      return 409;
    case 'STORAGE_BUSY':
      return 503;
    default:
      return 422;
  }
}

/** Short random-ish ids that sort by time. */
export function newId(prefix: string, at: number, key: string): string {
  return `${prefix}-${at.toString(36)}-${sha1Hex(key).slice(0, 10)}`;
}

