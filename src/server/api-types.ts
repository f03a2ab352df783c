/**
 * The one HTTP + WebSocket API between the station and its screens. Shared by the server and the UI
 * (type-only imports), so both sides change together.
 */
import type { CaseItemState, GradingQuestion, ScanWarning, Text, WorkflowLiveMessage } from './api/workflow-types.js';
import type { LabelPatterns } from '../../devices/camera/acceptance.js';
import type { WedgeConfig } from '../../devices/scanner/wedge.js';

export type SyncState = 'pending' | 'sent' | 'confirmed';

export interface ItemView {
  id: string;
  at: number;
  /** What identified the item: `rfid` for an EPC, read by a reader or sent as text (`epc:<hex>`, an EPC URI). */
  source: 'rfid' | 'barcode' | 'camera';
  raw: string;
  gtin?: string;
  serial?: string;
  lot?: string;
  epc?: string;
  productName?: string;
  category?: string;
  disposition: string;
  bin: string;
  nextDepartment: string;
  matchedRows: Array<{ table: string; row: number; explanation: { en: string; 'zh-CN': string } }>;
  explanation: { en: string; 'zh-CN': string };
  ruleSet: { id: string; version: string; hash: string };
  status: 'decided' | 'exception';
  /** `text` (English + Simplified Chinese) is set for exceptions that name the item's own data (LOT_UNCONFIRMED …). */
  exception?: { code: string; message: string; text?: Text };
  /**
   * Identity warnings of the scan, kept with the item. A warning with `reading` means a field's value is uncertain:
   * the plain scan path then holds the item as an exception (LOT_UNCONFIRMED …) instead of deciding on it.
   */
  warnings?: ScanWarning[];
  sync: SyncState;
  eventSeqs: number[];
  /** Workflow state (issue 8); absent for items scanned outside a case (the plain /api/scans path). */
  caseId?: string;
  caseState?: CaseItemState;
  /** The open grading question, while caseState is 'grading'. */
  question?: GradingQuestion;
  /** The grading answers given so far (fact → value). */
  answers?: Record<string, string>;
  /** Bin confirmed by scanning its label. */
  binConfirmed?: string;
  tote?: string;
  handoffId?: string;
  rma?: string;
  orderNo?: string;
}

export interface DeviceView {
  id: string;
  kind: 'rfid' | 'scanner' | 'camera';
  status: string;
  detail?: string;
  hint?: string;
}

export interface SyncView {
  connected: boolean;
  /** Events still to go to HQ (sent or not, not yet confirmed); blocked ones are not counted: they never will go. */
  outboxDepth: number;
  unsent: number;
  /** BUG-47: events never sent because they are over the broker's limit; HQ was told to skip their numbers. */
  blocked: number;
  lastConfirmedAt?: number;
  brokerUrl: string;
  /** An alarm on the HQ link that needs a person, e.g. MQTT_DUPLICATE_CLIENT_ID (BUG-45); absent when none stands. */
  alarm?: LinkAlarm;
}

/** An alarm on the HQ link: a stable code, what it means for the station and what to do (`since`: when raised). */
export interface LinkAlarm {
  code: string;
  message: string;
  hint: string;
  since: number;
  details?: Record<string, unknown>;
}

export interface UiSettings {
  /** The keyboard layout the scanners are programmed for (wedge decoding uses KeyboardEvent.code through it). */
  scannerLayout: 'us' | 'uk' | 'fr' | 'de';
  /**
   * `scanner` from station.yaml: wedge affixes, GS text, timing, terminator and the camera's label patterns
   * (docs/scanners.md). Optional only so a page talking to an older station falls back to the built-in defaults.
   */
  scanner?: WedgeConfig & { labels: LabelPatterns };
  site: string;
  station: string;
  /**
   * `returns-station demo` only: its made-up operator badges, offered as sign-in buttons so a first look needs no
   * scanner. A real station never sends badges to the page.
   */
  demoBadges?: Array<{ badge: string; name: string }>;
}

export interface HealthReport {
  ok: boolean;
  station: { site: string; station: string; version: string; uptimeSec: number };
  readers: DeviceView[];
  /** HID scanners from `scanners` in the config (open, closed, wedge, faulted); absent when none is configured. */
  scanners?: DeviceView[];
  /**
   * `error`: why the station is not connected, as the broker or the network said it (e.g. "Not authorized"). `alarm`:
   * a standing HQ-link alarm (BUG-45 MQTT_DUPLICATE_CLIENT_ID); while it stands `ok` is false.
   */
  broker: { connected: boolean; url: string; error?: string; alarm?: LinkAlarm };
  /**
   * `depth`: events HQ has not confirmed yet, blocked ones not counted (they never will be sent). `blockedOversize`:
   * events never sent because they are over the broker's limit (BUG-47): HQ was told to skip their numbers, a person
   * must look (a warning, not an outage: `ok` stays true). `maxEventBytes`: the largest event the broker takes now.
   */
  outbox: { depth: number; unsent: number; blockedOversize: number; maxEventBytes?: number; lastConfirmedAt?: number };
  /**
   * Things a person must look at that do not stop the station (blocked events, a database restored at start-up), and
   * those that do (a database started empty: `ok` is false until a supervisor acknowledges it). Absent when none.
   */
  warnings?: HealthWarning[];
  /**
   * `recoveredFrom`: start-up found the database damaged and restored this backup (null: no usable backup, a fresh
   * database was started). `waitingForHq`: new events are held until HQ says its highest sequence. `resync`: the
   * events HQ sent back after the restore (BUG-54, docs/sync.md Recovery). `busy`: writes waiting for another
   * program's lock on the database (BUG-52); they are stored when it lets go, or answered STORAGE_BUSY.
   */
  database: {
    ok: boolean;
    path: string;
    items: number;
    recoveredFrom?: string | null;
    recoveredAt?: number;
    movedAside?: string[];
    waitingForHq?: boolean;
    /** BUG-52: writes waiting right now because another program holds the database (since: when the first began) */
    busy?: { waiting: number; since?: number };
    resync?: { pending: boolean; fromSeq?: number; events: number; doneAt?: number };
    /**
     * BUG-54: the last start-up recovery, kept in the database until a supervisor acknowledges it (then with
     * `acknowledged`); survives restarts, unlike `recoveredFrom`, which is about this run only.
     */
    recovery?: RecoveryNoticeView;
  };
  hq?: { events: number; duplicates: number };
  /** HQ downlink: versions applied per stream and the last refusal, if the latest message was refused (docs/sync.md) */
  downlink?: {
    publicKey: boolean;
    applied: Array<{ kind: string; target: string; version: number; issuedAt: string; appliedAt: number }>;
    lastRefusal?: { kind: string; target: string; version: number | null; code: string; reason: string; at: number };
  };
}

/** A condition that needs a person: a stable code, what it means and what to do (`since`: when it began). */
export interface HealthWarning {
  /** PIN_LOCKED: a badge's PIN is locked after too many wrong tries on the operator screen (someone may be guessing it). */
  code: 'OUTBOX_BLOCKED_OVERSIZE' | 'DATABASE_RESTORED' | 'DATABASE_STARTED_EMPTY' | 'PIN_LOCKED';
  message: string;
  hint: string;
  since?: number;
}

/** What start-up recovery did (BUG-54, docs/sync.md Recovery). */
export interface RecoveryNoticeView {
  at: number;
  /** the backup restored; null: no usable backup, a fresh, empty database was started (operators, expected returns gone) */
  restoredFrom: string | null;
  fresh: boolean;
  /** the damaged file and its -wal/-shm, where they were moved */
  movedAside: string[];
  reason: string;
  /** backups tried and found damaged too */
  refused: Array<{ backup: string; reason: string }>;
  acknowledged?: { by: string; at: number };
}

/** BUG-47: one event never sent because it is over the broker's limit. */
export interface BlockedEventView {
  seq: number;
  eventID: string;
  bytes: number;
  /** when the event was recorded */
  createdAt: number;
  itemId: string | null;
  /** HQ's receipt has passed this number: HQ got the skip notice */
  hqTold: boolean;
}

export interface ScanRequest {
  code: string;
  source?: 'barcode' | 'camera';
  symbology?: string;
  reason?: string;
  grade?: string;
  daysSinceDelivery?: number;
  rma?: string;
  idempotencyKey?: string;
}

/**
 * A refusal names the field at fault in `details.field` where there is one (FACT_INVALID, SCAN_INVALID …).
 * `source` of the item: `rfid` for an EPC, whether a reader read it or it was sent as text (`epc:<hex>`, an EPC URI).
 */
/** `error.code` STORAGE_BUSY (HTTP 503): the database was busy, nothing stored; send the same request (same key) again. */
export type ScanResponse =
  | { ok: true; item: ItemView; duplicate?: boolean }
  | { ok: false; error: { code: string; message: string; hint?: string; text?: { en: string; 'zh-CN': string }; details?: Record<string, unknown> } };

export type LiveMessage =
  | { type: 'hello'; items: ItemView[]; devices: DeviceView[]; sync: SyncView; settings: UiSettings }
  | { type: 'item'; item: ItemView }
  | { type: 'item-sync'; id: string; sync: SyncState }
  | { type: 'device'; device: DeviceView }
  | { type: 'sync'; sync: SyncView }
  | { type: 'scan-rejected'; raw: string; error: { code: string; message: string } }
  | WorkflowLiveMessage;
