import type BetterSqlite3 from 'better-sqlite3';
import { StationError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { defaultWorkloadConfig, workloadConfig } from './config.js';
import { seasonalForecast, staffingPlan } from './forecast.js';
import { OperatorTracker, round1, type OperatorState } from './operator.js';
import { ensureWorkloadSchema, iterateReplayRows, recordWorkEvent, workEventProblem } from './schema.js';
import { operatorSignals } from './signals.js';
import { StationTracker } from './station.js';
import { HOUR, MINUTE, dayLabel, parseDay, weekdayOfDay } from './time.js';
import type { DayForecast, OperatorFigures, Snapshot, WorkEvent, WorkloadConfig } from './types.js';

const log = createLogger('workload');

export interface MonitorOptions {
  /** Wall clock, replaceable in tests. */
  clock?: () => number;
}

/**
 * Live workload figures for one station. `start()` replays the stored history once (O(events)); after that every
 * event is folded in with `ingest()` in O(1) and `snapshot()` only reads small windows, so a refresh costs the same
 * whether the history holds a day or a year.
 */
export class WorkloadMonitor {
  readonly config: WorkloadConfig;
  private readonly ops = new Map<string, OperatorTracker>();
  private readonly station: StationTracker;
  private readonly clock: () => number;
  private lastAt = Number.NEGATIVE_INFINITY;
  private eventCount = 0;
  private started = false;
  /** Milliseconds `start()` took (history replay). */
  startupMs = 0;

  constructor(
    private readonly db: BetterSqlite3.Database | null,
    config: Partial<WorkloadConfig> = defaultWorkloadConfig,
    opts: MonitorOptions = {},
  ) {
    this.config = workloadConfig(config);
    this.station = new StationTracker(this.config);
    this.clock = opts.clock ?? Date.now;
  }

  /**
   * Loads the history and builds the incremental state. Call once, before `ingest`. `until` replays only events up
   * to that moment (reports "as of" a past time).
   */
  start(until?: number): void {
    if (this.started) return;
    this.started = true;
    const t0 = performance.now();
    if (this.db) {
      // A read-only connection (workload report) reads what is there; it never creates the table.
      if (!this.db.readonly) ensureWorkloadSchema(this.db);
      for (const r of iterateReplayRows(this.db, this.config.station, until)) this.apply(r[0], r[1], r[2], r[3], r[4]);
    }
    this.startupMs = performance.now() - t0;
    log.info({ events: this.eventCount, operators: this.ops.size, ms: Math.round(this.startupMs) }, 'workload history loaded');
  }

  /** Folds in one live event (already stored by the station). Events of other stations are ignored. */
  ingest(ev: WorkEvent): void {
    if (workEventProblem(ev) !== null) return;
    if (this.config.station !== null && ev.station !== this.config.station) return;
    this.apply(ev.at, ev.operator ?? null, ev.kind, ev.itemId ?? null, ev.intake ?? null);
  }

  /** Stores the event and folds it in: the one call a station needs. */
  record(ev: WorkEvent): number {
    if (!this.db) throw new StationError('WORKLOAD_NO_DB', 'This workload monitor has no database to record into.');
    const id = recordWorkEvent(this.db, ev);
    this.ingest(ev);
    return id;
  }

  /** Time of the newest event seen (history or live); -Infinity when none. */
  get lastEventAt(): number {
    return this.lastAt;
  }

  get events(): number {
    return this.eventCount;
  }

  private apply(at: number, operator: string | null, kind: string, itemId: string | null, intake: string | null): void {
    this.eventCount++;
    if (at > this.lastAt) this.lastAt = at;
    this.station.seen(at);
    if (kind === 'case_arrived') {
      this.station.caseArrived(at, itemId);
      return;
    }
    if (kind === 'case_started') {
      const arrivedAt = this.station.caseStarted(at, itemId);
      if (operator) this.op(operator).caseStarted(at, arrivedAt);
      return;
    }
    if (!operator) return;
    const op = this.op(operator);
    switch (kind) {
      case 'sign_in':
        op.signIn(at);
        break;
      case 'sign_out':
        op.signOut(at);
        break;
      case 'scan':
      case 'tap':
        op.action(at);
        break;
      case 'item_done': {
        const r = op.itemDone(at);
        this.station.itemDone(at, intake, r.workMs, r.actions);
        break;
      }
      case 'undo':
      case 'correction':
        op.undo(at, kind === 'correction');
        break;
      case 'misbin':
        op.misbin(at);
        break;
      default:
        op.touch(at);
    }
  }

  private op(operator: string): OperatorTracker {
    let t = this.ops.get(operator);
    if (!t) {
      t = new OperatorTracker(operator, this.config, (s) => this.station.sessionEnded(s));
      this.ops.set(operator, t);
    }
    return t;
  }

  /** Every live figure at `now` (default: the wall clock). Cheap: reads windows, never the database. */
  snapshot(now: number = this.clock()): Snapshot {
    const operators: OperatorFigures[] = [];
    let openSignedInMs = 0;
    const live = now >= this.lastAt;
    const queueLength = this.station.queueLength();
    for (const t of this.ops.values()) {
      if (live) t.closeIfStale(now);
      const s = t.figures(now);
      if (!s) continue;
      openSignedInMs += now - (t.sessionStart ?? now);
      operators.push(toFigures(s, this.config));
    }
    operators.sort((a, b) => a.operator.localeCompare(b.operator));
    const totals = this.station.recentTotals(now, this.config.throughputWindowDays);
    const signedInMs = totals.signedInMs + openSignedInMs;
    const oldest = this.station.oldestArrival();
    return {
      at: now,
      stationId: this.config.station,
      operators,
      station: {
        arrivalsHeatmap: this.station.heatmap(),
        queueLength,
        oldestWaitMin: oldest === undefined ? 0 : Math.max(0, Math.round((now - oldest) / MINUTE)),
        avgWaitMin60m: round1(this.station.avgWaitMs(now) / MINUTE),
        throughputPerOperatorHour: signedInMs > 0 ? round1((totals.items * HOUR) / signedInMs) : 0,
        itemsPerWorkHour: totals.workMs > 0 ? round1((totals.items * HOUR) / totals.workMs) : 0,
        itemsPerCase: Math.round(this.station.itemsPerCase() * 100) / 100,
        effortByIntake: this.station.effortByIntake(),
        activeOperators: operators.length,
      },
    };
  }

  /**
   * Hourly arrivals forecast for a local day ('YYYY-MM-DD', a Date, or any epoch within the day), with the
   * staffing it needs. Uses only complete days before `day`.
   */
  forecast(day: number | string | Date): DayForecast {
    const d = parseDay(day, this.config.utcOffsetMin);
    if (d === null) {
      throw new StationError('WORKLOAD_BAD_DAY', `"${String(day)}" is not a day the forecast understands.`, { hint: 'Use a date such as 2026-03-14.' });
    }
    const now = Math.max(this.lastAt, this.clock());
    const series = this.station.series(now);
    const { hourly, weeksUsed } = seasonalForecast(series, d, { weeks: this.config.forecastWeeks, trendDamping: this.config.forecastTrendDamping });
    const perCase = this.station.itemsPerCase();
    const items = hourly.map((c) => c * perCase);
    const totals = this.station.recentTotals(Number.isFinite(this.lastAt) ? this.lastAt : now, this.config.throughputWindowDays);
    const perWorkHour = totals.workMs > 0 ? (totals.items * HOUR) / totals.workMs : 0;
    const usualStaff = this.station.usualStaff(weekdayOfDay(d));
    const plan = staffingPlan(items, usualStaff, perWorkHour, this.config.targetUtilisation);
    return {
      day: dayLabel(d),
      hourly: hourly.map(round1),
      staffing: plan.staffing,
      pressureHours: plan.pressureHours,
      items: items.map(round1),
      usualStaff: usualStaff.map(round1),
      weeksUsed,
    };
  }

  /** The arrival history seen so far, for backtests and reports. */
  arrivalSeries(now: number = Math.max(this.lastAt, this.clock())): ReturnType<StationTracker['series']> {
    return this.station.series(now);
  }
}

function toFigures(s: OperatorState, cfg: WorkloadConfig): OperatorFigures {
  const f: OperatorFigures = {
    operator: s.operator,
    itemsPerHour: s.itemsPerHour,
    continuousWorkMin: s.continuousWorkMin,
    shiftMin: s.shiftMin,
    undoRate30m: s.undoRate30m,
    misbinCount30m: s.misbinCount30m,
    rates30m: { ...s.rates30m },
    actionsPerItem: s.actionsPerItem,
    itemsThisSession: s.itemsThisSession,
    onBreak: s.onBreak,
    signals: operatorSignals(s, cfg),
  };
  if (s.usualItemsPerHour !== undefined) f.usualItemsPerHour = s.usualItemsPerHour;
  if (s.paceVsUsualPct !== undefined) f.paceVsUsualPct = s.paceVsUsualPct;
  return f;
}
