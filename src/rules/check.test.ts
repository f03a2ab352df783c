import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFacts, loadRuleSet, loadRuleSetFile, NO_RULES, type CompiledRuleSet } from './index.js';

const defaultPath = join(import.meta.dirname, '..', '..', 'fixtures', 'rules', 'default.yaml');
function defaultSet(): CompiledRuleSet {
  const r = loadRuleSetFile(defaultPath);
  if (!r.ok) throw new Error('default set must load');
  return r.ruleSet;
}

// The values the README lists for the default set.
const REASONS = ['defective', 'damaged_in_transit', 'wrong_item', 'not_as_described', 'changed_mind', 'size_fit'];
const GRADES = ['sealed', 'like_new', 'used', 'damaged', 'missing_parts'];

/** A USB-C charger (price 39, consumer_electronics) as the station builds its facts. */
const charger = { catalogKnown: true, category: 'consumer_electronics', grade: 'like_new', price: 39, rtvAllowed: true, hazmat: false, hygiene: false };

describe('checkFacts: enum facts outside their declared values are refused, never decided as something else', () => {
  it('a mistyped reason ("Defective", "defect", "sizefit", "bogus") is FACT_INVALID, naming the field and the allowed values', () => {
    const rs = defaultSet();
    for (const [value, suggestion] of [['Defective', 'defective'], ['defect', 'defective'], ['sizefit', 'size_fit'], ['bogus', undefined]] as const) {
      const r = rs.checkFacts({ ...charger, reason: value });
      expect(r.ok, value).toBe(false);
      if (r.ok) continue;
      expect(r.error.code).toBe('FACT_INVALID');
      expect(r.error.details.field).toBe('reason');
      expect(r.error.details.allowed).toEqual(REASONS);
      expect(r.error.details.issues).toHaveLength(1);
      expect(r.error.details.issues[0]?.suggestion).toBe(suggestion);
      expect(r.error.message).toContain('reason');
      for (const a of REASONS) expect(r.error.message).toContain(a);
      expect(r.error.text['zh-CN']).toContain('退货原因');
    }
  });

  it('every declared reason and grade passes; a missing or null value is the rules\' business, not an error', () => {
    const rs = defaultSet();
    for (const reason of REASONS) for (const grade of GRADES) expect(rs.checkFacts({ ...charger, reason, grade })).toEqual({ ok: true });
    expect(rs.checkFacts({ ...charger, reason: null, grade: undefined })).toEqual({ ok: true });
    expect(rs.checkFacts({ catalogKnown: true })).toEqual({ ok: true });
  });

  it('case is not folded and every bad enum is listed; grade, packaging and category are checked too', () => {
    const rs = defaultSet();
    const r = rs.checkFacts({ ...charger, reason: 'DEFECTIVE', grade: 'Like New', packaging: 'box', category: 'garden' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.details.issues.map((i) => i.field).sort()).toEqual(['category', 'grade', 'packaging', 'reason']);
    expect(r.error.details.issues.find((i) => i.field === 'grade')).toMatchObject({ value: 'Like New', allowed: GRADES, suggestion: 'like_new' });
  });

  it('non-text values of an enum fact are refused; facts the set does not declare and non-enum facts are left to evaluate', () => {
    const rs = defaultSet();
    expect(rs.checkFacts({ reason: 5 }).ok).toBe(false);
    expect(rs.checkFacts({ reason: true }).ok).toBe(false);
    expect(rs.checkFacts({ reason: { text: 'defective' } }).ok).toBe(false);
    expect(rs.checkFacts({ somethingElse: 'bogus', price: 'lots' })).toEqual({ ok: true });
    expect(rs.checkFacts(null)).toEqual({ ok: true });
  });

  it('derived facts are produced by the tables, not checked as inputs; NO_RULES accepts everything', () => {
    const rs = defaultSet();
    expect(rs.checkFacts({ route: 'anything' })).toEqual({ ok: true });
    expect(NO_RULES.checkFacts({ reason: 'bogus' })).toEqual({ ok: true });
    expect(checkFacts(rs.facts, { reason: 'bogus' }).ok).toBe(false);
  });

  it('a set whose enum values are numbers-as-text accepts the number form', () => {
    const r = loadRuleSet({
      id: 'n',
      version: '1',
      facts: { size: { type: 'enum', values: ['1', '2'] } },
      tables: [{ id: 't', hitPolicy: 'first', inputs: ['size'], outputs: ['disposition', 'bin'], rows: [{ when: { size: '-' }, then: { disposition: 'restock', bin: 'R' } }] }],
    });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.ruleSet.checkFacts({ size: 1 })).toEqual({ ok: true });
    expect(r.ruleSet.checkFacts({ size: 3 }).ok).toBe(false);
  });
});
