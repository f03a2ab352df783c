import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileModel } from './compile.js';
import { loadRuleSet, loadRuleSetFile, type CompiledRuleSet, type Facts } from './index.js';
import { interpret } from './interpret.js';
import { modelOf } from './load.js';
import type { Model } from './model.js';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures', 'rules');

function loaded(path: string): { rs: CompiledRuleSet; model: Model } {
  const r = loadRuleSetFile(path);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('; '));
  return { rs: r.ruleSet, model: modelOf(r.ruleSet) as Model };
}

/** Facts drawn from each declared domain, plus the edges: missing values, unknown words, wrong types. */
function factsArb(model: Model): fc.Arbitrary<Facts> {
  const entries: Record<string, fc.Arbitrary<Facts[string]>> = {};
  for (const f of model.facts) {
    if (f.derived) continue;
    const edge = fc.constantFrom<Facts[string]>(null, undefined, 'garbage', -1);
    let main: fc.Arbitrary<Facts[string]>;
    if (f.type === 'enum') main = fc.constantFrom(...(f.values ?? []));
    else if (f.type === 'boolean') main = fc.boolean();
    else main = fc.oneof(fc.integer({ min: -5, max: 1600 }), fc.double({ min: -10, max: 2000, noNaN: true }), fc.constantFrom(0, 15, 20, 30, 50, 90, 100, 500));
    entries[f.name] = fc.oneof({ weight: 9, arbitrary: main }, { weight: 1, arbitrary: edge });
  }
  return fc.record(entries, { requiredKeys: [] }) as fc.Arbitrary<Facts>;
}

function agree(rs: CompiledRuleSet, model: Model, facts: Facts): void {
  const closures = compileModel(model, { codegen: false });
  const generated = rs.evaluate(facts);
  expect(generated).toEqual(interpret(model, facts));
  expect(closures(facts)).toEqual(generated);
}

describe('compiled evaluation equals the straightforward interpreter', () => {
  it('on the default rule set, for random facts', () => {
    const { rs, model } = loaded(join(fixtures, 'default.yaml'));
    const closures = compileModel(model, { codegen: false });
    fc.assert(
      fc.property(factsArb(model), (facts) => {
        const d = rs.evaluate(facts);
        expect(d).toEqual(interpret(model, facts));
        expect(closures(facts)).toEqual(d);
      }),
      { numRuns: 1500 },
    );
  });

  it('on the 200-row bench table, for random facts', () => {
    const { rs, model } = loaded(join(fixtures, 'bench-200.yaml'));
    const closures = compileModel(model, { codegen: false });
    fc.assert(
      fc.property(factsArb(model), (facts) => {
        const d = rs.evaluate(facts);
        expect(d).toEqual(interpret(model, facts));
        expect(closures(facts)).toEqual(d);
      }),
      { numRuns: 1500 },
    );
  });

  it('on random rule sets (every cell form, every non-unique hit policy), for random facts', () => {
    const enumVals = ['a', 'b', 'c', 'd'];
    const cell = fc.oneof(
      fc.constant('-'),
      fc.subarray(enumVals, { minLength: 1, maxLength: 3 }).map((v) => ({ col: 'e', text: v.map((x) => `"${x}"`).join(', ') })),
      fc.subarray(enumVals, { minLength: 1, maxLength: 2 }).map((v) => ({ col: 'e', text: `not(${v.map((x) => `"${x}"`).join(', ')})` })),
      fc.constantFrom('null', 'not(null)').map((text) => ({ col: 'e', text })),
      fc.tuple(fc.constantFrom('>', '>=', '<', '<='), fc.integer({ min: 0, max: 100 })).map(([op, n]) => ({ col: 'n', text: `${op} ${n}` })),
      fc
        .tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 40 }), fc.constantFrom('[', '(', ']'), fc.constantFrom(']', ')', '['))
        .map(([lo, w, l, r]) => ({ col: 'n', text: `${l}${lo}..${lo + w}${r}` })),
      fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 51, max: 100 })).map(([a, b]) => ({ col: 'n', text: `< ${a}, > ${b}` })),
      fc.constantFrom('true', 'false', 'null', 'not(true)').map((text) => ({ col: 'b', text })),
    );
    const row = fc.record({
      cells: fc.array(cell, { maxLength: 3 }),
      disp: fc.constantFrom('restock', 'open_box', 'liquidate', 'quarantine', 'recycle'),
      prio: fc.integer({ min: 0, max: 9 }),
      act: fc.subarray(['photo', 'data_wipe', 'supervisor_check']),
    });
    const tableArb = fc.record({ policy: fc.constantFrom('first', 'priority', 'collect'), rows: fc.array(row, { minLength: 1, maxLength: 12 }) });
    const docArb = fc.array(tableArb, { minLength: 1, maxLength: 3 }).map((tables) => ({
      id: 'random',
      version: '1',
      facts: { e: { type: 'enum', values: enumVals, nullable: true }, n: { type: 'number', nullable: true }, b: { type: 'boolean', nullable: true } },
      tables: tables.map((t, ti) => ({
        id: `t${ti}`,
        hitPolicy: t.policy,
        inputs: ['e', 'n', 'b'],
        outputs: ['disposition', 'bin', 'nextDepartment', 'priority', 'actions'],
        rows: t.rows.map((r) => {
          const when: Record<string, string> = {};
          for (const c of r.cells) if (typeof c !== 'string') when[c.col] = c.text;
          return { when, then: { disposition: r.disp, bin: r.disp.toUpperCase(), nextDepartment: 'x', priority: r.prio, actions: r.act } };
        }),
      })),
    }));
    const factArb = fc.record({
      e: fc.constantFrom<Facts[string]>('a', 'b', 'c', 'd', 'z', null, undefined),
      n: fc.oneof(fc.integer({ min: -5, max: 110 }), fc.constantFrom<Facts[string]>(null, 'x', 0, 50, 100)),
      b: fc.constantFrom<Facts[string]>(true, false, null, undefined, 'true'),
    });
    fc.assert(
      fc.property(docArb, fc.array(factArb, { minLength: 1, maxLength: 20 }), (doc, factsList) => {
        const r = loadRuleSet(doc);
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        const model = modelOf(r.ruleSet) as Model;
        for (const facts of factsList) agree(r.ruleSet, model, facts as Facts);
      }),
      { numRuns: 150 },
    );
  });
});
