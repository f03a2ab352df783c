/**
 * Model → plain functions, built once per rule set. Each cell becomes a specialised predicate; `-` cells vanish.
 * Each table also gets an index on its most selective enum/boolean input, so a row list is scanned only for the
 * rows that can match that input's value. Evaluation does no I/O and allocates only the decision it returns.
 */
import type { Test } from './cells.js';
import { matches } from './cells.js';
import { Acc, toSlots, type Model, type RowModel, type Slot, type TableModel } from './model.js';
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
  if (best >= 0 && bestScore >= 2) {
    indexSlot = model.inputSlots[best] as number;
    const f = m.facts[indexSlot];
    const keys: Slot[] = f?.type === 'boolean' ? [true, false, null] : [...(f?.values ?? []), null];
    for (const k of keys) index.set(k, rows.filter((r) => matches(r.model.tests[best] as Test, k)));
    other = rows.filter((r) => matches(r.model.tests[best] as Test, OTHER));
    // The indexed column no longer needs testing for indexed keys; keep it anyway for `other` correctness.
  }
  return { model, rows, indexSlot, index, other };
}

function rowMatches(r: CRow, slots: Slot[]): boolean {
  const s = r.slots;
  const p = r.preds;
  for (let i = 0; i < p.length; i++) if (!(p[i] as Pred)(slots[s[i] as number] as Slot)) return false;
  return true;
}

export function compileModel(m: Model): (facts: Facts) => Decision {
  const tables = m.tables.map((t) => compileTable(t, m));
  return (facts: Facts): Decision => {
    const warnings: string[] = [];
    const slots = toSlots(m, facts, warnings);
    const acc = new Acc();
    for (const t of tables) {
      const cands = t.indexSlot < 0 ? t.rows : (t.index.get(slots[t.indexSlot] as Slot) ?? t.other);
      const policy = t.model.hitPolicy;
      acc.beginTable();
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
