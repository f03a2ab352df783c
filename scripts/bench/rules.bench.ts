/**
 * `npm run bench -- rules`: the 200-row table in fixtures/rules/bench-200.yaml, evaluated on the same 100,000
 * generated items by this engine, by json-rules-engine and by @gorules/zen-engine, in one run.
 *
 * The table is translated cell by cell from our parsed model into each peer's own format (JRE conditions,
 * ZEN unary expressions), so all three read the same rows; every item's winning row is compared across the
 * three, and `metrics.agreement` is the share of items where all three agree (1 = 100%).
 * Peers are credited with their faster mode: JRE with `engine.stop()` after the first hit (first-hit through rule
 * priorities; all items) or running every rule and taking the lowest row (timed on 3,000 items); ZEN one
 * evaluation at a time or 256 in flight (its evaluate is async and runs off the JS thread).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ZenEngine } from '@gorules/zen-engine';
import { Engine, type NestedCondition, type RuleProperties, type TopLevelCondition } from 'json-rules-engine';
import type { Test } from '../../src/rules/cells.js';
import { loadRuleSetFile } from '../../src/rules/index.js';
import { modelOf } from '../../src/rules/load.js';
import type { Model, TableModel } from '../../src/rules/model.js';
import type { BenchResult } from './run.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ITEMS = Number(process.env.RULES_BENCH_ITEMS ?? 100_000);

type Item = Record<string, string | number | boolean>;

function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Items drawn uniformly from each fact's domain (whole days, prices with cents). */
function generate(m: Model, n: number): Item[] {
  const r = rng(42);
  const items: Item[] = [];
  for (let i = 0; i < n; i++) {
    const it: Item = {};
    for (const f of m.facts) {
      if (f.type === 'enum') it[f.name] = (f.values ?? [])[Math.floor(r() * (f.values?.length ?? 1))] as string;
      else if (f.type === 'boolean') it[f.name] = r() < 0.5;
      else if (f.name === 'price') it[f.name] = Math.round(r() * 150_000) / 100;
      else it[f.name] = Math.floor(r() * 121);
    }
    items.push(it);
  }
  return items;
}

// ---- json-rules-engine translation -------------------------------------------------------------------------

export function jreCond(fact: string, t: Test): NestedCondition {
  switch (t.t) {
    case 'any':
      return { all: [] };
    case 'null':
      return { fact, operator: 'equal', value: null };
    case 'in':
      return t.values.length === 1 ? { fact, operator: 'equal', value: t.values[0] } : { fact, operator: 'in', value: t.values };
    case 'range': {
      if (t.lo === t.hi) return { fact, operator: 'equal', value: t.lo };
      const parts: NestedCondition[] = [];
      if (t.lo !== -Infinity) parts.push({ fact, operator: t.loOpen ? 'greaterThan' : 'greaterThanInclusive', value: t.lo });
      if (t.hi !== Infinity) parts.push({ fact, operator: t.hiOpen ? 'lessThan' : 'lessThanInclusive', value: t.hi });
      return parts.length === 1 ? (parts[0] as NestedCondition) : { all: parts };
    }
    case 'not':
      if (t.inner.t === 'in') return t.inner.values.length === 1 ? { fact, operator: 'notEqual', value: t.inner.values[0] } : { fact, operator: 'notIn', value: t.inner.values };
      return { not: jreCond(fact, t.inner) };
    case 'or':
      return { any: t.tests.map((x) => jreCond(fact, x)) };
  }
}

function jreRules(table: TableModel): RuleProperties[] {
  const n = table.rows.length;
  return table.rows.map((r, i) => {
    const all = r.tests.flatMap((t, c) => (t.t === 'any' ? [] : [jreCond(table.inputs[c] as string, t)]));
    const conditions: TopLevelCondition = { all };
    // Row 1 has the highest priority; JRE runs priorities in order, so the first success is the first-hit row.
    return { conditions, priority: n - i, event: { type: 'row', params: { row: r.row, disposition: r.out.disposition, bin: r.out.bin } } };
  });
}

// ---- ZEN translation ---------------------------------------------------------------------------------------

const zq = (v: string | boolean): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));

/**
 * ZEN unary cells. ZEN's own short forms where they mean exactly what ours do (lists, comparisons, ranges,
 * booleans); `$` expressions only for negation and null, which its short forms do not cover.
 */
export function zenCell(t: Test): string {
  switch (t.t) {
    case 'any':
      return '';
    case 'null':
      return '$ == null';
    case 'in':
      return t.values.map(zq).join(', ');
    case 'range': {
      if (t.lo === t.hi) return String(t.lo);
      if (t.lo === -Infinity) return `${t.hiOpen ? '<' : '<='} ${t.hi}`;
      if (t.hi === Infinity) return `${t.loOpen ? '>' : '>='} ${t.lo}`;
      return `${t.loOpen ? '(' : '['}${t.lo}..${t.hi}${t.hiOpen ? ')' : ']'}`;
    }
    case 'not':
    case 'or':
      return zenExpr(t);
  }
}

/**
 * The same test as a boolean expression over `$`, for use inside not(...) and or. ZEN's parser takes neither
 * parentheses around `and` nor `not (a or b)`, so ranges use `$ in [a..b]` and negated lists use De Morgan.
 */
function zenExpr(t: Test): string {
  switch (t.t) {
    case 'any':
      return 'true';
    case 'null':
      return '$ == null';
    case 'in':
      return t.values.length === 1 ? `$ == ${zq(t.values[0] as string | boolean)}` : `$ in [${t.values.map(zq).join(', ')}]`;
    case 'range':
      if (t.lo === t.hi) return `$ == ${t.lo}`;
      if (t.lo === -Infinity) return `$ ${t.hiOpen ? '<' : '<='} ${t.hi}`;
      if (t.hi === Infinity) return `$ ${t.loOpen ? '>' : '>='} ${t.lo}`;
      return `$ in ${t.loOpen ? '(' : '['}${t.lo}..${t.hi}${t.hiOpen ? ')' : ']'}`;
    case 'not':
      if (t.inner.t === 'or') return t.inner.tests.map((x) => `not (${zenExpr(x)})`).join(' and ');
      return `not (${zenExpr(t.inner)})`;
    case 'or':
      return t.tests.map(zenExpr).join(' or ');
  }
}

function zenJdm(table: TableModel): object {
  const inputs = table.inputs.map((f, i) => ({ id: `in${i}`, name: f, field: f }));
  const outputs = ['row', 'disposition', 'bin'].map((f) => ({ id: `out_${f}`, name: f, field: f }));
  const rules = table.rows.map((r) => {
    const rule: Record<string, string> = { _id: `r${r.row}` };
    r.tests.forEach((t, i) => (rule[`in${i}`] = zenCell(t)));
    rule.out_row = String(r.row);
    rule.out_disposition = JSON.stringify(r.out.disposition ?? null);
    rule.out_bin = JSON.stringify(r.out.bin ?? null);
    return rule;
  });
  return {
    contentType: 'application/vnd.gorules.decision',
    nodes: [
      { id: 'input', type: 'inputNode', name: 'request', position: { x: 0, y: 0 } },
      {
        id: 'table',
        type: 'decisionTableNode',
        name: table.id,
        position: { x: 300, y: 0 },
        content: { hitPolicy: 'first', inputs, outputs, rules, passThrough: false, inputField: null, outputPath: null, executionMode: 'single' },
      },
      { id: 'output', type: 'outputNode', name: 'response', position: { x: 600, y: 0 } },
    ],
    edges: [
      { id: 'e1', sourceId: 'input', targetId: 'table', type: 'edge' },
      { id: 'e2', sourceId: 'table', targetId: 'output', type: 'edge' },
    ],
  };
}

// ---- runs --------------------------------------------------------------------------------------------------

function perSec(n: number, ms: number): number {
  return Math.round((n / ms) * 1000);
}

export async function run(): Promise<BenchResult> {
  const loaded = loadRuleSetFile(join(root, 'fixtures', 'rules', 'bench-200.yaml'));
  if (!loaded.ok) throw new Error(`bench-200.yaml does not load: ${loaded.errors.map((e) => e.message).join('; ')}`);
  const rs = loaded.ruleSet;
  const model = modelOf(rs) as Model;
  const table = model.tables[0] as TableModel;
  const items = generate(model, ITEMS);

  // Ours: the best of six full passes (the first ones include V8 tiering up the generated matchers).
  const ours = new Int32Array(items.length);
  let oursMs = Infinity;
  for (let pass = 0; pass < 6; pass++) {
    const t0 = performance.now();
    for (let i = 0; i < items.length; i++) ours[i] = rs.evaluate(items[i] as Item).matchedRows[0]?.row ?? 0;
    oursMs = Math.min(oursMs, performance.now() - t0);
  }

  // json-rules-engine
  const engine = new Engine(jreRules(table), { allowUndefinedFacts: true });
  engine.on('success', () => {
    engine.stop();
  });
  const jre = new Int32Array(items.length);
  const jreRow = (events: Array<{ params?: Record<string, unknown> }>): number => Math.min(...events.map((e) => Number(e.params?.row ?? Infinity)));
  for (let i = 0; i < Math.min(2_000, items.length); i++) await engine.run(items[i] as Item);
  let t0 = performance.now();
  for (let i = 0; i < items.length; i++) jre[i] = jreRow((await engine.run(items[i] as Item)).events);
  const jreMs = performance.now() - t0;
  // Second JRE mode, timed on a subset: no stop(), every rule runs, lowest matching row wins. The faster mode counts.
  const allEngine = new Engine(jreRules(table), { allowUndefinedFacts: true });
  const subN = Math.min(3_000, items.length);
  let jreAllAgree = 0;
  t0 = performance.now();
  for (let i = 0; i < subN; i++) if (jreRow((await allEngine.run(items[i] as Item)).events) === jre[i]) jreAllAgree++;
  const jreAllMs = performance.now() - t0;

  // ZEN: sequential and with 256 in flight; the faster mode counts.
  const zen = new ZenEngine();
  const decision = zen.createDecision(zenJdm(table));
  const zenOut = new Int32Array(items.length);
  const zenRow = (res: { result: { row?: number } }): number => Number(res.result?.row ?? 0);
  for (let i = 0; i < Math.min(5_000, items.length); i++) await decision.evaluate(items[i]);
  const seqN = Math.min(20_000, items.length);
  t0 = performance.now();
  for (let i = 0; i < seqN; i++) zenOut[i] = zenRow(await decision.evaluate(items[i]));
  const zenSeqMs = performance.now() - t0;
  const inflight = 256;
  t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      while (next < items.length) {
        const i = next++;
        zenOut[i] = zenRow(await decision.evaluate(items[i]));
      }
    }),
  );
  const zenParMs = performance.now() - t0;
  zen.dispose();

  let agree = 0;
  const disagreements: Array<{ item: number; ours: number; jre: number; zen: number }> = [];
  for (let i = 0; i < items.length; i++) {
    if (ours[i] === jre[i] && ours[i] === zenOut[i]) agree++;
    else if (disagreements.length < 5) disagreements.push({ item: i, ours: ours[i] as number, jre: jre[i] as number, zen: zenOut[i] as number });
  }
  const rowsHit = new Set(ours).size;

  const oursRate = perSec(items.length, oursMs);
  const jreStopRate = perSec(items.length, jreMs);
  const jreAllRate = perSec(subN, jreAllMs);
  const jreRate = Math.max(jreStopRate, jreAllRate);
  const zenSeqRate = perSec(seqN, zenSeqMs);
  const zenParRate = perSec(items.length, zenParMs);
  const zenRate = Math.max(zenSeqRate, zenParRate);
  return {
    metrics: {
      items: items.length,
      rows: table.rows.length,
      distinctRowsHit: rowsHit,
      decisionsPerSec: oursRate,
      nsPerDecision: Math.round((oursMs * 1e6) / items.length),
      agreement: agree / items.length,
      disagreements,
      peers: {
        jsonRulesEngine: {
          decisionsPerSec: jreRate,
          stopAfterFirstHitPerSec: jreStopRate,
          allRulesPerSec: jreAllRate,
          allRulesSubset: subN,
          allRulesAgreement: jreAllAgree / subN,
        },
        zenEngine: { decisionsPerSec: zenRate, sequentialPerSec: zenSeqRate, concurrentPerSec: zenParRate, inFlight: inflight },
      },
    },
    ratios: {
      vsJsonRulesEngine: Math.round((oursRate / jreRate) * 10) / 10,
      vsZenEngine: Math.round((oursRate / zenRate) * 10) / 10,
    },
  };
}
