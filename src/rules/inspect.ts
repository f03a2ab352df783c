/**
 * Looking inside a loaded rule set: the reference interpreter (to cross-check the compiler) and the full static
 * analysis (every overlap, dead row and gap, for the supervisor's rule editor).
 */
import { analyze, type Analysis } from './analyze.js';
import { interpret } from './interpret.js';
import { modelOf } from './load.js';
import type { CompiledRuleSet, Decision, Facts } from './types.js';

/** Evaluates with the naive reference interpreter (for tests and for cross-checking the compiler). */
export function interpretRuleSet(rs: CompiledRuleSet, facts: Facts): Decision {
  const m = modelOf(rs);
  if (!m) return rs.evaluate(facts);
  return interpret(m, facts);
}

/** Overlapping row pairs (also the ones `first` resolves by order), rows that never fire, and uncovered inputs. */
export function analyzeRuleSet(rs: CompiledRuleSet): Analysis {
  const m = modelOf(rs);
  if (!m) return { errors: [], warnings: [], overlaps: [], unreachable: [], gaps: [] };
  return analyze(m);
}

export type { Analysis, Overlap } from './analyze.js';
