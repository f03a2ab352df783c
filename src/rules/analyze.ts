/**
 * Static analysis of a model, exact for enum and boolean facts and by interval arithmetic for numbers:
 * - rows that overlap (an error under `unique`, a tie warning under `priority`, information under `first`/`collect`),
 * - rows that can never fire (no value in the declared domain, or always taken by earlier rows under `first`),
 * - input combinations no row covers (not for `collect` tables, where "nothing to add" is normal).
 * Work is capped so a huge table degrades into an "analysis incomplete" warning instead of a hang.
 */
import { boxIntersect, boxesMeet, boxSubtract, complement, describeSet, fromValues, inBox, intersect, isEmpty, pointOf, sample, testToSet, universe, type Box, type DSet } from './domain.js';
import type { Model, TableModel } from './model.js';
import type { FactSpec, RuleError, RuleWarning } from './types.js';

const MAX_BOXES = 4000;
const MAX_OVERLAPS = 1000;
/** Box subtractions per table for the row-by-row reachability check; keeps loading a big table under a second. */
const MAX_OPS = 200_000;

export interface Overlap {
  table: string;
  rows: [number, number];
  example: Record<string, string | number | boolean | null>;
}

export interface Analysis {
  errors: RuleError[];
  warnings: RuleWarning[];
  /** Every overlapping pair, including the ones `first` resolves by order (for the rule editor). */
  overlaps: Overlap[];
  unreachable: Array<{ table: string; row: number; reason: 'empty' | 'shadowed' }>;
  gaps: Array<{ table: string; count: number; examples: string[] }>;
}

export function analyze(m: Model): Analysis {
  const a: Analysis = { errors: [], warnings: [], overlaps: [], unreachable: [], gaps: [] };
  // Derived facts get the domain their producing table can actually yield.
  const domains = new Map<string, DSet>();
  const dom = (f: FactSpec): DSet => domains.get(f.name) ?? universe(f);
  for (const t of m.tables) {
    const facts = t.inputSlots.map((s) => m.facts[s] as FactSpec);
    const U: Box = facts.map(dom);
    const boxes: Array<Box | null> = t.rows.map((r) => boxIntersect(r.tests.map((test, i) => testToSet(test, facts[i] as FactSpec)), U));
    checkOverlaps(t, facts, boxes, a);
    const gap = sweep(t, facts, U, boxes, a);
    for (const o of t.outputs) {
      const f = m.facts[m.slotOf.get(o) ?? -1];
      if (!f?.derived) continue;
      const produced = new Set<string | boolean>();
      let missing = gap === null || gap > 0;
      t.rows.forEach((r, i) => {
        if (boxes[i] === null) return;
        const slot = m.slotOf.get(o);
        const v = r.out.derived.find(([s]) => s === slot)?.[1];
        if (v === undefined || v === null) missing = true;
        else if (typeof v !== 'number') produced.add(v);
      });
      if (f.type === 'enum' || f.type === 'boolean') domains.set(o, fromValues(f, produced, missing || t.hitPolicy === 'collect'));
    }
  }
  return a;
}

function example(t: TableModel, facts: FactSpec[], box: Box): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  box.forEach((s, i) => {
    const v = s.nul && isEmpty({ ...s, nul: false } as DSet) ? null : sample(s, facts[i] as FactSpec);
    out[t.inputs[i] as string] = v;
  });
  return out;
}

function checkOverlaps(t: TableModel, facts: FactSpec[], boxes: Array<Box | null>, a: Analysis): void {
  let budget = 50_000; // pair checks; 200 rows is 19,900 pairs
  for (let i = 0; i < boxes.length; i++) {
    const bi = boxes[i];
    if (!bi) continue;
    for (let j = i + 1; j < boxes.length && budget-- > 0; j++) {
      const bj = boxes[j];
      if (!bj || !boxesMeet(bi, bj)) continue;
      const ri = t.rows[i]?.row ?? i + 1;
      const rj = t.rows[j]?.row ?? j + 1;
      const noisy = t.hitPolicy === 'first' || t.hitPolicy === 'collect';
      if (noisy && a.overlaps.length >= MAX_OVERLAPS) continue;
      const ex = example(t, facts, boxIntersect(bi, bj) as Box);
      if (a.overlaps.length < MAX_OVERLAPS) a.overlaps.push({ table: t.id, rows: [ri, rj], example: ex });
      const exText = Object.entries(ex)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(', ');
      if (t.hitPolicy === 'unique')
        a.errors.push({
          code: 'RULES_UNIQUE_OVERLAP',
          table: t.id,
          row: rj,
          column: overlapColumn(t, bi, bj),
          message: `table "${t.id}" is "unique" but rows ${ri} and ${rj} both match, e.g. ${exText}; narrow one of them or use hit policy "first"`,
        });
      else if (t.hitPolicy === 'priority' && t.rank && t.rank(t.rows[i]?.out ?? { derived: [] }) === t.rank(t.rows[j]?.out ?? { derived: [] }))
        a.warnings.push({
          code: 'RULES_PRIORITY_TIE',
          table: t.id,
          row: rj,
          message: `rows ${ri} and ${rj} both match (e.g. ${exText}) with the same rank; row ${ri} wins by position`,
        });
    }
  }
  if (budget < 0)
    (t.hitPolicy === 'unique' ? a.errors : a.warnings).push({
      code: 'RULES_ANALYSIS_LIMIT',
      table: t.id,
      message: `table "${t.id}" has too many rows to check every pair for overlaps${t.hitPolicy === 'unique' ? '; split it or use hit policy "first"' : ''}`,
    });
}

/** The first column whose cells differ, to point the author at where the rows should be told apart. */
function overlapColumn(t: TableModel, a: Box, b: Box): string | undefined {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as DSet;
    const y = b[i] as DSet;
    if (!isEmpty(intersect(x, complement(y))) || !isEmpty(intersect(y, complement(x)))) return t.inputs[i];
  }
  return t.inputs[0];
}

/**
 * One pass over the rows keeps the input space not yet covered by earlier rows. A `first` row that does not touch
 * it can never fire; whatever is left at the end is the gap. Returns the gap size, or null when the cap was hit.
 */
function sweep(t: TableModel, facts: FactSpec[], U: Box, boxes: Array<Box | null>, a: Analysis): number | null {
  let rest: Box[] = U.some(isEmpty) ? [] : [U];
  let limited = false;
  const unchecked: number[] = [];
  const budget = { ops: MAX_OPS };
  boxes.forEach((b, i) => {
    const row = t.rows[i]?.row ?? i + 1;
    if (b === null) {
      a.unreachable.push({ table: t.id, row, reason: 'empty' });
      a.warnings.push({ code: 'RULES_ROW_NEVER_FIRES', table: t.id, row, message: `row ${row} of "${t.id}" can never match: no allowed input value passes all its cells` });
      return;
    }
    const reachable = limited ? reachableAlone(b, boxes.slice(0, i), facts, budget) : rest.some((r) => boxesMeet(r, b));
    if (reachable === null) {
      unchecked.push(row);
      return;
    }
    if (t.hitPolicy === 'first' && !reachable) {
      const by = t.rows
        .slice(0, i)
        .filter((_, j) => boxes[j] && boxesMeet(b, boxes[j] as Box))
        .map((r) => r.row);
      if (by.length > 8) by.splice(8, by.length - 8, Number.NaN);
      a.unreachable.push({ table: t.id, row, reason: 'shadowed' });
      a.warnings.push({
        code: 'RULES_ROW_NEVER_FIRES',
        table: t.id,
        row,
        message: `row ${row} of "${t.id}" can never fire: rows ${by.map((n) => (Number.isNaN(n) ? '…' : String(n))).join(', ')} above it always match first`,
      });
      return;
    }
    if (limited) return;
    rest = rest.flatMap((r) => boxSubtract(r, b));
    if (rest.length > MAX_BOXES) {
      // Too fragmented for one global picture: keep checking rows one by one, give up on gaps.
      limited = true;
      a.warnings.push({ code: 'RULES_ANALYSIS_LIMIT', table: t.id, row, message: `table "${t.id}" is too large to check completely for uncovered inputs (stopped at row ${row})` });
    }
  });
  if (unchecked.length > 0)
    a.warnings.push({
      code: 'RULES_ANALYSIS_LIMIT',
      table: t.id,
      message: `${unchecked.length} row(s) of "${t.id}" are too entangled with the rows above to prove they can fire: ${unchecked.slice(0, 10).join(', ')}${unchecked.length > 10 ? ', …' : ''}`,
    });
  if (limited || t.hitPolicy === 'collect') return limited ? null : rest.length;
  if (rest.length === 0) return 0;
  const examples = rest.slice(0, 3).map(
    (box) =>
      box
        .map((s, i) => ({ s, f: facts[i] as FactSpec, name: t.inputs[i] as string }))
        .filter(({ s, f }) => describeSet(s, f) !== describeSet(universe(f), f))
        .map(({ s, f, name }) => `${name}: ${describeSet(s, f)}`)
        .join(', ') || 'any input',
  );
  a.gaps.push({ table: t.id, count: rest.length, examples });
  a.warnings.push({
    code: 'RULES_GAP',
    table: t.id,
    message: `no row of "${t.id}" covers ${rest.length} input combination(s), e.g. ${examples.join(' | ')}; ${
      t.outputs.includes('disposition') ? 'such items get the fallback decision' : `${t.outputs.join(', ')} then stay missing`
    }`,
  });
  return rest.length;
}

/**
 * Row box minus the earlier rows, on its own: true if something is left, null if it got too fragmented to tell.
 * Earlier rows that cover most of the row go first (fewer fragments), and now and then a witness is tried: a point
 * of what is left that no remaining earlier row contains proves the row can fire without finishing the subtraction.
 */
function reachableAlone(b: Box, earlier: Array<Box | null>, facts: FactSpec[], budget: { ops: number }): boolean | null {
  const prevs = earlier
    .filter((p): p is Box => p !== null && boxesMeet(b, p))
    .map((p) => ({ p, c: coverage(b, p) }))
    .sort((x, y) => y.c - x.c)
    .map((x) => x.p);
  let rest: Box[] = [b];
  for (let j = 0; j < prevs.length; j++) {
    if (j % 8 === 0)
      for (const r of rest.slice(0, 4)) {
        const p = pointOf(r, facts);
        let covered = false;
        for (let k = j; k < prevs.length && !covered; k++) covered = inBox(p, prevs[k] as Box, facts);
        if (!covered) return true;
      }
    budget.ops -= rest.length;
    if (budget.ops < 0) return null;
    rest = rest.flatMap((r) => boxSubtract(r, prevs[j] as Box));
    if (rest.length === 0) return false;
    if (rest.length > MAX_BOXES) return null;
  }
  return true;
}

/** Rough share of box b that p covers (product over columns), to order subtractions. */
function coverage(b: Box, p: Box): number {
  let c = 1;
  for (let i = 0; i < b.length; i++) {
    const x = b[i] as DSet;
    const y = intersect(x, p[i] as DSet);
    c *= size(y) / Math.max(size(x), 1e-9);
  }
  return c;
}

function size(s: DSet): number {
  const n = s.nul ? 1 : 0;
  if (s.k === 'b') {
    let m = s.m;
    let k = 0;
    while (m) {
      k += m & 1;
      m >>>= 1;
    }
    return k + n;
  }
  if (s.k === 'n') return s.iv.reduce((acc, i) => acc + Math.min(Math.max(i.hi - i.lo, 1), 1e6), 0) + n;
  return s.neg ? 1e6 : s.vals.size + n;
}
