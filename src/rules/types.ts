import type { FactCheck } from './check.js';

/**
 * Public types of the rule engine. Everything the station, store and UI need to hold a decision lives here so that
 * they can import types without pulling in the compiler.
 */

/** What happens to a returned item. Order matters: it is the default ranking for `priority` tables (first = strongest). */
export const DISPOSITIONS = [
  'quarantine',
  'exception',
  'dispose',
  'recycle',
  'return_to_vendor',
  'repair',
  'refurbish',
  'liquidate',
  'donate',
  'open_box',
  'restock',
] as const;
export type Disposition = (typeof DISPOSITIONS)[number];

/**
 * CBV 2.0 short disposition names (the EPCIS mapper adds the `cbv:Disp-` / URN prefix it needs).
 * Why these: restock is back in pickable stock; open_box is sellable but not yet listed; repair items are damaged;
 * held items are non_sellable_other; RTV goes back to the vendor (returned); recycle/donate leave our supply chain
 * (disposed); dispose means physically destroyed.
 */
const CBV: Record<Disposition, string> = {
  restock: 'sellable_accessible',
  open_box: 'sellable_not_accessible',
  refurbish: 'non_sellable_other',
  repair: 'damaged',
  return_to_vendor: 'returned',
  liquidate: 'non_sellable_other',
  donate: 'disposed',
  recycle: 'disposed',
  dispose: 'destroyed',
  quarantine: 'non_sellable_other',
  exception: 'non_sellable_other',
};

export function cbvDisposition(d: Disposition): string {
  return CBV[d] ?? 'unknown';
}

export function isDisposition(v: unknown): v is Disposition {
  return typeof v === 'string' && (DISPOSITIONS as readonly string[]).includes(v);
}

/** Input facts of one item. Missing facts are treated as null. */
export interface Facts {
  [fact: string]: string | number | boolean | null | undefined;
}

export interface Bilingual {
  en: string;
  'zh-CN': string;
}

export interface MatchedRow {
  table: string;
  /** 1-based row number as written in the rule set. */
  row: number;
  ruleId?: string;
  explanation: Bilingual;
}

export interface RuleSetRef {
  id: string;
  version: string;
  hash: string;
}

export interface Decision {
  disposition: Disposition;
  /** CBV short name for the disposition, ready for the EPCIS mapper. */
  cbvDisposition: string;
  bin: string;
  nextDepartment: string;
  /** 0..9, higher = more urgent. */
  priority: number;
  actions: string[];
  notes?: string;
  matchedRows: MatchedRow[];
  explanation: Bilingual;
  ruleSet: RuleSetRef;
  /** True when no row decided the disposition and the rule set's fallback was used. */
  fallback: boolean;
  /** Facts that had the wrong type and were treated as missing (e.g. price "abc"). */
  inputWarnings?: string[];
}

export type FactType = 'enum' | 'string' | 'number' | 'boolean' | 'date' | 'duration';

export interface FactSpec {
  name: string;
  type: FactType;
  /** Allowed values, for enum facts. */
  values?: string[];
  min?: number;
  max?: number;
  /** May be missing in normal operation; gap analysis then also checks the null case. */
  nullable: boolean;
  /** Produced by a table (chaining), not supplied by the caller. */
  derived: boolean;
  label: Bilingual;
  description?: string;
}

export interface RuleError {
  code: string;
  message: string;
  table?: string;
  /** 1-based row. */
  row?: number;
  column?: string;
  /** Where in the document (e.g. `tables[2].rows[4].when.price`). */
  path?: string;
}

export type RuleWarning = RuleError;

export type HitPolicy = 'first' | 'unique' | 'priority' | 'collect';

export interface CompiledRuleSet {
  id: string;
  version: string;
  hash: string;
  metadata: Record<string, unknown>;
  facts: Readonly<Record<string, FactSpec>>;
  tables: ReadonlyArray<{ id: string; hitPolicy: HitPolicy; inputs: string[]; outputs: string[]; rows: number }>;
  golden: GoldenCase[];
  /** Never throws; missing or ill-typed facts are null. */
  evaluate(facts: Facts): Decision;
  /**
   * Enum facts whose value is not one of the declared values (`reason: "Defective"`). `evaluate` would still decide
   * such an item, just not as meant: entry points call this first and refuse (code FACT_INVALID). Never throws.
   */
  checkFacts(facts: unknown): FactCheck;
  /** The parsed document, for display and for re-serialising. */
  source: unknown;
}

export interface GoldenCase {
  name: string;
  facts: Facts;
  expect: {
    disposition?: Disposition;
    bin?: string;
    nextDepartment?: string;
    priority?: number;
    actions?: string[];
    /** Rows as `table#row`, e.g. `route#3`. */
    rows?: string[];
    fallback?: boolean;
  };
}

export type LoadResult = { ok: true; ruleSet: CompiledRuleSet; warnings: RuleWarning[] } | { ok: false; errors: RuleError[] };
