/**
 * Golden cases: the examples a rule set ships with. A candidate set may only become active when all of them pass.
 */
import type { CompiledRuleSet, Decision, GoldenCase } from './types.js';

export interface GoldenFailure {
  name: string;
  /** Which expectations failed, e.g. `disposition: expected restock, got quarantine`. */
  mismatches: string[];
  decision: Decision;
}

export interface GoldenReport {
  passed: number;
  failed: GoldenFailure[];
}

const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

export function checkCase(d: Decision, c: GoldenCase): string[] {
  const e = c.expect;
  const bad: string[] = [];
  const cmp = (what: string, want: unknown, got: unknown): void => {
    if (want !== undefined && want !== got) bad.push(`${what}: expected ${String(want)}, got ${String(got)}`);
  };
  cmp('disposition', e.disposition, d.disposition);
  cmp('bin', e.bin, d.bin);
  cmp('nextDepartment', e.nextDepartment, d.nextDepartment);
  cmp('priority', e.priority, d.priority);
  cmp('fallback', e.fallback, d.fallback);
  if (e.actions !== undefined && !sameList([...e.actions].sort(), [...d.actions].sort()))
    bad.push(`actions: expected [${e.actions.join(', ')}], got [${d.actions.join(', ')}]`);
  if (e.rows !== undefined) {
    const got = d.matchedRows.map((m) => `${m.table}#${m.row}`);
    if (!sameList(e.rows, got)) bad.push(`rows: expected ${e.rows.join(', ')}, got ${got.join(', ') || 'none'}`);
  }
  return bad;
}

/** Runs the rule set's own golden cases, or the ones given. */
export function runGoldenCases(rs: CompiledRuleSet, cases?: GoldenCase[]): GoldenReport {
  const list = cases ?? rs.golden;
  const failed: GoldenFailure[] = [];
  let passed = 0;
  for (const c of list) {
    const decision = rs.evaluate(c.facts);
    const mismatches = checkCase(decision, c);
    if (mismatches.length === 0) passed++;
    else failed.push({ name: c.name, mismatches, decision });
  }
  return { passed, failed };
}
