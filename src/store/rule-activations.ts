import type { StationDb } from './db.js';

/**
 * Every rule set activation attempt (table: rule_activations, migration 5), accepted or refused, from the config file,
 * a supervisor or HQ's downlink. The store is the one place that says which set is active: at start-up the station
 * brings back the last accepted one (src/app/rules-startup.ts), whichever way it came. Rows are never deleted: an
 * activation is an audit fact and a station makes a handful a month.
 */
export type StoredActivationSource = 'config' | 'supervisor' | 'downlink';

export interface StoredActivationError {
  code: string;
  message: string;
  table?: string;
  row?: number;
  column?: string;
}

export interface StoredActivation {
  id: number;
  at: number;
  ruleSetId: string;
  version: string;
  /** '' when the candidate did not load (no hash can be computed) */
  hash: string;
  source: StoredActivationSource;
  /** the pseudonym or system name that asked for it (never a person's name) */
  by: string | null;
  reason: string | null;
  accepted: boolean;
  previous: { id: string; version: string; hash: string } | null;
  goldenPassed: number;
  goldenFailed: number;
  errors: StoredActivationError[];
  /** whether the rule set text is kept (accepted attempts only) */
  hasText: boolean;
}

export type NewActivation = Omit<StoredActivation, 'id' | 'hasText'> & { text: string | null };

interface Row {
  id: number;
  at: number;
  rule_set_id: string;
  version: string;
  hash: string;
  source: StoredActivationSource;
  by: string | null;
  reason: string | null;
  accepted: number;
  previous_json: string | null;
  golden_passed: number;
  golden_failed: number;
  errors_json: string;
  has_text: number;
}

const COLUMNS = `id, at, rule_set_id, version, hash, source, by, reason, accepted, previous_json, golden_passed, golden_failed, errors_json,
  text IS NOT NULL AS has_text`;

function parseJson<T>(s: string | null, fallback: T): T {
  if (s === null) return fallback;
  try {
    return JSON.parse(s) as T;
  } catch {
    // A hand-edited or truncated row must not hide the rest of the history.
    return fallback;
  }
}

const toActivation = (r: Row): StoredActivation => ({
  id: r.id,
  at: r.at,
  ruleSetId: r.rule_set_id,
  version: r.version,
  hash: r.hash,
  source: r.source,
  by: r.by,
  reason: r.reason,
  accepted: r.accepted === 1,
  previous: parseJson<StoredActivation['previous']>(r.previous_json, null),
  goldenPassed: r.golden_passed,
  goldenFailed: r.golden_failed,
  errors: parseJson<StoredActivationError[]>(r.errors_json, []),
  hasText: r.has_text === 1,
});

/** Errors are kept short: a broken 200-row upload can produce hundreds, and the first ones say what is wrong. */
const ERRORS_KEPT = 50;

export function recordRuleActivation(sdb: StationDb, a: NewActivation): number {
  const errors = a.errors.slice(0, ERRORS_KEPT).map((e) => ({ ...e, message: e.message.slice(0, 1000) }));
  const info = sdb
    .prepare(
      `INSERT INTO rule_activations (at, rule_set_id, version, hash, source, by, reason, accepted, previous_json, golden_passed, golden_failed, errors_json, text)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      a.at, a.ruleSetId.slice(0, 200), a.version.slice(0, 100), a.hash, a.source, a.by?.slice(0, 200) ?? null, a.reason?.slice(0, 2000) ?? null, a.accepted ? 1 : 0,
      a.previous ? JSON.stringify(a.previous) : null, a.goldenPassed, a.goldenFailed, JSON.stringify(errors),
      // Only an accepted set can be brought back, so only its text is worth the space.
      a.accepted ? a.text : null,
    );
  return Number(info.lastInsertRowid);
}

/** Newest first. */
export function ruleActivations(sdb: StationDb, limit = 50): StoredActivation[] {
  return (sdb.prepare(`SELECT ${COLUMNS} FROM rule_activations ORDER BY id DESC LIMIT ?`).all(limit) as Row[]).map(toActivation);
}

/** The set that was active when the station stopped, with its text (null when nothing was ever accepted). */
export function lastAcceptedActivation(sdb: StationDb): (StoredActivation & { text: string | null }) | null {
  const r = sdb.prepare(`SELECT ${COLUMNS}, text FROM rule_activations WHERE accepted = 1 ORDER BY id DESC LIMIT 1`).get() as (Row & { text: string | null }) | undefined;
  return r ? { ...toActivation(r), text: r.text } : null;
}

/** The latest attempt from one source, accepted or not (start-up uses it to see whether the config file changed). */
export function lastActivationFrom(sdb: StationDb, source: StoredActivationSource): StoredActivation | null {
  const r = sdb.prepare(`SELECT ${COLUMNS} FROM rule_activations WHERE source = ? ORDER BY id DESC LIMIT 1`).get(source) as Row | undefined;
  return r ? toActivation(r) : null;
}

/** The stored text of one accepted attempt (for the supervisor to look at or re-activate). */
export function ruleActivationText(sdb: StationDb, id: number): string | null {
  const r = sdb.prepare('SELECT text FROM rule_activations WHERE id = ?').get(id) as { text: string | null } | undefined;
  return r?.text ?? null;
}
