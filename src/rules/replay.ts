/**
 * Replay: run a candidate rule set over cases the station already decided, and show what would change.
 * The source is an interface so the CLI can read a SQLite file and the server can read its own store.
 */
import type { CompiledRuleSet, Decision, Disposition, Facts, RuleSetRef } from './types.js';

export interface StoredCase {
  caseId: string;
  facts: Facts;
  /** The decision recorded at the time; only `disposition` is required (older records may lack the rest). */
  decision: { disposition: Disposition | string; bin?: string; ruleSet?: Partial<RuleSetRef> };
  decidedAt?: number;
}

export interface ReplaySource {
  /** Cases decided at or after `sinceMs` (ms since epoch; all when absent), oldest first. */
  cases(opts: { sinceMs?: number }): Iterable<StoredCase> | AsyncIterable<StoredCase>;
}

export interface ReplayExample {
  caseId: string;
  from: string;
  to: Disposition;
  fromBin?: string;
  toBin: string;
  matchedRows: string[];
  explanation: Decision['explanation'];
}

export interface ReplayReport {
  ruleSet: RuleSetRef;
  sinceMs: number | null;
  total: number;
  unchanged: number;
  /** Disposition changed. */
  changed: number;
  /** Same disposition, different bin. */
  binChanged: number;
  /** Cases the candidate could not decide (fallback). */
  fallbacks: number;
  /** Counts by old → new disposition, largest first; unchanged pairs included so the UI can draw the full matrix. */
  transitions: Array<{ from: string; to: Disposition; count: number }>;
  /** Up to `examplesPerTransition` cases for each changed pair. */
  examples: ReplayExample[];
}

export interface ReplayOptions {
  /** Cut-off as ms since epoch (the CLI turns `--since 30d` into now − 30 days). */
  sinceMs?: number;
  examplesPerTransition?: number;
}

export async function replay(rs: CompiledRuleSet, source: ReplaySource, opts: ReplayOptions = {}): Promise<ReplayReport> {
  const per = opts.examplesPerTransition ?? 3;
  const counts = new Map<string, { from: string; to: Disposition; count: number }>();
  const examples: ReplayExample[] = [];
  const report: ReplayReport = {
    ruleSet: { id: rs.id, version: rs.version, hash: rs.hash },
    sinceMs: opts.sinceMs ?? null,
    total: 0,
    unchanged: 0,
    changed: 0,
    binChanged: 0,
    fallbacks: 0,
    transitions: [],
    examples,
  };
  const q = opts.sinceMs === undefined ? {} : { sinceMs: opts.sinceMs };
  for await (const c of source.cases(q)) {
    report.total++;
    const d = rs.evaluate(c.facts ?? {});
    if (d.fallback) report.fallbacks++;
    const from = String(c.decision?.disposition ?? 'unknown');
    const key = `${from}\u0000${d.disposition}`;
    let entry = counts.get(key);
    if (!entry) counts.set(key, (entry = { from, to: d.disposition, count: 0 }));
    entry.count++;
    const binMoved = typeof c.decision?.bin === 'string' && c.decision.bin !== d.bin;
    if (from === d.disposition) {
      report.unchanged++;
      if (binMoved) report.binChanged++;
      if (!binMoved) continue;
    } else report.changed++;
    if (entry.count <= per) {
      const ex: ReplayExample = {
        caseId: c.caseId,
        from,
        to: d.disposition,
        toBin: d.bin,
        matchedRows: d.matchedRows.map((m) => `${m.table}#${m.row}`),
        explanation: d.explanation,
      };
      if (typeof c.decision?.bin === 'string') ex.fromBin = c.decision.bin;
      examples.push(ex);
    }
  }
  report.transitions = [...counts.values()].sort((a, b) => b.count - a.count || a.from.localeCompare(b.from));
  return report;
}

/** `30d`, `12h`, `2w` → milliseconds; null when unreadable. */
export function parseSince(s: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(d|h|w|m)$/i.exec(s.trim());
  if (!m) return null;
  const unit = (m[2] as string).toLowerCase();
  const ms = unit === 'w' ? 7 * 86_400_000 : unit === 'd' ? 86_400_000 : unit === 'h' ? 3_600_000 : 60_000;
  return Number(m[1]) * ms;
}
