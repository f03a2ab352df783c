import type BetterSqlite3 from 'better-sqlite3';
import { backtest, type Backtest } from './forecast.js';
import { WorkloadMonitor } from './monitor.js';
import { DAY, WEEKDAYS_EN, dayIndex } from './time.js';
import type { DayForecast, Snapshot, WorkloadConfig } from './types.js';

export interface WorkloadReport {
  /** The moment the live figures describe (ISO); defaults to the newest event. */
  at: string;
  events: number;
  startupMs: number;
  snapshot: Snapshot;
  /** Forecast for the day after `at`. */
  forecast: DayForecast;
  /** The forecast's own error on the last four complete weeks, against "same hour last week". */
  backtest: Backtest;
}

/** Everything `workload report` prints, from a database holding the work_events table. */
export function buildReport(db: BetterSqlite3.Database, opts: { at?: number; config?: Partial<WorkloadConfig> } = {}): WorkloadReport {
  const monitor = new WorkloadMonitor(db, opts.config, { clock: () => opts.at ?? Date.now() });
  monitor.start(opts.at);
  const at = opts.at ?? (Number.isFinite(monitor.lastEventAt) ? monitor.lastEventAt : Date.now());
  const snapshot = monitor.snapshot(at);
  const today = dayIndex(at, monitor.config.utcOffsetMin);
  const forecast = monitor.forecast((today + 1) * DAY - monitor.config.utcOffsetMin * 60_000);
  const series = monitor.arrivalSeries(at);
  const last = series.completeThrough;
  const bt = backtest(series, last - 27, last, { weeks: monitor.config.forecastWeeks, trendDamping: monitor.config.forecastTrendDamping });
  return { at: new Date(at).toISOString(), events: monitor.events, startupMs: Math.round(monitor.startupMs), snapshot, forecast, backtest: bt };
}

const pad = (s: string | number, n: number): string => String(s).padStart(n);

/** Plain-text form for a terminal: arrivals heatmap, forecast with staffing, then operators and their signals. */
export function formatReport(r: WorkloadReport): string {
  const lines: string[] = [];
  const st = r.snapshot.station;
  lines.push(`Workload report at ${r.at} (${r.events} events, loaded in ${r.startupMs} ms)`);
  lines.push('');
  lines.push('Average case arrivals per hour (site local time)');
  lines.push('     ' + Array.from({ length: 24 }, (_, h) => pad(h, 4)).join(''));
  st.arrivalsHeatmap.forEach((row, w) => lines.push(`${WEEKDAYS_EN[w]}  ` + row.map((v) => pad(Math.round(v), 4)).join('')));
  lines.push('');
  lines.push(`Queue: ${st.queueLength} cases waiting, oldest ${st.oldestWaitMin} min, average wait (last hour) ${st.avgWaitMin60m} min`);
  lines.push(
    `Throughput: ${st.throughputPerOperatorHour} items per signed-in operator-hour, ${st.itemsPerWorkHour} per working hour, ${st.itemsPerCase} items per case`,
  );
  lines.push(`Effort (actions per item): ${Object.entries(st.effortByIntake).map(([k, v]) => `${k} ${v}`).join(', ') || 'no items yet'}`);
  lines.push('');
  const f = r.forecast;
  lines.push(`Forecast for ${f.day} (${f.weeksUsed} weeks of history)`);
  lines.push('hour      ' + f.hourly.map((_, h) => pad(h, 4)).join(''));
  lines.push('cases     ' + f.hourly.map((v) => pad(Math.round(v), 4)).join(''));
  lines.push('operators ' + f.staffing.map((v) => pad(v, 4)).join(''));
  lines.push('usual     ' + f.usualStaff.map((v) => pad(Math.round(v), 4)).join(''));
  lines.push(
    f.pressureHours.length > 0
      ? `Queue grows at ${f.pressureHours.map((h) => `${h}:00`).join(', ')}: more cases than the usual staff can work.`
      : 'No hour where the queue outgrows the usual staff.',
  );
  const b = r.backtest;
  // With under a week of history there is no "same hour last week" to compare with; 0 % would read as perfect.
  lines.push(
    b.hours > 0
      ? `Forecast error over the last ${b.days} days: MAPE ${b.forecastMape}% (same hour last week: ${b.naiveMape}%)`
      : 'Forecast error: not measured yet (needs more than a week of arrivals).',
  );
  lines.push('');
  if (r.snapshot.operators.length === 0) lines.push('No operator signed in at this time.');
  for (const o of r.snapshot.operators) {
    const usual = o.usualItemsPerHour === undefined ? '' : ` (usual ${o.usualItemsPerHour}, ${o.paceVsUsualPct ?? 0}%)`;
    lines.push(
      `${o.operator}: ${o.itemsPerHour} items/h${usual}, ${o.continuousWorkMin} min without a break, shift ${o.shiftMin} min, ` +
        `undo ${Math.round(o.undoRate30m * 100)}%, wrong bins ${o.misbinCount30m} (30 min), ${o.actionsPerItem} actions/item${o.onBreak ? ', on a break' : ''}`,
    );
    for (const s of o.signals) lines.push(`   [${s.severity}] ${s.code}: ${s.message.en}`);
  }
  return lines.join('\n');
}
