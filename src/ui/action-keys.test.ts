import { describe, expect, it } from 'vitest';
import { ActionKeys, DOUBLE_TAP_MS, DOUBLE_TAP_PX, TapGuard } from './action-keys.js';

describe('idempotency keys per presented action (BUG-66)', () => {
  it('BUG-66: a second tap on the same answer gets the same key; another answer or question gets its own', () => {
    const keys = new ActionKeys();
    const first = keys.key('item-1/sealed/yes');
    expect(keys.key('item-1/sealed/yes')).toBe(first);
    expect(keys.key('item-1/sealed/no')).not.toBe(first);
    expect(keys.key('item-1/grade/yes')).not.toBe(first);
    // Another presentation of the same screen (a new component) makes new keys.
    expect(new ActionKeys().key('item-1/sealed/yes')).not.toBe(first);
  });

  it('an edited note is a new action; forgetting one action leaves the others', () => {
    const keys = new ActionKeys();
    const note = keys.key('note/item-1');
    const close = keys.key('close/case-1');
    keys.forget('note/item-1');
    expect(keys.key('note/item-1')).not.toBe(note);
    expect(keys.key('close/case-1')).toBe(close);
    keys.forget();
    expect(keys.key('close/case-1')).not.toBe(close);
  });

  it('keeps the newest keys only', () => {
    let n = 0;
    const keys = new ActionKeys(() => `k${++n}`, 2);
    expect([keys.key('a'), keys.key('b'), keys.key('c')]).toEqual(['k1', 'k2', 'k3']);
    expect(keys.key('b')).toBe('k2');
    expect(keys.key('a')).toBe('k4');
  });
});

describe('the second half of a double tap on buttons that replaced the tapped ones (BUG-66)', () => {
  const tap = (at: number, x = 200, y = 500): { at: number; x: number; y: number } => ({ at, x, y });

  it('BUG-66: within 300 ms at the same spot, a tap on buttons shown after the first tap is ignored; on the same buttons it goes through', () => {
    expect(DOUBLE_TAP_MS).toBe(300);
    const g = new TapGuard();
    // Question 1 shown at t=0 and double-tapped at 1000 and 1100, before its answer came back: both go through.
    expect(g.accept(0, tap(1000))).toBe(true);
    expect(g.accept(0, tap(1100, 206, 497))).toBe(true);
    // Question 1 tapped at 2000; question 2 appears at 2040 (the answer came back); the second tap lands on it at 2120.
    expect(g.accept(0, tap(2000))).toBe(true);
    expect(g.accept(2040, tap(2120, 190, 510))).toBe(false);
    // The operator's own tap on question 2, after reading it.
    expect(g.accept(2040, tap(2600))).toBe(true);
  });

  it('a tap 300 ms or more after the previous one, or on another button, is meant for what is shown', () => {
    const g = new TapGuard();
    expect(g.accept(0, tap(1000))).toBe(true);
    expect(g.accept(1040, tap(1300))).toBe(true);
    expect(g.accept(1400, tap(1450, 200 + DOUBLE_TAP_PX + 60, 500))).toBe(true);
  });
});
