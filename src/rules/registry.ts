/**
 * The active rule set of a station. Activation is refused when the candidate does not load or any golden case
 * fails; the previous set then stays active. Every attempt is recorded so the store can persist it (rules never
 * import store: the caller passes `onRecord`).
 */
import { runGoldenCases, type GoldenFailure } from './golden.js';
import { loadRuleSet } from './load.js';
import type { CompiledRuleSet, Decision, RuleError, RuleSetRef, RuleWarning } from './types.js';
import { DEFAULT_FALLBACK } from './model.js';
import { cbvDisposition } from './types.js';

/** Where a candidate came from: the station's file at start-up, a supervisor's screen, or HQ's downlink. */
export type ActivationSource = 'config' | 'supervisor' | 'downlink';
export const ACTIVATION_SOURCES: readonly ActivationSource[] = ['config', 'supervisor', 'downlink'];

export interface ActivationRecord {
  at: number;
  ruleSet: RuleSetRef;
  previous: RuleSetRef | null;
  accepted: boolean;
  source?: ActivationSource;
  by?: string;
  reason?: string;
  goldenPassed: number;
  goldenFailed: number;
  errors: RuleError[];
}

export interface ActivationMeta {
  by?: string;
  reason?: string;
  source?: ActivationSource;
}

/**
 * What `onRecord` gets besides the record: the accepted set's text, so a store can bring the same set back after a
 * restart (the text as given when it was a string, so YAML comments survive; else the document as JSON).
 */
export interface ActivationDetail {
  text: string | null;
}

export type ActivateResult =
  | { ok: true; ruleSet: CompiledRuleSet; warnings: RuleWarning[]; record: ActivationRecord }
  | { ok: false; errors: RuleError[]; goldenFailures: GoldenFailure[]; record: ActivationRecord };

export interface RegistryOptions {
  now?: () => number;
  /**
   * Called for every attempt before an accepted set becomes active: if it throws (the store could not keep the
   * record), the activation fails with that error and the previous set stays, so what is active is always on record.
   */
  onRecord?: (r: ActivationRecord, detail: ActivationDetail) => void;
  /** Earlier records (oldest first), e.g. read back from the store at start-up, so history() spans restarts. */
  history?: readonly ActivationRecord[];
}

/** Used until a real set is activated: every item goes to the supervisor, which is the only safe default. */
export const NO_RULES: CompiledRuleSet = (() => {
  const ref = { id: 'none', version: '0', hash: '' };
  return {
    ...ref,
    metadata: { title: 'No rule set active' },
    facts: {},
    tables: [],
    golden: [],
    source: null,
    checkFacts: () => ({ ok: true }),
    evaluate(): Decision {
      const fb = DEFAULT_FALLBACK;
      return {
        disposition: fb.disposition,
        cbvDisposition: cbvDisposition(fb.disposition),
        bin: fb.bin,
        nextDepartment: fb.nextDepartment,
        priority: fb.priority,
        actions: [...fb.actions],
        matchedRows: [],
        explanation: { en: 'No rule set is active: hold every item for a supervisor.', 'zh-CN': '当前没有启用的规则集：所有商品交由主管处理。' },
        ruleSet: ref,
        fallback: true,
      };
    },
  };
})();

/** Records kept in memory (history()); the store keeps every one. */
const HISTORY_KEEP = 200;

/**
 * Orders two rule set versions: numeric parts as numbers (`2026.12.10` > `2026.12.9`), other parts as text, and a
 * version that continues another (`2026.12.1.1`) after it. Used to decide whether a changed config file is newer.
 */
export function compareRuleSetVersions(a: string, b: string): number {
  const pa = a.split(/[.\-_+]/);
  const pb = b.split(/[.\-_+]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x) ? Number(x) : NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : NaN;
    const c = !Number.isNaN(nx) && !Number.isNaN(ny) ? nx - ny : !Number.isNaN(nx) ? 1 : !Number.isNaN(ny) ? -1 : x.localeCompare(y);
    if (c !== 0) return Math.sign(c);
  }
  return 0;
}

export class RuleRegistry {
  private current: CompiledRuleSet;
  private readonly log: ActivationRecord[] = [];
  private readonly now: () => number;
  private readonly onRecord: RegistryOptions['onRecord'];

  constructor(initial?: CompiledRuleSet, opts: RegistryOptions = {}) {
    this.current = initial ?? NO_RULES;
    this.now = opts.now ?? Date.now;
    this.onRecord = opts.onRecord;
    if (opts.history) this.log.push(...opts.history.slice(-HISTORY_KEEP));
  }

  active(): CompiledRuleSet {
    return this.current;
  }

  history(): readonly ActivationRecord[] {
    return this.log;
  }

  private record(ruleSet: RuleSetRef, accepted: boolean, passed: number, failed: number, errors: RuleError[], meta: ActivationMeta, text: string | null): ActivationRecord {
    const record: ActivationRecord = {
      at: this.now(),
      ruleSet,
      previous: this.current === NO_RULES ? null : { id: this.current.id, version: this.current.version, hash: this.current.hash },
      accepted,
      goldenPassed: passed,
      goldenFailed: failed,
      errors,
    };
    if (meta.source !== undefined) record.source = meta.source;
    if (meta.by !== undefined) record.by = meta.by;
    if (meta.reason !== undefined) record.reason = meta.reason;
    // Persist first: an accepted set the store could not record must not become active (it would vanish on restart).
    this.onRecord?.(record, { text: accepted ? text : null });
    this.log.push(record);
    // A long-running station activates rarely, but the in-memory log must not grow without bound; the store keeps all.
    if (this.log.length > HISTORY_KEEP * 2) this.log.splice(0, this.log.length - HISTORY_KEEP);
    return record;
  }

  /** Candidate as a compiled set, or as text/object to load. */
  activate(candidate: CompiledRuleSet | string | object, meta: ActivationMeta = {}): ActivateResult {
    let rs: CompiledRuleSet;
    let warnings: RuleWarning[] = [];
    if (isCompiled(candidate)) rs = candidate;
    else {
      const loaded = loadRuleSet(candidate as string | object);
      if (!loaded.ok) {
        // Refusals are recorded too: a supervisor should see that someone tried to activate a broken set.
        const record = this.record(describeCandidate(candidate), false, 0, 0, loaded.errors, meta, null);
        return { ok: false, errors: loaded.errors, goldenFailures: [], record };
      }
      rs = loaded.ruleSet;
      warnings = loaded.warnings;
    }
    const golden = runGoldenCases(rs);
    const errors: RuleError[] = [];
    if (rs.golden.length === 0) errors.push({ code: 'RULES_NO_GOLDEN', message: `rule set ${rs.id} ${rs.version} has no golden cases; add some before activating it` });
    for (const f of golden.failed) errors.push({ code: 'RULES_GOLDEN_FAILED', message: `golden case "${f.name}" failed: ${f.mismatches.join('; ')}` });
    const text = typeof candidate === 'string' ? candidate : rs.source === null || rs.source === undefined ? null : JSON.stringify(rs.source);
    const record = this.record({ id: rs.id, version: rs.version, hash: rs.hash }, errors.length === 0, golden.passed, golden.failed.length, errors, meta, text);
    if (errors.length > 0) return { ok: false, errors, goldenFailures: golden.failed, record };
    this.current = rs;
    return { ok: true, ruleSet: rs, warnings, record };
  }
}

function describeCandidate(c: unknown): RuleSetRef {
  const o = typeof c === 'object' && c !== null ? (c as Record<string, unknown>) : {};
  const text = typeof c === 'string' ? c : '';
  const id = typeof o.id === 'string' ? o.id : (/^id:\s*(\S+)/m.exec(text)?.[1] ?? 'unknown');
  const version = typeof o.version === 'string' || typeof o.version === 'number' ? String(o.version) : (/^version:\s*"?([^"\s]+)/m.exec(text)?.[1] ?? 'unknown');
  return { id, version, hash: '' };
}

function isCompiled(v: unknown): v is CompiledRuleSet {
  return typeof v === 'object' && v !== null && typeof (v as CompiledRuleSet).evaluate === 'function' && typeof (v as CompiledRuleSet).hash === 'string';
}
