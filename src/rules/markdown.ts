/**
 * A rule set as Markdown tables, the way a supervisor reads it: one table per decision table, one column per
 * input, `-` for "any". docs/rules.md embeds the default set rendered by this function, and a test keeps the two
 * in sync.
 */
import type { CompiledRuleSet } from './types.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

function cellText(v: unknown): string {
  if (v === undefined) return '-';
  if (v === null) return 'null';
  if (Array.isArray(v)) return v.map(cellText).join(', ');
  return String(v).replace(/"/g, '').replace(/\|/g, '\\|');
}

function outText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.map(String).join(', ');
  return String(v).replace(/\|/g, '\\|');
}

export function ruleSetMarkdown(rs: CompiledRuleSet): string {
  const doc = isObj(rs.source) ? rs.source : {};
  const lines: string[] = [];
  lines.push(`Rule set \`${rs.id}\` version \`${rs.version}\` (hash \`${rs.hash.slice(0, 12)}\`).`, '');
  lines.push('| Fact | Type | Values | 中文 |', '|---|---|---|---|');
  for (const f of Object.values(rs.facts))
    lines.push(`| ${f.name} | ${f.derived ? `${f.type} (derived)` : f.type} | ${f.values ? f.values.join(', ') : f.type === 'boolean' ? 'true, false' : [f.min !== undefined ? `≥ ${f.min}` : '', f.max !== undefined ? `≤ ${f.max}` : ''].filter(Boolean).join(' ') || '-'}${f.nullable ? ', may be missing' : ''} | ${f.label['zh-CN']} |`);
  const tables = Array.isArray(doc.tables) ? doc.tables.filter(isObj) : [];
  for (const t of tables) {
    const inputs = Array.isArray(t.inputs) ? t.inputs.map(String) : [];
    const outputs = Array.isArray(t.outputs) ? t.outputs.map(String) : [];
    lines.push('', `### ${String(t.id)} (${String(t.hitPolicy ?? 'first')})`, '');
    lines.push(`| # | ${inputs.join(' | ')} | → ${outputs.join(' | ')} | Why | 说明 |`);
    lines.push(`|---|${inputs.map(() => '---').join('|')}|${outputs.map(() => '---').join('|')}|---|---|`);
    const rows = Array.isArray(t.rows) ? t.rows.filter(isObj) : [];
    rows.forEach((r, i) => {
      const when = Array.isArray(r.when) ? Object.fromEntries(inputs.map((k, j) => [k, (r.when as unknown[])[j]])) : isObj(r.when) ? r.when : {};
      const then = Array.isArray(r.then) ? Object.fromEntries(outputs.map((k, j) => [k, (r.then as unknown[])[j]])) : isObj(r.then) ? r.then : {};
      const ex = isObj(r.explain) ? r.explain : { en: typeof r.explain === 'string' ? r.explain : '' };
      lines.push(
        `| ${i + 1} | ${inputs.map((k) => cellText(when[k])).join(' | ')} | ${outputs.map((k) => outText(then[k])).join(' | ')} | ${outText(ex.en)} | ${outText(ex['zh-CN'] ?? '')} |`,
      );
    });
  }
  return `${lines.join('\n')}\n`;
}
