import { describe, expect, it } from 'vitest';
import { matches, parseCell, type Test } from './cells.js';
import type { FactSpec, FactType } from './types.js';

const fact = (type: FactType, extra: Partial<FactSpec> = {}): FactSpec => ({
  name: 'x',
  type,
  nullable: false,
  derived: false,
  label: { en: 'x', 'zh-CN': 'x' },
  ...extra,
});
const NUM = fact('number');
const ENUM = fact('enum', { name: 'category', values: ['apparel', 'toys', 'food', 'A', 'B', 'X'] });
const STR = fact('string');
const BOOL = fact('boolean');
const DATE = fact('date');
const DUR = fact('duration');

function test(raw: unknown, f: FactSpec): Test {
  const r = parseCell(raw, f);
  if (!r.ok) throw new Error(`${r.code}: ${r.message}`);
  return r.test;
}
const m = (raw: unknown, f: FactSpec, v: string | number | boolean | null): boolean => matches(test(raw, f), v);
const code = (raw: unknown, f: FactSpec): string => {
  const r = parseCell(raw, f);
  return r.ok ? 'ok' : r.code;
};

describe('cell grammar', () => {
  it('"-", an empty cell and a missing cell match anything, including a missing value', () => {
    for (const raw of ['-', '', '  ', undefined]) {
      expect(m(raw, NUM, 5)).toBe(true);
      expect(m(raw, NUM, null)).toBe(true);
    }
  });

  it('comparisons > >= < <= on numbers; a missing value fails every comparison', () => {
    expect(m('> 100', NUM, 100.01)).toBe(true);
    expect(m('> 100', NUM, 100)).toBe(false);
    expect(m('>= 100', NUM, 100)).toBe(true);
    expect(m('< 30', NUM, 30)).toBe(false);
    expect(m('<= 30', NUM, 30)).toBe(true);
    expect(m('<= 30', NUM, null)).toBe(false);
    expect(m('> -5', NUM, -4)).toBe(true);
    expect(m('= 7', NUM, 7)).toBe(true);
    expect(m('!= 7', NUM, 7)).toBe(false);
    expect(m(42, NUM, 42)).toBe(true);
    expect(m('2.5', NUM, 2.5)).toBe(true);
  });

  it('ranges: [ ] closed, ( ) and ]..[ open, bare a..b closed, YAML list ["10..30"]', () => {
    expect([10, 30, 9, 31].map((v) => m('[10..30]', NUM, v))).toEqual([true, true, false, false]);
    expect([0, 0.5, 1].map((v) => m('(0..1]', NUM, v))).toEqual([false, true, true]);
    expect([0, 1].map((v) => m(']0..1]', NUM, v))).toEqual([false, true]);
    expect([1, 2].map((v) => m('[1..2)', NUM, v))).toEqual([true, false]);
    expect([10, 30].map((v) => m('10..30', NUM, v))).toEqual([true, true]);
    expect([10, 31].map((v) => m(['10..30'], NUM, v))).toEqual([true, false]);
  });

  it('lists: quoted values, bare enum words, YAML lists, mixed tests', () => {
    expect(m('"A","B"', ENUM, 'B')).toBe(true);
    expect(m('"A","B"', ENUM, 'X')).toBe(false);
    expect(m('apparel, toys', ENUM, 'toys')).toBe(true);
    expect(m(['apparel', 'food'], ENUM, 'food')).toBe(true);
    expect(m(['apparel', 'food'], ENUM, 'toys')).toBe(false);
    expect(m('< 5, [10..20], 99', NUM, 15)).toBe(true);
    expect(m('< 5, [10..20], 99', NUM, 7)).toBe(false);
    expect(m('"Bin 4"', STR, 'Bin 4')).toBe(true);
  });

  it('negation: not("X") matches everything else, including a missing value; not(null) means present', () => {
    expect(m('not("X")', ENUM, 'A')).toBe(true);
    expect(m('not("X")', ENUM, 'X')).toBe(false);
    expect(m('not("X")', ENUM, null)).toBe(true);
    expect(m('not("A","B")', ENUM, 'B')).toBe(false);
    expect(m('not(apparel)', ENUM, 'toys')).toBe(true);
    expect(m('not([1..5])', NUM, 3)).toBe(false);
    expect(m('not([1..5])', NUM, 6)).toBe(true);
    expect(m('not(null)', NUM, 0)).toBe(true);
    expect(m('not(null)', NUM, null)).toBe(false);
  });

  it('booleans and null checks', () => {
    expect(m(true, BOOL, true)).toBe(true);
    expect(m('false', BOOL, true)).toBe(false);
    expect(m('false', BOOL, null)).toBe(false);
    expect(m(null, BOOL, null)).toBe(true);
    expect(m('null', ENUM, null)).toBe(true);
    expect(m('null', ENUM, 'A')).toBe(false);
    expect(m([false, null], BOOL, null)).toBe(true);
  });

  it('dates (UTC) and durations in days', () => {
    const jan31 = Date.parse('2026-01-31T00:00:00Z');
    expect(m('>= date("2026-01-31")', DATE, jan31)).toBe(true);
    expect(m('< date("2026-01-31")', DATE, jan31)).toBe(false);
    expect(m('[date("2026-01-01")..date("2026-12-31")]', DATE, jan31)).toBe(true);
    expect(m('<= duration("P30D")', DUR, 30)).toBe(true);
    expect(m('<= 30d', DUR, 31)).toBe(false);
    expect(m('> 2w', DUR, 15)).toBe(true);
    expect(m('"P1W"', DUR, 7)).toBe(true);
  });

  it('unreadable cells give RULES_BAD_CELL', () => {
    expect(code('>> 5', NUM)).toBe('RULES_BAD_CELL');
    expect(code('[1..', NUM)).toBe('RULES_BAD_CELL');
    expect(code('"open', STR)).toBe('RULES_BAD_CELL');
    expect(code('not("A"', ENUM)).toBe('RULES_BAD_CELL');
    expect(code('5 $', NUM)).toBe('RULES_BAD_CELL');
    expect(code([], NUM)).toBe('RULES_BAD_CELL');
    expect(code('< 3x', DUR)).toBe('RULES_BAD_CELL');
    expect(code('plain words', STR)).toBe('RULES_BAD_CELL');
  });

  it('cells of the wrong type give RULES_TYPE_MISMATCH, unknown enum values RULES_UNKNOWN_VALUE', () => {
    expect(code('> 100', ENUM)).toBe('RULES_TYPE_MISMATCH');
    expect(code('"abc"', NUM)).toBe('RULES_TYPE_MISMATCH');
    expect(code('yes', BOOL)).toBe('RULES_TYPE_MISMATCH');
    expect(code('[1..2]', BOOL)).toBe('RULES_TYPE_MISMATCH');
    expect(code('30d', NUM)).toBe('RULES_TYPE_MISMATCH');
    expect(code('appareI', ENUM)).toBe('RULES_UNKNOWN_VALUE');
    expect(code('date("31/01/2026")', DATE)).toBe('RULES_TYPE_MISMATCH');
  });

  it('a range with nothing in it gives RULES_EMPTY_RANGE', () => {
    expect(code('[30..10]', NUM)).toBe('RULES_EMPTY_RANGE');
    expect(code('(5..5]', NUM)).toBe('RULES_EMPTY_RANGE');
    expect(code('[5..5]', NUM)).toBe('ok');
  });
});
