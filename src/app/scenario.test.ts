import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isStationError } from '../core/errors.js';
import { loadRuleSetFile, type CompiledRuleSet } from '../rules/index.js';
import { loadScenario } from './scenario.js';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'rs-scenario-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function defaultSet(): CompiledRuleSet {
  const r = loadRuleSetFile(join(root, 'fixtures', 'rules', 'default.yaml'));
  if (!r.ok) throw new Error('default set must load');
  return r.ruleSet;
}

function write(name: string, items: unknown[]): string {
  const f = join(dir, name);
  writeFileSync(f, JSON.stringify({ intervalMs: 0, items }));
  return f;
}

function errorOf(fn: () => unknown): { code: string; message: string; details?: Record<string, unknown> } {
  try {
    fn();
  } catch (e) {
    if (isStationError(e)) return { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) };
    throw e;
  }
  throw new Error('expected the scenario to be refused');
}

describe('scenario files: reasons and grades must be values of the rule set', () => {
  it('an item with "reason":"sizefit" is refused (FACT_INVALID) with the item, the field and the allowed values', () => {
    const f = write('sizefit.json', [
      { barcode: '4012345000740', reason: 'size_fit', grade: 'like_new' },
      { barcode: '4012345000740', reason: 'sizefit', grade: 'like_new' },
    ]);
    const e = errorOf(() => loadScenario(f, defaultSet()));
    expect(e.code).toBe('FACT_INVALID');
    expect(e.message).toContain('items.1.reason');
    expect(e.message).toContain('size_fit');
    expect(e.details).toEqual({ issues: [{ item: 1, field: 'reason', value: 'sizefit', allowed: ['defective', 'damaged_in_transit', 'wrong_item', 'not_as_described', 'changed_mind', 'size_fit'] }] });
  });

  it('a mistyped grade is refused the same way; case is not folded', () => {
    const f = write('grade.json', [{ barcode: '4012345000740', reason: 'Defective', grade: 'Like_New' }]);
    const e = errorOf(() => loadScenario(f, defaultSet()));
    expect(e.code).toBe('FACT_INVALID');
    expect((e.details?.issues as Array<{ field: string }>).map((i) => i.field)).toEqual(['reason', 'grade']);
  });

  it('the shipped demo scenario passes', () => {
    const s = loadScenario(join(root, 'fixtures', 'scenarios', 'demo-shift.json'), defaultSet());
    expect(s.items.length).toBe(27);
  });

  it('without a rule set only the shape is checked (SCENARIO_INVALID stays the code for shape errors)', () => {
    expect(loadScenario(write('noset.json', [{ barcode: '4012345000740', reason: 'sizefit', grade: 'like_new' }])).items).toHaveLength(1);
    expect(errorOf(() => loadScenario(write('shape.json', [{ reason: 'size_fit', grade: 'used' }]), defaultSet())).code).toBe('SCENARIO_INVALID');
  });
});
