/**
 * The straightforward reading of a rule set: every row of every table, every cell through `matches`. No indexes,
 * no specialised predicates. It exists so property tests can check that the compiler means the same thing.
 */
import { matches } from './cells.js';
import { Acc, toSlots, type Model, type RowModel, type Slot } from './model.js';
import type { Decision, Facts } from './types.js';

export function interpret(m: Model, facts: Facts): Decision {
  const warnings: string[] = [];
  const slots = toSlots(m, facts, warnings);
  const acc = new Acc();
  for (const t of m.tables) {
    acc.beginTable();
    const hits: RowModel[] = t.rows.filter((r) => r.tests.every((test, i) => matches(test, slots[t.inputSlots[i] as number] as Slot)));
    if (hits.length === 0) continue;
    if (t.hitPolicy === 'collect') {
      for (const r of hits) acc.apply(t.id, r, slots, true);
    } else if (t.hitPolicy === 'priority') {
      const ranks = hits.map((r) => (t.rank ? t.rank(r.out) : 0));
      const top = Math.max(...ranks);
      acc.apply(t.id, hits[ranks.indexOf(top)] as RowModel, slots, false);
    } else {
      acc.apply(t.id, hits[0] as RowModel, slots, false);
    }
  }
  return acc.finish(m, warnings);
}
