import type { SessionSummary } from './operator.js';
import { round1 } from './operator.js';
import { DAY, HOUR, MINUTE, dayIndex, dayStart, hourOf, weekdayOfDay } from './time.js';
import type { WorkloadConfig } from './types.js';
import { TimeWindow } from './window.js';

interface DayTotals {
  items: number;
  workMs: number;
  signedInMs: number;
}

/** What the forecast needs from history: arrivals per local day and hour, and which days are complete. */
export interface ArrivalSeries {
  firstDay: number;
  /** Last day whose arrivals are complete (today is still running). */
  completeThrough: number;
  get(day: number): ArrayLike<number> | undefined;
}

/**
 * Station-wide incremental state: arrivals (heatmap and per-day series), the case queue, throughput and effort.
 * All updates are O(1) except a session end, which spreads signed-in time over the hours it covered.
 */
export class StationTracker {
  private readonly heat = new Float64Array(168);
  private readonly staffMs = new Float64Array(168);
  private readonly arrivals = new Map<number, Float64Array>();
  private readonly days = new Map<number, DayTotals>();
  /** Waiting cases by id, in arrival order (Map keeps insertion order). */
  private readonly queue = new Map<string, number>();
  /** Cases recorded without an id can still be counted, first in first out. */
  private readonly anonQueue: number[] = [];
  private anonHead = 0;
  private readonly waits = new TimeWindow(HOUR);
  private readonly effort = new Map<string, { actions: number; items: number }>();
  private casesStarted = 0;
  private itemsDone = 0;
  firstDay: number | null = null;
  lastDay: number | null = null;

  constructor(private readonly cfg: WorkloadConfig) {}

  seen(at: number): void {
    const day = dayIndex(at, this.cfg.utcOffsetMin);
    if (this.firstDay === null || day < this.firstDay) this.firstDay = day;
    if (this.lastDay === null || day > this.lastDay) this.lastDay = day;
  }

  caseArrived(at: number, caseId: string | null | undefined): void {
    const day = dayIndex(at, this.cfg.utcOffsetMin);
    const hour = hourOf(at, this.cfg.utcOffsetMin);
    this.heat[weekdayOfDay(day) * 24 + hour]! += 1;
    let row = this.arrivals.get(day);
    if (!row) {
      row = new Float64Array(24);
      this.arrivals.set(day, row);
    }
    row[hour]! += 1;
    if (caseId) this.queue.set(caseId, at);
    else this.anonQueue.push(at);
  }

  /** Takes the case off the queue; returns when it arrived (so the operator's wait is not counted as work). */
  caseStarted(at: number, caseId: string | null | undefined): number | undefined {
    this.casesStarted++;
    let arrivedAt: number | undefined;
    if (caseId && this.queue.has(caseId)) {
      arrivedAt = this.queue.get(caseId);
      this.queue.delete(caseId);
    } else if (!caseId && this.anonHead < this.anonQueue.length) {
      arrivedAt = this.anonQueue[this.anonHead++];
      if (this.anonHead > 1024 && this.anonHead * 2 > this.anonQueue.length) {
        this.anonQueue.splice(0, this.anonHead);
        this.anonHead = 0;
      }
    }
    if (arrivedAt !== undefined) this.waits.push(at, at - arrivedAt);
    return arrivedAt;
  }

  itemDone(at: number, intake: string | null | undefined, workMs: number, actions: number): void {
    this.itemsDone++;
    const d = this.day(dayIndex(at, this.cfg.utcOffsetMin));
    d.items++;
    d.workMs += workMs;
    const key = intake || 'unknown';
    let e = this.effort.get(key);
    if (!e) {
      e = { actions: 0, items: 0 };
      this.effort.set(key, e);
    }
    e.actions += actions;
    e.items++;
  }

  /** Signed-in time goes to the day the session started and, hour by hour, to the usual-staff profile. */
  sessionEnded(s: SessionSummary): void {
    const start = s.start;
    const end = s.end;
    this.day(dayIndex(start, this.cfg.utcOffsetMin)).signedInMs += end - start;
    let t = start;
    while (t < end) {
      const hourEnd = Math.min(end, Math.floor((t + this.cfg.utcOffsetMin * MINUTE) / HOUR + 1) * HOUR - this.cfg.utcOffsetMin * MINUTE);
      const day = dayIndex(t, this.cfg.utcOffsetMin);
      this.staffMs[weekdayOfDay(day) * 24 + hourOf(t, this.cfg.utcOffsetMin)]! += hourEnd - t;
      t = hourEnd;
    }
  }

  /** How many times each weekday occurs in the observed span (denominator of per-weekday averages). */
  weekdayCount(weekday: number): number {
    if (this.firstDay === null || this.lastDay === null) return 0;
    const span = this.lastDay - this.firstDay + 1;
    const offset = (((weekday - weekdayOfDay(this.firstDay)) % 7) + 7) % 7;
    return offset >= span ? 0 : Math.floor((span - 1 - offset) / 7) + 1;
  }

  heatmap(): number[][] {
    const out: number[][] = [];
    for (let w = 0; w < 7; w++) {
      const n = this.weekdayCount(w);
      const row: number[] = [];
      for (let h = 0; h < 24; h++) row.push(n > 0 ? round1(this.heat[w * 24 + h]! / n) : 0);
      out.push(row);
    }
    return out;
  }

  /** Operators usually signed in per hour on that weekday. */
  usualStaff(weekday: number): number[] {
    const n = this.weekdayCount(weekday);
    const out: number[] = [];
    for (let h = 0; h < 24; h++) out.push(n > 0 ? this.staffMs[weekday * 24 + h]! / HOUR / n : 0);
    return out;
  }

  queueLength(): number {
    return this.queue.size + (this.anonQueue.length - this.anonHead);
  }

  oldestArrival(): number | undefined {
    let oldest: number | undefined;
    for (const at of this.queue.values()) {
      oldest = at;
      break;
    }
    const anon = this.anonHead < this.anonQueue.length ? this.anonQueue[this.anonHead] : undefined;
    if (anon !== undefined && (oldest === undefined || anon < oldest)) oldest = anon;
    return oldest;
  }

  avgWaitMs(now: number): number {
    const r = this.waits.range(now - HOUR, now);
    return r.count > 0 ? r.sum / r.count : 0;
  }

  /** Items, working time and signed-in time over the last `days` days up to `now`'s day. */
  recentTotals(now: number, days: number): DayTotals {
    const today = dayIndex(now, this.cfg.utcOffsetMin);
    const out: DayTotals = { items: 0, workMs: 0, signedInMs: 0 };
    for (let d = today - days + 1; d <= today; d++) {
      const t = this.days.get(d);
      if (!t) continue;
      out.items += t.items;
      out.workMs += t.workMs;
      out.signedInMs += t.signedInMs;
    }
    return out;
  }

  itemsPerCase(): number {
    return this.casesStarted > 0 ? this.itemsDone / this.casesStarted : 1;
  }

  effortByIntake(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, v] of [...this.effort.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
      out[k] = v.items > 0 ? round1(v.actions / v.items) : 0;
    }
    return out;
  }

  /** The arrival history for forecasting; `now` decides which days are complete. */
  series(now: number): ArrivalSeries {
    const today = dayIndex(now, this.cfg.utcOffsetMin);
    const dayEnd = dayStart(today, this.cfg.utcOffsetMin) + DAY;
    // A history that ends exactly at midnight has a complete last day.
    const completeThrough = now >= dayEnd - 1 ? today : today - 1;
    return { firstDay: this.firstDay ?? today, completeThrough, get: (d) => this.arrivals.get(d) };
  }

  private day(d: number): DayTotals {
    let t = this.days.get(d);
    if (!t) {
      t = { items: 0, workMs: 0, signedInMs: 0 };
      this.days.set(d, t);
    }
    return t;
  }
}
