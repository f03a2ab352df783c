/**
 * The returns-workflow API (issue 8): operators, cases, grading, bins, exceptions, totes, handoffs, corrections.
 * Type-only module shared by the station (src/server/routes/workflow*.ts) and the screens (src/ui/). Stable: fields
 * are only ever added, never renamed or removed.
 *
 * Conventions
 * - Every POST carries `idempotencyKey` (1..128 chars, e.g. a UUID made when the button was pressed or the scan
 *   arrived). The same key again returns the first answer with `duplicate: true` and changes nothing (BUG-66).
 *   The same key with a different request is refused with `IDEMPOTENCY_CONFLICT` (HTTP 409).
 * - `screen` names the operator screen (one active operator per screen); default `"main"`.
 * - Errors: HTTP 4xx with `{ ok: false, error: WorkflowError }`. Refused scans (wrong bin, nothing returnable …)
 *   are HTTP 422 and carry `sound: 'error'`; the screen state comes along so the UI never has to re-fetch.
 * - Texts for people come as `Text` (English + Simplified Chinese); codes are for programs.
 * - Times are milliseconds since the Unix epoch.
 * - Operators appear as pseudonyms (`op-…`) everywhere except `displayName`, which only the station's own screens get.
 */

export interface Text {
  en: string;
  'zh-CN': string;
}

export type Role = 'operator' | 'supervisor' | 'admin';

/** Sound the screen plays: ok = accepted, error = refused (wrong bin …), attention = needs a person, done = case complete. */
export type Sound = 'ok' | 'error' | 'attention' | 'done';

export interface OperatorView {
  /** Pseudonym used in events and HQ views; stable per badge. */
  pseudonym: string;
  /** Shown on this station's screens only; never leaves the station. */
  displayName: string;
  role: Role;
  /** Set for receivers in a department (their badge at a handoff names the department). */
  department?: string;
  signedInAt: number;
  screen: string;
}

// ───────────────────────────── scanning ─────────────────────────────

/** What a scanned code was taken to be. */
export type ScanKind = 'badge' | 'case' | 'item' | 'bin' | 'tote' | 'department' | 'unknown';

/** POST /api/workflow/scan — whatever was scanned, routed by what it is. */
export interface WorkflowScanRequest {
  code: string;
  idempotencyKey: string;
  screen?: string;
  source?: 'barcode' | 'camera' | 'rfid' | 'keyboard';
  /** AIM symbology id (e.g. `]C1`), when the scanner sent one. */
  symbology?: string;
  /** A badge scan with a PIN typed on the keypad (sites that require PINs). */
  pin?: string;
  /**
   * Answers known up front (e.g. from a scenario or a quick-grade button); skip the matching questions.
   * Keys are fact names of the grading flow: reason, grade, packaging, …
   */
  answers?: Record<string, string>;
}

/** What the scan (or button) did. */
export type WorkflowAction =
  | 'signed_in'
  | 'signed_out'
  | 'case_opened'
  | 'case_resumed'
  | 'case_closed'
  | 'item_added'
  | 'item_merged'
  | 'question'
  | 'item_decided'
  | 'item_exception'
  | 'bin_confirmed'
  | 'bin_selected'
  | 'packed'
  | 'tote_selected'
  | 'handed_off'
  | 'acknowledged'
  | 'exception_resolved'
  | 'corrected'
  | 'override'
  /** A customer note was stored for an item (BUG-57). */
  | 'note_saved';

/** What the screen should ask for next. */
export type Awaiting =
  | 'sign_in'
  /** scan an RMA / order / tracking label or an item */
  | 'case_or_item'
  /** answer `ScreenState.question` for `pendingItemId` */
  | 'grading'
  /** scan the bin label of `expectedBin` for `pendingItemId` */
  | 'bin'
  /** scan a tote label to pack `selectedBin`'s items */
  | 'tote'
  /** scan a department code or the receiver's badge to hand off `selectedTote` */
  | 'receiver';

export interface ScreenState {
  screen: string;
  operator?: OperatorView;
  awaiting: Awaiting;
  /** One line for the operator: what to do now. */
  prompt: Text;
  caseId?: string;
  case?: CaseView;
  /** The item the screen is working on (grading or bin confirmation). */
  pendingItemId?: string;
  question?: GradingQuestion;
  /** Bin the pending item must go to (internal bin name, e.g. RESTOCK) and the label text to scan (BIN-RESTOCK). */
  expectedBin?: { bin: string; labels: string[] };
  /** Bin selected for packing (scanned while no item awaited a bin). */
  selectedBin?: string;
  /** Tote selected for handoff. */
  selectedTote?: string;
}

export type WorkflowScanResponse = WorkflowOk | WorkflowRefused;

export interface WorkflowOk {
  ok: true;
  kind: ScanKind;
  action: WorkflowAction;
  sound: Sound;
  message: Text;
  screen: ScreenState;
  item?: CaseItemView;
  case?: CaseView;
  tote?: ToteView;
  handoff?: HandoffView;
  exception?: ExceptionView;
  /** The idempotency key was seen before: this is the first answer again, nothing changed. */
  duplicate?: boolean;
}

export interface WorkflowRefused {
  ok: false;
  kind: ScanKind;
  sound: 'error';
  error: WorkflowError;
  screen?: ScreenState;
  duplicate?: boolean;
}

export type WorkflowErrorCode =
  | 'REQUEST_INVALID'
  | 'IDEMPOTENCY_CONFLICT'
  | 'SIGN_IN_REQUIRED'
  | 'BADGE_UNKNOWN'
  | 'PIN_REQUIRED'
  | 'PIN_WRONG'
  | 'SCREEN_BUSY'
  | 'ROLE_REQUIRED'
  | 'CODE_UNKNOWN'
  | 'RMA_UNKNOWN'
  /** BUG-60: every line of this order/RMA is already returned; `links` point to the earlier returns. */
  | 'NOTHING_RETURNABLE'
  | 'NO_OPEN_CASE'
  | 'CASE_UNKNOWN'
  | 'CASE_CLOSED'
  | 'ITEM_UNKNOWN'
  | 'GRADING_PENDING'
  /** A new item or case was scanned while an earlier item still waits for its answers or its bin scan; nothing stored. */
  | 'ITEM_PENDING'
  | 'ANSWER_INVALID'
  | 'BIN_PENDING'
  /** The scanned bin is not the one the screen shows; nothing was stored (a misbin is counted). */
  | 'WRONG_BIN'
  | 'NO_ITEM_AWAITING_BIN'
  | 'BIN_EMPTY'
  | 'TOTE_EMPTY'
  | 'TOTE_HANDED_OFF'
  | 'NO_TOTE_SELECTED'
  | 'DEPARTMENT_UNKNOWN'
  | 'HANDOFF_UNKNOWN'
  | 'ALREADY_ACKNOWLEDGED'
  | 'EXCEPTION_UNKNOWN'
  | 'EXCEPTION_RESOLVED'
  | 'NOTHING_TO_CORRECT'
  /** A customer note longer than 500 characters; nothing stored. */
  | 'NOTE_TOO_LONG'
  | 'STORAGE_BUSY'
  /** Identity refusals pass through with their own codes (GS1_BAD_CHECK_DIGIT, EPC_UNKNOWN_HEADER, …). */
  | (string & {});

export interface WorkflowError {
  code: WorkflowErrorCode;
  message: string;
  text: Text;
  /** What to do about it. */
  hint?: string;
  /** Related records to show as links (BUG-60: the earlier return; BUG-63: the latest shipment). */
  links?: Array<{ kind: 'case' | 'rma' | 'order'; id: string; label: string }>;
  details?: Record<string, unknown>;
}

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

// ───────────────────────────── grading ─────────────────────────────

export interface GradingAnswerOption {
  value: string;
  label: Text;
}

export interface GradingQuestion {
  id: string;
  /** The fact this question sets (grade, packaging, reason …). */
  fact: string;
  text: Text;
  answers: GradingAnswerOption[];
}

/** POST /api/workflow/items/:itemId/answer */
export interface AnswerRequest {
  questionId: string;
  value: string;
  screen?: string;
  idempotencyKey: string;
}

// ───────────────────────────── cases ─────────────────────────────

export type CaseItemState =
  /** questions still open */
  | 'grading'
  /** decided; waiting for the bin label scan */
  | 'decided'
  | 'binned'
  | 'packed'
  | 'handed_off'
  /** in the exceptions queue; never stock until a supervisor resolves it */
  | 'exception';

export interface CaseItemView {
  itemId: string;
  caseId: string;
  at: number;
  source: 'rfid' | 'barcode' | 'camera' | 'keyboard';
  raw: string;
  gtin?: string;
  serial?: string;
  lot?: string;
  epc?: string;
  productName?: string;
  category?: string;
  /** In the product's base unit (a box GTIN of 6 adds 6). */
  quantity: number;
  /** The scanned GTIN when it was a pack of the base GTIN. */
  packGtin?: string;
  orderNo?: string;
  orderLine?: number;
  state: CaseItemState;
  answers: Record<string, string>;
  question?: GradingQuestion;
  decision?: {
    disposition: string;
    bin: string;
    binLabels: string[];
    nextDepartment: string;
    explanation: Text;
    ruleSet: { id: string; version: string; hash: string };
  };
  exception?: { id: string; code: ExceptionCode; message: string; text: Text };
  /** Bin confirmed by scan. */
  bin?: string;
  tote?: string;
  handoffId?: string;
  /** Corrections made to this item (newest last). */
  corrections?: Array<{ kind: 'bin' | 'grade'; at: number; from: string; to: string; reason: string }>;
  /** What identity said about the scan (possibleMissingSeparator …), kept with the item; never dropped. */
  warnings?: ScanWarning[];
  /** The newest customer note typed on the operator screen (BUG-57); absent when none or cleared. */
  customerNote?: CustomerNoteView;
}

export interface CustomerNoteView {
  text: string;
  at: number;
  /** Pseudonym of the operator who saved it. */
  by?: string;
}

/** The longest customer note the station stores (characters); the screen stops typing there too. */
export const NOTE_MAX_CHARS = 500;

/**
 * POST /api/workflow/items/:itemId/note — stores the customer note for an item (at most 500 characters; empty clears
 * it). Every version is kept on record; the item view shows the newest.
 */
export interface NoteRequest {
  note: string;
  screen?: string;
  idempotencyKey: string;
}

/** Which field an uncertain reading is about; `other` = any other variable-length AI. */
export type ReadingField = 'lot' | 'serial' | 'count' | 'other';

/** Code of the hold while a reading is unconfirmed (the exception code on the plain scan path). */
export type UnconfirmedCode = 'LOT_UNCONFIRMED' | 'SERIAL_UNCONFIRMED' | 'COUNT_UNCONFIRMED' | 'READING_UNCONFIRMED';

/**
 * A variable-length field whose value is uncertain, e.g. a lot read without its closing separator (BUG-19 d,
 * BUG-27 b): `21G0073JZ2023` as sent, or `21G0073JZ` followed by (20) 23. Nothing uses the value until a person
 * has confirmed one of the readings.
 */
export interface UncertainReading {
  ai: string;
  field: ReadingField;
  /** The value exactly as the scanner sent it. */
  asRead: string;
  /** The other reading: the field shorter, its tail as further AIs. Absent when no such reading is valid GS1. */
  split?: { value: string; ais: Record<string, string> };
  code: UnconfirmedCode;
  status: 'unconfirmed' | 'confirmed' | 'rejected';
  /** The operator's answer: the value as sent, the split reading, or neither (exceptions bin). */
  choice?: 'as_read' | 'split' | 'neither';
  /** The confirmed value of the field. */
  value?: string;
  by?: string;
  at?: number;
}

export interface ScanWarning {
  /** The identity warning code: possibleMissingSeparator, GS1_RESTRICTED_CIRCULATION, … */
  code: string;
  /** Identity's own message. */
  message: string;
  /** For the operator, when the warning needs one (uncertain readings). */
  text?: Text;
  /** Set when the warning makes a variable-length field's value uncertain. */
  reading?: UncertainReading;
}

export interface ExpectedLineView {
  lineNo: number;
  gtin: string;
  sku?: string;
  productName?: string;
  /** All quantities in base units. */
  qtyOrdered: number;
  qtyShipped: number;
  /** Accepted in earlier returns (other cases). */
  qtyReturnedBefore: number;
  qtyInThisCase: number;
  /** qtyShipped − qtyReturnedBefore − qtyInThisCase, never below 0. */
  returnable: number;
  uom: string;
  unitsPerUom: number;
  serialsShipped: string[];
  serialsReturned: string[];
  lotsShipped: string[];
}

export interface CaseView {
  id: string;
  status: 'open' | 'closed';
  openedAt: number;
  closedAt?: number;
  screen: string;
  /** Pseudonym of the operator who opened it. */
  operator?: string;
  rma?: string;
  orderNo?: string;
  tracking?: string;
  deliveredAt?: number;
  customerReason?: string;
  /** Opened against the BUG-60 block by a supervisor. */
  override?: { by: string; reason: string; at: number };
  lines: ExpectedLineView[];
  items: CaseItemView[];
  /** Earlier returns of the same order (BUG-60 links). */
  earlierReturns: Array<{ caseId: string; rma?: string; closedAt?: number }>;
}

/** POST /api/workflow/cases/:caseId/close */
export interface CloseCaseRequest {
  screen?: string;
  idempotencyKey: string;
}

/** POST /api/workflow/cases/override — open a case although nothing is returnable (BUG-60). Supervisor only. */
export interface CaseOverrideRequest {
  /** The RMA / order / tracking code that was blocked. */
  code: string;
  reason: string;
  /** A supervisor's badge (and PIN when required), unless a supervisor is signed in on `screen`. */
  supervisorBadge?: string;
  supervisorPin?: string;
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
  resolution?: { kind: ExceptionResolution; reason: string; by: string; at: number; disposition?: string; bin?: string };
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

/**
 * Routes (all JSON):
 *
 * | method | path | body → answer |
 * |---|---|---|
 * | POST | /api/workflow/scan | WorkflowScanRequest → WorkflowScanResponse |
 * | POST | /api/workflow/sign-in | SignInRequest → WorkflowScanResponse |
 * | POST | /api/workflow/sign-out | SignOutRequest → WorkflowScanResponse |
 * | GET  | /api/workflow/screens/:screen | → ScreenState |
 * | POST | /api/workflow/operators | OperatorUpsertRequest → { ok, operator: { pseudonym, displayName, role, department? } } |
 * | GET  | /api/workflow/config | → WorkflowConfigView |
 * | GET  | /api/workflow/overview | → WorkflowOverview |
 * | GET  | /api/workflow/cases?status=open\|closed&limit= | → { cases: CaseView[] } |
 * | GET  | /api/workflow/cases/:caseId | → CaseView |
 * | POST | /api/workflow/cases/:caseId/close | CloseCaseRequest → WorkflowScanResponse |
 * | POST | /api/workflow/cases/override | CaseOverrideRequest → WorkflowScanResponse |
 * | POST | /api/workflow/items/:itemId/answer | AnswerRequest → WorkflowScanResponse |
 * | POST | /api/workflow/items/:itemId/confirm-bin | ConfirmBinRequest → WorkflowScanResponse |
 * | POST | /api/workflow/items/:itemId/correct | CorrectionRequest → WorkflowScanResponse |
 * | POST | /api/workflow/items/:itemId/note | NoteRequest → WorkflowScanResponse |
 * | GET  | /api/workflow/items/:itemId | → CaseItemView |
 * | GET  | /api/workflow/exceptions?status=open\|resolved&limit= | → { exceptions: ExceptionView[] } |
 * | POST | /api/workflow/exceptions/:id/resolve | ResolveExceptionRequest → WorkflowScanResponse |
 * | GET  | /api/workflow/totes?status= | → { totes: ToteView[] } |
 * | POST | /api/workflow/totes/:tote/pack | PackRequest → WorkflowScanResponse |
 * | GET  | /api/workflow/handoffs?status=pending\|escalated\|acknowledged | → { handoffs: HandoffView[] } |
 * | POST | /api/workflow/handoffs | HandoffRequest → WorkflowScanResponse |
 * | POST | /api/workflow/handoffs/:id/ack | AcknowledgeRequest → WorkflowScanResponse |
 * | POST | /api/workflow/import/returns | ImportRequest → ImportReport |
 * | POST | /api/workflow/import/catalog | ImportRequest → ImportReport |
 */
export const WORKFLOW_API_VERSION = 1;
