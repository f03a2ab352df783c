/**
 * Loading: text or object → validated model → static analysis → compiled rule set. A bad rule set is refused with
 * every error found; nothing here throws.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { analyze } from './analyze.js';
import { checkFacts } from './check.js';
import { compileModel } from './compile.js';
import type { Model } from './model.js';
import { cbvDisposition, type CompiledRuleSet, type LoadResult, type RuleError } from './types.js';
import { buildModel } from './validate.js';

/** Models behind compiled rule sets, for the interpreter, replay and analysis (not part of the object's shape). */
const models = new WeakMap<CompiledRuleSet, Model>();

export function modelOf(rs: CompiledRuleSet): Model | undefined {
  return models.get(rs);
}

/** Key-sorted JSON, so the hash depends on content, not on key order, comments or whitespace. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(',')}}`;
}

export function contentHash(doc: unknown): string {
  return createHash('sha256').update(canonicalJson(doc)).digest('hex');
}

function parseText(text: string, format?: 'yaml' | 'json'): { ok: true; doc: unknown } | { ok: false; errors: RuleError[] } {
  const fmt = format ?? (/^\s*[{[]/.test(text) ? 'json' : 'yaml');
  if (fmt === 'json') {
    try {
      return { ok: true, doc: JSON.parse(text) as unknown };
    } catch (e) {
      return { ok: false, errors: [{ code: 'RULES_PARSE', message: `the file is not valid JSON: ${e instanceof Error ? e.message : String(e)}` }] };
    }
  }
  const d = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (d.errors.length > 0)
    return {
      ok: false,
      errors: d.errors.map((e) => ({
        code: 'RULES_PARSE',
        message: `the file is not valid YAML (line ${e.linePos?.[0]?.line ?? '?'}, column ${e.linePos?.[0]?.col ?? '?'}): ${e.message.split('\n')[0] ?? ''}`,
      })),
    };
  return { ok: true, doc: d.toJS({ maxAliasCount: 100 }) as unknown };
}

export function loadRuleSet(source: string | object, format?: 'yaml' | 'json'): LoadResult {
  let doc: unknown = source;
  if (typeof source === 'string') {
    const p = parseText(source, format);
    if (!p.ok) return p;
    doc = p.doc;
  }
  const hash = contentHash(doc);
  const built = buildModel(doc, hash);
  if (!built.model) return { ok: false, errors: built.errors };
  const model = built.model;
  const analysis = analyze(model);
  if (analysis.errors.length > 0) return { ok: false, errors: analysis.errors };
  const evaluate = compileModel(model);
  const facts = Object.fromEntries(model.facts.map((f) => [f.name, f]));
  const rs: CompiledRuleSet = {
    id: model.ref.id,
    version: model.ref.version,
    hash,
    metadata: model.metadata,
    facts,
    tables: model.tables.map((t) => ({ id: t.id, hitPolicy: t.hitPolicy, inputs: t.inputs, outputs: t.outputs, rows: t.rows.length })),
    golden: model.golden,
    evaluate(facts) {
      try {
        return evaluate(facts);
      } catch {
        // Unreachable by construction (validated model, total predicates), but a decision must always come back.
        return compileFallback(model);
      }
    },
    checkFacts: (input) => checkFacts(facts, input),
    source: doc,
  };
  models.set(rs, model);
  return { ok: true, ruleSet: rs, warnings: [...built.warnings, ...analysis.warnings] };
}

function compileFallback(m: Model): ReturnType<CompiledRuleSet['evaluate']> {
  const fb = m.fallback;
  return {
    disposition: fb.disposition,
    cbvDisposition: cbvDisposition(fb.disposition),
    bin: fb.bin,
    nextDepartment: fb.nextDepartment,
    priority: fb.priority,
    actions: [...fb.actions],
    matchedRows: [],
    explanation: fb.explanation,
    ruleSet: m.ref,
    fallback: true,
  };
}

export function loadRuleSetFile(path: string): LoadResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { ok: false, errors: [{ code: 'RULES_FILE', message: code === 'ENOENT' ? `rule set file not found: ${path}` : `cannot read ${path}: ${code ?? String(e)}` }] };
  }
  return loadRuleSet(text, path.endsWith('.json') ? 'json' : 'yaml');
}
