import { beforeAll, describe, expect, it } from 'vitest';
import { defaultWorkloadConfig } from './config.js';
import { generateHistory } from './generator.js';
import { expectedPace, type GeneratedTruth, type TruthSession } from './generator-model.js';
import { WorkloadMonitor } from './monitor.js';
import type { Snapshot, WorkEvent } from './types.js';

/**
 * Issue 10 verification: the signals fire when, and only when, the generator's truth says so. The truth is the
 * generator's plan (breaks it took, waits for work, its fatigue model, the mis-bins it made); the monitor only sees
 * the events.
 */
const MIN = 60_000;
const cfg = defaultWorkloadConfig;

interface Sample {
  t: number;
  snap: Snapshot;
}

let truth: GeneratedTruth;
const samples: Sample[] = [];

function sessionAt(op: string, t: number): TruthSession | undefined {
  return truth.sessions.find((s) => s.operator === op && s.signIn <= t && t < s.signOut);
}

/** Truth of "continuous work" at t: time since the end of the last rest, or on a break. */
function truthStretch(s: TruthSession, t: number): { onBreak: boolean; stretchStart: number } {
  let stretchStart = s.signIn;
  for (const r of s.rests) {
    if (r.to <= t) stretchStart = r.to;
    else if (r.from <= t && t - r.from >= truth.restMin * MIN) return { onBreak: true, stretchStart };
  }
  return { onBreak: false, stretchStart };
}

function lastEventBefore(s: TruthSession, t: number): number {
  const r = s.rests.find((x) => x.from <= t && t < x.to);
  return r ? r.from : t;
}

beforeAll(() => {
  const events: WorkEvent[] = [];
  truth = generateHistory({ days: 35, operators: 12, seed: 11 }, (evs) => events.push(...evs));
  const monitor = new WorkloadMonitor(null);
  monitor.start();
  const firstDay = Math.floor(events[0]!.at / 86_400_000);
  let i = 0;
  // Sample the last 14 days every 7 minutes through opening hours, feeding events as they would arrive live.
  for (let d = 21; d < 35; d++) {
    for (let m = 6 * 60 + 3; m <= 22 * 60 + 30; m += 7) {
      const t = (firstDay + d) * 86_400_000 + m * MIN;
      while (i < events.length && events[i]!.at <= t) monitor.ingest(events[i++]!);
      samples.push({ t, snap: monitor.snapshot(t) });
    }
  }
});

describe('issue 10: signals against generated truth (12 operators × 35 days, seed 11)', () => {
  it('ISSUE-10 BREAK_DUE fires exactly when the truth says the operator has worked ≥ breakAfterMin without a rest', () => {
    let positives = 0;
    let checks = 0;
    const wrong: string[] = [];
    for (const { t, snap } of samples) {
      for (const op of truth.operators) {
        const s = sessionAt(op.operator, t);
        const fig = snap.operators.find((o) => o.operator === op.operator);
        if (!s) {
          if (fig) wrong.push(`${op.operator} shown at ${new Date(t).toISOString()} outside a session`);
          continue;
        }
        const tr = truthStretch(s, t);
        const truthMin = tr.onBreak ? 0 : Math.floor((t - tr.stretchStart) / MIN);
        // Idle for sessionStaleMin looks exactly like a forgotten sign-out; the monitor then lets the session go.
        if (!fig && tr.onBreak && t - lastEventBefore(s, t) >= cfg.sessionStaleMin * MIN) continue;
        const expected = truthMin >= cfg.breakAfterMin;
        const fired = fig?.signals.some((x) => x.code === 'BREAK_DUE') ?? false;
        checks++;
        if (expected) positives++;
        if (fig?.continuousWorkMin !== truthMin || fired !== expected) {
          wrong.push(`${op.operator} ${new Date(t).toISOString()}: truth ${truthMin} min, monitor ${fig?.continuousWorkMin}, fired ${fired}`);
        }
      }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(checks).toBeGreaterThan(3000);
    expect(positives).toBeGreaterThan(50);
  });

  it('ISSUE-10 PACE_DROP fires when fatigue truly slowed the operator ≥ 40 % and never when it is ≤ 10 %', () => {
    let mustFire = 0;
    let mustNot = 0;
    const wrong: string[] = [];
    for (const { t, snap } of samples) {
      for (const op of truth.operators) {
        const s = sessionAt(op.operator, t);
        const fig = snap.operators.find((o) => o.operator === op.operator);
        if (!s || !fig || fig.usualItemsPerHour === undefined) continue;
        const tr = truthStretch(s, t);
        if (tr.onBreak) continue;
        const b = (t - tr.stretchStart) / MIN;
        const a = Math.max(0, b - cfg.paceWindowMin);
        const pace = expectedPace(op.freshPace, a, b, truth.fatigue);
        const drop = (1 - pace / op.usualPace) * 100;
        const fired = fig.signals.some((x) => x.code === 'PACE_DROP');
        if (drop >= 40 && (pace * (b - a)) / 60 >= cfg.paceMinItems + 3) {
          mustFire++;
          if (!fired) wrong.push(`missed: ${op.operator} ${new Date(t).toISOString()} truth −${drop.toFixed(0)}%, monitor ${fig.paceVsUsualPct}%`);
        } else if (drop <= 10) {
          mustNot++;
          if (fired) wrong.push(`false: ${op.operator} ${new Date(t).toISOString()} truth −${drop.toFixed(0)}%, monitor ${fig.paceVsUsualPct}%`);
        }
      }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(mustFire).toBeGreaterThan(5);
    expect(mustNot).toBeGreaterThan(2000);
  });

  it('ISSUE-10 MISBINS fires exactly when the operator truly made ≥ 3 wrong bins in the last 30 minutes', () => {
    let positives = 0;
    const wrong: string[] = [];
    for (const { t, snap } of samples) {
      for (const op of truth.operators) {
        const fig = snap.operators.find((o) => o.operator === op.operator);
        if (!sessionAt(op.operator, t) || !fig) continue;
        const n = truth.misbins[op.operator]!.filter((x) => x > t - 30 * MIN && x <= t).length;
        const expected = n >= cfg.misbins30m;
        const fired = fig.signals.some((x) => x.code === 'MISBINS');
        if (expected) positives++;
        if (fired !== expected || fig.misbinCount30m !== n) wrong.push(`${op.operator} ${new Date(t).toISOString()}: truth ${n}, monitor ${fig.misbinCount30m}`);
      }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(positives).toBeGreaterThan(3);
  });

  it('ISSUE-10 a pace drop is fatigue, not noise: every PACE_DROP comes past the fatigue onset of a stretch', () => {
    let seen = 0;
    for (const { t, snap } of samples) {
      for (const fig of snap.operators) {
        if (!fig.signals.some((x) => x.code === 'PACE_DROP')) continue;
        const s = sessionAt(fig.operator, t)!;
        const tr = truthStretch(s, t);
        seen++;
        expect((t - tr.stretchStart) / MIN).toBeGreaterThan(truth.fatigue.onsetMin);
      }
    }
    expect(seen).toBeGreaterThan(10);
  });
});
