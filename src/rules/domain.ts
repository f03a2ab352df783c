/**
 * Exact set algebra over the values one column can take, for static analysis. Discrete facts (enum, boolean,
 * text) are finite or co-finite sets; numeric facts are unions of intervals. Both carry a flag for "missing".
 * A row is a box: one set per input column.
 */
import type { Test } from './cells.js';
import type { FactSpec } from './types.js';

type V = string | boolean;
export interface Interval {
  lo: number;
  hi: number;
  loOpen: boolean;
  hiOpen: boolean;
}
/** `b`: closed-world enum/boolean values as a bitmask (bit i = i-th value; booleans: bit 0 true, bit 1 false). */
export type DSet =
  | { k: 'b'; m: number; all: number; nul: boolean }
  | { k: 'd'; vals: Set<V>; neg: boolean; nul: boolean }
  | { k: 'n'; iv: Interval[]; nul: boolean };

/** Enums up to 31 values use the fast bitmask form; larger ones fall back to sets. */
const bitsOf = (f: FactSpec): number => (f.type === 'boolean' ? 2 : f.type === 'enum' && (f.values?.length ?? 99) <= 31 ? (f.values?.length ?? 0) : 0);
const allMask = (n: number): number => (n >= 31 ? 0x7fffffff : (1 << n) - 1);
function bitOf(f: FactSpec, v: V): number {
  if (f.type === 'boolean') return v === true ? 1 : 2;
  const i = f.values?.indexOf(String(v)) ?? -1;
  return i < 0 ? 0 : 1 << i;
}
export type Box = DSet[];

const isNum = (f: FactSpec): boolean => f.type === 'number' || f.type === 'date' || f.type === 'duration';

function ivEmpty(i: Interval): boolean {
  return i.lo > i.hi || (i.lo === i.hi && (i.loOpen || i.hiOpen || !Number.isFinite(i.lo)));
}

function ivNorm(list: Interval[]): Interval[] {
  const xs = list.filter((i) => !ivEmpty(i)).sort((a, b) => a.lo - b.lo || Number(a.loOpen) - Number(b.loOpen));
  const out: Interval[] = [];
  for (const i of xs) {
    const last = out[out.length - 1];
    if (last && (last.hi > i.lo || (last.hi === i.lo && !(last.hiOpen && i.loOpen)))) {
      if (i.hi > last.hi || (i.hi === last.hi && !i.hiOpen)) {
        last.hi = i.hi;
        last.hiOpen = i.hiOpen;
      }
    } else out.push({ ...i });
  }
  return out;
}

function ivIntersect(a: Interval[], b: Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const x of a)
    for (const y of b) {
      const lo = Math.max(x.lo, y.lo);
      const hi = Math.min(x.hi, y.hi);
      const loOpen = (x.lo === lo && x.loOpen) || (y.lo === lo && y.loOpen);
      const hiOpen = (x.hi === hi && x.hiOpen) || (y.hi === hi && y.hiOpen);
      const i = { lo, hi, loOpen, hiOpen };
      if (!ivEmpty(i)) out.push(i);
    }
  return ivNorm(out);
}

function ivComplement(a: Interval[]): Interval[] {
  const out: Interval[] = [];
  let lo = -Infinity;
  let loOpen = true;
  for (const i of a) {
    out.push({ lo, loOpen, hi: i.lo, hiOpen: !i.loOpen });
    lo = i.hi;
    loOpen = !i.hiOpen;
  }
  out.push({ lo, loOpen, hi: Infinity, hiOpen: true });
  return ivNorm(out);
}

export function full(f: FactSpec, withNull: boolean): DSet {
  const n = bitsOf(f);
  if (n > 0) return { k: 'b', m: allMask(n), all: allMask(n), nul: withNull };
  if (isNum(f)) return { k: 'n', iv: [{ lo: -Infinity, hi: Infinity, loOpen: true, hiOpen: true }], nul: withNull };
  return { k: 'd', vals: new Set(), neg: true, nul: withNull };
}

/** The values the fact is declared to take: enum values, true/false, min..max. */
export function universe(f: FactSpec): DSet {
  if (isNum(f))
    return { k: 'n', iv: [{ lo: f.min ?? -Infinity, hi: f.max ?? Infinity, loOpen: f.min === undefined, hiOpen: f.max === undefined }], nul: f.nullable };
  if (bitsOf(f) > 0) return full(f, f.nullable);
  if (f.type === 'enum') return { k: 'd', vals: new Set(f.values ?? []), neg: false, nul: f.nullable };
  return { k: 'd', vals: new Set(), neg: true, nul: f.nullable };
}

export function intersect(a: DSet, b: DSet): DSet {
  const nul = a.nul && b.nul;
  if (a.k === 'b' && b.k === 'b') return { k: 'b', m: a.m & b.m, all: a.all, nul };
  if (a.k === 'n' && b.k === 'n') return { k: 'n', iv: ivIntersect(a.iv, b.iv), nul };
  if (a.k === 'd' && b.k === 'd') {
    if (a.neg && b.neg) return { k: 'd', vals: new Set([...a.vals, ...b.vals]), neg: true, nul };
    if (!a.neg && !b.neg) return { k: 'd', vals: new Set([...a.vals].filter((v) => b.vals.has(v))), neg: false, nul };
    const [pos, neg] = a.neg ? [b, a] : [a, b];
    return { k: 'd', vals: new Set([...pos.vals].filter((v) => !neg.vals.has(v))), neg: false, nul };
  }
  return { k: 'd', vals: new Set(), neg: false, nul }; // mixed kinds cannot happen for one column
}

export function complement(a: DSet): DSet {
  if (a.k === 'b') return { k: 'b', m: ~a.m & a.all, all: a.all, nul: !a.nul };
  if (a.k === 'n') return { k: 'n', iv: ivComplement(a.iv), nul: !a.nul };
  return { k: 'd', vals: new Set(a.vals), neg: !a.neg, nul: !a.nul };
}

export function union(a: DSet, b: DSet): DSet {
  return complement(intersect(complement(a), complement(b)));
}

export function subtract(a: DSet, b: DSet): DSet {
  return intersect(a, complement(b));
}

export function isEmpty(a: DSet): boolean {
  if (a.nul) return false;
  if (a.k === 'b') return a.m === 0;
  if (a.k === 'n') return a.iv.length === 0;
  return !a.neg && a.vals.size === 0;
}

export function testToSet(t: Test, f: FactSpec): DSet {
  switch (t.t) {
    case 'any':
      return full(f, true);
    case 'null':
      if (bitsOf(f) > 0) return { k: 'b', m: 0, all: allMask(bitsOf(f)), nul: true };
      return isNum(f) ? { k: 'n', iv: [], nul: true } : { k: 'd', vals: new Set(), neg: false, nul: true };
    case 'in':
      if (bitsOf(f) > 0) return { k: 'b', m: t.values.reduce<number>((m, v) => m | bitOf(f, v), 0), all: allMask(bitsOf(f)), nul: false };
      return { k: 'd', vals: new Set(t.values), neg: false, nul: false };
    case 'range':
      return { k: 'n', iv: ivNorm([{ lo: t.lo, hi: t.hi, loOpen: t.loOpen, hiOpen: t.hiOpen }]), nul: false };
    case 'not':
      return complement(testToSet(t.inner, f));
    case 'or':
      return t.tests.map((x) => testToSet(x, f)).reduce((acc, s) => union(acc, s));
  }
}

/** Whether two sets share a value, without building the intersection (the hot path of pairwise checks). */
export function meets(a: DSet, b: DSet): boolean {
  if (a.nul && b.nul) return true;
  if (a.k === 'b' && b.k === 'b') return (a.m & b.m) !== 0;
  if (a.k === 'n' && b.k === 'n') {
    for (const x of a.iv)
      for (const y of b.iv) {
        if (x.hi < y.lo || y.hi < x.lo) continue;
        if (x.hi === y.lo && (x.hiOpen || y.loOpen)) continue;
        if (y.hi === x.lo && (y.hiOpen || x.loOpen)) continue;
        return true;
      }
    return false;
  }
  return !isEmpty(intersect(a, b));
}

export function boxesMeet(a: Box, b: Box): boolean {
  for (let i = 0; i < a.length; i++) if (!meets(a[i] as DSet, b[i] as DSet)) return false;
  return true;
}

export function boxIntersect(a: Box, b: Box): Box | null {
  const out: Box = [];
  for (let i = 0; i < a.length; i++) {
    const s = intersect(a[i] as DSet, b[i] as DSet);
    if (isEmpty(s)) return null;
    out.push(s);
  }
  return out;
}

/** a − b as disjoint boxes. */
export function boxSubtract(a: Box, b: Box): Box[] {
  if (!boxesMeet(a, b)) return [a];
  const out: Box[] = [];
  const cur = [...a];
  for (let d = 0; d < a.length; d++) {
    const outside = subtract(cur[d] as DSet, b[d] as DSet);
    if (!isEmpty(outside)) {
      const piece = [...cur];
      piece[d] = outside;
      out.push(piece);
    }
    cur[d] = intersect(cur[d] as DSet, b[d] as DSet);
  }
  return out;
}

/** The set of the given values of a discrete fact (the values a producing table can output). */
export function fromValues(f: FactSpec, vals: Iterable<V>, nul: boolean): DSet {
  const list = [...vals];
  if (bitsOf(f) > 0) return { k: 'b', m: list.reduce<number>((m, v) => m | bitOf(f, v), 0), all: allMask(bitsOf(f)), nul };
  return { k: 'd', vals: new Set(list), neg: false, nul };
}

/** One concrete value from a non-empty set, for "for example …" messages. */
function bitValues(s: { m: number }, f: FactSpec): V[] {
  if (f.type === 'boolean') return [...(s.m & 1 ? [true] : []), ...(s.m & 2 ? [false] : [])];
  return (f.values ?? []).filter((_, i) => s.m & (1 << i));
}

export function sample(s: DSet, f: FactSpec): string | number | boolean | null {
  if (s.k === 'b') return bitValues(s, f)[0] ?? null;
  if (s.k === 'n') {
    const i = s.iv[0];
    if (!i) return null;
    if (Number.isFinite(i.lo) && !i.loOpen) return i.lo;
    if (Number.isFinite(i.hi) && !i.hiOpen) return i.hi;
    if (Number.isFinite(i.lo) && Number.isFinite(i.hi)) return (i.lo + i.hi) / 2;
    if (Number.isFinite(i.lo)) return i.lo + 1;
    if (Number.isFinite(i.hi)) return i.hi - 1;
    return 0;
  }
  if (!s.neg) {
    const first = s.vals.values().next();
    return first.done ? null : first.value;
  }
  if (f.type === 'boolean') return !s.vals.has(true) ? true : !s.vals.has(false) ? false : null;
  return 'some other value';
}

/** Short text of a set: `apparel / toys`, `> 30`, `missing`. */
export function describeSet(s: DSet, f: FactSpec): string {
  const parts: string[] = [];
  if (s.k === 'b') parts.push(s.m === s.all ? 'any' : bitValues(s, f).map(String).join(' / '));
  else if (s.k === 'n') {
    const u = universe(f);
    if (u.k === 'n' && s.iv.length === u.iv.length && s.iv.every((x, i) => JSON.stringify(x) === JSON.stringify(u.iv[i]))) parts.push('any');
    else
      for (const i of s.iv) {
        if (i.lo === i.hi) parts.push(String(i.lo));
        else if (i.lo === -Infinity) parts.push(`${i.hiOpen ? '<' : '<='} ${i.hi}`);
        else if (i.hi === Infinity) parts.push(`${i.loOpen ? '>' : '>='} ${i.lo}`);
        else parts.push(`${i.loOpen ? '(' : '['}${i.lo}..${i.hi}${i.hiOpen ? ')' : ']'}`);
      }
  } else if (s.neg) parts.push(s.vals.size === 0 ? 'any' : `not ${[...s.vals].map(String).join(' / ')}`);
  else parts.push(...[...s.vals].map(String));
  if (s.nul) parts.push('missing');
  return parts.join(' / ');
}

/** A concrete input point inside a non-empty box (null = missing), for witness checks. */
export function pointOf(box: Box, facts: FactSpec[]): Array<string | number | boolean | null> {
  return box.map((s, i) => sample(s, facts[i] as FactSpec));
}

export function inBox(p: Array<string | number | boolean | null>, box: Box, facts: FactSpec[]): boolean {
  for (let i = 0; i < box.length; i++) if (!contains(box[i] as DSet, p[i] ?? null, facts[i] as FactSpec)) return false;
  return true;
}

export function contains(s: DSet, v: string | number | boolean | null, f: FactSpec): boolean {
  if (v === null) return s.nul;
  if (s.k === 'b') return (s.m & bitOf(f, v as V)) !== 0;
  if (s.k === 'n') {
    if (typeof v !== 'number') return false;
    return s.iv.some((i) => (i.loOpen ? v > i.lo : v >= i.lo) && (i.hiOpen ? v < i.hi : v <= i.hi));
  }
  return s.neg ? !s.vals.has(v as V) : s.vals.has(v as V);
}
