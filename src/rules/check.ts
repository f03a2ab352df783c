/**
 * Facts checked against the rule set's declared types before they are evaluated. The engine itself never refuses
 * (an unknown enum value simply matches no `in` cell, so `not(...)` and `-` rows decide it): a mistyped reason such
 * as "Defective" would then get a decision meant for some other reason. Every entry point that takes facts from a
 * person or a file (scans, workflow answers, scenarios, `rules eval`, imports) asks this first and refuses.
 * Case is not folded: "Defective" is refused with a hint, never quietly read as "defective".
 */
import type { Bilingual, FactSpec } from './types.js';

export interface FactIssue {
  /** The fact (rule-set input) name, e.g. `reason`. */
  field: string;
  value: unknown;
  allowed: string[];
  /** The allowed value the input was probably meant to be ("Defective" → "defective", "sizefit" → "size_fit"). */
  suggestion?: string;
  text: Bilingual;
}

export interface FactInvalid {
  code: 'FACT_INVALID';
  message: string;
  text: Bilingual;
  details: { field: string; allowed: string[]; issues: FactIssue[] };
}

export type FactCheck = { ok: true } | { ok: false; error: FactInvalid };

const squash = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, '');

function suggest(value: string, allowed: string[]): string | undefined {
  const v = squash(value);
  if (v === '') return undefined;
  const exact = allowed.filter((a) => squash(a) === v);
  if (exact.length === 1) return exact[0];
  if (v.length < 3) return undefined;
  const near = allowed.filter((a) => squash(a).startsWith(v) || v.startsWith(squash(a)));
  return near.length === 1 ? near[0] : undefined;
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return typeof v;
  }
}

/** The issue for one value, or undefined when it is allowed (missing values are the rules' business, not ours). */
export function checkFact(spec: FactSpec | undefined, value: unknown): FactIssue | undefined {
  if (!spec || spec.derived || spec.type !== 'enum' || value === undefined || value === null) return undefined;
  const allowed = spec.values ?? [];
  const asText = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
  if (asText !== undefined && allowed.includes(asText)) return undefined;
  const suggestion = asText === undefined ? undefined : suggest(asText, allowed);
  const name = spec.label.en && spec.label.en !== spec.name ? `${spec.label.en} (${spec.name})` : spec.name;
  const nameZh = spec.label['zh-CN'] && spec.label['zh-CN'] !== spec.name ? `${spec.label['zh-CN']}（${spec.name}）` : spec.name;
  const en = `${name}: ${show(value)} is not an allowed value. Use one of: ${allowed.join(', ')}.${suggestion ? ` Did you mean "${suggestion}"?` : ''}`;
  const zh = `${nameZh}：${show(value)} 不是允许的值。可选值：${allowed.join('、')}。${suggestion ? `是否应为"${suggestion}"？` : ''}`;
  return { field: spec.name, value, allowed: [...allowed], ...(suggestion ? { suggestion } : {}), text: { en, 'zh-CN': zh } };
}

/** Every enum fact in `facts` against its declared values. Facts the rule set does not declare are not looked at. */
export function checkFacts(specs: Readonly<Record<string, FactSpec>>, facts: unknown): FactCheck {
  if (facts === null || typeof facts !== 'object') return { ok: true };
  const issues: FactIssue[] = [];
  for (const [name, value] of Object.entries(facts as Record<string, unknown>)) {
    const issue = Object.hasOwn(specs, name) ? checkFact(specs[name], value) : undefined;
    if (issue) issues.push(issue);
  }
  const first = issues[0];
  if (!first) return { ok: true };
  const text = { en: issues.map((i) => i.text.en).join(' '), 'zh-CN': issues.map((i) => i.text['zh-CN']).join(' ') };
  return { ok: false, error: { code: 'FACT_INVALID', message: text.en, text, details: { field: first.field, allowed: first.allowed, issues } } };
}
