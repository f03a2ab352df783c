import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { NO_RULES, RuleRegistry, compareRuleSetVersions, loadRuleSet, replay, type ActivationRecord, type CompiledRuleSet, type ReplaySource, type StoredCase } from './index.js';

const defaultDoc = (): Record<string, unknown> =>
  parse(readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'rules', 'default.yaml'), 'utf8')) as Record<string, unknown>;

function compiled(doc: object): CompiledRuleSet {
  const r = loadRuleSet(doc);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('; '));
  return r.ruleSet;
}

describe('RuleRegistry', () => {
  it('with nothing active, every item goes to a supervisor', () => {
    const reg = new RuleRegistry();
    expect(reg.active()).toBe(NO_RULES);
    expect(reg.active().evaluate({ category: 'toys' })).toMatchObject({ disposition: 'quarantine', bin: 'EXCEPTIONS', nextDepartment: 'supervisor', fallback: true });
  });

  it('activates a set whose golden cases pass, and records it', () => {
    const records: ActivationRecord[] = [];
    const reg = new RuleRegistry(undefined, { now: () => 1_000, onRecord: (r) => records.push(r) });
    const res = reg.activate(defaultDoc(), { by: 'supervisor-7', reason: 'initial rules' });
    expect(res.ok).toBe(true);
    expect(reg.active().id).toBe('default-general-merchandise');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ at: 1_000, accepted: true, by: 'supervisor-7', reason: 'initial rules', previous: null, goldenFailed: 0 });
    expect(records[0]?.goldenPassed).toBeGreaterThanOrEqual(25);
  });

  it('refuses a candidate whose golden case fails and keeps the previous set active', () => {
    const reg = new RuleRegistry();
    expect(reg.activate(defaultDoc()).ok).toBe(true);
    const before = reg.active();
    const bad = defaultDoc();
    // A careless edit: defective goods within 30 days no longer go back to the vendor.
    const disp = (bad.tables as Array<{ id: string; rows: Array<{ id?: string; then: Record<string, unknown> }> }>).find((t) => t.id === 'disposition');
    const rtv = disp?.rows.find((r) => r.id === 'D08');
    if (rtv) rtv.then = { disposition: 'liquidate', bin: 'LIQUIDATION', nextDepartment: 'liquidation', priority: 1 };
    bad.version = '2026.12.2';
    const res = reg.activate(bad);
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.errors.map((e) => e.code)).toContain('RULES_GOLDEN_FAILED');
      expect(res.goldenFailures.map((f) => f.name)).toContain('defective headphones within 30 days, vendor takes returns → RTV');
      expect(res.record).toMatchObject({ accepted: false, ruleSet: { version: '2026.12.2' }, previous: { version: '2026.12.1' } });
    }
    expect(reg.active()).toBe(before);
    expect(reg.history().map((h) => h.accepted)).toEqual([true, false]);
  });

  it('refuses an invalid candidate with its load errors; the active set stays', () => {
    const reg = new RuleRegistry(compiled(defaultDoc()));
    const res = reg.activate('id: broken\nversion: 1\nfacts: {}\ntables: []\n');
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.errors[0]?.code).toBe('RULES_SCHEMA');
      expect(res.record).toMatchObject({ accepted: false, ruleSet: { id: 'broken', version: '1' }, previous: { id: 'default-general-merchandise' } });
    }
    expect(reg.active().id).toBe('default-general-merchandise');
  });

  it('passes source and the accepted set\'s text to onRecord; a refusal gets no text', () => {
    const got: Array<{ r: ActivationRecord; text: string | null }> = [];
    const reg = new RuleRegistry(undefined, { onRecord: (r, d) => got.push({ r, text: d.text }) });
    const text = `# comment kept\n${readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'rules', 'default.yaml'), 'utf8')}`;
    expect(reg.activate(text, { source: 'supervisor', by: 'op-1' }).ok).toBe(true);
    expect(reg.activate('id: broken\nversion: 1\n', { source: 'supervisor' }).ok).toBe(false);
    expect(got.map((g) => [g.r.source, g.r.accepted, g.text === text, g.text])).toEqual([['supervisor', true, true, text], ['supervisor', false, false, null]]);
  });

  it('an accepted set is not activated when onRecord throws (the store could not keep it)', () => {
    const reg = new RuleRegistry(undefined, {
      onRecord: () => {
        throw new Error('disk full');
      },
    });
    expect(() => reg.activate(defaultDoc())).toThrow('disk full');
    expect(reg.active()).toBe(NO_RULES);
    expect(reg.history()).toEqual([]);
  });

  it('starts with earlier records as its history', () => {
    const earlier: ActivationRecord = { at: 1, ruleSet: { id: 'a', version: '1', hash: 'h' }, previous: null, accepted: true, source: 'config', goldenPassed: 1, goldenFailed: 0, errors: [] };
    const reg = new RuleRegistry(undefined, { history: [earlier] });
    reg.activate(defaultDoc());
    expect(reg.history().map((h) => h.ruleSet.id)).toEqual(['a', 'default-general-merchandise']);
  });

  it('orders versions numerically part by part', () => {
    expect(compareRuleSetVersions('2026.12.10', '2026.12.9')).toBe(1);
    expect(compareRuleSetVersions('2026.12.1', '2026.12.1')).toBe(0);
    expect(compareRuleSetVersions('2026.12.1', '2026.12.1.1')).toBe(-1);
    expect(compareRuleSetVersions('2', '10')).toBe(-1);
    expect(compareRuleSetVersions('2026.12.2-hq', '2026.12.2')).toBe(1);
    expect(compareRuleSetVersions('1.b', '1.a')).toBe(1);
  });

  it('refuses a set without golden cases', () => {
    const doc = defaultDoc();
    delete doc.golden;
    const res = new RuleRegistry().activate(doc);
    expect(!res.ok && res.errors[0]?.code).toBe('RULES_NO_GOLDEN');
  });
});

describe('replay', () => {
  const base = compiled(defaultDoc());
  const facts = [
    { category: 'toys', reason: 'changed_mind', grade: 'like_new', packaging: 'original_opened', daysSinceDelivery: 3, price: 25 },
    { category: 'toys', reason: 'changed_mind', grade: 'like_new', packaging: 'original_opened', daysSinceDelivery: 3, price: 45 },
    { category: 'home', reason: 'changed_mind', grade: 'sealed', packaging: 'original_sealed', daysSinceDelivery: 3, price: 45 },
    { category: 'home', reason: 'changed_mind', grade: 'like_new', packaging: 'original_opened', daysSinceDelivery: 3, price: 10 },
  ].map((f) => ({ catalogKnown: true, rtvAllowed: false, warranty: false, hazmat: false, hygiene: false, ...f }));
  const stored: StoredCase[] = facts.map((f, i) => ({ caseId: `C${i + 1}`, facts: f, decision: base.evaluate(f), decidedAt: 1000 + i }));
  const source: ReplaySource = {
    cases: ({ sinceMs }) => stored.filter((c) => sinceMs === undefined || (c.decidedAt ?? 0) >= sinceMs),
  };

  it('the same rule set changes nothing', async () => {
    const rep = await replay(base, source);
    expect(rep).toMatchObject({ total: 4, unchanged: 4, changed: 0, binChanged: 0, examples: [] });
  });

  it('a candidate with a higher open-box threshold moves cheap open items to liquidation', async () => {
    const doc = defaultDoc();
    const disp = (doc.tables as Array<{ id: string; rows: Array<{ id?: string; when: Record<string, unknown> }> }>).find((t) => t.id === 'disposition');
    const ob = disp?.rows.find((r) => r.id === 'D17');
    if (ob) ob.when.price = '>= 30';
    doc.golden = [];
    const cand = compiled(doc);
    const rep = await replay(cand, source, { examplesPerTransition: 5 });
    expect(rep.total).toBe(4);
    expect(rep.changed).toBe(1);
    expect(rep.transitions).toContainEqual({ from: 'open_box', to: 'liquidate', count: 1 });
    expect(rep.transitions).toContainEqual({ from: 'open_box', to: 'open_box', count: 1 });
    expect(rep.examples).toEqual([
      expect.objectContaining({ caseId: 'C1', from: 'open_box', to: 'liquidate', fromBin: 'OPEN-BOX', toBin: 'LIQUIDATION', matchedRows: ['screen#8', 'condition#3', 'disposition#18'] }),
    ]);
    expect(rep.ruleSet.hash).toBe(cand.hash);
  });

  it('passes the since window to the source and counts fallbacks', async () => {
    const none = compiled({ id: 'n', version: '1', facts: { x: 'number' }, tables: [{ id: 't', inputs: ['x'], outputs: ['disposition'], rows: [{ when: { x: '> 0' }, then: { disposition: 'restock' } }] }] });
    const rep = await replay(none, source, { sinceMs: 1002 });
    expect(rep).toMatchObject({ total: 2, fallbacks: 2, sinceMs: 1002 });
  });
});
