/**
 * Document → Model. Collects every problem instead of stopping at the first, and names table, row and column so a
 * supervisor can find the cell. Never throws.
 */
import { DISPOSITIONS, isDisposition } from './types.js';
import type { Bilingual, FactSpec, FactType, GoldenCase, HitPolicy, RuleError, RuleWarning } from './types.js';
import { parseCell, describeTest, type Test } from './cells.js';
import {
  DEFAULT_FALLBACK,
  FINAL_OUTPUTS,
  compileTemplate,
  type FallbackModel,
  type Model,
  type RowModel,
  type RowOutputs,
  type Slot,
  type TableModel,
} from './model.js';

const FACT_TYPES: FactType[] = ['enum', 'string', 'number', 'boolean', 'date', 'duration'];
const POLICIES: Record<string, HitPolicy> = { first: 'first', f: 'first', unique: 'unique', u: 'unique', priority: 'priority', p: 'priority', collect: 'collect', c: 'collect' };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

export interface Built {
  model: Model | null;
  errors: RuleError[];
  warnings: RuleWarning[];
}

export function buildModel(doc: unknown, hash: string): Built {
  const errors: RuleError[] = [];
  const warnings: RuleWarning[] = [];
  const err = (e: RuleError): void => void errors.push(e);
  if (!isObj(doc)) return { model: null, errors: [{ code: 'RULES_SCHEMA', message: 'a rule set must be an object with id, version, facts and tables', path: '' }], warnings };

  const id = typeof doc.id === 'string' && doc.id.trim() !== '' ? doc.id : null;
  if (id === null) err({ code: 'RULES_SCHEMA', message: 'the rule set needs an "id" (text)', path: 'id' });
  const version = typeof doc.version === 'string' || typeof doc.version === 'number' ? String(doc.version) : null;
  if (version === null) err({ code: 'RULES_SCHEMA', message: 'the rule set needs a "version", e.g. "2026.12.1"', path: 'version' });
  const metadata = isObj(doc.metadata) ? doc.metadata : {};

  // Facts
  const facts: FactSpec[] = [];
  if (!isObj(doc.facts)) err({ code: 'RULES_SCHEMA', message: '"facts" must list the input facts with their types', path: 'facts' });
  else
    for (const [name, spec] of Object.entries(doc.facts)) {
      const f = buildFact(name, spec, err);
      if (f) facts.push(f);
    }
  const slotOf = new Map(facts.map((f, i) => [f.name, i]));
  const factByName = new Map(facts.map((f) => [f.name, f]));

  // Tables
  const tables: TableModel[] = [];
  const producedBy = new Map<string, string>();
  if (!Array.isArray(doc.tables) || doc.tables.length === 0) err({ code: 'RULES_SCHEMA', message: '"tables" must hold at least one decision table', path: 'tables' });
  else {
    const seen = new Set<string>();
    doc.tables.forEach((t, ti) => {
      const tm = buildTable(t, ti, factByName, slotOf, producedBy, err, warnings);
      if (!tm) return;
      if (seen.has(tm.id)) err({ code: 'RULES_DUPLICATE_ID', table: tm.id, message: `two tables are called "${tm.id}"`, path: `tables[${ti}].id` });
      seen.add(tm.id);
      for (const o of tm.outputs) if (!(FINAL_OUTPUTS as readonly string[]).includes(o)) producedBy.set(o, tm.id);
      tables.push(tm);
    });
    // Judged on the documents, so a table refused for another reason does not also cause this error.
    const docs: unknown[] = doc.tables;
    const declares = (o: string): boolean => docs.some((t) => isObj(t) && Array.isArray(t.outputs) && t.outputs.includes(o));
    if (!declares('disposition')) err({ code: 'RULES_MISSING_OUTPUT', message: 'no table has a "disposition" output, so every item would go to the fallback', path: 'tables' });
    for (const o of ['bin', 'nextDepartment'])
      if (!declares(o))
        warnings.push({ code: 'RULES_MISSING_OUTPUT', column: o, message: `no table sets "${o}"; every decision uses the fallback's ${o}`, path: 'tables' });
  }
  for (const f of facts)
    if (f.derived && !producedBy.has(f.name))
      warnings.push({ code: 'RULES_UNUSED_DERIVED', column: f.name, message: `"${f.name}" is marked derived but no table outputs it; it is always missing`, path: `facts.${f.name}` });

  const fallback = buildFallback(doc.fallback, err);
  const golden = buildGolden(doc.golden, factByName, err);

  if (errors.length > 0 || id === null || version === null) return { model: null, errors, warnings };
  return {
    model: { ref: { id, version, hash }, metadata, facts, slotOf, tables, fallback, golden, source: doc },
    errors,
    warnings,
  };
}

function bilingual(v: unknown, fallbackEn: string): Bilingual {
  if (typeof v === 'string') return { en: v, 'zh-CN': v };
  if (isObj(v)) {
    const en = typeof v.en === 'string' ? v.en : fallbackEn;
    const zh = typeof v['zh-CN'] === 'string' ? v['zh-CN'] : typeof v.zh === 'string' ? v.zh : en;
    return { en, 'zh-CN': zh };
  }
  return { en: fallbackEn, 'zh-CN': fallbackEn };
}

function buildFact(name: string, spec: unknown, err: (e: RuleError) => void): FactSpec | null {
  const path = `facts.${name}`;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    err({ code: 'RULES_SCHEMA', column: name, message: `fact name "${name}" may only use letters, digits and _`, path });
    return null;
  }
  const s: Obj = typeof spec === 'string' ? { type: spec } : isObj(spec) ? spec : {};
  const type = s.type as FactType;
  if (!FACT_TYPES.includes(type)) {
    err({ code: 'RULES_SCHEMA', column: name, message: `fact "${name}" needs a type: one of ${FACT_TYPES.join(', ')}`, path: `${path}.type` });
    return null;
  }
  const f: FactSpec = { name, type, nullable: s.nullable === true, derived: s.derived === true, label: bilingual(s.label, name) };
  if (typeof s.description === 'string') f.description = s.description;
  if (type === 'enum') {
    const values = Array.isArray(s.values) ? s.values.filter((v): v is string => typeof v === 'string') : [];
    if (values.length === 0 || values.length !== (s.values as unknown[]).length) {
      err({ code: 'RULES_SCHEMA', column: name, message: `enum fact "${name}" needs "values": a list of text values`, path: `${path}.values` });
      return null;
    }
    f.values = values;
  }
  if (typeof s.min === 'number') f.min = s.min;
  if (typeof s.max === 'number') f.max = s.max;
  return f;
}

function buildTable(
  t: unknown,
  ti: number,
  factByName: Map<string, FactSpec>,
  slotOf: Map<string, number>,
  producedBy: Map<string, string>,
  err: (e: RuleError) => void,
  warnings: RuleWarning[],
): TableModel | null {
  const path = `tables[${ti}]`;
  if (!isObj(t)) {
    err({ code: 'RULES_SCHEMA', message: `table ${ti + 1} must be an object with id, hitPolicy, inputs, outputs and rows`, path });
    return null;
  }
  const id = typeof t.id === 'string' && t.id !== '' ? t.id : `table${ti + 1}`;
  if (typeof t.id !== 'string') err({ code: 'RULES_SCHEMA', table: id, message: `table ${ti + 1} needs an "id"`, path: `${path}.id` });
  const hp = POLICIES[String(t.hitPolicy ?? 'first').toLowerCase()];
  if (!hp) err({ code: 'RULES_BAD_HIT_POLICY', table: id, message: `hit policy "${String(t.hitPolicy)}" is unknown; use first, unique, priority or collect`, path: `${path}.hitPolicy` });

  const inputs = Array.isArray(t.inputs) ? t.inputs.map(String) : [];
  if (!Array.isArray(t.inputs)) err({ code: 'RULES_SCHEMA', table: id, message: `table "${id}" needs "inputs": the facts it reads`, path: `${path}.inputs` });
  let inputsOk = true;
  inputs.forEach((name, ci) => {
    const f = factByName.get(name);
    if (!f) {
      inputsOk = false;
      err({ code: 'RULES_UNKNOWN_FACT', table: id, column: name, message: `table "${id}" reads "${name}", which is not a declared fact`, path: `${path}.inputs[${ci}]` });
    } else if (f.derived && !producedBy.has(name)) {
      err({ code: 'RULES_CHAIN_ORDER', table: id, column: name, message: `table "${id}" reads "${name}" before any table produces it; move the producing table up`, path: `${path}.inputs[${ci}]` });
    }
  });

  const outputs = Array.isArray(t.outputs) ? t.outputs.map(String) : [];
  if (outputs.length === 0) err({ code: 'RULES_SCHEMA', table: id, message: `table "${id}" needs "outputs": e.g. [disposition, bin, nextDepartment]`, path: `${path}.outputs` });
  for (const o of outputs) {
    if ((FINAL_OUTPUTS as readonly string[]).includes(o)) continue;
    const f = factByName.get(o);
    if (!f || !f.derived)
      err({ code: 'RULES_UNKNOWN_OUTPUT', table: id, column: o, message: `output "${o}" is neither a decision output (${FINAL_OUTPUTS.join(', ')}) nor a fact marked derived`, path: `${path}.outputs` });
    else if (producedBy.has(o))
      err({ code: 'RULES_UNKNOWN_OUTPUT', table: id, column: o, message: `"${o}" is already produced by table "${producedBy.get(o)}"; only one table may produce a derived fact`, path: `${path}.outputs` });
  }

  if (!Array.isArray(t.rows) || t.rows.length === 0) {
    err({ code: 'RULES_SCHEMA', table: id, message: `table "${id}" has no rows`, path: `${path}.rows` });
    return null;
  }
  const rows: RowModel[] = [];
  const inputFacts = inputs.map((n) => factByName.get(n));
  t.rows.forEach((r, ri) => {
    const row = buildRow(r, ri + 1, id, `${path}.rows[${ri}]`, inputs, inputFacts, outputs, factByName, slotOf, err, warnings);
    if (row) rows.push(row);
  });
  if (!hp || !inputsOk) return null;

  const tm: TableModel = { id, hitPolicy: hp, inputs, inputSlots: inputs.map((n) => slotOf.get(n) ?? -1), outputs, rows };
  if (hp === 'priority') {
    const by = typeof t.priorityBy === 'string' ? t.priorityBy : outputs.includes('priority') ? 'priority' : 'disposition';
    if (!outputs.includes(by)) err({ code: 'RULES_SCHEMA', table: id, column: by, message: `a priority table ranks rows by an output; "${by}" is not one of its outputs`, path: `${path}.priorityBy` });
    else tm.rank = ranker(by, factByName, slotOf);
  }
  return tm;
}

function ranker(by: string, factByName: Map<string, FactSpec>, slotOf: Map<string, number>): TableModel['rank'] {
  if (by === 'priority') return (o) => o.priority ?? -Infinity;
  if (by === 'disposition') return (o) => (o.disposition === undefined ? -Infinity : DISPOSITIONS.length - DISPOSITIONS.indexOf(o.disposition));
  const f = factByName.get(by);
  const slot = slotOf.get(by);
  return (o) => {
    const v = o.derived.find(([s]) => s === slot)?.[1];
    if (v === undefined || v === null) return -Infinity;
    if (typeof v === 'number') return v;
    // Enum order: earlier value = stronger, like DMN output-value priority.
    const i = f?.values?.indexOf(String(v)) ?? -1;
    return i < 0 ? -Infinity : (f?.values?.length ?? 0) - i;
  };
}

function buildRow(
  r: unknown,
  rowNo: number,
  table: string,
  path: string,
  inputs: string[],
  inputFacts: Array<FactSpec | undefined>,
  outputs: string[],
  factByName: Map<string, FactSpec>,
  slotOf: Map<string, number>,
  err: (e: RuleError) => void,
  warnings: RuleWarning[],
): RowModel | null {
  if (!isObj(r)) {
    err({ code: 'RULES_SCHEMA', table, row: rowNo, message: `row ${rowNo} must have "when" and "then"`, path });
    return null;
  }
  // Cells: a map fact → cell (missing = any), or a list in input order.
  const cells: unknown[] = new Array<unknown>(inputs.length).fill(undefined);
  if (Array.isArray(r.when)) {
    if (r.when.length !== inputs.length)
      err({ code: 'RULES_ROW_WIDTH', table, row: rowNo, message: `row ${rowNo} has ${r.when.length} cells but the table has ${inputs.length} inputs (${inputs.join(', ')})`, path: `${path}.when` });
    r.when.forEach((c, i) => (cells[i] = c));
  } else if (isObj(r.when)) {
    for (const [k, c] of Object.entries(r.when)) {
      const i = inputs.indexOf(k);
      if (i >= 0) cells[i] = c;
      else if (factByName.has(k))
        err({ code: 'RULES_UNKNOWN_COLUMN', table, row: rowNo, column: k, message: `row ${rowNo} tests "${k}", but "${k}" is not an input of table "${table}"; add it to inputs`, path: `${path}.when.${k}` });
      else err({ code: 'RULES_UNKNOWN_FACT', table, row: rowNo, column: k, message: `row ${rowNo} tests "${k}", which is not a declared fact`, path: `${path}.when.${k}` });
    }
  } else if (r.when !== undefined) {
    err({ code: 'RULES_SCHEMA', table, row: rowNo, message: `"when" of row ${rowNo} must be a map of fact → test or a list of tests`, path: `${path}.when` });
  }
  const tests: Test[] = [];
  let ok = true;
  inputs.forEach((name, i) => {
    const f = inputFacts[i];
    if (!f) return;
    const res = parseCell(cells[i], f);
    if (res.ok) tests.push(res.test);
    else {
      ok = false;
      err({ code: res.code, table, row: rowNo, column: name, message: `table "${table}", row ${rowNo}, column "${name}": ${res.message}`, path: `${path}.when` });
    }
  });

  const out: RowOutputs = { derived: [] };
  const thenMap: Obj = Array.isArray(r.then) ? Object.fromEntries(outputs.map((o, i) => [o, (r.then as unknown[])[i]])) : isObj(r.then) ? r.then : {};
  if (!isObj(r.then) && !Array.isArray(r.then)) {
    err({ code: 'RULES_SCHEMA', table, row: rowNo, message: `row ${rowNo} needs "then": the outputs it sets`, path: `${path}.then` });
    ok = false;
  }
  for (const [k, v] of Object.entries(thenMap)) {
    if (v === undefined || v === '-' || v === null) continue;
    const at = { table, row: rowNo, column: k, path: `${path}.then.${k}` };
    const bad = (message: string, code = 'RULES_BAD_OUTPUT_VALUE'): void => {
      ok = false;
      err({ code, ...at, message: `table "${table}", row ${rowNo}, output "${k}": ${message}` });
    };
    if (!outputs.includes(k)) {
      bad(`"${k}" is not an output of this table (${outputs.join(', ')})`, 'RULES_UNKNOWN_OUTPUT');
      continue;
    }
    switch (k) {
      case 'disposition':
        if (isDisposition(v)) out.disposition = v;
        else bad(`"${String(v)}" is not a disposition; use one of ${DISPOSITIONS.join(', ')}`);
        break;
      case 'bin':
      case 'nextDepartment':
        if (typeof v === 'string' && v.trim() !== '') out[k] = v;
        else bad('must be a non-empty text');
        break;
      case 'priority':
        if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 9) out.priority = v;
        else bad(`must be a whole number from 0 (routine) to 9 (urgent), not ${JSON.stringify(v)}`);
        break;
      case 'actions': {
        const list = typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v;
        if (Array.isArray(list) && list.every((a) => typeof a === 'string')) out.actions = list;
        else bad('must be a list of action names, e.g. [photo, data_wipe]');
        break;
      }
      case 'notes':
        if (typeof v === 'string') out.notes = v;
        else bad('must be text');
        break;
      default: {
        const f = factByName.get(k);
        const slot = slotOf.get(k);
        if (!f || slot === undefined) break;
        const value = derivedValue(f, v);
        if (value === undefined) bad(`${JSON.stringify(v)} is not a valid ${f.type}${f.values ? ` (${f.values.join(', ')})` : ''}`, 'RULES_TYPE_MISMATCH');
        else out.derived.push([slot, value]);
      }
    }
  }
  if (!ok) return null;

  const ruleId = typeof r.id === 'string' || typeof r.id === 'number' ? String(r.id) : undefined;
  const auto = autoExplain(table, rowNo, inputs, inputFacts, tests, out);
  const ex = r.explain === undefined ? auto : bilingual(r.explain, auto.en);
  if (r.explain === undefined && ruleId === undefined) void warnings; // auto text is fine; nothing to warn about
  for (const text of [ex.en, ex['zh-CN']])
    for (const m of text.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g))
      if (!slotOf.has(m[1] as string))
        warnings.push({ code: 'RULES_UNKNOWN_PLACEHOLDER', table, row: rowNo, column: 'explain', message: `explanation of row ${rowNo} uses {${m[1]}}, which is not a fact; it is shown as written`, path: `${path}.explain` });
  const row: RowModel = { row: rowNo, tests, out, explain: { en: compileTemplate(ex.en, slotOf), zh: compileTemplate(ex['zh-CN'], slotOf) } };
  if (ruleId !== undefined) row.ruleId = ruleId;
  return row;
}

function derivedValue(f: FactSpec, v: unknown): Slot | undefined {
  switch (f.type) {
    case 'enum':
      return typeof v === 'string' && f.values?.includes(v) ? v : undefined;
    case 'string':
      return typeof v === 'string' ? v : undefined;
    case 'boolean':
      return typeof v === 'boolean' ? v : undefined;
    default:
      return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  }
}

function autoExplain(table: string, row: number, inputs: string[], facts: Array<FactSpec | undefined>, tests: Test[], out: RowOutputs): Bilingual {
  const en: string[] = [];
  const zh: string[] = [];
  tests.forEach((t, i) => {
    if (t.t === 'any') return;
    const f = facts[i];
    const d = describeTest(t);
    en.push(`${f?.label.en ?? inputs[i]}: ${d}`);
    zh.push(`${f?.label['zh-CN'] ?? inputs[i]}：${d}`);
  });
  const to = out.disposition ? ` → ${out.disposition}${out.bin ? ` (${out.bin})` : ''}` : '';
  return {
    en: `${table} row ${row}${en.length ? ` (${en.join(', ')})` : ''}${to}`,
    'zh-CN': `${table} 第${row}行${zh.length ? `（${zh.join('，')}）` : ''}${to}`,
  };
}

function buildFallback(v: unknown, err: (e: RuleError) => void): FallbackModel {
  if (v === undefined) return DEFAULT_FALLBACK;
  if (!isObj(v)) {
    err({ code: 'RULES_SCHEMA', message: '"fallback" must be an object with disposition, bin and nextDepartment', path: 'fallback' });
    return DEFAULT_FALLBACK;
  }
  const fb: FallbackModel = { ...DEFAULT_FALLBACK, explanation: bilingual(v.explain, DEFAULT_FALLBACK.explanation.en) };
  if (v.explain === undefined) fb.explanation = DEFAULT_FALLBACK.explanation;
  if (v.disposition !== undefined) {
    if (isDisposition(v.disposition)) fb.disposition = v.disposition;
    else err({ code: 'RULES_BAD_OUTPUT_VALUE', column: 'disposition', message: `fallback disposition "${String(v.disposition)}" is unknown`, path: 'fallback.disposition' });
  }
  if (typeof v.bin === 'string') fb.bin = v.bin;
  if (typeof v.nextDepartment === 'string') fb.nextDepartment = v.nextDepartment;
  if (typeof v.priority === 'number') fb.priority = v.priority;
  if (Array.isArray(v.actions)) fb.actions = v.actions.map(String);
  return fb;
}

function buildGolden(v: unknown, factByName: Map<string, FactSpec>, err: (e: RuleError) => void): GoldenCase[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) {
    err({ code: 'RULES_SCHEMA', message: '"golden" must be a list of cases', path: 'golden' });
    return [];
  }
  const out: GoldenCase[] = [];
  v.forEach((c, i) => {
    const path = `golden[${i}]`;
    if (!isObj(c) || !isObj(c.facts) || !isObj(c.expect)) {
      err({ code: 'RULES_SCHEMA', message: `golden case ${i + 1} needs "facts" and "expect"`, path });
      return;
    }
    const name = typeof c.name === 'string' ? c.name : `case ${i + 1}`;
    for (const k of Object.keys(c.facts)) {
      const f = factByName.get(k);
      if (!f || f.derived) err({ code: 'RULES_GOLDEN_UNKNOWN_FACT', column: k, message: `golden case "${name}" sets "${k}", which is not an input fact`, path: `${path}.facts.${k}` });
    }
    const e = c.expect;
    if (e.disposition !== undefined && !isDisposition(e.disposition))
      err({ code: 'RULES_BAD_OUTPUT_VALUE', column: 'disposition', message: `golden case "${name}" expects unknown disposition "${String(e.disposition)}"`, path: `${path}.expect.disposition` });
    out.push({ name, facts: c.facts as GoldenCase['facts'], expect: e as GoldenCase['expect'] });
  });
  return out;
}
