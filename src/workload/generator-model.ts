/**
 * The model behind generated shift histories, kept apart from the simulation so tests can compute the truth
 * (expected pace, fatigue) from the same formulas the generator used.
 */
import type { Intake } from './types.js';

export const GENERATOR_VERSION = 1;

/** Relative arrival rate by local hour: a morning plateau and an afternoon peak (14–17 h). Closed at night. */
export const HOUR_PROFILE: readonly number[] = [
  0, 0, 0, 0, 0, 0, 0.3, 0.6, 0.8, 0.9, 1.0, 1.0, 0.9, 1.1, 1.5, 1.7, 1.6, 1.3, 0.9, 0.6, 0.4, 0.2, 0, 0,
];

/** Relative arrival rate by weekday (0 = Monday): weekend returns land on Monday. */
export const WEEKDAY_FACTOR: readonly number[] = [1.35, 1.15, 1.0, 0.95, 0.9, 0.45, 0.2];

export const INTAKES: readonly Intake[] = ['rfid', 'barcode', 'camera'];
export const INTAKE_SHARE: readonly number[] = [0.3, 0.55, 0.15];
/** Handling time relative to the operator's base: RFID bulk reads save time, camera retries cost it. */
export const INTAKE_TIME: Readonly<Record<Intake, number>> = { rfid: 0.85, barcode: 1.0, camera: 1.1 };

/** Items per case: 1 (60 %), 2 (25 %), 3 (10 %), 4 (5 %). */
export const ITEMS_PER_CASE_WEIGHTS: readonly number[] = [0.6, 0.25, 0.1, 0.05];

export interface FatigueModel {
  /** Minutes of continuous work before fatigue starts to show. */
  onsetMin: number;
  /** Extra handling time per hour of work beyond the onset (0.6 = +60 % per hour). */
  slowdownPerHour: number;
  /** Mis-bin probability per item when fresh, and its increase per hour beyond the onset. */
  misbinBase: number;
  misbinPerHour: number;
  /** Undo probability per item when fresh, and its increase per hour beyond the onset. */
  undoBase: number;
  undoPerHour: number;
}

export const FATIGUE: FatigueModel = {
  onsetMin: 90,
  slowdownPerHour: 0.6,
  misbinBase: 0.004,
  misbinPerHour: 0.2,
  undoBase: 0.015,
  undoPerHour: 0.05,
};

/** Handling-time multiplier after `stretchMin` minutes of continuous work (1 = fresh). */
export function fatigueMultiplier(stretchMin: number, m: FatigueModel = FATIGUE): number {
  return 1 + (m.slowdownPerHour * Math.max(0, stretchMin - m.onsetMin)) / 60;
}

export function misbinProbability(stretchMin: number, m: FatigueModel = FATIGUE): number {
  return Math.min(0.5, m.misbinBase + (m.misbinPerHour * Math.max(0, stretchMin - m.onsetMin)) / 60);
}

export function undoProbability(stretchMin: number, m: FatigueModel = FATIGUE): number {
  return Math.min(0.5, m.undoBase + (m.undoPerHour * Math.max(0, stretchMin - m.onsetMin)) / 60);
}

/**
 * Expected pace (items per working hour) over [from, to] minutes of a stretch for an operator whose fresh pace
 * is `freshPace`: time-average of freshPace / multiplier, which is what items ÷ working time converges to.
 */
export function expectedPace(freshPace: number, fromMin: number, toMin: number, m: FatigueModel = FATIGUE): number {
  if (toMin <= fromMin) return freshPace / fatigueMultiplier(toMin, m);
  const steps = 60;
  let sum = 0;
  for (let i = 0; i < steps; i++) sum += 1 / fatigueMultiplier(fromMin + ((i + 0.5) * (toMin - fromMin)) / steps, m);
  return (freshPace * sum) / steps;
}

/** Expected operator actions (scans + taps) per item by intake, as generated. */
export const INTAKE_ACTIONS: Readonly<Record<Intake, number>> = { rfid: 2.5, barcode: 3.7, camera: 4.3 };

export interface TruthRest {
  /** Last event before the rest and first event after it (ms epoch). */
  from: number;
  to: number;
  /** 'break' = the operator chose to rest; 'idle' = no work in the queue for at least `restMin`. */
  kind: 'break' | 'idle';
}

export interface TruthSession {
  operator: string;
  signIn: number;
  signOut: number;
  rests: TruthRest[];
  items: number;
  /** Working time as the monitor defines it (item intervals, waits for work and rests excluded). */
  workMs: number;
}

export interface TruthOperator {
  operator: string;
  shift: 'early' | 'late';
  daysOff: number[];
  /** Items per working hour when fresh (expectation). */
  freshPace: number;
  /** Median of the operator's session paces as generated (what "usual" should converge to). */
  usualPace: number;
  /** Probability that a stretch runs long (the operator skips a break). */
  skipBreakProb: number;
}

export interface GeneratedTruth {
  generator: { version: number; seed: number; days: number; operators: number; start: string; station: string };
  /** Times are site local time with a UTC offset of 0 (generated epochs read as local clock times). */
  utcOffsetMin: 0;
  /** A gap without operator events of at least this long is a rest (equals the default idleGapBreakMin). */
  restMin: number;
  fatigue: FatigueModel;
  /** Expected case arrivals per hour for each generated day (before Poisson noise), [day][hour]. */
  arrivalRate: number[][];
  intakeActions: Readonly<Record<Intake, number>>;
  operators: TruthOperator[];
  sessions: TruthSession[];
  /** Times of every mis-bin, by operator. */
  misbins: Record<string, number[]>;
  counts: { events: number; cases: number; items: number };
}
