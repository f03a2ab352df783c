/**
 * A compiled rule set as plain tables for the supervisor screen: the cells exactly as written (`-` for any).
 */
import type { CompiledRuleSet } from '../../rules/index.js';
import type { RuleRowView, RuleSetView, RuleTableView } from './supervisor-types.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

function cellText(v: unknown): string {
  if (v === undefined) return '-';
  if (v === null) return 'null';
  if (Array.isArray(v)) return v.map(cellText).join(', ');
  return String(v);
}

export function ruleSetView(rs: CompiledRuleSet): RuleSetView {
  const doc = isObj(rs.source) ? rs.source : {};
  const srcTables = Array.isArray(doc.tables) ? doc.tables.filter(isObj) : [];
  const tables: RuleTableView[] = rs.tables.map((t) => {
    const src = srcTables.find((s) => s.id === t.id) ?? {};
    const rows = Array.isArray(src.rows) ? src.rows.filter(isObj) : [];
    return {
      id: t.id,
      hitPolicy: t.hitPolicy,
      inputs: [...t.inputs],
      outputs: [...t.outputs],
      rows: rows.map((r, i): RuleRowView => {
        const when = Array.isArray(r.when) ? Object.fromEntries(t.inputs.map((k, j) => [k, (r.when as unknown[])[j]])) : isObj(r.when) ? r.when : {};
        const then = Array.isArray(r.then) ? Object.fromEntries(t.outputs.map((k, j) => [k, (r.then as unknown[])[j]])) : isObj(r.then) ? r.then : {};
        const ex = isObj(r.explain) ? r.explain : {};
        const en = typeof ex.en === 'string' ? ex.en : typeof r.explain === 'string' ? r.explain : '';
        return {
          row: i + 1,
          ...(typeof r.id === 'string' ? { id: r.id } : {}),
          when: Object.fromEntries(t.inputs.map((k) => [k, cellText(when[k])])),
          then: Object.fromEntries(t.outputs.map((k) => [k, then[k] === undefined ? '' : cellText(then[k])])),
          explain: { en, 'zh-CN': typeof ex['zh-CN'] === 'string' ? ex['zh-CN'] : en },
        };
      }),
    };
  });
  const title = typeof rs.metadata.title === 'string' ? rs.metadata.title : rs.id;
  return { ref: { id: rs.id, version: rs.version, hash: rs.hash }, title, facts: Object.values(rs.facts), tables };
}
