import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { StationError } from '../core/errors.js';
import { workloadConfig } from './config.js';
import { generateHistory } from './generator.js';
import { WorkloadMonitor } from './monitor.js';
import { ensureWorkloadSchema, recordWorkEvent, recordWorkEvents } from './schema.js';
import type { WorkEvent } from './types.js';

const MIN = 60_000;
/** Monday 2026-01-05 08:00 (site local = UTC). */
const T0 = Date.UTC(2026, 0, 5, 8, 0);
const at = (min: number): number => T0 + Math.round(min * MIN);
const e = (min: number, kind: string, extra: Partial<WorkEvent> = {}): WorkEvent => ({ at: at(min), station: 'S1', operator: 'op-a', kind, ...extra });

/** One item every `every` minutes from `from` to `to` (a scan and a tap each), by op-a. */
function items(from: number, to: number, every: number, intake = 'barcode'): WorkEvent[] {
  const out: WorkEvent[] = [];
  let n = 0;
  for (let m = from + every; m <= to + 1e-9; m += every) {
    n++;
    out.push(e(m - every * 0.6, 'scan', { intake, itemId: `i${from}-${n}` }), e(m - every * 0.3, 'tap', { itemId: `i${from}-${n}` }));
    out.push(e(m, 'item_done', { intake, itemId: `i${from}-${n}` }));
  }
  return out;
}

function monitorWith(events: WorkEvent[], cfg = {}): WorkloadMonitor {
  const m = new WorkloadMonitor(null, cfg);
  m.start();
  for (const ev of events) m.ingest(ev);
  return m;
}

describe('WorkloadMonitor: continuous work and breaks', () => {
  it('ISSUE-10 "1 h 52 min without a break" after 112 minutes of steady work, in both languages', () => {
    const m = monitorWith([e(0, 'sign_in'), ...items(0, 112, 2)]);
    const op = m.snapshot(at(112)).operators[0]!;
    expect(op.continuousWorkMin).toBe(112);
    expect(op.signals.find((s) => s.code === 'BREAK_DUE')).toEqual({
      code: 'BREAK_DUE',
      severity: 'warn',
      message: { en: '1 h 52 min without a break', 'zh-CN': '已连续工作 1 小时 52 分钟，没有休息' },
    });
  });

  it('ISSUE-10 a nudge (info) comes 15 minutes before the limit, and nothing earlier', () => {
    const m = monitorWith([e(0, 'sign_in'), ...items(0, 100, 2)]);
    expect(m.snapshot(at(94)).operators[0]!.signals).toEqual([]);
    const s = m.snapshot(at(96)).operators[0]!.signals;
    expect(s.map((x) => [x.code, x.severity])).toEqual([['BREAK_SOON', 'info']]);
    expect(s[0]!.message.en).toBe('1 h 36 min of work: time for a break in 14 min');
  });

  it('ISSUE-10 an idle gap of 10.8 minutes is a break (work counts from the first event after it); 9.8 minutes is not', () => {
    const nine = monitorWith([e(0, 'sign_in'), ...items(0, 60, 2), ...items(69, 100, 2)]);
    expect(nine.snapshot(at(100)).operators[0]!.continuousWorkMin).toBe(100);
    const ten = monitorWith([e(0, 'sign_in'), ...items(0, 60, 2), ...items(70, 100, 2)]);
    expect(ten.snapshot(at(100)).operators[0]!.continuousWorkMin).toBe(29); // first event after the gap at 70.8
  });

  it('ISSUE-10 during a break the operator shows as on a break with no break signal', () => {
    const m = monitorWith([e(0, 'sign_in'), ...items(0, 120, 2)]);
    expect(m.snapshot(at(125)).operators[0]!.signals.map((s) => s.code)).toContain('BREAK_DUE');
    const op = m.snapshot(at(131)).operators[0]!;
    expect(op).toMatchObject({ onBreak: true, continuousWorkMin: 0, shiftMin: 131 });
    expect(op.signals).toEqual([]);
  });

  it('ISSUE-10 sign-out ends the session; a forgotten sign-out ends it after sessionStaleMin', () => {
    const out = monitorWith([e(0, 'sign_in'), ...items(0, 30, 2), e(31, 'sign_out')]);
    expect(out.snapshot(at(32)).operators).toEqual([]);
    const forgot = monitorWith([e(0, 'sign_in'), ...items(0, 30, 2)]);
    expect(forgot.snapshot(at(149)).operators).toHaveLength(1);
    expect(forgot.snapshot(at(150)).operators).toEqual([]);
  });
});

describe('WorkloadMonitor: pace against the usual', () => {
  /** Three past sessions at 20 items/h (one item per 3 min), on three days. */
  const history = [0, 1, 2].flatMap((d) => [e(d * 1440, 'sign_in'), ...items(d * 1440, d * 1440 + 90, 3), e(d * 1440 + 91, 'sign_out')]);

  it('ISSUE-10 "pace 40% below usual" when an operator works at 12/h against a usual 20/h', () => {
    const today = 3 * 1440;
    const m = monitorWith([...history, e(today, 'sign_in'), ...items(today, today + 60, 5)]);
    const op = m.snapshot(at(today + 60)).operators[0]!;
    expect(op).toMatchObject({ itemsPerHour: 12, usualItemsPerHour: 20, paceVsUsualPct: -40 });
    expect(op.signals.find((s) => s.code === 'PACE_DROP')?.message).toEqual({
      en: 'Pace 40% below usual (12 items/h, usually 20)',
      'zh-CN': '速度比平时慢 40%（每小时 12 件，平时 20 件）',
    });
  });

  it('ISSUE-10 no pace signal at 20 % below usual, nor before there are enough items in the stretch', () => {
    const today = 3 * 1440;
    const slow = monitorWith([...history, e(today, 'sign_in'), ...items(today, today + 60, 3.75)]);
    expect(slow.snapshot(at(today + 60)).operators[0]).toMatchObject({ paceVsUsualPct: -20, signals: [] });
    const early = monitorWith([...history, e(today, 'sign_in'), ...items(today, today + 25, 5)]);
    expect(early.snapshot(at(today + 25)).operators[0]!.signals).toEqual([]);
  });

  it('ISSUE-10 waiting for work is not slowness: time before a case arrives is not counted', () => {
    const today = 3 * 1440;
    const evs: WorkEvent[] = [...history, e(today, 'sign_in')];
    // Each case arrives 4 minutes after the previous item; handling then takes 3 minutes.
    for (let k = 0; k < 8; k++) {
      const start = today + k * 7;
      evs.push({ at: at(start + 4), station: 'S1', operator: null, kind: 'case_arrived', itemId: `c${k}` });
      evs.push(e(start + 4, 'case_started', { itemId: `c${k}` }), e(start + 7, 'item_done', { intake: 'rfid' }));
    }
    const op = monitorWith(evs).snapshot(at(today + 56)).operators[0]!;
    expect(op.itemsPerHour).toBe(20);
    expect(op.signals).toEqual([]);
  });

  it('ISSUE-10 the usual pace needs three past sessions', () => {
    const m = monitorWith([...history.slice(0, history.length / 3 * 2), e(3 * 1440, 'sign_in'), ...items(3 * 1440, 3 * 1440 + 30, 3)]);
    expect(m.snapshot(at(3 * 1440 + 30)).operators[0]!.usualItemsPerHour).toBeUndefined();
  });
});

describe('WorkloadMonitor: errors in the last 30 minutes', () => {
  it('ISSUE-10 "3 wrong bins in 30 minutes" fires at three and clears when they age out', () => {
    const evs = [e(0, 'sign_in'), ...items(0, 40, 2), e(10, 'misbin'), e(20, 'misbin')];
    const two = monitorWith(evs);
    expect(two.snapshot(at(30)).operators[0]!.misbinCount30m).toBe(2);
    const three = monitorWith([...evs, e(30, 'misbin')].sort((a, b) => a.at - b.at));
    const op = three.snapshot(at(35)).operators[0]!;
    expect(op.signals.find((s) => s.code === 'MISBINS')?.message).toEqual({ en: '3 wrong bins in 30 minutes', 'zh-CN': '30 分钟内放错箱 3 次' });
    expect(three.snapshot(at(40.5)).operators[0]!.misbinCount30m).toBe(2);
  });

  it('ISSUE-10 undo rate counts undos and corrections per item over 30 minutes', () => {
    const evs = [e(0, 'sign_in'), ...items(0, 30, 2), e(5, 'undo'), e(9, 'correction'), e(12, 'undo')].sort((a, b) => a.at - b.at);
    const op = monitorWith(evs).snapshot(at(30)).operators[0]!;
    expect(op.undoRate30m).toBe(0.2);
    expect(op.signals.find((s) => s.code === 'UNDO_RATE')?.message.en).toBe('3 undos or corrections for 15 items in 30 minutes');
  });

  it('ISSUE-10 undo, correction and wrong-bin rates per item in the last 30 minutes, each on its own', () => {
    // 15 items in 30 minutes; 2 undos, 1 correction, 3 wrong bins: 2/15, 1/15, 3/15.
    const evs = [e(0, 'sign_in'), ...items(0, 30, 2), e(5, 'undo'), e(9, 'correction'), e(12, 'undo'), e(13, 'misbin'), e(14, 'misbin'), e(15, 'misbin')].sort((a, b) => a.at - b.at);
    const op = monitorWith(evs).snapshot(at(30)).operators[0]!;
    expect(op.rates30m).toEqual({ undo: 0.133, correction: 0.067, misbin: 0.2 });
    expect(op.misbinCount30m).toBe(3);
    // By minute 46 the undos, the correction and the wrong bins are over 30 minutes old: every rate is back to 0.
    const later = monitorWith([...evs, e(44, 'tap'), e(46, 'tap')]).snapshot(at(46)).operators[0]!;
    expect(later.rates30m).toEqual({ undo: 0, correction: 0, misbin: 0 });
  });
});

describe('WorkloadMonitor: shift length, actions per item, configurable thresholds', () => {
  it('ISSUE-10 "Signed in for 10 h 5 min" after 605 minutes; longShiftMin 0 turns it off', () => {
    // Work in 90-minute stretches with 20-minute breaks, so only the shift length is long.
    const evs: WorkEvent[] = [e(0, 'sign_in')];
    for (let start = 0; start < 605; start += 110) evs.push(...items(start, Math.min(start + 90, 605), 3));
    const op = monitorWith(evs).snapshot(at(605)).operators[0]!;
    expect(op.shiftMin).toBe(605);
    expect(op.signals.find((s) => s.code === 'LONG_SHIFT')).toEqual({
      code: 'LONG_SHIFT',
      severity: 'info',
      message: { en: 'Signed in for 10 h 5 min', 'zh-CN': '本班已登录 10 小时 5 分钟' },
    });
    expect(monitorWith(evs).snapshot(at(599)).operators[0]!.signals.map((s) => s.code)).not.toContain('LONG_SHIFT');
    expect(monitorWith(evs, { longShiftMin: 0 }).snapshot(at(605)).operators[0]!.signals.map((s) => s.code)).not.toContain('LONG_SHIFT');
  });

  it('ISSUE-10 actions per item: one scan and one tap per item is 2; an extra scan per item makes it 3', () => {
    expect(monitorWith([e(0, 'sign_in'), ...items(0, 30, 2)]).snapshot(at(30)).operators[0]!.actionsPerItem).toBe(2);
    const extra = [e(0, 'sign_in'), ...items(0, 30, 2).flatMap((x) => (x.kind === 'scan' ? [x, { ...x, at: x.at + 1000 }] : [x]))];
    expect(monitorWith(extra).snapshot(at(30)).operators[0]!.actionsPerItem).toBe(3);
  });

  it('ISSUE-10 the site\'s thresholds are used: breakAfterMin 60 and idleGapBreakMin 5', () => {
    const cfg = { breakAfterMin: 60, breakSoonMin: 10, idleGapBreakMin: 5 };
    const m = monitorWith([e(0, 'sign_in'), ...items(0, 61, 1)], cfg);
    expect(m.snapshot(at(61)).operators[0]!.signals.find((s) => s.code === 'BREAK_DUE')?.message.en).toBe('1 h 1 min without a break');
    expect(m.snapshot(at(55)).operators[0]!.signals.map((s) => s.code)).toEqual(['BREAK_SOON']);
    // A 6-minute gap is a real break under idleGapBreakMin 5 (and would not be under the default 10).
    const gap = [e(0, 'sign_in'), ...items(0, 40, 2), ...items(46, 70, 2)];
    expect(monitorWith(gap, cfg).snapshot(at(70)).operators[0]!.continuousWorkMin).toBe(23); // first event after the gap at 46.8
    expect(monitorWith(gap).snapshot(at(70)).operators[0]!.continuousWorkMin).toBe(70);
  });

  it('ISSUE-10 throughput per operator-hour: 30 items by one operator signed in for an hour is 30', () => {
    const st = monitorWith([e(0, 'sign_in'), ...items(0, 60, 2)]).snapshot(at(60)).station;
    expect(st.throughputPerOperatorHour).toBe(30);
    expect(st.activeOperators).toBe(1);
  });
});

describe('WorkloadMonitor: station figures', () => {
  it('ISSUE-10 queue, waiting time, heatmap cell and effort by intake', () => {
    const arr = (min: number, id: string): WorkEvent => ({ at: at(min), station: 'S1', operator: null, kind: 'case_arrived', itemId: id });
    const evs: WorkEvent[] = [
      arr(0, 'c1'),
      arr(1, 'c2'),
      arr(2, 'c3'),
      e(3, 'sign_in'),
      e(4, 'case_started', { itemId: 'c1' }),
      e(5, 'scan', { intake: 'rfid' }),
      e(6, 'tap'),
      e(7, 'item_done', { intake: 'rfid' }),
      e(8, 'case_started', { itemId: 'c2' }),
      e(9, 'scan', { intake: 'barcode' }),
      e(9.5, 'scan', { intake: 'barcode' }),
      e(10, 'tap'),
      e(10.5, 'tap'),
      e(11, 'item_done', { intake: 'barcode' }),
    ];
    const st = monitorWith(evs).snapshot(at(12)).station;
    expect(st.queueLength).toBe(1);
    expect(st.oldestWaitMin).toBe(10);
    expect(st.avgWaitMin60m).toBe(5.5);
    expect(st.arrivalsHeatmap[0]![8]).toBe(3); // Monday 08:00–09:00
    expect(st.arrivalsHeatmap.flat().reduce((a, b) => a + b, 0)).toBe(3);
    expect(st.effortByIntake).toEqual({ barcode: 4, rfid: 2 });
    expect(st.itemsPerCase).toBe(1);
  });

  it('ISSUE-10 with a station configured, other stations\' events are ignored; bad events never throw', () => {
    const m = monitorWith([e(0, 'sign_in'), { ...e(1, 'sign_in'), station: 'S2', operator: 'op-b' }], { station: 'S1' });
    expect(() => m.ingest({ at: Number.NaN, station: 'S1', kind: 'tap' })).not.toThrow();
    expect(m.snapshot(at(2)).operators.map((o) => o.operator)).toEqual(['op-a']);
  });
});

describe('storage and replay', () => {
  it('ISSUE-10 history replayed at start-up gives the same figures as live ingestion', () => {
    const db = new Database(':memory:');
    ensureWorkloadSchema(db);
    ensureWorkloadSchema(db); // idempotent
    const live = new WorkloadMonitor(db);
    live.start();
    const events: WorkEvent[] = [];
    generateHistory({ days: 10, operators: 4, seed: 5 }, (evs) => events.push(...evs));
    const cut = events.findIndex((x) => x.at > Date.UTC(2026, 0, 14, 15, 0));
    for (const ev of events.slice(0, cut)) live.record(ev);
    const replay = new WorkloadMonitor(db);
    replay.start();
    const now = Date.UTC(2026, 0, 14, 15, 0);
    expect(replay.snapshot(now)).toEqual(live.snapshot(now));
    expect(replay.forecast('2026-01-15')).toEqual(live.forecast('2026-01-15'));
    expect(live.snapshot(now).operators.length).toBeGreaterThan(0);
  });

  it('ISSUE-10 bad events are refused with WORKLOAD_BAD_EVENT and a plain message', () => {
    const db = new Database(':memory:');
    ensureWorkloadSchema(db);
    expect(recordWorkEvent(db, { at: T0, station: 'S1', operator: 'op-a', kind: 'scan', intake: 'rfid', meta: { epc: 'x' } })).toBe(1);
    let caught: unknown;
    try {
      recordWorkEvent(db, { at: T0, station: '', kind: 'scan' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(StationError);
    expect((caught as StationError).code).toBe('WORKLOAD_BAD_EVENT');
    expect((caught as StationError).message).toBe('Work event not recorded: the event does not name its station.');
    expect(recordWorkEvents(db, [e(1, 'tap'), e(2, 'tap')])).toBe(2);
    expect(db.prepare('SELECT count(*) AS n FROM work_events').get()).toEqual({ n: 3 });
  });

  it('ISSUE-10 settings that make signals meaningless are refused with WORKLOAD_BAD_CONFIG', () => {
    expect(() => workloadConfig({ breakAfterMin: 0 })).toThrow(/breakAfterMin/);
    expect(() => workloadConfig({ targetUtilisation: 1.5 })).toThrow(/targetUtilisation/);
    expect(() => workloadConfig({ idleGapBreakMin: 200 })).toThrow(/shorter/);
    expect(workloadConfig({ breakAfterMin: 90 }).breakAfterMin).toBe(90);
  });

  it('ISSUE-10 forecast refuses a day it cannot read with WORKLOAD_BAD_DAY', () => {
    const m = monitorWith([]);
    expect(() => m.forecast('2026-02-30')).toThrow(expect.objectContaining({ code: 'WORKLOAD_BAD_DAY' }));
  });
});
