import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { backtest, naiveForecast, seasonalForecast, staffingPlan } from './forecast.js';
import { generateHistory } from './generator.js';
import { WorkloadMonitor } from './monitor.js';
import type { ArrivalSeries } from './station.js';
import type { WorkEvent } from './types.js';

const opts = { weeks: 8, trendDamping: 0.5 };

function seriesOf(days: number[][], firstDay = 100): ArrivalSeries {
  return { firstDay, completeThrough: firstDay + days.length - 1, get: (d) => days[d - firstDay] };
}

describe('forecast on held-out generated weeks', () => {
  let monitor: WorkloadMonitor;
  beforeAll(() => {
    const events: WorkEvent[] = [];
    generateHistory({ days: 70, operators: 8, seed: 3 }, (evs) => events.push(...evs));
    monitor = new WorkloadMonitor(null);
    monitor.start();
    for (const ev of events) monitor.ingest(ev);
  });

  it('ISSUE-10 beats the naive "same hour last week" forecast over the last 4 weeks (MAPE)', () => {
    const series = monitor.arrivalSeries(monitor.lastEventAt + 86_400_000);
    const last = series.completeThrough;
    const bt = backtest(series, last - 27, last, opts);
    expect(bt.days).toBe(28);
    expect(bt.hours).toBeGreaterThan(28 * 12);
    expect(bt.forecastMape).toBeLessThan(bt.naiveMape);
    expect(bt.forecastWape).toBeLessThan(bt.naiveWape);
  });

  it('ISSUE-10 forecasts the afternoon peak and a staffing need that follows it', () => {
    const f = monitor.forecast(monitor.lastEventAt + 86_400_000);
    expect(f.weeksUsed).toBe(8);
    const peak = f.hourly.indexOf(Math.max(...f.hourly));
    expect(peak).toBeGreaterThanOrEqual(14);
    expect(peak).toBeLessThanOrEqual(16);
    expect(f.staffing[peak]).toBe(Math.max(...f.staffing));
    expect(f.hourly.slice(0, 6).every((v) => v === 0)).toBe(true);
  });
});

describe('seasonal forecast (pure)', () => {
  it('ISSUE-10 a steady station is forecast exactly, by both methods', () => {
    const day = Array.from({ length: 24 }, (_, h) => (h >= 8 && h < 18 ? 10 : 0));
    const s = seriesOf(Array.from({ length: 70 }, () => day));
    expect(seasonalForecast(s, 170, opts).hourly).toEqual(day);
    expect(naiveForecast(s, 170)).toEqual(day);
  });

  it('ISSUE-10 a growing station: the trend term lands closer than the plain seasonal mean', () => {
    const days = Array.from({ length: 70 }, (_, i) => Array.from({ length: 24 }, () => 10 * (1 + 0.01 * i)));
    const s = seriesOf(days);
    const actual = 10 * (1 + 0.01 * 70);
    const withTrend = seasonalForecast(s, 170, { weeks: 8, trendDamping: 1 }).hourly[12]!;
    const flat = seasonalForecast(s, 170, { weeks: 8, trendDamping: 0 }).hourly[12]!;
    expect(Math.abs(withTrend - actual)).toBeLessThan(0.05);
    expect(Math.abs(flat - actual)).toBeGreaterThan(0.4);
  });

  it('ISSUE-10 uses only days before the forecast day, never the day itself or later (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.nat({ max: 60 }), { minLength: 24, maxLength: 24 }), { minLength: 1, maxLength: 80 }),
        fc.nat({ max: 90 }),
        fc.array(fc.nat({ max: 60 }), { minLength: 24, maxLength: 24 }),
        (days, offset, noise) => {
          const target = 100 + offset;
          const a = seasonalForecast({ ...seriesOf(days), completeThrough: Math.min(99 + days.length, target - 1) }, target, opts).hourly;
          const mutated = days.map((row, i) => (100 + i >= target ? noise : row));
          const b = seasonalForecast({ ...seriesOf(mutated), completeThrough: Math.min(99 + days.length, target - 1) }, target, opts).hourly;
          expect(b).toEqual(a);
          expect(a.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('ISSUE-10 with under a week of history, the forecast falls back to the average day', () => {
    const s = seriesOf([Array(24).fill(2), Array(24).fill(4)]);
    expect(seasonalForecast(s, 102, opts)).toEqual({ hourly: Array(24).fill(3), weeksUsed: 0 });
    expect(naiveForecast(s, 102)).toBeNull();
  });
});

describe('staffing plan', () => {
  it('ISSUE-10 operators needed = items / (items per working hour × utilisation), rounded up; pressure where usual staff falls short', () => {
    const plan = staffingPlan([0, 40, 10, 33], [0, 2, 1, 3], 20, 0.8);
    expect(plan.staffing).toEqual([0, 3, 1, 3]);
    expect(plan.pressureHours).toEqual([1]);
  });

  it('ISSUE-10 no measured throughput yet: no staffing figure rather than a division by zero', () => {
    expect(staffingPlan([5, 5], [1, 1], 0, 0.8)).toEqual({ staffing: [0, 0], pressureHours: [] });
  });
});
