/**
 * The returns-workflow API, second half: sign-in and operators, bins and corrections, exceptions, totes and
 * handoffs, imports, the screens' configuration, the supervisor's overview and the live pushes. Type-only; re-exported by
 * workflow-types.ts (the conventions at its top hold here too), so importers use that one module.
 */
import type { CaseItemView, CaseView, GradingQuestion, Role, ScreenState, Text, UnconfirmedCode, WorkflowError } from './workflow-types.js';

// ───────────────────────────── operators ─────────────────────────────

/** POST /api/workflow/sign-in (badge typed or scanned, PIN keypad). */
export interface SignInRequest {
  badge: string;
  pin?: string;
  screen?: string;
  idempotencyKey: string;
}

/** POST /api/workflow/sign-out */
export interface SignOutRequest {
  screen?: string;
  idempotencyKey: string;
}

/** POST /api/workflow/operators (admin signed in on `screen`, or no operators yet). */
export interface OperatorUpsertRequest {
  badge: string;
  displayName: string;
  role: Role;
  /** 4–8 digits; stored hashed. */
  pin?: string;
  department?: string;
  screen?: string;
  idempotencyKey: string;
}

// ───────────────────────────── bins, corrections ─────────────────────────────

/** POST /api/workflow/items/:itemId/confirm-bin (the same as scanning the label while the item is pending). */
export interface ConfirmBinRequest {
  label: string;
  screen?: string;
  idempotencyKey: string;
}

/**
 * POST /api/workflow/items/:itemId/correct — a correction is a new event declaring the earlier one wrong (EPCIS
 * errorDeclaration) plus the corrective event; nothing is edited in place.
 */
export interface CorrectionRequest {
  kind: 'bin' | 'grade';
  /** kind=bin: the bin the item really went to (bin name or label). */
  bin?: string;
  /** kind=grade: the corrected answers (e.g. { grade: 'used' }); the item is decided again. */
  answers?: Record<string, string>;
  reason: string;
  screen?: string;
  idempotencyKey: string;
}

// ───────────────────────────── exceptions ─────────────────────────────

export type ExceptionCode =
  /** no RMA/order for the item while the station requires one */
  | 'NO_RMA'
  /** the GTIN is not on the order */
  | 'NOT_ON_ORDER'
  /** BUG-61: more units than were shipped on the line ("not shipped on this order") */
  | 'MORE_THAN_SHIPPED'
  /** BUG-64: a serial-tracked product without a serial */
  | 'SERIAL_REQUIRED'
  /** BUG-64: the serial was not shipped on this order */
  | 'SERIAL_NOT_SHIPPED'
  /** BUG-63: the serial was shipped again later on another order; `details.latestOrder` */
  | 'SERIAL_SHIPPED_LATER'
  /** BUG-60/63: this serial or line was already returned */
  | 'ALREADY_RETURNED'
  /** BUG-64: the lot was not shipped on this order */
  | 'LOT_NOT_SHIPPED'
  /** BUG-64 kind: a lot-tracked product returned without its lot, against an order that shipped lots */
  | 'LOT_REQUIRED'
  /** two physical tags carry the same EPC (BUG-40) */
  | 'EPC_SHARED'
  | 'NOT_IN_CATALOG'
  /** the rule set itself sent the item to exceptions */
  | 'RULES_EXCEPTION'
  /** an uncertain reading (lot/serial/count …) nobody could confirm: the operator answered "neither" */
  | UnconfirmedCode
  | (string & {});

export interface ExceptionView {
  id: string;
  code: ExceptionCode;
  message: string;
  text: Text;
  itemId: string;
  caseId: string;
  at: number;
  gtin?: string;
  serial?: string;
  lot?: string;
  productName?: string;
  orderNo?: string;
  rma?: string;
  details?: Record<string, unknown>;
  links?: WorkflowError['links'];
  status: 'open' | 'resolved';
  /** serial_scanned: the operator scanned the serial a SERIAL_REQUIRED item waited for (BUG-64), and it was decided again */
  resolution?: { kind: ExceptionResolution | 'serial_scanned'; reason: string; by: string; at: number; disposition?: string; bin?: string };
}

export type ExceptionResolution =
  /** supervisor accepts it: the rules decide it as if the check had passed (logged as an override) */
  | 'accept'
  /** keep it out of stock: quarantine bin */
  | 'quarantine'
  /** refuse the return: back to the customer */
  | 'return_to_customer';

/** POST /api/workflow/exceptions/:id/resolve (supervisor) */
export interface ResolveExceptionRequest {
  resolution: ExceptionResolution;
  reason: string;
  supervisorBadge?: string;
  supervisorPin?: string;
  screen?: string;
  idempotencyKey: string;
}

// ───────────────────────────── totes and handoffs ─────────────────────────────

export interface ToteView {
  id: string;
  /** label = printed tote label; grai = reusable RFID-tagged tote; sscc = SSCC label */
  kind: 'label' | 'grai' | 'sscc';
  status: 'open' | 'handed_off' | 'acknowledged';
  itemIds: string[];
  bin?: string;
  department?: string;
  handoffId?: string;
  updatedAt: number;
}

/** POST /api/workflow/totes/:tote/pack — pack items (or all unpacked items of `bin`) into the tote. */
export interface PackRequest {
  itemIds?: string[];
  bin?: string;
  screen?: string;
  idempotencyKey: string;
}

export type HandoffStatus = 'pending' | 'escalated' | 'acknowledged';

export interface HandoffView {
  id: string;
  tote: string;
  department: string;
  itemIds: string[];
  handedAt: number;
  /** Pseudonym of who handed it off. */
  handedBy?: string;
  status: HandoffStatus;
  /** When an unacknowledged handoff turns `escalated` (handedAt + escalation time). */
  escalateAt: number;
  escalatedAt?: number;
  acknowledgedAt?: number;
  /** Pseudonym of the receiver. */
  acknowledgedBy?: string;
}

/** POST /api/workflow/handoffs — hand `tote` to `department`, or to the department of `receiverBadge`. */
export interface HandoffRequest {
  tote: string;
  department?: string;
  /** The receiver's badge scanned at the station: the handoff is acknowledged at once. */
  receiverBadge?: string;
  screen?: string;
  idempotencyKey: string;
}

/** POST /api/workflow/handoffs/:id/ack — the receiving side confirms (their badge, or signed in on `screen`). */
export interface AcknowledgeRequest {
  badge?: string;
  screen?: string;
  idempotencyKey: string;
}

// ───────────────────────────── imports ─────────────────────────────

export interface ImportRowError {
  /** 1-based line in the file (CSV: header is line 1); JSON: 1-based index in the array. */
  line: number;
  code: string;
  message: string;
  field?: string;
}

export interface ImportReport {
  kind: 'returns' | 'catalog';
  rows: number;
  /** rows that changed something */
  inserted: number;
  updated: number;
  /** rows identical to what is stored (a re-import reports all rows here) */
  unchanged: number;
  errors: ImportRowError[];
  /** errors beyond this many are counted, not listed */
  errorsTruncated: number;
  /** what was read but not used, e.g. a CSV column that is not part of the format (the rows were still imported) */
  warnings?: string[];
  durationMs: number;
}

/** POST /api/workflow/import/returns|catalog — `format` csv with `text`, or json with `rows`. Supervisor. */
export interface ImportRequest {
  format: 'csv' | 'json';
  text?: string;
  rows?: unknown[];
  screen?: string;
  idempotencyKey: string;
}

// ───────────────────────────── configuration, supervisor view ─────────────────────────────

/** GET /api/workflow/config — what the screens need to draw buttons and labels. */
export interface WorkflowConfigView {
  requireRma: boolean;
  requirePin: boolean;
  escalateAfterMin: number;
  exceptionsBin: string;
  departments: Array<{ id: string; code: string; name: Text }>;
  flows: Record<string, { start: string; questions: GradingQuestion[] }>;
}

/** GET /api/workflow/overview — the supervisor's queue in one call. */
export interface WorkflowOverview {
  openCases: number;
  itemsToday: number;
  openExceptions: number;
  handoffs: { pending: number; escalated: number };
  screens: ScreenState[];
  escalated: HandoffView[];
}

/** Live pushes on WS /api/live, in addition to the existing messages (see api-types.ts LiveMessage). */
export type WorkflowLiveMessage =
  | { type: 'wf-screen'; screen: ScreenState }
  | { type: 'wf-item'; item: CaseItemView }
  | { type: 'wf-case'; case: CaseView }
  | { type: 'wf-exception'; exception: ExceptionView }
  | { type: 'wf-tote'; tote: ToteView }
  | { type: 'wf-handoff'; handoff: HandoffView }
  /** an unacknowledged handoff passed its escalation time: the supervisor view shows it */
  | { type: 'wf-escalation'; handoff: HandoffView }
  | { type: 'wf-refused'; screen: string; error: WorkflowError };
