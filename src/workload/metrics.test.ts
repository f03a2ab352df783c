import { describe, expect, it } from 'vitest';
import { compareStations, metricsMessage, MIN_GROUP, operatorView, supervisorView } from './metrics.js';
import { operatorPseudonym } from './privacy.js';
import type { OperatorFigures, Snapshot } from './types.js';

function op(name: string, extra: Partial<OperatorFigures> = {}): OperatorFigures {
  return {
    operator: name,
    itemsPerHour: 20,
    continuousWorkMin: 30,
    shiftMin: 60,
    undoRate30m: 0,
    misbinCount30m: 0,
    rates30m: { undo: 0, correction: 0, misbin: 0 },
    actionsPerItem: 3,
    itemsThisSession: 20,
    onBreak: false,
    signals: [],
    ...extra,
  };
}

const breakDue = { code: 'BREAK_DUE', severity: 'warn' as const, message: { en: '1 h 52 min without a break', 'zh-CN': '已连续工作 1 小时 52 分钟，没有休息' } };

function snap(operators: OperatorFigures[]): Snapshot {
  return {
    at: Date.UTC(2026, 2, 2, 15),
    stationId: 'S1',
    operators,
    station: {
      arrivalsHeatmap: Array.from({ length: 7 }, () => Array(24).fill(0)),
      queueLength: 12,
      oldestWaitMin: 40,
      avgWaitMin60m: 22,
      throughputPerOperatorHour: 17,
      itemsPerWorkHour: 21,
      itemsPerCase: 1.6,
      effortByIntake: { barcode: 3.7, rfid: 2.5 },
      activeOperators: operators.length,
    },
  };
}

describe('HQ metrics message', () => {
  it('ISSUE-10 carries aggregates only: no operator pseudonym appears anywhere', () => {
    const s = snap([op('op-7f3a'), op('op-91bc', { signals: [breakDue], continuousWorkMin: 112, itemsPerHour: 14 }), op('op-c0de', { onBreak: true })]);
    const msg = metricsMessage(s);
    expect(JSON.stringify(msg)).not.toMatch(/op-/);
    expect(msg).toMatchObject({
      schema: 'returns.workload.metrics/1',
      at: '2026-03-02T15:00:00.000Z',
      station: 'S1',
      operatorsActive: 3,
      operatorsOnBreak: 1,
      teamItemsPerHour: 34,
      itemsPerHourMedian: 17,
      continuousWorkMinMedian: 30,
      signals: { BREAK_DUE: 1 },
      queueLength: 12,
      throughputPerOperatorHour: 17,
    });
  });

  it(`ISSUE-10 below ${MIN_GROUP} active operators, no distribution figure that would describe one person`, () => {
    const msg = metricsMessage(snap([op('op-1'), op('op-2')]));
    expect(msg.itemsPerHourMedian).toBeUndefined();
    expect(msg.continuousWorkMinMedian).toBeUndefined();
    expect(msg.operatorsActive).toBe(2);
  });

  it('ISSUE-10 HQ compares stations on their newest message, against the fleet median', () => {
    const a = metricsMessage(snap([op('x')]), { station: 'A' });
    const old = { ...metricsMessage(snap([]), { station: 'B' }), at: '2026-03-01T00:00:00.000Z', throughputPerOperatorHour: 99 };
    const b = { ...metricsMessage(snap([op('y', { signals: [breakDue] })]), { station: 'B' }), throughputPerOperatorHour: 34 };
    const c = { ...metricsMessage(snap([]), { station: 'C' }), throughputPerOperatorHour: 8.5 };
    const { rows, medianThroughput } = compareStations([a, old, b, c]);
    expect(medianThroughput).toBe(17);
    expect(rows.map((r) => [r.station, r.throughputVsMedianPct, r.breakDue])).toEqual([
      ['A', 100, 0],
      ['B', 200, 1],
      ['C', 50, 0],
    ]);
  });
});

describe('screens and privacy', () => {
  it('ISSUE-10 the operator sees a gentle nudge with the reason, never a block', () => {
    const v = operatorView(snap([op('op-a', { signals: [breakDue] })]), 'op-a');
    expect(v.nudge).toEqual({
      en: '1 h 52 min without a break. A short break helps, whenever it suits you.',
      'zh-CN': '已连续工作 1 小时 52 分钟，没有休息。方便的时候休息一下吧。',
    });
    expect(operatorView(snap([op('op-a')]), 'op-a').nudge).toBeNull();
    expect(operatorView(snap([op('op-a')]), 'op-b').figures).toBeNull();
  });

  it('ISSUE-10 the supervisor sees names only where the site allows it, counts otherwise', () => {
    const s = snap([op('op-a', { signals: [breakDue] }), op('op-b')]);
    expect(supervisorView(s, true).operators).toHaveLength(2);
    const hidden = supervisorView(s, false);
    expect(hidden.operators).toEqual([]);
    expect(hidden.signalCounts).toEqual({ BREAK_DUE: 1 });
  });

  it('ISSUE-10 the raw badge id never becomes the operator name: a keyed, stable pseudonym', () => {
    const p = operatorPseudonym('04A1B2C3D4', 'site-secret');
    expect(p).toMatch(/^op-[0-9a-f]{12}$/);
    expect(p).not.toContain('04A1B2C3D4');
    expect(operatorPseudonym(' 04A1B2C3D4 ', 'site-secret')).toBe(p);
    expect(operatorPseudonym('04A1B2C3D4', 'other-site')).not.toBe(p);
  });
});
