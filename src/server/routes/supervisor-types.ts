/**
 * Response shapes of the supervisor routes (routes/supervisor.ts), shared with the UI by type-only imports.
 */
import type { ActivationRecord, Bilingual, FactSpec, HitPolicy, ReplayReport, RuleError, RuleSetRef } from '../../rules/index.js';
import type { DayForecast, LocalText, Snapshot } from '../../workload/index.js';
import type { BlockedEventView, DeviceView, SyncView } from '../api-types.js';

export interface RuleRowView {
  /** 1-based row as written in the rule set. */
  row: number;
  id?: string;
  /** Input → cell text (`-` for any). */
  when: Record<string, string>;
  /** Output → value text. */
  then: Record<string, string>;
  explain: Bilingual;
}

export interface RuleTableView {
  id: string;
  hitPolicy: HitPolicy;
  inputs: string[];
  outputs: string[];
  rows: RuleRowView[];
}

export interface RuleSetView {
  ref: RuleSetRef;
  title: string;
  facts: FactSpec[];
  tables: RuleTableView[];
}

export interface GoldenView {
  ref: RuleSetRef;
  total: number;
  passed: number;
  failed: Array<{ name: string; mismatches: string[] }>;
}

export interface RulesResponse {
  active: RuleSetView;
  golden: GoldenView;
  /**
   * Activation attempts, newest first (`?history=` entries, default 50): source (config | supervisor | downlink), who,
   * result and golden-case summary. On a station they come from the store and span restarts (`id` = the row).
   */
  history: Array<ActivationRecord & { id?: number; hasText?: boolean }>;
}

/** A candidate rule set was checked: it loads (then golden + replay) or it does not (errors with row and column). */
export type ReplayResponse =
  | { ok: true; candidate: RuleSetView; golden: GoldenView; replay: ReplayReport }
  | { ok: false; errors: RuleError[] };

export type ActivateResponse =
  | { ok: true; record: ActivationRecord }
  | { ok: false; errors: RuleError[]; goldenFailures: Array<{ name: string; mismatches: string[] }>; record?: ActivationRecord };

export type WorkloadResponse =
  | { available: false; reason: string }
  | { available: true; perPerson: boolean; snapshot: Snapshot & { signalCounts: Record<string, number> } };

export type ForecastResponse = { available: false; reason: string } | { available: true; forecast: DayForecast };

export interface OperatorWorkloadResponse {
  available: boolean;
  /** The operator's own figures (never anyone else's). */
  figures: Snapshot['operators'][number] | null;
  nudge: LocalText | null;
}

export interface DeviceRow extends DeviceView {
  /** Antenna → zone, for RFID readers. */
  zones?: Record<string, string>;
  protocol?: string;
  transport?: string;
  updatedAt?: number;
  /** RFID readers: raw reads per minute over the last minute, total and per antenna port. */
  readsPerMin?: number;
  readsByAntenna?: Record<string, number>;
}

export interface DevicesResponse {
  devices: DeviceRow[];
  scannerLayout: string;
}

export interface SyncResponse {
  sync: SyncView | null;
  /** `depth`: not yet confirmed by HQ, blocked events not counted (they never will be sent; see `blocked`) */
  outbox: { depth: number; unsent: number; sentUnconfirmed: number; blockedOversize: number; lastSeq: number; lastConfirmedSeq: number; lastSentAt?: number; lastConfirmedAt?: number };
  /** BUG-47: the blocked events (oldest first, at most 100) and the largest event the broker takes now */
  blocked?: BlockedEventView[];
  maxEventBytes?: number;
  site: string;
  station: string;
}
