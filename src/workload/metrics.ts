import type { LocalText, OperatorFigures, Snapshot } from './types.js';
import { median } from './window.js';

export const WORKLOAD_METRICS_SCHEMA = 'returns.workload.metrics/1';

/**
 * What a station sends HQ on `returns/v1/{site}/{station}/metrics` (QoS 0: a lost one is replaced by the next).
 * Aggregates only: no operator pseudonyms, no badge ids, and no per-person distribution figures when fewer than
 * `MIN_GROUP` operators are active (a median of one person is that person).
 */
export interface WorkloadMetricsMessage {
  schema: typeof WORKLOAD_METRICS_SCHEMA;
  at: string;
  station: string | null;
  operatorsActive: number;
  operatorsOnBreak: number;
  /** Sum of the active operators' current paces (items per working hour). */
  teamItemsPerHour: number;
  /** Only with at least MIN_GROUP active operators. */
  itemsPerHourMedian?: number;
  paceVsUsualPctMedian?: number;
  continuousWorkMinMedian?: number;
  /** How many active operators carry each signal code. */
  signals: Record<string, number>;
  misbins30m: number;
  undoRate30m: number;
  queueLength: number;
  oldestWaitMin: number;
  avgWaitMin60m: number;
  throughputPerOperatorHour: number;
  itemsPerWorkHour: number;
  itemsPerCase: number;
  effortByIntake: Record<string, number>;
  arrivalsHeatmap: number[][];
}

export const MIN_GROUP = 3;

export function metricsMessage(snapshot: Snapshot, opts: { station?: string } = {}): WorkloadMetricsMessage {
  const ops = snapshot.operators;
  const signals: Record<string, number> = {};
  for (const o of ops) for (const s of o.signals) signals[s.code] = (signals[s.code] ?? 0) + 1;
  const working = ops.filter((o) => !o.onBreak);
  const msg: WorkloadMetricsMessage = {
    schema: WORKLOAD_METRICS_SCHEMA,
    at: new Date(snapshot.at).toISOString(),
    station: opts.station ?? snapshot.stationId,
    operatorsActive: ops.length,
    operatorsOnBreak: ops.length - working.length,
    teamItemsPerHour: round1(working.reduce((a, o) => a + o.itemsPerHour, 0)),
    signals,
    misbins30m: ops.reduce((a, o) => a + o.misbinCount30m, 0),
    undoRate30m: ops.length > 0 ? Math.round((ops.reduce((a, o) => a + o.undoRate30m, 0) / ops.length) * 1000) / 1000 : 0,
    queueLength: snapshot.station.queueLength,
    oldestWaitMin: snapshot.station.oldestWaitMin,
    avgWaitMin60m: snapshot.station.avgWaitMin60m,
    throughputPerOperatorHour: snapshot.station.throughputPerOperatorHour,
    itemsPerWorkHour: snapshot.station.itemsPerWorkHour,
    itemsPerCase: snapshot.station.itemsPerCase,
    effortByIntake: snapshot.station.effortByIntake,
    arrivalsHeatmap: snapshot.station.arrivalsHeatmap,
  };
  if (ops.length >= MIN_GROUP) {
    msg.itemsPerHourMedian = round1(median(working.map((o) => o.itemsPerHour)) ?? 0);
    const vs = ops.map((o) => o.paceVsUsualPct).filter((v): v is number => v !== undefined);
    if (vs.length >= MIN_GROUP) msg.paceVsUsualPctMedian = Math.round(median(vs) ?? 0);
    msg.continuousWorkMinMedian = Math.round(median(ops.map((o) => o.continuousWorkMin)) ?? 0);
  }
  return msg;
}

export interface StationComparisonRow {
  station: string;
  at: string;
  operatorsActive: number;
  throughputPerOperatorHour: number;
  itemsPerWorkHour: number;
  queueLength: number;
  oldestWaitMin: number;
  breakDue: number;
  paceDrop: number;
  misbins30m: number;
  /** Throughput relative to the median station, in percent (100 = median). */
  throughputVsMedianPct: number;
  /** Actions per item by intake, so sites see what RFID or cameras save. */
  effortByIntake: Record<string, number>;
}

/** HQ's view across stations: the newest message per station, compared with the fleet median. */
export function compareStations(messages: readonly WorkloadMetricsMessage[]): { rows: StationComparisonRow[]; medianThroughput: number } {
  const latest = new Map<string, WorkloadMetricsMessage>();
  for (const m of messages) {
    const key = m.station ?? 'unknown';
    const prev = latest.get(key);
    if (!prev || prev.at < m.at) latest.set(key, m);
  }
  const med = median([...latest.values()].map((m) => m.throughputPerOperatorHour)) ?? 0;
  const rows = [...latest.entries()]
    .map(([station, m]) => ({
      station,
      at: m.at,
      operatorsActive: m.operatorsActive,
      throughputPerOperatorHour: m.throughputPerOperatorHour,
      itemsPerWorkHour: m.itemsPerWorkHour,
      queueLength: m.queueLength,
      oldestWaitMin: m.oldestWaitMin,
      breakDue: m.signals.BREAK_DUE ?? 0,
      paceDrop: m.signals.PACE_DROP ?? 0,
      misbins30m: m.misbins30m,
      throughputVsMedianPct: med > 0 ? Math.round((m.throughputPerOperatorHour / med) * 100) : 0,
      effortByIntake: m.effortByIntake,
    }))
    .sort((a, b) => a.station.localeCompare(b.station));
  return { rows, medianThroughput: med };
}

/** The operator's own screen: their figures and, at most, one gentle nudge. Never blocks work. */
export function operatorView(snapshot: Snapshot, operator: string): { figures: OperatorFigures | null; nudge: LocalText | null } {
  const figures = snapshot.operators.find((o) => o.operator === operator) ?? null;
  const due = figures?.signals.find((s) => s.code === 'BREAK_DUE' || s.code === 'BREAK_SOON');
  const nudge: LocalText | null = due
    ? {
        en: `${due.message.en}. A short break helps, whenever it suits you.`,
        'zh-CN': `${due.message['zh-CN']}。方便的时候休息一下吧。`,
      }
    : null;
  return { figures, nudge };
}

/**
 * The supervisor screen's data. Per-person rows only when the site config allows it; otherwise counts by signal
 * so the supervisor still sees that someone needs a break, without naming them.
 */
export function supervisorView(snapshot: Snapshot, perPersonAllowed: boolean): Snapshot & { signalCounts: Record<string, number> } {
  const signalCounts: Record<string, number> = {};
  for (const o of snapshot.operators) for (const s of o.signals) signalCounts[s.code] = (signalCounts[s.code] ?? 0) + 1;
  return { ...snapshot, operators: perPersonAllowed ? snapshot.operators : [], signalCounts };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
