import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DISPOSITIONS, analyzeRuleSet, cbvDisposition, loadRuleSetFile, ruleSetMarkdown, runGoldenCases, type CompiledRuleSet, type Facts } from './index.js';

const root = join(import.meta.dirname, '..', '..');
const defaultPath = join(root, 'fixtures', 'rules', 'default.yaml');

function defaultSet(): { rs: CompiledRuleSet; warnings: unknown[] } {
  const r = loadRuleSetFile(defaultPath);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('; '));
  return { rs: r.ruleSet, warnings: r.warnings };
}

/** A normal item: in the catalog, serial fine, nothing special. Tests change one thing at a time. */
const item = (over: Facts): Facts => ({
  catalogKnown: true,
  category: 'home',
  reason: 'changed_mind',
  grade: 'sealed',
  packaging: 'original_sealed',
  daysSinceDelivery: 5,
  price: 40,
  serialMatched: null,
  rtvAllowed: false,
  warranty: false,
  hazmat: false,
  hygiene: false,
  ...over,
});

describe('default rule set (general-merchandise dock)', () => {
  const { rs, warnings } = defaultSet();

  it('loads with no analysis warnings: no dead rows, no uncovered combinations', () => {
    expect(warnings).toEqual([]);
  });

  it('analysis: rows overlap only where "first" resolves them by order; nothing dead, nothing uncovered', () => {
    const a = analyzeRuleSet(rs);
    expect(a.unreachable).toEqual([]);
    expect(a.gaps).toEqual([]);
    expect(a.errors).toEqual([]);
    expect(a.overlaps.some((o) => o.table === 'disposition')).toBe(true);
    expect(a.overlaps.some((o) => o.table === 'condition')).toBe(false); // the unique table
  });

  it('every golden case passes', () => {
    const g = runGoldenCases(rs);
    expect(g.failed).toEqual([]);
    expect(g.passed).toBe(rs.golden.length);
    expect(g.passed).toBeGreaterThanOrEqual(25);
  });

  it('BUG-64: a serial that does not match the order goes to quarantine, never to stock', () => {
    const d = rs.evaluate(item({ category: 'consumer_electronics', serialMatched: false, price: 300 }));
    expect(d).toMatchObject({ disposition: 'quarantine', bin: 'QUARANTINE', nextDepartment: 'loss_prevention', priority: 9 });
    expect(d.actions).toEqual(expect.arrayContaining(['hold_serial', 'photo', 'supervisor_check']));
    expect(d.cbvDisposition).not.toBe('sellable_accessible');
  });

  it('items not in the catalog go to exceptions', () => {
    expect(rs.evaluate(item({ catalogKnown: false })).disposition).toBe('exception');
    expect(rs.evaluate(item({ category: 'unknown' })).disposition).toBe('exception');
  });

  it('opened hygiene items are disposed of; sealed ones are restocked', () => {
    expect(rs.evaluate(item({ category: 'cosmetics_hygiene', hygiene: true, grade: 'like_new', packaging: 'original_opened' })).bin).toBe('DISPOSE-HYGIENE');
    expect(rs.evaluate(item({ category: 'cosmetics_hygiene', hygiene: true })).disposition).toBe('restock');
  });

  it('return to vendor only where the vendor allows it, and only within 30 days', () => {
    const defect = item({ category: 'consumer_electronics', reason: 'defective', grade: 'like_new', packaging: 'original_opened', price: 120 });
    expect(rs.evaluate({ ...defect, rtvAllowed: true }).disposition).toBe('return_to_vendor');
    expect(rs.evaluate({ ...defect, rtvAllowed: false }).disposition).not.toBe('return_to_vendor');
    expect(rs.evaluate({ ...defect, rtvAllowed: true, daysSinceDelivery: 31 }).disposition).not.toBe('return_to_vendor');
  });

  it('changed-mind window is 30 days; defects under warranty have no window', () => {
    expect(rs.evaluate(item({ daysSinceDelivery: 30 })).disposition).toBe('restock');
    expect(rs.evaluate(item({ daysSinceDelivery: 31 })).nextDepartment).toBe('customer_service');
    expect(rs.evaluate(item({ reason: 'defective', category: 'small_appliances', warranty: true, daysSinceDelivery: 400, grade: 'used' })).disposition).toBe('repair');
  });

  it('price thresholds: open box from 20, supervisor check from 500', () => {
    const opened = item({ grade: 'like_new', packaging: 'original_opened' });
    expect(rs.evaluate({ ...opened, price: 20 }).disposition).toBe('open_box');
    expect(rs.evaluate({ ...opened, price: 19.99 }).disposition).toBe('liquidate');
    expect(rs.evaluate(item({ price: 499.99 })).actions).not.toContain('supervisor_check');
    expect(rs.evaluate(item({ price: 500 })).actions).toContain('supervisor_check');
  });

  it('every decision carries id, version, hash, matched rows and explanations in both languages', () => {
    const d = rs.evaluate(item({}));
    expect(d.ruleSet).toEqual({ id: 'default-general-merchandise', version: '2026.12.1', hash: rs.hash });
    expect(d.matchedRows.length).toBeGreaterThan(0);
    for (const m of d.matchedRows) {
      expect(m.explanation.en.length).toBeGreaterThan(0);
      expect(m.explanation['zh-CN']).toMatch(/[\u4e00-\u9fff]/);
    }
    const late = rs.evaluate(item({ reason: 'size_fit', daysSinceDelivery: 45 }));
    expect(late.matchedRows[0]?.explanation.en).toBe('Changed-mind return after 45 days (window 30)');
  });

  it('validates against the published JSON Schema, as does the bench set', () => {
    const schema = JSON.parse(readFileSync(join(root, 'src', 'rules', 'ruleset.schema.json'), 'utf8')) as object;
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    const validate = ajv.compile(schema);
    for (const f of ['default.yaml', 'bench-200.yaml']) {
      const ok = validate(parse(readFileSync(join(root, 'fixtures', 'rules', f), 'utf8')));
      expect(validate.errors ?? [], f).toEqual([]);
      expect(ok).toBe(true);
    }
    expect(validate({ id: 'x', version: 1, facts: {}, tables: [] })).toBe(false);
  });

  it('every disposition maps to a CBV disposition that the EPCIS schema knows', () => {
    const epcis = readFileSync(join(root, 'fixtures', 'epcis', 'EPCIS-JSON-Schema.json'), 'utf8');
    for (const d of DISPOSITIONS) expect(epcis, d).toContain(`"${cbvDisposition(d)}"`);
    expect(cbvDisposition('restock')).toBe('sellable_accessible');
    expect(cbvDisposition('return_to_vendor')).toBe('returned');
    expect(cbvDisposition('recycle')).toBe('disposed');
  });

  it('docs/rules.md shows the current default set (regenerate with `rules doc fixtures/rules/default.yaml`)', () => {
    const docs = readFileSync(join(root, 'docs', 'rules.md'), 'utf8');
    const m = /<!-- default-rules:start -->\n([\s\S]*?)<!-- default-rules:end -->/.exec(docs);
    expect(m?.[1]).toBe(ruleSetMarkdown(rs));
  });
});
