/**
 * Table → JavaScript source → function, once per rule set. The generated code is an if-chain per table,
 * dispatched by a `switch` on the most selective enum/boolean input; every cell is inlined as a comparison.
 * Only numbers (checked finite) and JSON-escaped strings from the validated model reach the source text.
 * If `new Function` is unavailable (a locked-down page), the caller keeps the closure evaluator.
 */
import type { Test } from './cells.js';
import type { Slot, TableModel } from './model.js';
import type { FactSpec } from './types.js';

/** First-hit matcher: index into table.rows, or -1. */
export type FirstFn = (s: ReadonlyArray<unknown>) => number;
/** All-hits matcher: pushes indexes into `out` in row order. */
export type AllFn = (s: ReadonlyArray<unknown>, out: number[]) => void;

function lit(v: string | boolean | number): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error('non-finite literal'); // unreachable: callers skip infinite bounds
    return Object.is(v, -0) ? '0' : String(v);
  }
  return JSON.stringify(v);
}

export function cellExpr(t: Test, x: string): string {
  switch (t.t) {
    case 'any':
      return 'true';
    case 'null':
      return `${x} === null`;
    case 'in':
      return t.values.length === 1 ? `${x} === ${lit(t.values[0] as string | boolean)}` : `(${t.values.map((v) => `${x} === ${lit(v)}`).join(' || ')})`;
    case 'range': {
      if (t.lo === t.hi) return `${x} === ${lit(t.lo)}`;
      const parts = [`typeof ${x} === "number"`];
      if (t.lo !== -Infinity) parts.push(`${x} ${t.loOpen ? '>' : '>='} ${lit(t.lo)}`);
      if (t.hi !== Infinity) parts.push(`${x} ${t.hiOpen ? '<' : '<='} ${lit(t.hi)}`);
      return `(${parts.join(' && ')})`;
    }
    case 'not':
      return `!(${cellExpr(t.inner, x)})`;
    case 'or':
      return `(${t.tests.map((u) => cellExpr(u, x)).join(' || ')})`;
  }
}

function rowCond(table: TableModel, ri: number, skipCol: number): string {
  const row = table.rows[ri];
  if (!row) return 'false';
  const parts = row.tests.flatMap((t, c) => (t.t === 'any' || c === skipCol ? [] : [cellExpr(t, `v${c}`)]));
  return parts.length === 0 ? 'true' : parts.join(' && ');
}

/**
 * `buckets`: for the indexed column, each key's candidate row indexes; `other` for values no cell names.
 * Inside a key's bucket the indexed column's test is already known to pass, so it is left out.
 */
export interface Dispatch {
  col: number;
  keys: Array<{ key: string | boolean | null; rows: number[] }>;
  other: number[];
}

function body(table: TableModel, dispatch: Dispatch | null, mode: 'first' | 'all'): string {
  const hit = (ri: number): string => (mode === 'first' ? `return ${ri};` : `out.push(${ri});`);
  const chain = (rows: number[], skip: number): string => rows.map((ri) => `if (${rowCond(table, ri, skip)}) ${hit(ri)}`).join('\n');
  const loads = table.inputs.map((_, c) => `const v${c} = s[${table.inputSlots[c] as number}];`).join('\n');
  const tail = mode === 'first' ? 'return -1;' : 'return;';
  if (!dispatch) return `${loads}\n${chain(table.rows.map((_, i) => i), -1)}\n${tail}`;
  const cases = dispatch.keys
    .map(({ key, rows }) => `case ${key === null ? 'null' : lit(key)}: {\n${chain(rows, dispatch.col)}\n${tail}\n}`)
    .join('\n');
  return `${loads}\nswitch (v${dispatch.col}) {\n${cases}\ndefault: {\n${chain(dispatch.other, -1)}\n${tail}\n}\n}`;
}

export function generate(table: TableModel, dispatch: Dispatch | null): { first: FirstFn; all: AllFn } | null {
  try {
    const first = new Function('s', `"use strict";\n${body(table, dispatch, 'first')}`) as FirstFn;
    const all = new Function('s', 'out', `"use strict";\n${body(table, dispatch, 'all')}`) as AllFn;
    return { first, all };
  } catch {
    return null;
  }
}

/** Facts → slots with the common case (right type already) inlined per fact; anything else takes `slow`. */
export type SlotLoader = (facts: Record<string, unknown>, warnings: string[]) => Slot[];

export function generateLoader(facts: FactSpec[], slow: (i: number, v: unknown, w: string[]) => Slot): SlotLoader | null {
  const fast = (f: FactSpec): string => {
    switch (f.type) {
      case 'boolean':
        return 'typeof v === "boolean"';
      case 'enum':
      case 'string':
        return 'typeof v === "string"';
      default:
        return 'typeof v === "number" && v - v === 0'; // finite numbers only
    }
  };
  const lines = facts.map((f, i) =>
    f.derived ? `s[${i}] = null;` : `v = o[${JSON.stringify(f.name)}]; s[${i}] = v === undefined || v === null ? null : ${fast(f)} ? v : slow(${i}, v, w);`,
  );
  try {
    const make = new Function('slow', `"use strict";\nreturn function load(o, w) {\nconst s = new Array(${facts.length});\nlet v;\n${lines.join('\n')}\nreturn s;\n};`) as (
      slow: (i: number, v: unknown, w: string[]) => Slot,
    ) => SlotLoader;
    return make(slow);
  } catch {
    return null;
  }
}
