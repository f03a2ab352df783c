/**
 * Model → plain functions, built once per rule set. Each cell becomes a specialised predicate; `-` cells vanish.
 * Each table also gets an index on its most selective enum/boolean input, so a row list is scanned only for the
 * rows that can match that input's value. Evaluation does no I/O and allocates only the decision it returns.
 */
import type { Test } from './cells.js';
import { matches } from './cells.js';
import { generate, generateLoader, type AllFn, type Dispatch, type FirstFn } from './codegen.js';
import { Acc, coerceReport, toSlots, type Model, type RowModel, type Slot, type TableModel } from './model.js';
import type { FactSpec } from './types.js';
import type { Decision, Facts } from './types.js';

type Pred = (v: Slot) => boolean;

export function compilePred(t: Test): Pred {
  switch (t.t) {
    case 'any':
      return () => true;
    case 'null':
      return (v) => v === null;
    case 'in': {
      const vals = t.values;
      if (vals.length === 1) {
        const a = vals[0];
        return (v) => v === a;
      }
      if (vals.length === 2) {
        const [a, b] = vals;
        return (v) => v === a || v === b;
      }
      if (vals.length === 3) {
        const [a, b, c] = vals;
        return (v) => v === a || v === b || v === c;
      }
      const set = new Set<Slot>(vals);
      return (v) => v !== null && set.has(v);
    }
    case 'range': {
      const { lo, hi, loOpen, hiOpen } = t;
      if (lo === hi) return (v) => v === lo;
      if (lo === -Infinity) return hiOpen ? (v) => typeof v === 'number' && v < hi : (v) => typeof v === 'number' && v <= hi;
      if (hi === Infinity) return loOpen ? (v) => typeof v === 'number' && v > lo : (v) => typeof v === 'number' && v >= lo;
      if (!loOpen && !hiOpen) return (v) => typeof v === 'number' && v >= lo && v <= hi;
      if (!loOpen && hiOpen) return (v) => typeof v === 'number' && v >= lo && v < hi;
      if (loOpen && !hiOpen) return (v) => typeof v === 'number' && v > lo && v <= hi;
      return (v) => typeof v === 'number' && v > lo && v < hi;
    }
    case 'not': {
      const inner = compilePred(t.inner);
      return (v) => !inner(v);
    }
    case 'or': {
      const ps = t.tests.map(compilePred);
      return (v) => {
        for (const p of ps) if (p(v)) return true;
        return false;
      };
    }
  }
}

interface CRow {
  model: RowModel;
  slots: Int32Array;
  preds: Pred[];
}

interface CTable {
  model: TableModel;
  rows: CRow[];
  /** Generated matchers; null when code generation is unavailable and the closures are used instead. */
  gen: { first: FirstFn; all: AllFn } | null;
  /** Slot of the indexed input, or -1. */
  indexSlot: number;
  index: Map<Slot, CRow[]>;
  /** Rows for a value the index has no entry for (an unknown text value). */
  other: CRow[];
}

/** A value no rule mentions: equality tests say no, negations say yes; this is what an unknown enum value sees. */
const OTHER = '\u0000other';

function compileTable(model: TableModel, m: Model): CTable {
  const rows: CRow[] = model.rows.map((r) => {
    const slots: number[] = [];
    const preds: Pred[] = [];
    r.tests.forEach((t, i) => {
      if (t.t === 'any') return;
      slots.push(model.inputSlots[i] as number);
      preds.push(compilePred(t));
    });
    return { model: r, slots: Int32Array.from(slots), preds };
  });
  // Index on the discrete input that most rows constrain: the scan then skips every row that cannot match it.
  let best = -1;
  let bestScore = 0;
  model.inputs.forEach((_, i) => {
    const f = m.facts[model.inputSlots[i] as number];
    if (!f || (f.type !== 'enum' && f.type !== 'boolean')) return;
    const score = model.rows.filter((r) => r.tests[i]?.t !== 'any').length;
    if (score > bestScore) {
      best = i;
      bestScore = score;
    }
  });
  const index = new Map<Slot, CRow[]>();
  let other = rows;
  let indexSlot = -1;
  let dispatch: Dispatch | null = null;
  if (best >= 0 && bestScore >= 2) {
    indexSlot = model.inputSlots[best] as number;
    const f = m.facts[indexSlot];
    const keys: Array<string | boolean | null> = f?.type === 'boolean' ? [true, false, null] : [...(f?.values ?? []), null];
    const pick = (k: Slot): number[] => model.rows.flatMap((r, i) => (matches(r.tests[best] as Test, k) ? [i] : []));
    dispatch = { col: best, keys: keys.map((key) => ({ key, rows: pick(key) })), other: pick(OTHER) };
    for (const k of dispatch.keys) index.set(k.key, k.rows.map((i) => rows[i] as CRow));
    other = dispatch.other.map((i) => rows[i] as CRow);
  }
  return { model, rows, gen: generate(model, dispatch), indexSlot, index, other };
}

function rowMatches(r: CRow, slots: Slot[]): boolean {
  const s = r.slots;
  const p = r.preds;
  for (let i = 0; i < p.length; i++) if (!(p[i] as Pred)(slots[s[i] as number] as Slot)) return false;
  return true;
}

function applyAll(acc: Acc, t: CTable, hits: number[], slots: Slot[]): void {
  if (hits.length === 0) return;
  const rows = t.model.rows;
  if (t.model.hitPolicy === 'collect') {
    for (const k of hits) acc.apply(t.model.id, rows[k] as RowModel, slots, true);
    return;
  }
  const rank = t.model.rank;
  let best = hits[0] as number;
  let bestRank = rank ? rank((rows[best] as RowModel).out) : 0;
  for (let i = 1; i < hits.length; i++) {
    const k = hits[i] as number;
    const r = rank ? rank((rows[k] as RowModel).out) : 0;
    if (r > bestRank) {
      best = k;
      bestRank = r;
    }
  }
  acc.apply(t.model.id, rows[best] as RowModel, slots, false);
}

/** `codegen: false` forces the closure evaluator (tests compare both). */
export function compileModel(m: Model, opts: { codegen?: boolean } = {}): (facts: Facts) => Decision {
  const tables = m.tables.map((t) => compileTable(t, m));
  if (opts.codegen === false) for (const t of tables) t.gen = null;
  const loader = opts.codegen === false ? null : generateLoader(m.facts, (i, v, w) => coerceReport(m.facts[i] as FactSpec, v, w));
  return (facts: Facts): Decision => {
    const warnings: string[] = [];
    const slots = loader && facts !== null && typeof facts === 'object' ? loader(facts, warnings) : toSlots(m, facts, warnings);
    const acc = new Acc();
    for (const t of tables) {
      const policy = t.model.hitPolicy;
      acc.beginTable();
      if (t.gen) {
        if (policy === 'first' || policy === 'unique') {
          const k = t.gen.first(slots);
          if (k >= 0) acc.apply(t.model.id, t.model.rows[k] as RowModel, slots, false);
        } else {
          const hits: number[] = [];
          t.gen.all(slots, hits);
          applyAll(acc, t, hits, slots);
        }
        continue;
      }
      const cands = t.indexSlot < 0 ? t.rows : (t.index.get(slots[t.indexSlot] as Slot) ?? t.other);
      if (policy === 'first' || policy === 'unique') {
        for (const r of cands)
          if (rowMatches(r, slots)) {
            acc.apply(t.model.id, r.model, slots, false);
            break;
          }
      } else if (policy === 'priority') {
        let best: CRow | null = null;
        let bestRank = -Infinity;
        const rank = t.model.rank;
        for (const r of cands) {
          if (!rowMatches(r, slots)) continue;
          const k = rank ? rank(r.model.out) : 0;
          if (best === null || k > bestRank) {
            best = r;
            bestRank = k;
          }
        }
        if (best) acc.apply(t.model.id, best.model, slots, false);
      } else {
        for (const r of cands) if (rowMatches(r, slots)) acc.apply(t.model.id, r.model, slots, true);
      }
    }
    return acc.finish(m, warnings);
  };
}
