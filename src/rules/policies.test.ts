import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadRuleSet, type CompiledRuleSet, type Facts } from './index.js';

function load(doc: object): CompiledRuleSet {
  const r = loadRuleSet(doc);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('; '));
  return r.ruleSet;
}

const FACTS = {
  category: { type: 'enum', values: ['apparel', 'toys', 'consumer_electronics'] },
  price: { type: 'number' },
  sealed: { type: 'boolean', nullable: true },
};
const out = (disposition: string, bin: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  disposition,
  bin,
  nextDepartment: 'inventory',
  ...extra,
});

describe('hit policies', () => {
  it('first: the first matching row decides; matchedRows names table and 1-based row', () => {
    const rs = load({
      id: 'p',
      version: '1',
      facts: FACTS,
      tables: [
        {
          id: 'main',
          hitPolicy: 'first',
          inputs: ['category', 'price'],
          outputs: ['disposition', 'bin', 'nextDepartment'],
          rows: [
            { id: 'R1', when: { category: 'toys', price: '> 100' }, then: out('open_box', 'OB') },
            { id: 'R2', when: { category: 'toys' }, then: out('liquidate', 'LQ') },
            { when: {}, then: out('restock', 'RS') },
          ],
        },
      ],
    });
    const d = rs.evaluate({ category: 'toys', price: 20 });
    expect(d).toMatchObject({ disposition: 'liquidate', bin: 'LQ', fallback: false });
    expect(d.matchedRows).toEqual([expect.objectContaining({ table: 'main', row: 2, ruleId: 'R2' })]);
    expect(rs.evaluate({ category: 'toys', price: 150 }).matchedRows[0]?.row).toBe(1);
    expect(rs.evaluate({ category: 'apparel', price: 150 }).matchedRows[0]?.row).toBe(3);
  });

  it('unique: the single matching row decides', () => {
    const rs = load({
      id: 'u',
      version: '1',
      facts: FACTS,
      tables: [
        {
          id: 'band',
          hitPolicy: 'unique',
          inputs: ['price'],
          outputs: ['disposition', 'bin', 'nextDepartment'],
          rows: [
            { when: { price: '< 20' }, then: out('liquidate', 'LQ') },
            { when: { price: '[20..100)' }, then: out('open_box', 'OB') },
            { when: { price: '>= 100' }, then: out('restock', 'RS') },
          ],
        },
      ],
    });
    expect([5, 20, 99.99, 100].map((price) => rs.evaluate({ price }).disposition)).toEqual(['liquidate', 'open_box', 'open_box', 'restock']);
  });

  it('priority: the matching row with the highest priority wins; ties go to the earlier row', () => {
    const rs = load({
      id: 'pr',
      version: '1',
      facts: FACTS,
      tables: [
        {
          id: 'pick',
          hitPolicy: 'priority',
          inputs: ['category', 'price', 'sealed'],
          outputs: ['disposition', 'bin', 'nextDepartment', 'priority'],
          rows: [
            { when: { sealed: true }, then: out('restock', 'RS', { priority: 2 }) },
            { when: { price: '> 500' }, then: out('quarantine', 'Q', { priority: 7 }) },
            { when: { category: 'consumer_electronics' }, then: out('refurbish', 'RF', { priority: 7 }) },
            { when: {}, then: out('liquidate', 'LQ', { priority: 0 }) },
          ],
        },
      ],
    });
    expect(rs.evaluate({ sealed: true, price: 10 }).disposition).toBe('restock');
    expect(rs.evaluate({ sealed: true, price: 900 }).disposition).toBe('quarantine');
    expect(rs.evaluate({ sealed: true, price: 900, category: 'consumer_electronics' }).matchedRows[0]?.row).toBe(2);
    expect(rs.evaluate({ sealed: false, price: 1 }).disposition).toBe('liquidate');
  });

  it('priority by disposition: quarantine outranks restock when no priority column exists', () => {
    const rs = load({
      id: 'pd',
      version: '1',
      facts: FACTS,
      tables: [
        {
          id: 'pick',
          hitPolicy: 'priority',
          inputs: ['sealed', 'price'],
          outputs: ['disposition', 'bin', 'nextDepartment'],
          rows: [
            { when: { sealed: true }, then: out('restock', 'RS') },
            { when: { price: '> 500' }, then: out('quarantine', 'Q') },
          ],
        },
      ],
    });
    expect(rs.evaluate({ sealed: true, price: 900 }).disposition).toBe('quarantine');
  });

  it('collect: every matching row adds its actions; the first sets the disposition; priority is the highest', () => {
    const rs = load({
      id: 'c',
      version: '1',
      facts: FACTS,
      tables: [
        {
          id: 'all',
          hitPolicy: 'collect',
          inputs: ['category', 'price', 'sealed'],
          outputs: ['disposition', 'bin', 'nextDepartment', 'actions', 'priority'],
          rows: [
            { when: { category: 'consumer_electronics' }, then: { ...out('refurbish', 'RF'), actions: ['data_wipe'], priority: 3 } },
            { when: { price: '>= 500' }, then: { ...out('quarantine', 'Q'), actions: ['supervisor_check', 'photo'], priority: 6 } },
            { when: { sealed: false }, then: { actions: 'photo, repackage' } },
          ],
        },
      ],
    });
    const d = rs.evaluate({ category: 'consumer_electronics', price: 800, sealed: false });
    expect(d.disposition).toBe('refurbish');
    expect(d.bin).toBe('RF');
    expect(d.actions).toEqual(['data_wipe', 'supervisor_check', 'photo', 'repackage']);
    expect(d.priority).toBe(6);
    expect(d.matchedRows.map((r) => r.row)).toEqual([1, 2, 3]);
  });

  it('notes: free text from every matching row of a collect table, in row order; a non-text note is refused', () => {
    const doc = (note: unknown): object => ({
      id: 'n',
      version: '1',
      facts: FACTS,
      tables: [
        {
          id: 'all',
          hitPolicy: 'collect',
          inputs: ['category', 'price'],
          outputs: ['disposition', 'bin', 'nextDepartment', 'notes'],
          rows: [
            { when: { category: 'consumer_electronics' }, then: { ...out('refurbish', 'RF'), notes: 'check the charger is in the box' } },
            { when: { price: '>= 500' }, then: { notes: note } },
          ],
        },
      ],
    });
    const rs = load(doc('high value: count accessories'));
    expect(rs.evaluate({ category: 'consumer_electronics', price: 800 }).notes).toBe('check the charger is in the box; high value: count accessories');
    expect(rs.evaluate({ category: 'consumer_electronics', price: 10 }).notes).toBe('check the charger is in the box');
    expect(rs.evaluate({ category: 'toys', price: 10 }).notes).toBeUndefined();
    const bad = loadRuleSet(doc(42));
    expect(!bad.ok && bad.errors[0]).toMatchObject({ code: 'RULES_BAD_OUTPUT_VALUE', table: 'all', row: 2, column: 'notes' });
  });

  it('chaining: a derived output of one table is an input of the next', () => {
    const rs = load({
      id: 'ch',
      version: '1',
      facts: { ...FACTS, grade: { type: 'enum', values: ['sealed', 'used'] }, cls: { type: 'enum', values: ['A', 'C'], derived: true } },
      tables: [
        {
          id: 'grade',
          inputs: ['grade'],
          outputs: ['cls'],
          rows: [
            { when: { grade: 'sealed' }, then: { cls: 'A' }, explain: { en: 'class A', 'zh-CN': 'A级' } },
            { when: { grade: 'used' }, then: { cls: 'C' } },
          ],
        },
        {
          id: 'disp',
          inputs: ['cls'],
          outputs: ['disposition', 'bin', 'nextDepartment'],
          rows: [
            { when: { cls: 'A' }, then: out('restock', 'RS'), explain: { en: 'class {cls}, {price} EUR', 'zh-CN': '{cls}级，{price}欧元' } },
            { when: { cls: 'C' }, then: out('liquidate', 'LQ') },
          ],
        },
      ],
    });
    const d = rs.evaluate({ grade: 'sealed', price: 12.5 });
    expect(d.disposition).toBe('restock');
    expect(d.matchedRows.map((r) => `${r.table}#${r.row}`)).toEqual(['grade#1', 'disp#1']);
    expect(d.matchedRows[1]?.explanation).toEqual({ en: 'class A, 12.50 EUR', 'zh-CN': 'A级，12.50欧元' });
    expect(d.explanation.en).toBe('class A; class A, 12.50 EUR');
    expect(rs.evaluate({ grade: 'used' }).disposition).toBe('liquidate');
  });
});

describe('date and duration facts, end to end', () => {
  // Cells written as the grammar allows; facts as a caller sends them (ISO strings) or as numbers.
  const rs = load({
    id: 'dates',
    version: '1',
    facts: { deliveredOn: { type: 'date', nullable: true }, sinceDelivery: { type: 'duration', nullable: true } },
    tables: [
      {
        id: 'window',
        inputs: ['deliveredOn', 'sinceDelivery'],
        outputs: ['disposition', 'bin', 'nextDepartment'],
        rows: [
          { when: { deliveredOn: null }, then: out('exception', 'EXCEPTIONS') },
          { when: { deliveredOn: '< date("2026-01-01")' }, then: out('liquidate', 'OLD') },
          { when: { sinceDelivery: '<= duration("P30D")' }, then: out('restock', 'IN-WINDOW') },
          { when: { sinceDelivery: '> 30d' }, then: out('open_box', 'LATE') },
        ],
      },
    ],
  });

  it('ISO dates and ISO-8601 durations in the facts compare with date("…") / duration("…") / 30d cells', () => {
    expect(rs.evaluate({ deliveredOn: '2025-12-31', sinceDelivery: 'P3D' }).bin).toBe('OLD');
    expect(rs.evaluate({ deliveredOn: '2026-01-01', sinceDelivery: 'P30D' }).bin).toBe('IN-WINDOW');
    expect(rs.evaluate({ deliveredOn: '2026-01-01T10:00:00Z', sinceDelivery: 'P4W3D' }).bin).toBe('LATE');
    expect(rs.evaluate({ deliveredOn: Date.parse('2026-02-01T00:00:00Z'), sinceDelivery: 30 }).bin).toBe('IN-WINDOW');
    expect(rs.evaluate({ deliveredOn: '2026-02-01', sinceDelivery: 30.5 }).bin).toBe('LATE');
    expect(rs.evaluate({ sinceDelivery: 'P1D' }).bin).toBe('EXCEPTIONS');
  });

  it('an unreadable date is missing and reported, never a guess', () => {
    const d = rs.evaluate({ deliveredOn: '31/01/2026', sinceDelivery: 'P1D' });
    expect(d.bin).toBe('EXCEPTIONS');
    expect(d.inputWarnings).toEqual(['deliveredOn: "31/01/2026" is not a valid date; treated as missing']);
  });

  it('a duration range that holds nothing ((30d..2w]: 2 weeks < 30 days) is refused with table, row and column', () => {
    const r = loadRuleSet({ id: 'x', version: '1', facts: { a: 'duration' }, tables: [{ id: 't', inputs: ['a'], outputs: ['disposition'], rows: [{ when: { a: '(30d..2w]' }, then: { disposition: 'restock' } }] }] });
    expect(!r.ok && r.errors[0]).toMatchObject({ code: 'RULES_EMPTY_RANGE', table: 't', row: 1, column: 'a' });
  });
});

describe('fallback, missing and ill-typed facts', () => {
  const rs = load({
    id: 'f',
    version: '3',
    facts: FACTS,
    tables: [
      {
        id: 'main',
        inputs: ['category', 'sealed', 'price'],
        outputs: ['disposition', 'bin', 'nextDepartment'],
        rows: [
          { when: { sealed: null }, then: out('exception', 'EX') },
          { when: { category: 'toys', price: '>= 10' }, then: out('restock', 'RS') },
        ],
      },
    ],
  });

  it('no matching row gives the fallback: quarantine in EXCEPTIONS for a supervisor, and says so', () => {
    const d = rs.evaluate({ category: 'apparel', sealed: true, price: 5 });
    expect(d).toMatchObject({ disposition: 'quarantine', bin: 'EXCEPTIONS', nextDepartment: 'supervisor', fallback: true, matchedRows: [] });
    expect(d.cbvDisposition).toBe('non_sellable_other');
    expect(d.explanation.en).toMatch(/No rule matched/);
    expect(d.explanation['zh-CN']).toMatch(/没有规则匹配/);
    expect(d.ruleSet).toEqual({ id: 'f', version: '3', hash: rs.hash });
  });

  it('a missing fact is null: it matches `null` and fails comparisons', () => {
    expect(rs.evaluate({ category: 'toys', price: 50 }).disposition).toBe('exception');
    expect(rs.evaluate({ category: 'toys', sealed: true }).fallback).toBe(true);
  });

  it('a fact of the wrong type is treated as missing and reported', () => {
    const d = rs.evaluate({ category: 'toys', sealed: true, price: 'lots' });
    expect(d.fallback).toBe(true);
    expect(d.inputWarnings).toEqual(['price: "lots" is not a valid number; treated as missing']);
    expect(rs.evaluate({ category: 'toys', sealed: 'true', price: '12' }).disposition).toBe('restock');
  });

  it('evaluate never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.anything(), (x) => {
        const d = rs.evaluate(x as Facts);
        return typeof d.disposition === 'string' && typeof d.bin === 'string';
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('category', 'sealed', 'price', 'other'), fc.anything()), (x) => {
        const d = rs.evaluate(x as Facts);
        return typeof d.disposition === 'string';
      }),
      { numRuns: 300 },
    );
  });
});

describe('generated code', () => {
  it('odd enum values (quotes, backslashes, ${}, line separators) stay data, not code', () => {
    const values = ["it's", 'a\\b', 'x${y}', 'p\u2028q', 'x");throw 1;("'];
    const rs = load({
      id: 'odd',
      version: '1',
      facts: { v: { type: 'enum', values }, n: 'number' },
      tables: [
        {
          id: 't',
          inputs: ['v', 'n'],
          outputs: ['disposition', 'bin', 'nextDepartment'],
          rows: values.map((v, i) => ({ when: { v: [v], n: `> ${i}` }, then: out('restock', `B${i}`) })),
        },
      ],
    });
    values.forEach((v, i) => expect(rs.evaluate({ v, n: 10 }).bin).toBe(`B${i}`));
    expect(rs.evaluate({ v: 'other', n: 10 }).fallback).toBe(true);
  });
});

describe('identity uncertainty reaches the rules as facts', () => {
  // The station passes lotConfirmed=false (and keeps the lot) when the scan had possibleMissingSeparator;
  // a lot rule placed after the confirmation row can then only fire on a confirmed lot.
  const rs = load({
    id: 'lots',
    version: '1',
    facts: { lot: 'string', lotConfirmed: { type: 'boolean', nullable: true } },
    tables: [
      {
        id: 'recall',
        inputs: ['lot', 'lotConfirmed'],
        outputs: ['disposition', 'bin', 'nextDepartment'],
        rows: [
          { when: { lot: 'not(null)', lotConfirmed: 'not(true)' }, then: out('exception', 'EXCEPTIONS'), explain: 'Confirm the lot number first' },
          { when: { lot: '"21G0073JZ"' }, then: out('quarantine', 'QUARANTINE'), explain: 'Lot {lot} is recalled' },
          { when: {}, then: out('restock', 'RESTOCK') },
        ],
      },
    ],
  });

  it('BUG-27: a lot read without its closing separator is not used by lot rules until confirmed', () => {
    const merged = rs.evaluate({ lot: '21G0073JZ2023', lotConfirmed: false });
    expect(merged).toMatchObject({ disposition: 'exception', matchedRows: [expect.objectContaining({ row: 1 })] });
    const confirmed = rs.evaluate({ lot: '21G0073JZ', lotConfirmed: true });
    expect(confirmed.disposition).toBe('quarantine');
    expect(confirmed.explanation.en).toBe('Lot 21G0073JZ is recalled');
  });

  it('BUG-19: possibleMissingSeparator (lot xyz3040) needs operator confirmation before a lot rule applies', () => {
    expect(rs.evaluate({ lot: 'xyz3040', lotConfirmed: false }).disposition).toBe('exception');
    expect(rs.evaluate({ lot: 'xyz', lotConfirmed: true }).disposition).toBe('restock');
  });
});
