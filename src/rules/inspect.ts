import { interpret } from './interpret.js';
import { modelOf } from './load.js';
import type { CompiledRuleSet, Decision, Facts } from './types.js';

/** Evaluates with the naive reference interpreter (for tests and for cross-checking the compiler). */
export function interpretRuleSet(rs: CompiledRuleSet, facts: Facts): Decision {
  const m = modelOf(rs);
  if (!m) return rs.evaluate(facts);
  return interpret(m, facts);
}
