/**
 * `npm run bench -- workload`: a station with 20 operators and 90 days of generated history (≈ 1 million events).
 * - startupMs: replaying the history into the monitor (once per process start).
 * - refreshMs: one live refresh (snapshot of every figure + tomorrow's forecast + HQ metrics message), median
 *   over refreshes interleaved with live events during an afternoon. Peer: a naive recompute of the same figures
 *   with SQL over the whole table, in the same run on the same database.
 * - forecastMape / naiveMape: hourly arrivals forecast over the last 4 held-out weeks, one day ahead, against the
 *   "same hour last week" forecast.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { generateToDb } from '../../src/workload/generator.js';
import { backtest } from '../../src/workload/forecast.js';
import { metricsMessage } from '../../src/workload/metrics.js';
import { WorkloadMonitor } from '../../src/workload/monitor.js';
import { ensureWorkloadSchema, iterateWorkEventRows, rowToEvent } from '../../src/workload/schema.js';
import type { BenchResult } from './run.js';

const DAY = 86_400_000;
const MIN = 60_000;

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
}

const r2 = (x: number): number => Math.round(x * 100) / 100;

/** The peer: every station figure recomputed from the table with SQL, nothing kept between refreshes. */
function sqlRecompute(db: Database.Database, now: number): { heat: number[]; queueLength: number; effort: Record<string, number>; operators: number } {
  const heat = new Array<number>(168).fill(0);
  for (const r of db
    .prepare(
      `SELECT ((at / ${DAY}) + 3) % 7 AS wd, (at % ${DAY}) / 3600000 AS h, count(*) AS n FROM work_events
       WHERE kind = 'case_arrived' AND at <= ? GROUP BY wd, h`,
    )
    .all(now) as Array<{ wd: number; h: number; n: number }>)
    heat[r.wd * 24 + r.h] = r.n;
  const q = db
    .prepare(
      `SELECT count(*) AS n, min(first) AS oldest FROM (SELECT item_id, min(at) AS first FROM work_events
       WHERE kind IN ('case_arrived', 'case_started') AND at <= ? GROUP BY item_id HAVING sum(kind = 'case_started') = 0)`,
    )
    .get(now) as { n: number; oldest: number | null };
  const effort: Record<string, number> = {};
  for (const r of db
    .prepare(
      `SELECT intake, avg(n) AS a FROM (SELECT item_id, max(CASE WHEN kind = 'item_done' THEN intake END) AS intake,
       sum(kind IN ('scan', 'tap')) AS n FROM work_events WHERE item_id IS NOT NULL AND at <= ? GROUP BY item_id
       HAVING sum(kind = 'item_done') > 0) GROUP BY intake`,
    )
    .all(now) as Array<{ intake: string; a: number }>)
    effort[r.intake] = Math.round(r.a * 10) / 10;
  // Who is signed in, and their per-operator figures.
  const sessions = db
    .prepare(
      `SELECT operator, max(CASE WHEN kind = 'sign_in' THEN at END) AS si, max(CASE WHEN kind = 'sign_out' THEN at END) AS so
       FROM work_events WHERE operator IS NOT NULL AND at <= ? GROUP BY operator`,
    )
    .all(now) as Array<{ operator: string; si: number | null; so: number | null }>;
  const active = sessions.filter((s) => s.si !== null && (s.so === null || s.so < s.si));
  const lastGap = db.prepare(
    `SELECT max(at) AS t FROM (SELECT at, at - lag(at) OVER (ORDER BY at) AS gap FROM work_events
     WHERE operator = ? AND at BETWEEN ? AND ?) WHERE gap >= ${10 * MIN}`,
  );
  const recent = db.prepare(
    `SELECT kind, count(*) AS n, min(at) AS first, max(at) AS last FROM work_events WHERE operator = ? AND at > ? AND at <= ? GROUP BY kind`,
  );
  for (const s of active) {
    lastGap.get(s.operator, s.si, now);
    recent.all(s.operator, now - 60 * MIN, now);
  }
  // Usual pace: items per working span of each past session (one per operator and day).
  db.prepare(
    `SELECT operator, at / ${DAY} AS d, sum(kind = 'item_done') AS items, max(at) - min(at) AS span FROM work_events
     WHERE operator IS NOT NULL AND at <= ? GROUP BY operator, d`,
  ).all(now);
  // Throughput over 14 days and the forecast's hourly series over 9 weeks.
  db.prepare(`SELECT count(*) FROM work_events WHERE kind = 'item_done' AND at > ? AND at <= ?`).get(now - 14 * DAY, now);
  db.prepare(
    `SELECT at / ${DAY} AS d, (at % ${DAY}) / 3600000 AS h, count(*) FROM work_events WHERE kind = 'case_arrived' AND at > ? AND at <= ? GROUP BY d, h`,
  ).all(now - 63 * DAY, now);
  return { heat, queueLength: q.n, effort, operators: active.length };
}

export async function run(): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'workload-bench-'));
  const file = join(dir, 'history.db');
  try {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    ensureWorkloadSchema(db);
    const g0 = performance.now();
    // Starts on a Wednesday so that the last day, the live one, is a Monday: the busiest day.
    const truth = generateToDb(db, { days: 90, operators: 20, seed: 2026, start: '2026-01-07' });
    const genMs = performance.now() - g0;

    // Live afternoon of the last day: history up to 15:00, then 90 minutes of events arrive between refreshes.
    const lastDay = Math.floor(Date.UTC(2026, 0, 7) / DAY) + 89;
    const liveFrom = lastDay * DAY + 15 * 60 * MIN;
    const liveTo = liveFrom + 90 * MIN;
    const monitor = new WorkloadMonitor(db, {}, { clock: () => liveFrom });
    monitor.start(liveFrom);
    const startupMs = monitor.startupMs;
    const liveEvents = [...iterateWorkEventRows(db)].filter((r) => r[1] > liveFrom && r[1] <= liveTo).map(rowToEvent);
    const tomorrow = (lastDay + 1) * DAY;
    const times: number[] = [];
    let i = 0;
    const w0 = performance.now();
    let lastSnap = monitor.snapshot(liveFrom);
    monitor.forecast(tomorrow);
    const firstRefreshMs = performance.now() - w0;
    for (let now = liveFrom + 10_000; now <= liveTo; now += 10_000) {
      while (i < liveEvents.length && liveEvents[i]!.at <= now) monitor.ingest(liveEvents[i++]!);
      const t0 = performance.now();
      lastSnap = monitor.snapshot(now);
      monitor.forecast(tomorrow);
      metricsMessage(lastSnap);
      times.push(performance.now() - t0);
    }
    const refreshMs = pct(times, 0.5);

    const sqlTimes: number[] = [];
    let sql = sqlRecompute(db, liveTo);
    for (let k = 0; k < 3; k++) {
      const t0 = performance.now();
      sql = sqlRecompute(db, liveTo);
      sqlTimes.push(performance.now() - t0);
    }
    const sqlMs = pct(sqlTimes, 0.5);
    const ours = lastSnap.station;
    const heatSame = ours.arrivalsHeatmap.flat().every((v, k) => Math.abs(v * monitorWeekdays(monitor, Math.floor(k / 24)) - sql.heat[k]!) < 0.06 * monitorWeekdays(monitor, Math.floor(k / 24)) + 1e-9);

    const full = new WorkloadMonitor(db);
    full.start();
    const series = full.arrivalSeries(full.lastEventAt + DAY);
    const last = series.completeThrough;
    const bt = backtest(series, last - 27, last, { weeks: full.config.forecastWeeks, trendDamping: full.config.forecastTrendDamping });
    db.close();

    return {
      metrics: {
        events: truth.counts.events,
        operators: 20,
        days: 90,
        generateMs: Math.round(genMs),
        startupMs: Math.round(startupMs),
        refreshMs: r2(refreshMs),
        firstRefreshMs: r2(firstRefreshMs),
        refreshP95Ms: r2(pct(times, 0.95)),
        refreshMaxMs: r2(Math.max(...times)),
        refreshes: times.length,
        activeOperators: ours.activeOperators,
        sqlRecomputeMs: Math.round(sqlMs),
        parity: {
          heatmap: heatSame,
          queueLength: ours.queueLength === sql.queueLength,
          effortByIntake: JSON.stringify(ours.effortByIntake) === JSON.stringify(sql.effort),
          activeOperators: ours.activeOperators === sql.operators,
        },
        forecastMape: bt.forecastMape,
        naiveMape: bt.naiveMape,
        forecastWape: bt.forecastWape,
        naiveWape: bt.naiveWape,
        backtestDays: bt.days,
      },
      ratios: {
        refreshVsSqlRecompute: r2(sqlMs / refreshMs),
        forecastMapeVsNaive: r2(bt.naiveMape / bt.forecastMape),
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The heatmap holds averages; multiply back by the number of such weekdays seen to compare with SQL counts. */
function monitorWeekdays(m: WorkloadMonitor, weekday: number): number {
  return (m as unknown as { station: { weekdayCount(w: number): number } }).station.weekdayCount(weekday);
}
