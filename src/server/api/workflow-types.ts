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
import type { ExceptionCode, ExceptionView, HandoffView, ToteView } from './workflow-supervision-types.js';

export type * from './workflow-supervision-types.js';

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
  /**
   * Bins, totes, departments and badges are the station's own labels, matched whatever their letter case; this scan
   * matches several that differ only in letter case, so none is taken. `details.matches` names them (badges: how many).
   */
  | 'BADGE_AMBIGUOUS'
  | 'BIN_AMBIGUOUS'
  | 'TOTE_AMBIGUOUS'
  | 'DEPARTMENT_AMBIGUOUS'
  /** Registering a badge that differs from a registered one only in letter case; nothing stored. */
  | 'BADGE_CONFLICT'
  /** A badge code shorter than 4 or longer than 128 characters (src/core/badge.ts), refused at registration. */
  | 'BADGE_INVALID'
  | 'PIN_REQUIRED'
  | 'PIN_WRONG'
  /** Too many wrong PINs for this badge: locked for a while (HTTP 429); `details.retryAfterSec`; a right PIN is refused too. */
  | 'PIN_LOCKED'
  | 'SCREEN_BUSY'
  | 'ROLE_REQUIRED'
  | 'CODE_UNKNOWN'
  | 'RMA_UNKNOWN'
  /**
   * RMA, order and tracking numbers are found whatever their letter case; this one matches several stored references
   * that differ only in letter case, so none is opened. `links` and `details.matches` name them.
   */
  | 'RMA_AMBIGUOUS'
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
  /** accept for an exception the rules cannot decide (a product missing from the catalog): quarantine or send back. */
  | 'RESOLUTION_INVALID'
  | 'NOTHING_TO_CORRECT'
  /** A customer note longer than 500 characters; nothing stored. */
  | 'NOTE_TOO_LONG'
  /** Complete return on a case with no item: refused unless confirmEmpty (an empty return is a question, not a default). */
  | 'RETURN_EMPTY'
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
  /** A return with no item is completed only when this says so (else RETURN_EMPTY). */
  confirmEmpty?: boolean;
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
