/**
 * Cell grammar: unary tests in the spirit of DMN FEEL, small enough for a supervisor to read.
 *
 *   -                 any value (also an empty cell)
 *   > 100  <= 30      comparisons (numbers, dates, durations)
 *   [10..30] (0..1]   ranges; `]` / `(` open, `[` / `]` closed; bare `10..30` is closed
 *   "A","B"  A, B     lists (a value matches if any entry matches); bare words only for enum facts
 *   not("X")          negation of a list: matches whatever the list does not (including a missing value)
 *   true false        booleans
 *   null  not(null)   missing / present
 *   date("2026-01-31")  duration("P30D")  30d  2w   dates (UTC) and durations (in days)
 *
 * Parsing never throws; it returns a typed error the loader turns into a table/row/column message.
 */
import type { FactSpec } from './types.js';

/** A typed unary test. Numeric facts (number, date, duration) only get `range`; discrete facts only get `in`. */
export type Test =
  | { t: 'any' }
  | { t: 'null' }
  | { t: 'in'; values: Array<string | boolean> }
  | { t: 'range'; lo: number; hi: number; loOpen: boolean; hiOpen: boolean }
  | { t: 'not'; inner: Test }
  | { t: 'or'; tests: Test[] };

export type CellResult = { ok: true; test: Test } | { ok: false; code: string; message: string };

type Tok =
  | { k: 'num'; v: number; unit?: string }
  | { k: 'str'; v: string }
  | { k: 'id'; v: string }
  | { k: 'op'; v: string };

const DAY_MS = 86_400_000;

function tokenize(s: string): Tok[] | string {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '"' || c === "'" || c === '“' || c === '”') {
      const close = c === '“' ? '”' : c;
      const end = s.indexOf(close, i + 1);
      if (end < 0) return `a text value starting at position ${i + 1} has no closing quote`;
      out.push({ k: 'str', v: s.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    const two = s.slice(i, i + 2);
    if (two === '<=' || two === '>=' || two === '!=' || two === '..') {
      out.push({ k: 'op', v: two });
      i += 2;
      continue;
    }
    if ('<>=()[],'.includes(c)) {
      out.push({ k: 'op', v: c });
      i++;
      continue;
    }
    const num = /^(-?(?:\d+(?:\.\d+)?|\.\d+))([a-zA-Z]*)/.exec(s.slice(i));
    if (num) {
      // `10..30` stays three tokens: the fraction part needs a digit after the dot.
      const unit = num[2] as string;
      out.push(unit ? { k: 'num', v: Number(num[1]), unit } : { k: 'num', v: Number(num[1]) });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_\u00C0-\uFFFF][A-Za-z0-9_\-\u00C0-\uFFFF]*/.exec(s.slice(i));
    if (id) {
      out.push({ k: 'id', v: id[0] });
      i += id[0].length;
      continue;
    }
    return `unexpected character "${c}" at position ${i + 1}`;
  }
  return out;
}

type Value = { k: 'num'; v: number; unit?: string } | { k: 'str'; v: string; bare: boolean } | { k: 'bool'; v: boolean } | { k: 'fn'; name: string; arg: string };

/** Untyped AST straight from the text. */
type Raw =
  | { r: 'null' }
  | { r: 'cmp'; op: string; val: Value }
  | { r: 'range'; lo: Value; hi: Value; loOpen: boolean; hiOpen: boolean }
  | { r: 'eq'; val: Value }
  | { r: 'not'; list: Raw[] };

class Parser {
  i = 0;
  constructor(private readonly toks: Tok[]) {}
  peek(): Tok | undefined {
    return this.toks[this.i];
  }
  isOp(v: string): boolean {
    const t = this.peek();
    return t !== undefined && t.k === 'op' && t.v === v;
  }
  expectOp(v: string): void {
    if (!this.isOp(v)) throw new CellSyntax(`expected "${v}"${this.where()}`);
    this.i++;
  }
  where(): string {
    const t = this.peek();
    return t === undefined ? ' at the end' : ` before "${'v' in t ? String(t.v) : ''}"`;
  }
  list(): Raw[] {
    const items = [this.test()];
    while (this.isOp(',')) {
      this.i++;
      items.push(this.test());
    }
    return items;
  }
  test(): Raw {
    const t = this.peek();
    if (t === undefined) throw new CellSyntax('the cell ends where a test was expected');
    if (t.k === 'id' && t.v === 'not' && this.toks[this.i + 1]?.k === 'op' && (this.toks[this.i + 1] as { v: string }).v === '(') {
      this.i += 2;
      const list = this.list();
      this.expectOp(')');
      return { r: 'not', list };
    }
    if (t.k === 'id' && t.v === 'null') {
      this.i++;
      return { r: 'null' };
    }
    if (t.k === 'op' && ['<', '<=', '>', '>=', '=', '!='].includes(t.v)) {
      this.i++;
      return { r: 'cmp', op: t.v, val: this.value() };
    }
    if (t.k === 'op' && (t.v === '[' || t.v === '(' || t.v === ']')) {
      this.i++;
      const lo = this.value();
      this.expectOp('..');
      const hi = this.value();
      const end = this.peek();
      if (end === undefined || end.k !== 'op' || ![']', ')', '['].includes(end.v)) throw new CellSyntax(`a range must end with "]" or ")"${this.where()}`);
      this.i++;
      return { r: 'range', lo, hi, loOpen: t.v !== '[', hiOpen: end.v !== ']' };
    }
    const val = this.value();
    if (this.isOp('..')) {
      this.i++;
      return { r: 'range', lo: val, hi: this.value(), loOpen: false, hiOpen: false };
    }
    return { r: 'eq', val };
  }
  value(): Value {
    const t = this.peek();
    if (t === undefined) throw new CellSyntax('a value is missing at the end');
    this.i++;
    if (t.k === 'num') return t.unit ? { k: 'num', v: t.v, unit: t.unit } : { k: 'num', v: t.v };
    if (t.k === 'str') return { k: 'str', v: t.v, bare: false };
    if (t.k === 'id') {
      if (t.v === 'true' || t.v === 'false') return { k: 'bool', v: t.v === 'true' };
      if (this.isOp('(')) {
        this.i++;
        const arg = this.peek();
        if (arg === undefined || arg.k !== 'str') throw new CellSyntax(`${t.v}(...) needs a quoted text, e.g. ${t.v}("2026-01-31")`);
        this.i++;
        this.expectOp(')');
        return { k: 'fn', name: t.v, arg: arg.v };
      }
      return { k: 'str', v: t.v, bare: true };
    }
    throw new CellSyntax(`unexpected "${t.v}"`);
  }
}

class CellSyntax extends Error {}

/** ISO-8601 duration (days, weeks, hours) to days. */
export function parseDurationDays(s: string): number | null {
  const m = /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?)?$/i.exec(s.trim());
  if (!m || (m[1] === undefined && m[2] === undefined && m[3] === undefined)) return null;
  return Number(m[1] ?? 0) * 7 + Number(m[2] ?? 0) + Number(m[3] ?? 0) / 24;
}

export function parseDateMs(s: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}/.test(s)) return null;
  const ms = Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s);
  return Number.isFinite(ms) ? ms : null;
}

const UNIT_DAYS: Record<string, number> = { d: 1, w: 7, h: 1 / 24 };

class CellType extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function numericValue(v: Value, fact: FactSpec): number {
  const bad = (what: string): never => {
    throw new CellType('RULES_TYPE_MISMATCH', `${what} cannot be compared with "${fact.name}", which is a ${fact.type}`);
  };
  if (fact.type === 'number') {
    if (v.k === 'num' && !v.unit) return v.v;
    return bad(v.k === 'num' ? `${v.v}${v.unit ?? ''}` : describe(v));
  }
  if (fact.type === 'duration') {
    if (v.k === 'num') {
      if (!v.unit) return v.v;
      const f = UNIT_DAYS[v.unit];
      if (f === undefined) throw new CellType('RULES_BAD_CELL', `unknown unit "${v.unit}"; use d (days), w (weeks) or h (hours)`);
      return v.v * f;
    }
    const text = v.k === 'fn' && v.name === 'duration' ? v.arg : v.k === 'str' && !v.bare ? v.v : null;
    const days = text === null ? null : parseDurationDays(text);
    if (days === null) return bad(describe(v));
    return days;
  }
  // date
  if (v.k === 'num' && !v.unit) return v.v;
  const text = v.k === 'fn' && v.name === 'date' ? v.arg : v.k === 'str' && !v.bare ? v.v : null;
  const ms = text === null ? null : parseDateMs(text);
  if (ms === null) return bad(describe(v));
  return ms;
}

function describe(v: Value): string {
  switch (v.k) {
    case 'num':
      return `${v.v}${v.unit ?? ''}`;
    case 'str':
      return v.bare ? v.v : `"${v.v}"`;
    case 'bool':
      return String(v.v);
    case 'fn':
      return `${v.name}("${v.arg}")`;
  }
}

function discreteValue(v: Value, fact: FactSpec): string | boolean {
  if (fact.type === 'boolean') {
    if (v.k === 'bool') return v.v;
    throw new CellType('RULES_TYPE_MISMATCH', `"${fact.name}" is yes/no: write true or false, not ${describe(v)}`);
  }
  if (v.k !== 'str') throw new CellType('RULES_TYPE_MISMATCH', `"${fact.name}" is text: ${describe(v)} is not a text value`);
  if (fact.type === 'enum') {
    if (!(fact.values ?? []).includes(v.v))
      throw new CellType('RULES_UNKNOWN_VALUE', `"${v.v}" is not one of the values of "${fact.name}" (${(fact.values ?? []).join(', ')})`);
  } else if (v.bare) {
    throw new CellType('RULES_BAD_CELL', `put text values in quotes: "${v.v}"`);
  }
  return v.v;
}

const isNumeric = (f: FactSpec): boolean => f.type === 'number' || f.type === 'date' || f.type === 'duration';

function typeRaw(raw: Raw, fact: FactSpec): Test {
  switch (raw.r) {
    case 'null':
      return { t: 'null' };
    case 'not':
      return { t: 'not', inner: typeList(raw.list, fact) };
    case 'eq': {
      if (isNumeric(fact)) {
        const n = numericValue(raw.val, fact);
        return { t: 'range', lo: n, hi: n, loOpen: false, hiOpen: false };
      }
      return { t: 'in', values: [discreteValue(raw.val, fact)] };
    }
    case 'cmp': {
      if (!isNumeric(fact)) {
        if (raw.op === '=') return { t: 'in', values: [discreteValue(raw.val, fact)] };
        if (raw.op === '!=') return { t: 'not', inner: { t: 'in', values: [discreteValue(raw.val, fact)] } };
        throw new CellType('RULES_TYPE_MISMATCH', `"${raw.op}" needs a number, date or duration, but "${fact.name}" is ${fact.type === 'enum' ? 'a list of values' : fact.type}`);
      }
      const n = numericValue(raw.val, fact);
      switch (raw.op) {
        case '<':
          return { t: 'range', lo: -Infinity, hi: n, loOpen: true, hiOpen: true };
        case '<=':
          return { t: 'range', lo: -Infinity, hi: n, loOpen: true, hiOpen: false };
        case '>':
          return { t: 'range', lo: n, hi: Infinity, loOpen: true, hiOpen: true };
        case '>=':
          return { t: 'range', lo: n, hi: Infinity, loOpen: false, hiOpen: true };
        case '=':
          return { t: 'range', lo: n, hi: n, loOpen: false, hiOpen: false };
        default:
          return { t: 'not', inner: { t: 'range', lo: n, hi: n, loOpen: false, hiOpen: false } };
      }
    }
    case 'range': {
      if (!isNumeric(fact)) throw new CellType('RULES_TYPE_MISMATCH', `a range needs a number, date or duration, but "${fact.name}" is ${fact.type}`);
      const lo = numericValue(raw.lo, fact);
      const hi = numericValue(raw.hi, fact);
      if (lo > hi || (lo === hi && (raw.loOpen || raw.hiOpen)))
        throw new CellType('RULES_EMPTY_RANGE', `the range from ${describe(raw.lo)} to ${describe(raw.hi)} contains no value; put the smaller number first`);
      return { t: 'range', lo, hi, loOpen: raw.loOpen, hiOpen: raw.hiOpen };
    }
  }
}

function typeList(list: Raw[], fact: FactSpec): Test {
  const tests = list.map((r) => typeRaw(r, fact));
  // Merge plain equality lists so `"A","B"` is one membership test.
  const values: Array<string | boolean> = [];
  const rest: Test[] = [];
  for (const t of tests) {
    if (t.t === 'in') values.push(...t.values);
    else rest.push(t);
  }
  if (values.length > 0) rest.unshift({ t: 'in', values });
  return rest.length === 1 ? (rest[0] as Test) : { t: 'or', tests: rest };
}

function parseText(text: string, fact: FactSpec): CellResult {
  const s = text.trim();
  if (s === '' || s === '-') return { ok: true, test: { t: 'any' } };
  const toks = tokenize(s);
  if (typeof toks === 'string') return { ok: false, code: 'RULES_BAD_CELL', message: `cannot read "${s}": ${toks}` };
  try {
    const p = new Parser(toks);
    const list = p.list();
    if (p.peek() !== undefined) throw new CellSyntax(`unexpected text${p.where()}`);
    return { ok: true, test: typeList(list, fact) };
  } catch (e) {
    if (e instanceof CellType) return { ok: false, code: e.code, message: `"${s}": ${e.message}` };
    if (e instanceof CellSyntax) return { ok: false, code: 'RULES_BAD_CELL', message: `cannot read "${s}": ${e.message}` };
    return { ok: false, code: 'RULES_BAD_CELL', message: `cannot read "${s}"` };
  }
}

function literal(v: string, fact: FactSpec): CellResult {
  if (fact.type === 'enum' && !(fact.values ?? []).includes(v))
    return { ok: false, code: 'RULES_UNKNOWN_VALUE', message: `"${v}" is not one of the values of "${fact.name}" (${(fact.values ?? []).join(', ')})` };
  return { ok: true, test: { t: 'in', values: [v] } };
}

/**
 * A cell as it comes out of YAML/JSON: text, a number, a boolean, null (= "is missing"), or a list (YAML turns
 * `[10..30]` and `[apparel, toys]` into lists; each entry is one alternative).
 */
export function parseCell(raw: unknown, fact: FactSpec): CellResult {
  if (raw === undefined) return { ok: true, test: { t: 'any' } };
  if (raw === null) return { ok: true, test: { t: 'null' } };
  if (typeof raw === 'string') return parseText(raw, fact);
  if (typeof raw === 'number' || typeof raw === 'boolean') return parseText(String(raw), fact);
  if (Array.isArray(raw)) {
    if (raw.length === 0) return { ok: false, code: 'RULES_BAD_CELL', message: 'an empty list matches nothing; use - for "any"' };
    const parts: Test[] = [];
    for (const item of raw) {
      const r = typeof item === 'string' && !isNumeric(fact) && fact.type !== 'boolean' && !/^[\s\-<>=[(\]]|^not\(|^null$|,/.test(item) && !/^["'“]/.test(item)
        ? literal(item, fact) // a bare list item like `home` or `Bin A 1`: a value, not grammar
        : parseCell(item, fact);
      if (!r.ok) return r;
      parts.push(r.test);
    }
    if (parts.length === 1) return { ok: true, test: parts[0] as Test };
    if (parts.some((p) => p.t === 'any')) return { ok: true, test: { t: 'any' } };
    const values = parts.flatMap((p) => (p.t === 'in' ? p.values : []));
    const rest: Test[] = parts.filter((p) => p.t !== 'in');
    if (values.length > 0) rest.unshift({ t: 'in', values });
    return { ok: true, test: rest.length === 1 ? (rest[0] as Test) : { t: 'or', tests: rest } };
  }
  return { ok: false, code: 'RULES_BAD_CELL', message: `a cell must be text, a number, true/false or a list, not ${typeof raw}` };
}

export { DAY_MS };
export { matches, describeTest } from './unary.js';
