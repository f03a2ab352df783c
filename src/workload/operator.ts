import { HOUR, MINUTE } from './time.js';
import type { WorkloadConfig } from './types.js';
import { TimeWindow, median } from './window.js';

/** What a finished session contributes to station figures (signed-in hours, usual pace). */
export interface SessionSummary {
  operator: string;
  start: number;
  end: number;
  items: number;
  workMs: number;
}

/** Live per-operator figures before signals are attached. */
export interface OperatorState {
  operator: string;
  itemsPerHour: number;
  usualItemsPerHour?: number;
  paceVsUsualPct?: number;
  continuousWorkMin: number;
  shiftMin: number;
  undoRate30m: number;
  misbinCount30m: number;
  rates30m: { undo: number; correction: number; misbin: number };
  actionsPerItem: number;
  itemsThisSession: number;
  onBreak: boolean;
  /** Items measured in the current work stretch's pace window (gates PACE_DROP). */
  stretchItems: number;
  undoCount30m: number;
  items30m: number;
}

const WINDOW_30M = 30 * MINUTE;

/**
 * Incremental state of one operator. Every method is O(1) amortised except `figures`, which scans at most one
 * pace window of items. Events must arrive in time order (the monitor guarantees it for history; live events are
 * in order by nature).
 */
export class OperatorTracker {
  sessionStart: number | null = null;
  lastEventAt = Number.NEGATIVE_INFINITY;
  /** First event after the last real break: continuous work is measured from here. */
  stretchStart = 0;
  /** Start of the item being worked on now (previous item done, case start after a wait, or end of a break). */
  private intervalStart = 0;
  private pendingActions = 0;
  private sessionActions = 0;
  private sessionItems = 0;
  private sessionWorkMs = 0;
  private readonly done: TimeWindow;
  /** Undos and corrections together (the UNDO_RATE signal); corrections also on their own for the separate rates. */
  private readonly undos = new TimeWindow(WINDOW_30M);
  private readonly corrections = new TimeWindow(WINDOW_30M);
  private readonly misbins = new TimeWindow(WINDOW_30M);
  private readonly pastPaces: number[] = [];
  private usual: number | undefined;

  constructor(
    readonly operator: string,
    private readonly cfg: WorkloadConfig,
    private readonly onSessionEnd: (s: SessionSummary) => void,
  ) {
    this.done = new TimeWindow(Math.max(cfg.paceWindowMin, 30) * MINUTE);
  }

  get usualItemsPerHour(): number | undefined {
    return this.usual;
  }

  /** True while signed in and not stale at `now`. */
  isActive(now: number): boolean {
    return this.sessionStart !== null && now - this.lastEventAt < this.cfg.sessionStaleMin * MINUTE;
  }

  signIn(at: number): void {
    if (this.sessionStart !== null) this.endSession(this.lastEventAt);
    this.startSession(at);
  }

  signOut(at: number): void {
    if (this.sessionStart === null) return;
    if (at - this.lastEventAt >= this.cfg.sessionStaleMin * MINUTE) {
      // Already treated as gone: the session ended with the last real activity, not at this late sign-out.
      this.endSession(this.lastEventAt);
      return;
    }
    this.activity(at);
    this.endSession(at);
  }

  /** Scans and taps: the operator's effort, attributed to the next item done. */
  action(at: number): void {
    this.activity(at);
    this.pendingActions++;
    this.sessionActions++;
  }

  /** A case taken from the queue; time spent waiting for it to arrive is not work. */
  caseStarted(at: number, arrivedAt: number | undefined): void {
    this.activity(at);
    if (arrivedAt !== undefined && arrivedAt > this.intervalStart && arrivedAt <= at) this.intervalStart = arrivedAt;
  }

  /** Returns the item's working time and the actions it took (for station effort figures). */
  itemDone(at: number): { workMs: number; actions: number } {
    this.activity(at);
    const workMs = Math.max(0, at - this.intervalStart);
    this.done.push(at, workMs);
    this.sessionItems++;
    this.sessionWorkMs += workMs;
    this.intervalStart = at;
    const actions = this.pendingActions;
    this.pendingActions = 0;
    return { workMs, actions };
  }

  undo(at: number, correction = false): void {
    this.activity(at);
    this.undos.push(at);
    if (correction) this.corrections.push(at);
  }

  misbin(at: number): void {
    this.activity(at);
    this.misbins.push(at);
  }

  /** Any other event from the operator still shows they are at work. */
  touch(at: number): void {
    this.activity(at);
  }

  /** Ends a session whose operator went quiet without signing out; called by the monitor before a snapshot. */
  closeIfStale(now: number): void {
    if (this.sessionStart !== null && !this.isActive(now)) this.endSession(this.lastEventAt);
  }

  figures(now: number): OperatorState | null {
    if (this.sessionStart === null || !this.isActive(now)) return null;
    const idleMs = now - this.lastEventAt;
    const onBreak = idleMs >= this.cfg.idleGapBreakMin * MINUTE;
    const pace = this.pace(now);
    const items30 = this.done.range(now - WINDOW_30M, now).count;
    const undos30 = this.undos.range(now - WINDOW_30M, now).count;
    const corrections30 = this.corrections.range(now - WINDOW_30M, now).count;
    const misbins30 = this.misbins.range(now - WINDOW_30M, now).count;
    const perItem = (n: number): number => round3(n / Math.max(items30, 1));
    const state: OperatorState = {
      operator: this.operator,
      itemsPerHour: round1(pace.itemsPerHour),
      continuousWorkMin: onBreak ? 0 : Math.max(0, Math.floor((now - this.stretchStart) / MINUTE)),
      shiftMin: Math.max(0, Math.floor((now - this.sessionStart) / MINUTE)),
      undoRate30m: round3(undos30 / Math.max(items30, 1)),
      misbinCount30m: misbins30,
      rates30m: { undo: perItem(undos30 - corrections30), correction: perItem(corrections30), misbin: perItem(misbins30) },
      actionsPerItem: round1(this.sessionItems > 0 ? this.sessionActions / this.sessionItems : 0),
      itemsThisSession: this.sessionItems,
      onBreak,
      stretchItems: pace.stretchItems,
      undoCount30m: undos30,
      items30m: items30,
    };
    if (this.usual !== undefined) {
      state.usualItemsPerHour = round1(this.usual);
      if (pace.items >= 3) state.paceVsUsualPct = Math.round((pace.itemsPerHour / this.usual - 1) * 100);
    }
    return state;
  }

  /**
   * Items per working hour = items / their working time, over the pace window clipped to the current stretch, so
   * a break neither drags the figure down nor hides fatigue that built up since. Only finished items count: the
   * item in progress cannot be told apart from the first minutes of a break.
   */
  private pace(now: number): { itemsPerHour: number; items: number; stretchItems: number } {
    const windowStart = now - this.cfg.paceWindowMin * MINUTE;
    const inStretch = this.done.range(Math.max(windowStart, this.stretchStart - 1), now);
    let { count, sum } = inStretch;
    if (count < 3) {
      // Just back from a break: show the pace before it rather than nothing.
      const any = this.done.range(windowStart, now);
      count = any.count;
      sum = any.sum;
    }
    const itemsPerHour = count > 0 && sum > 0 ? (count * HOUR) / sum : 0;
    return { itemsPerHour, items: count, stretchItems: inStretch.count };
  }

  private activity(at: number): void {
    if (this.sessionStart !== null && at - this.lastEventAt >= this.cfg.sessionStaleMin * MINUTE) this.endSession(this.lastEventAt);
    if (this.sessionStart === null) {
      // Work without a sign-in (a missed badge tap) still counts; the session starts at the first event.
      this.startSession(at);
      return;
    }
    if (at - this.lastEventAt >= this.cfg.idleGapBreakMin * MINUTE) {
      this.stretchStart = at;
      this.intervalStart = at;
    }
    if (at > this.lastEventAt) this.lastEventAt = at;
  }

  private startSession(at: number): void {
    this.sessionStart = at;
    this.lastEventAt = at;
    this.stretchStart = at;
    this.intervalStart = at;
    this.pendingActions = 0;
    this.sessionActions = 0;
    this.sessionItems = 0;
    this.sessionWorkMs = 0;
  }

  private endSession(end: number): void {
    const start = this.sessionStart;
    if (start === null) return;
    this.sessionStart = null;
    if (this.sessionWorkMs >= this.cfg.usualMinWorkMin * MINUTE && this.sessionItems > 0) {
      this.pastPaces.push((this.sessionItems * HOUR) / this.sessionWorkMs);
      if (this.pastPaces.length > this.cfg.usualSessions) this.pastPaces.shift();
      this.usual = this.pastPaces.length >= this.cfg.usualMinSessions ? median(this.pastPaces) : undefined;
    }
    this.onSessionEnd({ operator: this.operator, start, end: Math.max(start, end), items: this.sessionItems, workMs: this.sessionWorkMs });
  }
}

export function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
