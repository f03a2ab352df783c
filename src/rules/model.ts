/**
 * The validated, typed form of a rule set, shared by the compiler, the reference interpreter and the analyser.
 * Also holds the parts of evaluation both engines must agree on: turning caller facts into typed slots,
 * explanation templates, and how outputs of several rows/tables combine.
 */
import { parseDateMs, parseDurationDays, type Test } from './cells.js';
import type { Bilingual, Decision, Disposition, FactSpec, Facts, GoldenCase, HitPolicy, MatchedRow, RuleSetRef } from './types.js';
import { cbvDisposition } from './types.js';

export type Slot = string | number | boolean | null;

/** Final outputs every decision carries; any other output name is a derived fact feeding a later table. */
export const FINAL_OUTPUTS = ['disposition', 'bin', 'nextDepartment', 'priority', 'actions', 'notes'] as const;
export type FinalOutput = (typeof FINAL_OUTPUTS)[number];

export interface RowOutputs {
  disposition?: Disposition;
  bin?: string;
  nextDepartment?: string;
  priority?: number;
  actions?: string[];
  notes?: string;
  /** Derived facts: slot index → value. */
  derived: Array<[number, Slot]>;
}

/** Explanation text with `{fact}` placeholders split out once at load time. */
export interface Template {
  parts: Array<string | number>; // strings are literal text, numbers are slot indexes
  constant: string | null;
}

export interface RowModel {
  row: number;
  ruleId?: string;
  tests: Test[]; // one per table input
  out: RowOutputs;
  explain: { en: Template; zh: Template };
}

export interface TableModel {
  id: string;
  hitPolicy: HitPolicy;
  inputs: string[];
  inputSlots: number[];
  outputs: string[];
  rows: RowModel[];
  /** For `priority` tables: higher rank wins; ties go to the earlier row. */
  rank?: (out: RowOutputs) => number;
}

export interface FallbackModel {
  disposition: Disposition;
  bin: string;
  nextDepartment: string;
  priority: number;
  actions: string[];
  explanation: Bilingual;
}

export interface Model {
  ref: RuleSetRef;
  metadata: Record<string, unknown>;
  facts: FactSpec[];
  slotOf: Map<string, number>;
  tables: TableModel[];
  fallback: FallbackModel;
  golden: GoldenCase[];
  source: unknown;
}

export const DEFAULT_FALLBACK: FallbackModel = {
  disposition: 'quarantine',
  bin: 'EXCEPTIONS',
  nextDepartment: 'supervisor',
  priority: 8,
  actions: ['supervisor_check'],
  explanation: {
    en: 'No rule matched this item: hold it in EXCEPTIONS for a supervisor.',
    'zh-CN': '没有规则匹配此商品：放入异常区，等待主管处理。',
  },
};

/** Caller facts → one typed value per declared fact. Wrong types become null and are reported, never thrown. */
export function toSlots(model: Model, facts: Facts | null | undefined, warnings: string[] | null): Slot[] {
  const slots: Slot[] = new Array<Slot>(model.facts.length);
  const src = facts !== null && typeof facts === 'object' ? facts : {};
  for (let i = 0; i < model.facts.length; i++) {
    const f = model.facts[i] as FactSpec;
    if (f.derived) {
      slots[i] = null;
      continue;
    }
    const v = src[f.name];
    if (v === undefined || v === null) {
      slots[i] = null;
      continue;
    }
    slots[i] = coerceReport(f, v, warnings);
  }
  return slots;
}

/** Slow path for a value that is not already of the fact's type. */
export function coerceReport(f: FactSpec, v: unknown, warnings: string[] | null): Slot {
  const c = coerce(f, v);
  if (c === null && warnings) warnings.push(`${f.name}: ${safeJson(v)} is not a valid ${f.type}; treated as missing`);
  return c;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return typeof v;
  }
}

function coerce(f: FactSpec, v: unknown): Slot {
  switch (f.type) {
    case 'number':
      if (typeof v === 'number') return Number.isFinite(v) ? v : null;
      if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
      return null;
    case 'duration':
      if (typeof v === 'number') return Number.isFinite(v) ? v : null;
      if (typeof v === 'string') return parseDurationDays(v) ?? (v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : null);
      return null;
    case 'date':
      if (typeof v === 'number') return Number.isFinite(v) ? v : null;
      if (typeof v === 'string') return parseDateMs(v);
      return null;
    case 'boolean':
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === 'false') return v === 'true';
      return null;
    default:
      if (typeof v === 'string') return v;
      if (typeof v === 'number' || typeof v === 'boolean') return String(v);
      return null;
  }
}

export function compileTemplate(text: string, slotOf: Map<string, number>): Template {
  const parts: Array<string | number> = [];
  const re = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const slot = slotOf.get(m[1] as string);
    if (slot === undefined) continue; // unknown names stay literal; the validator warns about them
    parts.push(text.slice(last, m.index), slot);
    last = m.index + m[0].length;
  }
  parts.push(text.slice(last));
  const constant = parts.length === 1 ? (parts[0] as string) : null;
  return { parts, constant };
}

export function render(t: Template, slots: Slot[]): string {
  if (t.constant !== null) return t.constant;
  let s = '';
  for (const p of t.parts) s += typeof p === 'string' ? p : formatSlot(slots[p] ?? null);
  return s;
}

function formatSlot(v: Slot): string {
  if (v === null) return '—';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(2);
  return String(v);
}

/** Accumulates outputs across rows and tables; the same code path for the compiler and the interpreter. */
export class Acc {
  disposition: Disposition | undefined;
  bin: string | undefined;
  nextDepartment: string | undefined;
  priority: number | undefined;
  actions: string[] = [];
  notes: string | undefined;
  matched: MatchedRow[] = [];

  /** Outputs set by the current table (bit per scalar output), so collect tables can let their first row win. */
  private mask = 0;

  beginTable(): void {
    this.mask = 0;
  }

  /**
   * `firstWins` is for collect tables: the first matching row of the table sets scalar outputs, later rows only add
   * actions and notes. Across tables, a later table overrides an earlier one. Priority is the highest any row sets.
   */
  apply(table: string, r: RowModel, slots: Slot[], firstWins: boolean): void {
    const o = r.out;
    const keep = firstWins ? this.mask : 0;
    if (o.disposition !== undefined && !(keep & 1)) this.disposition = o.disposition;
    if (o.bin !== undefined && !(keep & 2)) this.bin = o.bin;
    if (o.nextDepartment !== undefined && !(keep & 4)) this.nextDepartment = o.nextDepartment;
    // Priority only ever goes up: any matched row that calls the item urgent keeps it urgent.
    if (o.priority !== undefined) this.priority = this.priority === undefined ? o.priority : Math.max(this.priority, o.priority);
    this.mask |= (o.disposition !== undefined ? 1 : 0) | (o.bin !== undefined ? 2 : 0) | (o.nextDepartment !== undefined ? 4 : 0);
    if (o.actions !== undefined) for (const a of o.actions) if (!this.actions.includes(a)) this.actions.push(a);
    if (o.notes !== undefined) this.notes = this.notes === undefined ? o.notes : `${this.notes}; ${o.notes}`;
    for (const [slot, v] of o.derived) if (!(firstWins && slots[slot] !== null)) slots[slot] = v;
    const en = render(r.explain.en, slots);
    const zh = render(r.explain.zh, slots);
    const m: MatchedRow = { table, row: r.row, explanation: { en, 'zh-CN': zh } };
    if (r.ruleId !== undefined) m.ruleId = r.ruleId;
    this.matched.push(m);
  }

  finish(model: Model, warnings: string[]): Decision {
    const fb = model.fallback;
    const fallback = this.disposition === undefined;
    let en = '';
    let zh = '';
    for (const m of this.matched) {
      en = en === '' ? m.explanation.en : `${en}; ${m.explanation.en}`;
      zh = zh === '' ? m.explanation['zh-CN'] : `${zh}；${m.explanation['zh-CN']}`;
    }
    const disposition = this.disposition ?? fb.disposition;
    const d: Decision = {
      disposition,
      cbvDisposition: cbvDisposition(disposition),
      bin: fallback ? fb.bin : (this.bin ?? fb.bin),
      nextDepartment: fallback ? fb.nextDepartment : (this.nextDepartment ?? fb.nextDepartment),
      priority: fallback ? Math.max(fb.priority, this.priority ?? 0) : (this.priority ?? 0),
      actions: fallback ? mergeActions(fb.actions, this.actions) : this.actions,
      matchedRows: this.matched,
      explanation: fallback
        ? { en: joinText(fb.explanation.en, en, '; '), 'zh-CN': joinText(fb.explanation['zh-CN'], zh, '；') }
        : { en, 'zh-CN': zh },
      ruleSet: model.ref,
      fallback,
    };
    if (this.notes !== undefined) d.notes = this.notes;
    if (warnings.length > 0) d.inputWarnings = warnings;
    return d;
  }
}

function mergeActions(a: string[], b: string[]): string[] {
  const out = [...a];
  for (const x of b) if (!out.includes(x)) out.push(x);
  return out;
}

function joinText(a: string, b: string, sep: string): string {
  return b === '' ? a : `${a}${sep}${b}`;
}
