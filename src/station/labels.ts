import { foldedIndexMatches } from '../catalog/case-refs.js';
import type { ScanKind, Text } from '../server/api/workflow-types.js';
import { Refusal, tx2, type Core } from './core.js';

/**
 * Labels the station issues itself — bin labels, tote labels, department codes, operator badges — are matched
 * whatever their letter case (BUG-15 kind: a scanner behind Caps Lock that sends no Shift types `bin-restock` for
 * BIN-RESTOCK, and a "wrong bin" for the right bin is exactly the confusing refusal a tired operator should not see).
 * Where letter case alone told two of them apart, nothing is guessed: the scan is refused as ambiguous, naming them
 * (badges excepted: they are not shown), like RMA_AMBIGUOUS. ASCII letters only, as SQLite's NOCASE does; serial
 * numbers, GRAI/SSCC totes and whatever identity decodes stay exact.
 */

/** `s` with its ASCII letters in upper case; nothing else changes (no ß → SS, no dotless ı → I). */
export function foldCase(s: string): string {
  return s.replace(/[a-z]+/g, (m) => m.toUpperCase());
}

export type FoldedHit<T> = { kind: 'found'; value: T } | { kind: 'ambiguous'; labels: string[] } | { kind: 'none' };

/**
 * Configured labels → what each names, found whatever the letter case of the scan. A label listed twice exactly keeps
 * its first entry (the list's order always decided that); two spellings of one label naming the same thing are no
 * ambiguity; two that differ only in case and name different things are.
 */
export class FoldedLabels<T> {
  private readonly byFold = new Map<string, Array<{ label: string; value: T }>>();

  constructor(entries: Iterable<readonly [string, T]>) {
    const seen = new Set<string>();
    for (const [label, value] of entries) {
      if (seen.has(label)) continue;
      seen.add(label);
      const f = foldCase(label);
      let list = this.byFold.get(f);
      if (!list) this.byFold.set(f, (list = []));
      if (!list.some((m) => m.value === value)) list.push({ label, value });
    }
  }

  get(code: string): FoldedHit<T> {
    const list = this.byFold.get(foldCase(code));
    if (!list?.[0]) return { kind: 'none' };
    if (list.length > 1) return { kind: 'ambiguous', labels: list.map((m) => m.label) };
    return { kind: 'found', value: list[0].value };
  }
}

const NOUN: Record<'bin' | 'tote' | 'department' | 'badge', Text> = {
  bin: tx2('bin labels', '货位标签'),
  tote: tx2('tote labels', '周转箱标签'),
  department: tx2('department codes', '部门码'),
  badge: tx2('badges', '工牌'),
};

/**
 * The refusal for a scan that matches several labels differing only in letter case. `labels` are named, except
 * badges: a badge number on the screen would let anyone sign in as that person.
 */
export function ambiguousLabel(kind: 'bin' | 'tote' | 'department' | 'badge', code: string, labels: readonly string[]): Refusal {
  const n = labels.length;
  const named = kind !== 'badge';
  const noun = NOUN[kind];
  const scanKind: ScanKind = kind;
  return new Refusal(
    `${kind.toUpperCase()}_AMBIGUOUS`,
    tx2(
      `${code} matches ${n} ${noun.en} that differ only in letter case${named ? `: ${labels.join(', ')}` : ''}. The station does not guess which one.`,
      `${code} 与 ${n} 个仅大小写不同的${noun['zh-CN']}相符${named ? `：${labels.join('、')}` : ''}。工作站不会猜测是哪一个。`,
    ),
    {
      kind: scanKind,
      hint: `Letter case alone cannot tell these ${noun.en} apart: ask a supervisor to give one of them a label that differs in more than letter case.`,
      details: named ? { matches: [...labels] } : { matches: n },
    },
  );
}

/** Whether `code` starts with one of the station's tote prefixes (TOTE-…), in any letter case. */
export function isToteLabel(core: Core, code: string): boolean {
  const c = foldCase(code);
  return core.deps.config.totePrefixes.some((p) => c.startsWith(foldCase(p)));
}

/**
 * The tote a label names: the stored tote whatever letter case the label was scanned in (`tote-77` is TOTE-77), or
 * the label itself for a tote the station has not seen yet. Two stored totes that differ only in case: refused.
 */
export function toteOfLabel(core: Core, label: string): string {
  const code = label.trim();
  const stored = foldedIndexMatches(core.db, 'wf_totes', 'id', code);
  if (stored.length > 1) throw ambiguousLabel('tote', code, stored.sort());
  return stored[0] ?? code;
}

/** The badge as registered, whatever letter case it was scanned in; undefined when none is; refused when several are. */
export function registeredBadge(core: Core, badge: string): string | undefined {
  const code = badge.trim();
  // Most scans are items (digits, GS1 strings): with no letter to fold, one exact probe is the whole walk.
  const stored = foldedIndexMatches(core.db, 'wf_operators', 'badge', code);
  if (stored.length > 1) throw ambiguousLabel('badge', code, stored);
  return stored[0];
}
