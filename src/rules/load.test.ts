import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRuleSet, loadRuleSetFile, type RuleError, type RuleWarning } from './index.js';

/** A small valid rule set to break one piece at a time. */
function base(): Record<string, unknown> {
  return {
    id: 't',
    version: '1',
    facts: {
      category: { type: 'enum', values: ['apparel', 'toys', 'food'] },
      price: { type: 'number', min: 0 },
      sealed: { type: 'boolean' },
    },
    tables: [
      {
        id: 'main',
        hitPolicy: 'first',
        inputs: ['category', 'price', 'sealed'],
        outputs: ['disposition', 'bin', 'nextDepartment'],
        rows: [
          { when: { sealed: true }, then: { disposition: 'restock', bin: 'RESTOCK', nextDepartment: 'inventory' } },
          { when: { category: 'food' }, then: { disposition: 'dispose', bin: 'DISPOSE', nextDepartment: 'waste' } },
          { when: {}, then: { disposition: 'liquidate', bin: 'LIQ', nextDepartment: 'liquidation' } },
        ],
      },
    ],
  };
}

type Doc = ReturnType<typeof base>;
const rowsOf = (d: Doc, t = 0): Array<Record<string, unknown>> => ((d.tables as Array<Record<string, unknown>>)[t] as { rows: Array<Record<string, unknown>> }).rows;
const tableOf = (d: Doc, t = 0): Record<string, unknown> => (d.tables as Array<Record<string, unknown>>)[t] as Record<string, unknown>;

function errors(doc: unknown): RuleError[] {
  const r = loadRuleSet(doc as object);
  if (r.ok) throw new Error('expected the rule set to be refused');
  return r.errors;
}
function warnings(doc: unknown): RuleWarning[] {
  const r = loadRuleSet(doc as object);
  if (!r.ok) throw new Error(`expected the rule set to load: ${r.errors.map((e) => e.message).join('; ')}`);
  return r.warnings;
}

describe('loading refuses bad rule sets with table, row and column', () => {
  it('the base set loads cleanly', () => {
    expect(warnings(base())).toEqual([]);
  });

  it('RULES_UNKNOWN_FACT: a table input that is not declared', () => {
    const d = base();
    (tableOf(d).inputs as string[]).push('colour');
    const e = errors(d).find((x) => x.code === 'RULES_UNKNOWN_FACT');
    expect(e).toMatchObject({ table: 'main', column: 'colour' });
  });

  it('RULES_UNKNOWN_FACT: a row testing a fact nobody declared', () => {
    const d = base();
    (rowsOf(d)[1] as { when: Record<string, unknown> }).when.colour = 'red';
    expect(errors(d)[0]).toMatchObject({ code: 'RULES_UNKNOWN_FACT', table: 'main', row: 2, column: 'colour' });
  });

  it('RULES_UNKNOWN_COLUMN: a declared fact that is not an input of the table', () => {
    const d = base();
    (d.facts as Record<string, unknown>).hazmat = { type: 'boolean' };
    (rowsOf(d)[0] as { when: Record<string, unknown> }).when.hazmat = true;
    expect(errors(d)[0]).toMatchObject({ code: 'RULES_UNKNOWN_COLUMN', row: 1, column: 'hazmat' });
  });

  it('RULES_TYPE_MISMATCH: a comparison on an enum column', () => {
    const d = base();
    (rowsOf(d)[1] as { when: Record<string, unknown> }).when.category = '> 5';
    const e = errors(d)[0] as RuleError;
    expect(e).toMatchObject({ code: 'RULES_TYPE_MISMATCH', table: 'main', row: 2, column: 'category' });
    expect(e.message).toContain('table "main", row 2, column "category"');
  });

  it('RULES_BAD_CELL: a cell that cannot be read', () => {
    const d = base();
    (rowsOf(d)[2] as { when: Record<string, unknown> }).when.price = '[10..';
    expect(errors(d)[0]).toMatchObject({ code: 'RULES_BAD_CELL', table: 'main', row: 3, column: 'price' });
  });

  it('RULES_UNKNOWN_VALUE: a misspelt enum value', () => {
    const d = base();
    (rowsOf(d)[1] as { when: Record<string, unknown> }).when.category = 'fod';
    expect(errors(d)[0]).toMatchObject({ code: 'RULES_UNKNOWN_VALUE', row: 2, column: 'category' });
  });

  it('RULES_UNIQUE_OVERLAP: two rows of a unique table that can both match', () => {
    const d = base();
    tableOf(d).hitPolicy = 'unique';
    const e = errors(d).filter((x) => x.code === 'RULES_UNIQUE_OVERLAP');
    expect(e.length).toBeGreaterThan(0);
    expect(e[0]).toMatchObject({ table: 'main', row: 2 });
    expect(e[0]?.message).toMatch(/rows 1 and 2 both match, e\.g\. .*sealed=true/);
  });

  it('a unique table whose rows are disjoint loads', () => {
    const d = base();
    tableOf(d).hitPolicy = 'unique';
    tableOf(d).rows = [
      { when: { price: '< 20' }, then: { disposition: 'liquidate', bin: 'L', nextDepartment: 'l' } },
      { when: { price: '[20..100]' }, then: { disposition: 'open_box', bin: 'O', nextDepartment: 'r' } },
      { when: { price: '> 100' }, then: { disposition: 'restock', bin: 'R', nextDepartment: 'i' } },
    ];
    expect(warnings(d)).toEqual([]);
  });

  it('RULES_BAD_OUTPUT_VALUE: a disposition that does not exist, a priority out of range', () => {
    const d = base();
    (rowsOf(d)[0] as { then: Record<string, unknown> }).then.disposition = 'sell';
    expect(errors(d)[0]).toMatchObject({ code: 'RULES_BAD_OUTPUT_VALUE', row: 1, column: 'disposition' });
    const d2 = base();
    (tableOf(d2).outputs as string[]).push('priority');
    (rowsOf(d2)[0] as { then: Record<string, unknown> }).then.priority = 12;
    expect(errors(d2)[0]).toMatchObject({ code: 'RULES_BAD_OUTPUT_VALUE', column: 'priority' });
  });

  it('RULES_UNKNOWN_OUTPUT: a row setting an output its table does not declare', () => {
    const d = base();
    (rowsOf(d)[0] as { then: Record<string, unknown> }).then.actions = ['photo'];
    expect(errors(d)[0]).toMatchObject({ code: 'RULES_UNKNOWN_OUTPUT', row: 1, column: 'actions' });
  });

  it('RULES_CHAIN_ORDER: a table reading a derived fact before it is produced', () => {
    const d = base();
    (d.facts as Record<string, unknown>).cls = { type: 'enum', values: ['a', 'b'], derived: true };
    (tableOf(d).inputs as string[]).push('cls');
    (d.tables as unknown[]).push({ id: 'classify', inputs: ['price'], outputs: ['cls'], rows: [{ when: {}, then: { cls: 'a' } }] });
    expect(errors(d).find((e) => e.code === 'RULES_CHAIN_ORDER')).toMatchObject({ table: 'main', column: 'cls' });
  });

  it('RULES_ROW_WIDTH: a positional row with the wrong number of cells', () => {
    const d = base();
    (rowsOf(d)[0] as Record<string, unknown>).when = ['-', '-'];
    expect(errors(d)[0]).toMatchObject({ code: 'RULES_ROW_WIDTH', row: 1 });
  });

  it('RULES_BAD_HIT_POLICY and RULES_SCHEMA', () => {
    const d = base();
    tableOf(d).hitPolicy = 'any';
    expect(errors(d)[0]).toMatchObject({ code: 'RULES_BAD_HIT_POLICY', table: 'main' });
    expect(errors({ id: 'x' }).map((e) => e.code)).toContain('RULES_SCHEMA');
    expect(errors('just text').map((e) => e.code)).toContain('RULES_SCHEMA');
  });

  it('RULES_PARSE: YAML and JSON syntax errors say where', () => {
    const y = loadRuleSet('id: x\nfacts: [a\n', 'yaml');
    expect(y.ok).toBe(false);
    if (!y.ok) expect(y.errors[0]?.message).toMatch(/line \d+/);
    const j = loadRuleSet('{"id": ', 'json');
    expect(!j.ok && j.errors[0]?.code).toBe('RULES_PARSE');
  });

  it('RULES_FILE: a missing file', () => {
    const r = loadRuleSetFile('/nonexistent/rules.yaml');
    expect(!r.ok && r.errors[0]?.code).toBe('RULES_FILE');
  });

  it('collects several errors at once', () => {
    const d = base();
    (rowsOf(d)[0] as { when: Record<string, unknown> }).when.price = '>>';
    (rowsOf(d)[1] as { when: Record<string, unknown> }).when.category = 'fod';
    expect(errors(d).map((e) => `${e.code}@${e.row}`)).toEqual(['RULES_BAD_CELL@1', 'RULES_UNKNOWN_VALUE@2']);
  });
});

describe('static analysis warnings', () => {
  it('RULES_ROW_NEVER_FIRES: a row hidden by the rows above it', () => {
    const d = base();
    rowsOf(d).splice(2, 0, { when: { category: 'food', price: '> 10' }, then: { disposition: 'donate', bin: 'D', nextDepartment: 'd' } });
    const w = warnings(d).find((x) => x.code === 'RULES_ROW_NEVER_FIRES');
    expect(w).toMatchObject({ table: 'main', row: 3 });
    expect(w?.message).toContain('rows 1, 2 above');
  });

  it('RULES_ROW_NEVER_FIRES: a row no allowed value can reach (price has min 0)', () => {
    const d = base();
    rowsOf(d).unshift({ when: { price: '< 0' }, then: { disposition: 'donate', bin: 'D', nextDepartment: 'd' } });
    expect(warnings(d).find((x) => x.code === 'RULES_ROW_NEVER_FIRES')).toMatchObject({ row: 1 });
  });

  it('RULES_GAP: enum and boolean combinations no row covers, exhaustively', () => {
    const d = base();
    rowsOf(d).pop(); // no catch-all: unsealed apparel and toys fall through
    const w = warnings(d).find((x) => x.code === 'RULES_GAP');
    expect(w?.table).toBe('main');
    expect(w?.message).toMatch(/category: apparel \/ toys/);
    expect(w?.message).toMatch(/sealed: false/);
  });

  it('RULES_GAP: numeric holes found by interval analysis', () => {
    const d = base();
    tableOf(d).rows = [
      { when: { price: '< 20' }, then: { disposition: 'liquidate', bin: 'L', nextDepartment: 'l' } },
      { when: { price: '(20..100]' }, then: { disposition: 'open_box', bin: 'O', nextDepartment: 'r' } },
      { when: { price: '> 100' }, then: { disposition: 'restock', bin: 'R', nextDepartment: 'i' } },
    ];
    const w = warnings(d).find((x) => x.code === 'RULES_GAP');
    expect(w?.message).toContain('price: 20');
  });

  it('RULES_PRIORITY_TIE: overlapping rows of equal rank in a priority table', () => {
    const d = base();
    tableOf(d).hitPolicy = 'priority';
    (tableOf(d).outputs as string[]).push('priority');
    for (const r of rowsOf(d)) (r as { then: Record<string, unknown> }).then.priority = 3;
    expect(warnings(d).some((w) => w.code === 'RULES_PRIORITY_TIE')).toBe(true);
  });

  it('the shipped bench table (200 rows, 10 inputs) loads within the analysis budget', () => {
    const r = loadRuleSetFile(join(import.meta.dirname, '..', '..', 'fixtures', 'rules', 'bench-200.yaml'));
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.ruleSet.tables[0]?.rows).toBe(200);
  });
});

describe('content hash', () => {
  it('does not depend on key order, comments or format; changes with any cell', () => {
    const yamlA = 'id: h\nversion: "1"\n# comment\nfacts: { p: { type: number } }\ntables:\n  - { id: t, inputs: [p], outputs: [disposition, bin], rows: [ { when: { p: "> 1" }, then: { disposition: restock, bin: R } } ] }\n';
    const yamlB = 'version: "1"\nid: h\ntables:\n  - { rows: [ { then: { bin: R, disposition: restock }, when: { p: "> 1" } } ], outputs: [disposition, bin], inputs: [p], id: t }\nfacts: { p: { type: number } }\n';
    const a = loadRuleSet(yamlA);
    const b = loadRuleSet(yamlB);
    const c = loadRuleSet(yamlA.replace('> 1', '> 2'));
    expect(a.ok && b.ok && c.ok).toBe(true);
    if (a.ok && b.ok && c.ok) {
      expect(a.ruleSet.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(b.ruleSet.hash).toBe(a.ruleSet.hash);
      expect(c.ruleSet.hash).not.toBe(a.ruleSet.hash);
      const j = loadRuleSet(JSON.stringify(a.ruleSet.source), 'json');
      expect(j.ok && j.ruleSet.hash).toBe(a.ruleSet.hash);
    }
  });
});
