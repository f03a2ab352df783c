import type BetterSqlite3 from 'better-sqlite3';
import { StationError } from '../core/errors.js';
import {
  FATIGUE,
  GENERATOR_VERSION,
  HOUR_PROFILE,
  INTAKES,
  INTAKE_ACTIONS,
  INTAKE_SHARE,
  INTAKE_TIME,
  ITEMS_PER_CASE_WEIGHTS,
  WEEKDAY_FACTOR,
  fatigueMultiplier,
  misbinProbability,
  undoProbability,
  type GeneratedTruth,
  type TruthOperator,
  type TruthSession,
} from './generator-model.js';
import { Prng } from './prng.js';
import { recordWorkEvents } from './schema.js';
import { DAY, HOUR, MINUTE, SECOND_MS, parseDay, weekdayOfDay } from './generator-time.js';
import type { Intake, WorkEvent } from './types.js';
import { median } from './window.js';

export interface GeneratorOptions {
  days: number;
  operators: number;
  seed: number;
  /** First day, YYYY-MM-DD (default 2026-01-05, a Monday). */
  start?: string;
  station?: string;
  /** Expected arrivals as a share of the roster's working capacity (default 0.85). */
  load?: number;
  /** Daily growth of arrivals (default 0.001 = +0.1 % per day). */
  trendPerDay?: number;
}

const REST_MIN = 10;
const EARLY = { from: 6 * 60, to: 14 * 60 + 30 };
const LATE = { from: 13 * 60 + 30, to: 22 * 60 };

interface OpPlan {
  truth: TruthOperator;
  baseSec: number;
  offStart: number;
}

interface OpDay {
  plan: OpPlan;
  t: number;
  shiftEnd: number;
  lastEventAt: number;
  stretchStart: number;
  intervalStart: number;
  stretchTarget: number;
  breakPending: boolean;
  lunchTaken: boolean;
  session: TruthSession;
}

/**
 * Simulates a returns station: Poisson case arrivals with an afternoon peak into one FIFO queue, operators on
 * early and late shifts with their own paces, breaks (some skipped, making long stretches), and fatigue that
 * slows handling and raises undo and mis-bin rates late in long stretches. Events of each day are handed to
 * `sink` sorted by time; the returned truth says what really happened.
 */
export function generateHistory(opts: GeneratorOptions, sink: (events: WorkEvent[]) => void): GeneratedTruth {
  const startLabel = opts.start ?? '2026-01-05';
  const firstDay = parseDay(startLabel);
  if (firstDay === null || !(opts.days >= 1) || !(opts.operators >= 1) || !Number.isFinite(opts.seed)) {
    throw new StationError('WORKLOAD_BAD_GENERATOR', 'The generator needs --days ≥ 1, --operators ≥ 1, a numeric --seed and a start date YYYY-MM-DD.');
  }
  const rng = new Prng(opts.seed);
  const station = opts.station ?? 'S1';
  const plans = makeOperators(rng, opts.operators);
  const meanItemsPerCase = ITEMS_PER_CASE_WEIGHTS.reduce((a, w, i) => a + w * (i + 1), 0);
  // Arrivals sized to the roster: expected working hours per week × fresh pace, spread by weekday and hour.
  const weeklyItems = plans.reduce((a, p) => a + 5 * 0.97 * 6.6 * p.truth.freshPace, 0);
  const profileSum = HOUR_PROFILE.reduce((a, b) => a + b, 0);
  const weekdaySum = WEEKDAY_FACTOR.reduce((a, b) => a + b, 0);
  const base = ((opts.load ?? 0.85) * weeklyItems) / meanItemsPerCase / weekdaySum / profileSum;
  const trend = opts.trendPerDay ?? 0.001;

  const truth: GeneratedTruth = {
    generator: { version: GENERATOR_VERSION, seed: opts.seed, days: opts.days, operators: opts.operators, start: startLabel, station },
    utcOffsetMin: 0,
    restMin: REST_MIN,
    fatigue: FATIGUE,
    arrivalRate: [],
    intakeActions: INTAKE_ACTIONS,
    operators: plans.map((p) => p.truth),
    sessions: [],
    misbins: Object.fromEntries(plans.map((p) => [p.truth.operator, [] as number[]])),
    counts: { events: 0, cases: 0, items: 0 },
  };
  const queueAt: number[] = [];
  const queueId: string[] = [];
  const queueItems: number[] = [];
  let qHead = 0;

  for (let di = 0; di < opts.days; di++) {
    const day = firstDay + di;
    const wd = weekdayOfDay(day);
    const t0 = day * DAY;
    const events: WorkEvent[] = [];
    const level = base * WEEKDAY_FACTOR[wd]! * (1 + trend * di) * rng.lognormal(0.05);
    const rates = HOUR_PROFILE.map((p) => p * level);
    truth.arrivalRate.push(rates.map((r) => Math.round(r * 100) / 100));
    const arrivals: number[] = [];
    rates.forEach((r, h) => {
      const n = rng.poisson(r);
      for (let i = 0; i < n; i++) arrivals.push(t0 + h * HOUR + Math.floor(rng.next() * HOUR));
    });
    arrivals.sort((a, b) => a - b);
    arrivals.forEach((at, i) => {
      const id = `C${day}-${i + 1}`;
      queueAt.push(at);
      queueId.push(id);
      queueItems.push(rng.weighted(ITEMS_PER_CASE_WEIGHTS) + 1);
      events.push({ at, station, operator: null, kind: 'case_arrived', itemId: id });
    });
    truth.counts.cases += arrivals.length;

    const active: OpDay[] = [];
    for (const plan of plans) {
      if (plan.truth.daysOff.includes(wd) || rng.chance(0.03)) continue;
      const shift = plan.truth.shift === 'early' ? EARLY : LATE;
      const signIn = t0 + shift.from * MINUTE + Math.floor(rng.uniform(0, 8) * MINUTE);
      const session: TruthSession = { operator: plan.truth.operator, signIn, signOut: signIn, rests: [], items: 0, workMs: 0 };
      events.push({ at: signIn, station, operator: plan.truth.operator, kind: 'sign_in' });
      active.push({
        plan,
        t: signIn + Math.floor(rng.uniform(20, 90) * SECOND_MS),
        shiftEnd: t0 + shift.to * MINUTE,
        lastEventAt: signIn,
        stretchStart: signIn,
        intervalStart: signIn,
        stretchTarget: drawStretch(rng, plan),
        breakPending: false,
        lunchTaken: false,
        session,
      });
    }

    const emit = (o: OpDay, at: number, kind: string, itemId: string | null = null, intake: Intake | null = null): void => {
      if (at - o.lastEventAt >= REST_MIN * MINUTE) {
        o.session.rests.push({ from: o.lastEventAt, to: at, kind: o.breakPending ? 'break' : 'idle' });
        o.stretchStart = at;
        o.intervalStart = at;
        o.breakPending = false;
      }
      o.lastEventAt = at;
      events.push({ at, station, operator: o.plan.truth.operator, kind, itemId, intake });
    };

    while (active.length > 0) {
      let k = 0;
      for (let i = 1; i < active.length; i++) if (active[i]!.t < active[k]!.t) k = i;
      const o = active[k]!;
      if (o.t >= o.shiftEnd) {
        const at = Math.max(o.t, o.lastEventAt + SECOND_MS);
        emit(o, at, 'sign_out');
        o.session.signOut = at;
        truth.sessions.push(o.session);
        active.splice(k, 1);
        continue;
      }
      if (o.t - o.stretchStart >= o.stretchTarget * MINUTE && o.shiftEnd - o.t > 25 * MINUTE) {
        const lunch = !o.lunchTaken && o.t - o.session.signIn >= 3.5 * HOUR;
        if (lunch) o.lunchTaken = true;
        o.t += Math.floor((lunch ? 30 : rng.uniform(15, 25)) * MINUTE);
        o.stretchStart = o.t;
        o.breakPending = true;
        o.stretchTarget = drawStretch(rng, o.plan);
        continue;
      }
      if (qHead >= queueAt.length || queueAt[qHead]! > o.t) {
        // No case waiting: wait for the next one, or the end of the shift.
        const next = qHead < queueAt.length ? queueAt[qHead]! : Number.POSITIVE_INFINITY;
        o.t = next < o.shiftEnd ? next : o.shiftEnd;
        continue;
      }
      const arrivedAt = queueAt[qHead]!;
      const caseId = queueId[qHead]!;
      const nItems = queueItems[qHead]!;
      qHead++;
      workCase(rng, o, arrivedAt, caseId, nItems, emit, truth);
    }
    events.sort((a, b) => a.at - b.at);
    truth.counts.events += events.length;
    sink(events);
  }
  for (const p of plans) {
    const paces = truth.sessions
      .filter((s) => s.operator === p.truth.operator && s.workMs >= HOUR)
      .map((s) => (s.items * HOUR) / s.workMs);
    p.truth.usualPace = Math.round((median(paces) ?? p.truth.freshPace) * 100) / 100;
  }
  return truth;
}

function workCase(
  rng: Prng,
  o: OpDay,
  arrivedAt: number,
  caseId: string,
  nItems: number,
  emit: (o: OpDay, at: number, kind: string, itemId?: string | null, intake?: Intake | null) => void,
  truth: GeneratedTruth,
): void {
  const start = o.t;
  emit(o, start, 'case_started', caseId);
  if (arrivedAt > o.intervalStart) o.intervalStart = arrivedAt;
  let cur = start;
  // Walking to the next case is part of the first item's time, and slows with fatigue like the rest.
  const walk = rng.uniform(5, 20) * SECOND_MS;
  for (let i = 0; i < nItems; i++) {
    const itemId = `${caseId}/${i + 1}`;
    const intake = INTAKES[rng.weighted(INTAKE_SHARE)]!;
    const stretchMin = (cur - o.stretchStart) / MINUTE;
    const mult = fatigueMultiplier(stretchMin);
    const dur = Math.max(
      4 * SECOND_MS,
      Math.round((o.plan.baseSec * SECOND_MS * INTAKE_TIME[intake] * rng.lognormal(0.15) + (i === 0 ? walk : 0)) * mult),
    );
    const kinds: string[] = [];
    const scans = intake === 'rfid' ? 1 : intake === 'barcode' ? 1 + (rng.chance(0.2) ? 1 : 0) : 1 + (rng.chance(0.5) ? 1 : 0) + (rng.chance(0.3) ? 1 : 0);
    const taps = (intake === 'rfid' ? 1 : 2) + (rng.chance(0.5) ? 1 : 0);
    for (let s = 0; s < scans; s++) kinds.push('scan');
    for (let s = 0; s < taps; s++) kinds.push('tap');
    if (rng.chance(undoProbability(stretchMin))) kinds.splice(1 + Math.floor(rng.next() * (kinds.length - 1)), 0, 'undo');
    if (rng.chance(0.01)) kinds.push('correction');
    kinds.forEach((kind, j) => {
      const at = cur + Math.max(SECOND_MS, Math.round((dur * (j + 1)) / (kinds.length + 1)));
      emit(o, at, kind, itemId, kind === 'scan' ? intake : null);
    });
    const done = cur + dur;
    emit(o, done, 'item_done', itemId, intake);
    o.session.items++;
    o.session.workMs += done - o.intervalStart;
    o.intervalStart = done;
    truth.counts.items++;
    cur = done;
    if (rng.chance(misbinProbability(stretchMin))) {
      cur = done + 5 * SECOND_MS;
      emit(o, cur, 'misbin', itemId);
      truth.misbins[o.plan.truth.operator]!.push(cur);
    }
  }
  o.t = cur + SECOND_MS;
}

function drawStretch(rng: Prng, plan: OpPlan): number {
  return rng.chance(plan.truth.skipBreakProb) ? rng.uniform(130, 220) : rng.uniform(70, 105);
}

function makeOperators(rng: Prng, n: number): OpPlan[] {
  const offStarts = [5, 5, 6, 5, 2, 5, 3];
  const meanIntakeTime = INTAKES.reduce((a, k, i) => a + INTAKE_TIME[k] * INTAKE_SHARE[i]!, 0);
  const lnMean = Math.exp(0.15 ** 2 / 2);
  const meanItems = ITEMS_PER_CASE_WEIGHTS.reduce((a, w, i) => a + w * (i + 1), 0);
  const plans: OpPlan[] = [];
  for (let i = 0; i < n; i++) {
    const freshPace = Math.round(rng.uniform(16, 28) * 10) / 10;
    // Base handling seconds chosen so that the expected fresh pace (walk included) is freshPace.
    const walkPerItem = 12.5 / meanItems;
    const baseSec = (3600 / freshPace - walkPerItem) / (meanIntakeTime * lnMean);
    const offStart = offStarts[i % offStarts.length]!;
    const skipBreakProb = Math.round((i % 4 === 0 ? rng.uniform(0.35, 0.55) : rng.uniform(0, 0.15)) * 100) / 100;
    plans.push({
      baseSec,
      offStart,
      truth: {
        operator: `op-${String(i + 1).padStart(2, '0')}`,
        shift: i % 2 === 0 ? 'early' : 'late',
        daysOff: [offStart, (offStart + 1) % 7],
        freshPace,
        usualPace: freshPace,
        skipBreakProb,
      },
    });
  }
  return plans;
}

/** Writes a generated history into `db` (creating the workload table) and returns its truth. */
export function generateToDb(db: BetterSqlite3.Database, opts: GeneratorOptions): GeneratedTruth {
  return generateHistory(opts, (events) => {
    recordWorkEvents(db, events);
  });
}
