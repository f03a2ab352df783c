/**
 * Shapes shared by the workload area. Everything here is plain data so the server can send it to the UI as JSON
 * and HQ can receive the aggregated form over MQTT.
 */

/** What the station records about operator activity. Unknown kinds are stored but ignored by the monitor. */
export type WorkEventKind =
  | 'sign_in'
  | 'sign_out'
  | 'scan'
  | 'tap'
  | 'item_done'
  | 'undo'
  | 'correction'
  | 'misbin'
  | 'case_arrived'
  | 'case_started';

export const WORK_EVENT_KINDS: readonly WorkEventKind[] = [
  'sign_in',
  'sign_out',
  'scan',
  'tap',
  'item_done',
  'undo',
  'correction',
  'misbin',
  'case_arrived',
  'case_started',
];

export type Intake = 'rfid' | 'barcode' | 'camera';

export interface WorkEvent {
  /** Row id once stored; absent for events not yet recorded. */
  id?: number;
  /** Milliseconds since the Unix epoch. */
  at: number;
  station: string;
  /** Operator pseudonym (never the raw badge id); null for station events such as case_arrived. */
  operator?: string | null;
  kind: WorkEventKind | (string & {});
  /** Item id for item events; case id for case_arrived / case_started. */
  itemId?: string | null;
  intake?: Intake | (string & {}) | null;
  meta?: Record<string, unknown> | null;
}

export interface LocalText {
  en: string;
  'zh-CN': string;
}

export interface WorkloadSignal {
  /** Stable code: BREAK_DUE, BREAK_SOON, PACE_DROP, MISBINS, UNDO_RATE, LONG_SHIFT. */
  code: string;
  severity: 'info' | 'warn';
  message: LocalText;
}

export interface OperatorFigures {
  operator: string;
  /** Items per working hour over the last `paceWindowMin` of the current work stretch (waits and breaks excluded). */
  itemsPerHour: number;
  /** Median pace of the operator's past sessions; absent until `usualMinSessions` sessions are known. */
  usualItemsPerHour?: number;
  /** (itemsPerHour / usual − 1) × 100, rounded; negative = slower than usual. */
  paceVsUsualPct?: number;
  /** Minutes since the last real break (an idle gap ≥ idleGapBreakMin); 0 while on a break. */
  continuousWorkMin: number;
  /** Minutes since sign-in. */
  shiftMin: number;
  /** (undos + corrections) per item in the last 30 minutes. */
  undoRate30m: number;
  misbinCount30m: number;
  /** Undos, corrections and wrong bins, each per item done, in the last 30 minutes (per item = ÷ max(items, 1)). */
  rates30m: { undo: number; correction: number; misbin: number };
  /** Operator actions (scans + taps) per item done in this session. */
  actionsPerItem: number;
  /** Items done in this session. */
  itemsThisSession: number;
  onBreak: boolean;
  signals: WorkloadSignal[];
}

export interface StationFigures {
  /** Average arrivals (cases) per hour: [weekday 0 = Monday … 6 = Sunday][hour 0…23], site local time. */
  arrivalsHeatmap: number[][];
  /** Cases arrived and not yet started. */
  queueLength: number;
  /** Minutes the oldest waiting case has waited (0 when the queue is empty). */
  oldestWaitMin: number;
  /** Average wait of cases started in the last 60 minutes. */
  avgWaitMin60m: number;
  /** Items per signed-in operator-hour over the last `throughputWindowDays`. */
  throughputPerOperatorHour: number;
  /** Items per working operator-hour (breaks and waits excluded) over the same window; used for staffing. */
  itemsPerWorkHour: number;
  itemsPerCase: number;
  /** Operator actions (scans + taps) per item, by intake path. */
  effortByIntake: Record<string, number>;
  activeOperators: number;
}

export interface Snapshot {
  /** The moment the figures describe (ms epoch). */
  at: number;
  stationId: string | null;
  operators: OperatorFigures[];
  station: StationFigures;
}

export interface DayForecast {
  /** Local date, YYYY-MM-DD. */
  day: string;
  /** Expected case arrivals per hour. */
  hourly: number[];
  /** Operators needed per hour for the target utilisation. */
  staffing: number[];
  /** Hours where arrivals exceed what the usually present staff can work (the queue grows). */
  pressureHours: number[];
  /** Expected items per hour (cases × items per case). */
  items: number[];
  /** Operators usually signed in at that weekday and hour. */
  usualStaff: number[];
  /** Weeks of history the seasonal profile used; 0 means a fallback profile. */
  weeksUsed: number;
}

export interface WorkloadConfig {
  /** Only events of this station are used; null = all stations in the table. */
  station: string | null;
  /** Site local time offset from UTC in minutes (heatmap, forecast days). */
  utcOffsetMin: number;
  /** Continuous work that triggers BREAK_DUE. */
  breakAfterMin: number;
  /** BREAK_SOON (info, operator nudge) fires this many minutes before BREAK_DUE; 0 disables. */
  breakSoonMin: number;
  /** An idle gap at least this long counts as a real break. */
  idleGapBreakMin: number;
  /** PACE_DROP fires when pace is at least this many percent below usual. */
  paceDropPct: number;
  /** Window for the rolling pace. */
  paceWindowMin: number;
  /** PACE_DROP needs at least this many items in the current work stretch. */
  paceMinItems: number;
  /** MISBINS fires at this many wrong bins in 30 minutes. */
  misbins30m: number;
  /** UNDO_RATE fires at this rate of undos + corrections per item in 30 minutes… */
  undoRate30m: number;
  /** …with at least this many items in those 30 minutes. */
  undoMinItems: number;
  /** LONG_SHIFT fires after this many minutes signed in; 0 disables. */
  longShiftMin: number;
  /** A session with no event for this long is treated as ended (forgotten sign-out). */
  sessionStaleMin: number;
  /** Past sessions used for the usual pace, and how many are needed before comparing. */
  usualSessions: number;
  usualMinSessions: number;
  /** Sessions shorter than this (working minutes) do not count towards the usual pace. */
  usualMinWorkMin: number;
  /** Days of history for throughput per operator-hour. */
  throughputWindowDays: number;
  /** Weeks of history for the seasonal forecast. */
  forecastWeeks: number;
  /** Share of the damped linear trend applied to the forecast level (0 = no trend). */
  forecastTrendDamping: number;
  /** Productive share of a present operator-hour assumed by the staffing suggestion. */
  targetUtilisation: number;
}
