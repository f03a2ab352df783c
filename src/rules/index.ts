/**
 * The rule engine: decision tables a supervisor can read, compiled once, evaluated offline in microseconds, and
 * able to say why. See docs/rules.md for the format.
 */
export { DISPOSITIONS, cbvDisposition, isDisposition } from './types.js';
export type {
  Bilingual,
  CompiledRuleSet,
  Decision,
  Disposition,
  FactSpec,
  FactType,
  Facts,
  GoldenCase,
  HitPolicy,
  LoadResult,
  MatchedRow,
  RuleError,
  RuleSetRef,
  RuleWarning,
} from './types.js';
export { checkFact, checkFacts, type FactCheck, type FactInvalid, type FactIssue } from './check.js';
export { loadRuleSet, loadRuleSetFile, contentHash, canonicalJson } from './load.js';
export { runGoldenCases, type GoldenFailure, type GoldenReport } from './golden.js';
export {
  RuleRegistry, NO_RULES, ACTIVATION_SOURCES, compareRuleSetVersions,
  type ActivateResult, type ActivationDetail, type ActivationMeta, type ActivationRecord, type ActivationSource, type RegistryOptions,
} from './registry.js';
export { replay, parseSince, type ReplayExample, type ReplayOptions, type ReplayReport, type ReplaySource, type StoredCase } from './replay.js';
export { analyzeRuleSet, interpretRuleSet, type Analysis, type Overlap } from './inspect.js';
export { ruleSetMarkdown } from './markdown.js';
