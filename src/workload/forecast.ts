import type { ArrivalSeries } from './station.js';

/**
 * Next-day hourly arrivals: the mean of the same weekday and hour over the last `weeks` weeks (seasonal profile),
 * scaled by the recent trend of weekly totals. Averaging several weeks is what beats the naive "same hour last week"
 * forecast: one week's count carries its full Poisson noise, eight weeks' mean carries a third of it. The trend
 * term removes the lag a plain average would have on a growing or shrinking site.
 */
export interface SeasonalOptions {
  weeks: number;
  /** Share of the fitted slope applied (0 = none, 1 = full linear trend). */
  trendDamping: number;
}

function known(series: ArrivalSeries, day: number): boolean {
  return day >= series.firstDay && day <= series.completeThrough;
}

function dayTotal(series: ArrivalSeries, day: number): number {
  const row = series.get(day);
  if (!row) return 0;
  let s = 0;
  for (let h = 0; h < 24; h++) s += row[h] ?? 0;
  return s;
}

/** Uses only days strictly before `day`, so it can be evaluated on held-out history. */
export function seasonalForecast(series: ArrivalSeries, day: number, opts: SeasonalOptions): { hourly: number[]; weeksUsed: number } {
  const refs: number[] = [];
  for (let k = 1; k <= opts.weeks; k++) {
    const d = day - 7 * k;
    if (d < day && known(series, d)) refs.push(d);
  }
  const hourly = new Array<number>(24).fill(0);
  if (refs.length === 0) {
    // Less than a week of history: the average hour-of-day profile of what there is.
    let n = 0;
    for (let d = Math.min(day - 1, series.completeThrough); d >= series.firstDay && n < 7; d--, n++) {
      const row = series.get(d);
      for (let h = 0; h < 24; h++) hourly[h]! += row?.[h] ?? 0;
    }
    return { hourly: hourly.map((v) => (n > 0 ? v / n : 0)), weeksUsed: 0 };
  }
  for (const d of refs) {
    const row = series.get(d);
    for (let h = 0; h < 24; h++) hourly[h]! += row?.[h] ?? 0;
  }
  const ratio = trendRatio(series, day, refs, opts);
  return { hourly: hourly.map((v) => (v / refs.length) * ratio), weeksUsed: refs.length };
}

/** Expected level on `day` relative to the mean level of the reference days, from a damped linear fit. */
function trendRatio(series: ArrivalSeries, day: number, refs: number[], opts: SeasonalOptions): number {
  if (opts.trendDamping <= 0) return 1;
  const end = Math.min(day - 1, series.completeThrough);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let j = 1; j <= opts.weeks; j++) {
    const from = end - 7 * j + 1;
    if (from < series.firstDay) break;
    let total = 0;
    for (let d = from; d < from + 7; d++) total += dayTotal(series, d);
    xs.push(from + 3);
    ys.push(total);
  }
  if (xs.length < 3) return 1;
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  if (sxx === 0 || my <= 0) return 1;
  const slope = (sxy / sxx) * opts.trendDamping;
  const level = (x: number): number => my + slope * (x - mx);
  const refLevel = refs.reduce((a, d) => a + level(d), 0) / refs.length;
  if (refLevel <= 0) return 1;
  return Math.min(2, Math.max(0.5, level(day) / refLevel));
}

/** The peer: the same hour one week earlier; null when that day is not in the history. */
export function naiveForecast(series: ArrivalSeries, day: number): number[] | null {
  const ref = day - 7;
  if (!known(series, ref)) return null;
  const row = series.get(ref);
  return Array.from({ length: 24 }, (_, h) => row?.[h] ?? 0);
}

export interface ErrorTotals {
  absPctSum: number;
  absSum: number;
  actualSum: number;
  hours: number;
}

export function emptyTotals(): ErrorTotals {
  return { absPctSum: 0, absSum: 0, actualSum: 0, hours: 0 };
}

/** MAPE counts only hours with arrivals (a closed station's zero hours have no percentage error). */
export function addErrors(t: ErrorTotals, actual: ArrayLike<number> | undefined, forecast: readonly number[]): void {
  for (let h = 0; h < 24; h++) {
    const a = actual?.[h] ?? 0;
    const f = forecast[h] ?? 0;
    t.absSum += Math.abs(a - f);
    t.actualSum += a;
    if (a > 0) {
      t.absPctSum += Math.abs(a - f) / a;
      t.hours++;
    }
  }
}

export interface Backtest {
  days: number;
  hours: number;
  /** Mean absolute percentage error over hours with arrivals, in percent. */
  forecastMape: number;
  naiveMape: number;
  /** Weighted (sum |error| / sum actual), in percent: robust to quiet hours. */
  forecastWape: number;
  naiveWape: number;
}

/**
 * Rolling one-day-ahead evaluation over [fromDay, toDay]: each day is forecast from the days before it only, and
 * compared with what actually arrived. Days without a week-earlier day are skipped for both methods.
 */
export function backtest(series: ArrivalSeries, fromDay: number, toDay: number, opts: SeasonalOptions): Backtest {
  const ours = emptyTotals();
  const naive = emptyTotals();
  let days = 0;
  for (let d = fromDay; d <= toDay; d++) {
    if (!known(series, d)) continue;
    const n = naiveForecast(series, d);
    if (!n) continue;
    const f = seasonalForecast({ ...series, completeThrough: Math.min(series.completeThrough, d - 1) }, d, opts).hourly;
    const actual = series.get(d);
    addErrors(ours, actual, f);
    addErrors(naive, actual, n);
    days++;
  }
  const pct = (x: number): number => Math.round(x * 1000) / 10;
  return {
    days,
    hours: ours.hours,
    forecastMape: ours.hours > 0 ? pct(ours.absPctSum / ours.hours) : 0,
    naiveMape: naive.hours > 0 ? pct(naive.absPctSum / naive.hours) : 0,
    forecastWape: ours.actualSum > 0 ? pct(ours.absSum / ours.actualSum) : 0,
    naiveWape: naive.actualSum > 0 ? pct(naive.absSum / naive.actualSum) : 0,
  };
}

/**
 * Operators needed per hour: expected items / (items per working hour × target utilisation), rounded up. The
 * hours under pressure are those where the staff usually present cannot keep up, so the queue grows.
 */
export function staffingPlan(
  items: readonly number[],
  usualStaff: readonly number[],
  itemsPerWorkHour: number,
  targetUtilisation: number,
): { staffing: number[]; pressureHours: number[] } {
  const perOperator = itemsPerWorkHour * targetUtilisation;
  const staffing = items.map((x) => (x > 0 && perOperator > 0 ? Math.ceil(x / perOperator - 1e-9) : 0));
  const pressureHours: number[] = [];
  items.forEach((x, h) => {
    if (x > 0 && perOperator > 0 && x > (usualStaff[h] ?? 0) * perOperator) pressureHours.push(h);
  });
  return { staffing, pressureHours };
}
