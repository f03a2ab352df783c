import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import { badgeProblem } from '../core/badge.js';
import { foldedIndexMatches } from '../catalog/case-refs.js';
import { createLogger } from '../core/logger.js';
import { LoginThrottle } from '../core/throttle.js';
import type { HealthWarning } from '../server/api-types.js';
import type { OperatorView, Role } from '../server/api/workflow-types.js';
import { operatorPseudonym } from '../workload/privacy.js';
import { Core, Refusal, tx2 } from './core.js';
import type { WorkflowDeps } from './ports.js';
import { registeredBadge } from './labels.js';

/** Operators and who is signed in on which screen. The badge id stays here; everything else uses the pseudonym. */
export interface OperatorRow {
  id: string;
  badge: string;
  display_name: string;
  role: Role;
  pin_hash: string | null;
  department: string | null;
}

export interface ScreenRow {
  screen: string;
  operator: string | null;
  signed_in_at: number | null;
  case_id: string | null;
  selected_bin: string | null;
  selected_tote: string | null;
}

const log = createLogger('station.operators');

/**
 * Wrong PINs per badge, like the web sign-in's throttle: in memory, so a restart forgives them (a restart is
 * visible and slow; the log keeps every lock). One per workflow, on its own clock.
 */
const pinThrottles = new WeakMap<Core, LoginThrottle>();
function pinThrottle(core: Core): LoginThrottle {
  let t = pinThrottles.get(core);
  if (!t) {
    const { pinMaxFailures, pinLockMinutes } = core.deps.config;
    t = new LoginThrottle(pinMaxFailures, pinLockMinutes * 60_000, () => core.now());
    pinThrottles.set(core, t);
  }
  return t;
}

function pinLocked(retryAfterMs: number): Refusal {
  const min = Math.max(1, Math.ceil(retryAfterMs / 60_000));
  return new Refusal(
    'PIN_LOCKED',
    tx2(`Too many wrong PINs for this badge. It is locked for ${min} more minute${min === 1 ? '' : 's'}.`, `此工牌的PIN码错误次数过多，已锁定 ${min} 分钟。`),
    { kind: 'badge', hint: 'Wait until the lock ends, or ask another supervisor. If this was not you, tell a supervisor: someone may be guessing this PIN.', details: { retryAfterSec: Math.ceil(retryAfterMs / 1000) } },
  );
}

/**
 * Badges whose PIN is locked now, as warnings for /api/health (where a supervisor looks for what needs a person):
 * the pseudonym and role, never the badge; gone by themselves when the lock ends.
 */
export function pinLockWarnings(core: Core): HealthWarning[] {
  const t = pinThrottles.get(core);
  if (!t) return [];
  return t.locked().map((l) => {
    const op = operatorById(core, l.key.replace(/^badge:/, ''));
    const who = op ? `${op.role === 'operator' ? 'An operator' : `A ${op.role}`}'s badge (${op.display_name}, ${op.id})` : 'A badge';
    return {
      code: 'PIN_LOCKED' as const,
      message: `${who}: PIN locked after ${core.deps.config.pinMaxFailures} wrong tries, until ${new Date(l.until).toISOString().slice(11, 16)} UTC.`,
      hint: 'If that person did not mistype it, someone may be guessing the PIN: ask who used the station, and change the PIN (POST /api/workflow/operators, or returns-station user add --replace).',
      since: l.since,
    };
  });
}

const RANK: Record<Role, number> = { operator: 0, supervisor: 1, admin: 2 };

export function hashPin(pin: string): string {
  const salt = randomBytes(16);
  return `scrypt$${salt.toString('hex')}$${scryptSync(pin, salt, 32).toString('hex')}`;
}

export function pinMatches(pin: string, stored: string): boolean {
  const [, salt, h] = stored.split('$');
  if (!salt || !h) return false;
  const got = scryptSync(pin, Buffer.from(salt, 'hex'), 32);
  const want = Buffer.from(h, 'hex');
  return got.length === want.length && timingSafeEqual(got, want);
}

/**
 * The operator a scanned badge names, whatever its letter case (BUG-15 kind: `b-100` is B-100). Badges registered
 * before that may differ only in case: such a scan is refused as BADGE_AMBIGUOUS, never given to one of them.
 */
export function operatorByBadge(core: Core, badge: string): OperatorRow | undefined {
  const registered = registeredBadge(core, badge);
  return registered === undefined ? undefined : exactBadge(core, registered);
}

/** Whether a badge is registered in any letter case (also when several are). */
export function badgeTaken(core: Core, badge: string): boolean {
  return foldedIndexMatches(core.db, 'wf_operators', 'badge', badge.trim()).length > 0;
}

function exactBadge(core: Core, badge: string): OperatorRow | undefined {
  return core.st('SELECT id, badge, display_name, role, pin_hash, department FROM wf_operators WHERE badge = ?').get(badge) as OperatorRow | undefined;
}

export function operatorById(core: Core, id: string): OperatorRow | undefined {
  return core.st('SELECT id, badge, display_name, role, pin_hash, department FROM wf_operators WHERE id = ?').get(id) as OperatorRow | undefined;
}

export function operatorCount(core: Core): number {
  return core.st('SELECT COUNT(*) FROM wf_operators').pluck().get() as number;
}

export function upsertOperator(core: Core, o: { badge: string; displayName: string; role: Role; pin?: string | undefined; department?: string | undefined }): OperatorRow {
  const badge = o.badge.trim();
  const bp = badgeProblem(badge);
  if (bp) throw new Refusal('BADGE_INVALID', tx2(`This badge cannot be registered: ${bp}.`, `此工牌无法登记：工牌码须为 4 到 128 个字符。`), { kind: 'badge', details: { field: 'badge' } });
  // A second badge that differs from one registered only in letter case would make both ambiguous at every scan.
  const clash = foldedIndexMatches(core.db, 'wf_operators', 'badge', badge).filter((b) => b !== badge);
  if (clash.length > 0) {
    throw new Refusal(
      'BADGE_CONFLICT',
      tx2(
        `Badge ${badge} differs from the registered badge ${clash.join(', ')} only in letter case: a scanner could not tell them apart.`,
        `工牌 ${badge} 与已登记的工牌 ${clash.join('、')} 仅大小写不同：扫描枪无法区分。`,
      ),
      { kind: 'badge', hint: `To change that operator, register the badge as ${clash[0] ?? ''}; a new person needs a badge that differs in more than letter case.`, details: { registered: clash } },
    );
  }
  const id = operatorPseudonym(badge, core.siteSecret());
  const now = core.now();
  core
    .st(`INSERT INTO wf_operators (id, badge, display_name, role, pin_hash, department, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT(badge) DO UPDATE SET display_name = excluded.display_name, role = excluded.role,
      pin_hash = COALESCE(excluded.pin_hash, wf_operators.pin_hash), department = excluded.department, updated_at = excluded.updated_at`)
    .run(id, badge, o.displayName, o.role, o.pin ? hashPin(o.pin) : null, o.department ?? null, now, now);
  return exactBadge(core, badge) as OperatorRow;
}

/** Checks a badge (+ PIN when required or set). Throws a Refusal a warehouse person understands. */
export function authenticate(core: Core, badge: string, pin: string | undefined): OperatorRow {
  const op = operatorByBadge(core, badge);
  if (!op) throw new Refusal('BADGE_UNKNOWN', tx2('This badge is not registered at this station.', '此工牌未在本工位登记。'), { kind: 'badge', hint: 'Ask a supervisor to register the badge.' });
  if (op.pin_hash || core.deps.config.requirePin) {
    if (pin === undefined) throw new Refusal('PIN_REQUIRED', tx2('Enter your PIN.', '请输入PIN码。'), { kind: 'badge' });
    // Checked before the PIN, so a right PIN during the lock is refused as well: guessing gains nothing.
    const throttle = pinThrottle(core);
    const keys = [`badge:${op.id}`];
    const wait = throttle.retryAfterMs(keys);
    if (wait > 0) {
      log.warn({ operator: op.id, role: op.role, retryAfterSec: Math.ceil(wait / 1000) }, 'PIN refused: badge locked after too many wrong PINs');
      throw pinLocked(wait);
    }
    if (!op.pin_hash || !pinMatches(pin, op.pin_hash)) {
      throttle.fail(keys);
      const locked = throttle.retryAfterMs(keys);
      // Pseudonym and role only: the badge itself stays in wf_operators.
      if (locked > 0) log.warn({ operator: op.id, role: op.role, lockMinutes: core.deps.config.pinLockMinutes }, 'badge PIN locked after too many wrong PINs');
      else log.warn({ operator: op.id, role: op.role }, 'wrong PIN');
      throw new Refusal('PIN_WRONG', tx2('Wrong PIN.', 'PIN码错误。'), { kind: 'badge' });
    }
    throttle.succeed(keys);
  }
  return op;
}

export function requireRole(op: OperatorRow | undefined, role: Role): OperatorRow {
  if (!op || RANK[op.role] < RANK[role]) {
    throw new Refusal('ROLE_REQUIRED', tx2(`A ${role} must do this.`, role === 'supervisor' ? '需要主管操作。' : '需要管理员操作。'), { hint: `Sign in as a ${role}, or scan a ${role}'s badge.` });
  }
  return op;
}

export function screenRow(core: Core, screen: string): ScreenRow {
  const r = core.st('SELECT screen, operator, signed_in_at, case_id, selected_bin, selected_tote FROM wf_screens WHERE screen = ?').get(screen) as ScreenRow | undefined;
  return r ?? { screen, operator: null, signed_in_at: null, case_id: null, selected_bin: null, selected_tote: null };
}

export function saveScreen(core: Core, s: ScreenRow): void {
  core
    .st(`INSERT INTO wf_screens (screen, operator, signed_in_at, case_id, selected_bin, selected_tote, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT(screen) DO UPDATE SET operator = excluded.operator, signed_in_at = excluded.signed_in_at, case_id = excluded.case_id,
      selected_bin = excluded.selected_bin, selected_tote = excluded.selected_tote, updated_at = excluded.updated_at`)
    .run(s.screen, s.operator, s.signed_in_at, s.case_id, s.selected_bin, s.selected_tote, core.now());
}

/** screenRow and the signed-in operator's row (operatorById) in one query: every action and screen state needs both. */
export function screenWithOperator(core: Core, screen: string): { s: ScreenRow; op: OperatorRow | undefined } {
  const r = core
    .st(`SELECT s.screen, s.operator, s.signed_in_at, s.case_id, s.selected_bin, s.selected_tote,
      o.id AS o_id, o.badge AS o_badge, o.display_name AS o_display_name, o.role AS o_role, o.pin_hash AS o_pin_hash, o.department AS o_department
      FROM wf_screens s LEFT JOIN wf_operators o ON o.id = s.operator WHERE s.screen = ?`)
    .get(screen) as (ScreenRow & { o_id: string | null; o_badge: string; o_display_name: string; o_role: Role; o_pin_hash: string | null; o_department: string | null }) | undefined;
  if (!r) return { s: { screen, operator: null, signed_in_at: null, case_id: null, selected_bin: null, selected_tote: null }, op: undefined };
  const s: ScreenRow = { screen: r.screen, operator: r.operator, signed_in_at: r.signed_in_at, case_id: r.case_id, selected_bin: r.selected_bin, selected_tote: r.selected_tote };
  const op: OperatorRow | undefined = r.operator && r.o_id !== null ? { id: r.o_id, badge: r.o_badge, display_name: r.o_display_name, role: r.o_role, pin_hash: r.o_pin_hash, department: r.o_department } : undefined;
  return { s, op };
}

export function signedIn(core: Core, screen: string): { screen: ScreenRow; op: OperatorRow } {
  const { s, op } = screenWithOperator(core, screen);
  if (!op) throw new Refusal('SIGN_IN_REQUIRED', tx2('Scan your badge to sign in first.', '请先扫描工牌登录。'), { hint: 'Scan your badge (or type it with your PIN).' });
  return { screen: s, op };
}

export function operatorView(op: OperatorRow, s: ScreenRow): OperatorView {
  return { pseudonym: op.id, displayName: op.display_name, role: op.role, ...(op.department ? { department: op.department } : {}), signedInAt: s.signed_in_at ?? 0, screen: s.screen };
}

export function signIn(core: Core, screen: string, op: OperatorRow, method: string): ScreenRow {
  const s = screenRow(core, screen);
  const at = core.now();
  if (s.operator && s.operator !== op.id) signOut(core, screen);
  const next: ScreenRow = { ...screenRow(core, screen), operator: op.id, signed_in_at: at };
  saveScreen(core, next);
  core.st('INSERT INTO wf_sessions (operator, screen, signed_in_at, method) VALUES (?, ?, ?, ?)').run(op.id, screen, at, method);
  core.work({ at, operator: op.id, kind: 'sign_in' });
  return next;
}

export function signOut(core: Core, screen: string): ScreenRow {
  const s = screenRow(core, screen);
  const at = core.now();
  if (s.operator) {
    core.st('UPDATE wf_sessions SET signed_out_at = ? WHERE operator = ? AND screen = ? AND signed_out_at IS NULL').run(at, s.operator, screen);
    core.work({ at, operator: s.operator, kind: 'sign_out' });
  }
  const next: ScreenRow = { ...s, operator: null, signed_in_at: null, selected_bin: null, selected_tote: null };
  saveScreen(core, next);
  return next;
}

/**
 * Registers an operator in a station database from outside a running station (`returns-station user add --badge`),
 * so the badge signs in on the operator screen as well as on /api/auth/login, with the same role.
 */
export function registerOperator(db: BetterSqlite3.Database, o: { badge: string; displayName: string; role: Role; pin?: string | undefined }): OperatorRow {
  // upsertOperator needs only the database, the clock and the station's pseudonym secret (kept in the database):
  // none of the workflow's other parts (rules, catalog, events) take part in registering a badge.
  const core = new Core({ db } as unknown as WorkflowDeps);
  return core.tx(() => upsertOperator(core, o));
}
