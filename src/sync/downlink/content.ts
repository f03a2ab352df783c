/**
 * The content checks of a downlink message, shared by the station (which applies what passes) and HQ's CLI (which
 * runs the very same checks as a dry run before publishing, so a file the stations would refuse never leaves HQ).
 * Every refusal is a StationError with the station's code (`DOWNLINK_…_INVALID`, `DOWNLINK_RULES_GOLDEN_FAILED`,
 * `DOWNLINK_RULES_NO_GOLDEN`) and, for rows, `details.errors` naming each bad row by line.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { z } from 'zod';
import { productRowSchema, type Product } from '../../catalog/catalog.js';
import { importCatalog, importReturns, type ImportOptions, type ImportSource } from '../../catalog/import.js';
import { StationError } from '../../core/errors.js';
import { loadRuleSet, RuleRegistry, type ActivateResult, type CompiledRuleSet, type RuleError } from '../../rules/index.js';
import type { ImportReport } from '../../server/api/workflow-types.js';
import { openStationDb } from '../../store/index.js';
import type { DownlinkKind } from './envelope.js';

/** How many bad rows a refusal lists in `details.errors` (the message names the first three). */
const LISTED_ROWS = 20;

export const refuse = (code: string, message: string, details?: Record<string, unknown>): never => {
  throw new StationError(code, message, details ? { details } : {});
};

const describeRuleError = (e: RuleError): string =>
  `${e.code}${e.table ? ` in table ${e.table}` : ''}${e.row !== undefined ? ` row ${e.row}` : ''}${e.column ? ` column ${e.column}` : ''}: ${e.message}`;

const firstIssue = (e: z.ZodError): string => {
  const i = e.issues[0];
  return i ? `${i.path.join('.') || '(payload)'}: ${i.message}` : 'invalid';
};

const catalogPayloadSchema = z.object({ source: z.string().optional(), products: z.array(productRowSchema).min(1, 'at least one product') }).strict();

const returnsPayloadSchema = z.discriminatedUnion('format', [
  z.object({ format: z.literal('csv'), text: z.string().min(1, 'empty CSV') }).strict(),
  z.object({ format: z.literal('json'), rows: z.array(z.unknown()).min(1, 'at least one row') }).strict(),
]);

function rowErrors(r: ImportReport): string {
  const shown = r.errors.slice(0, 3).map((e) => `line ${e.line}: ${e.code} ${e.message}`);
  const more = r.errors.length + r.errorsTruncated - shown.length;
  return `${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
}

const badRows = (code: string, what: string, r: ImportReport): never =>
  refuse(code, `${what} has ${r.errors.length + r.errorsTruncated} bad row(s): ${rowErrors(r)}`, {
    errors: r.errors.slice(0, LISTED_ROWS),
    badRows: r.errors.length + r.errorsTruncated,
  });

/** What an import into the station database is told: where the rows came from, and the active rules' fact check. */
export type ContentImportOptions = Pick<ImportOptions, 'source' | 'now' | 'checkFacts'>;

/**
 * A catalog payload (`{source?, products}`) checked against the catalog file's product schema, then upserted as
 * `import catalog` does. Throws DOWNLINK_CATALOG_INVALID on any bad product; the caller's transaction rolls back.
 */
export function importCatalogContent(db: BetterSqlite3.Database, payload: unknown, what: string, opts: ContentImportOptions = {}): { report: ImportReport; products: Product[] } {
  const p = catalogPayloadSchema.safeParse(payload);
  if (!p.success) return refuse('DOWNLINK_CATALOG_INVALID', `${what} is invalid at ${firstIssue(p.error)}`);
  // The payload's own objects, not zod's output: the import applies the defaults itself.
  const raw = (payload as { products: unknown[] }).products;
  const report = importCatalog(db, { format: 'json', rows: raw }, { ...(opts.source !== undefined ? { source: opts.source } : {}), ...(opts.now !== undefined ? { now: opts.now } : {}) });
  if (report.errors.length + report.errorsTruncated > 0) badRows('DOWNLINK_CATALOG_INVALID', what, report);
  return { report, products: p.data.products };
}

/** The returns payload (`{format: "csv", text}` or `{format: "json", rows}`) as an import source, or DOWNLINK_RETURNS_INVALID. */
export function returnsSource(payload: unknown, what: string): ImportSource {
  const p = returnsPayloadSchema.safeParse(payload);
  if (!p.success) return refuse('DOWNLINK_RETURNS_INVALID', `${what} is invalid at ${firstIssue(p.error)}`);
  return p.data.format === 'csv' ? { format: 'csv', text: p.data.text } : { format: 'json', rows: p.data.rows };
}

/**
 * Expected returns imported as `import returns` does, customer reasons checked by `opts.checkFacts` (the station's
 * active rule set). Any bad row refuses the whole payload (DOWNLINK_RETURNS_INVALID, thrown so the caller's
 * transaction rolls the good rows back with it).
 */
export function importReturnsContent(db: BetterSqlite3.Database, payload: unknown, what: string, opts: ContentImportOptions): ImportReport {
  const report = importReturns(db, returnsSource(payload, what), opts);
  if (report.errors.length + report.errorsTruncated > 0) badRows('DOWNLINK_RETURNS_INVALID', what, report);
  return report;
}

/** A rule set document loaded and validated as a station loads it, or DOWNLINK_RULES_INVALID naming the first problem. */
export function loadRulesContent(payload: unknown, what: string): CompiledRuleSet {
  const loaded = loadRuleSet(payload as object);
  if (!loaded.ok) {
    const first = loaded.errors[0];
    return refuse(
      'DOWNLINK_RULES_INVALID',
      `${what} is invalid: ${first ? describeRuleError(first) : 'unknown problem'}${loaded.errors.length > 1 ? ` (and ${loaded.errors.length - 1} more problems)` : ''}`,
      { errors: loaded.errors.slice(0, LISTED_ROWS) },
    );
  }
  return loaded.ruleSet;
}

/** A refused activation (golden cases fail, or there are none) as the station's refusal. */
export function refuseActivation(act: Extract<ActivateResult, { ok: false }>, rs: CompiledRuleSet, what: string): never {
  const first = act.errors[0];
  const code = first?.code === 'RULES_NO_GOLDEN' ? 'DOWNLINK_RULES_NO_GOLDEN' : 'DOWNLINK_RULES_GOLDEN_FAILED';
  return refuse(code, `Rule set ${rs.id} ${rs.version} (${what}) was not activated: ${first?.message ?? 'its golden cases failed'}`, { errors: act.errors.slice(0, LISTED_ROWS) });
}

export interface DryRunOptions {
  /** The rule set the stations decide with: returns' customer reasons are checked against it. */
  rules: Pick<CompiledRuleSet, 'checkFacts'>;
}

/**
 * HQ's dry run: the station's own checks for `kind`, on a throwaway in-memory station database and a throwaway rule
 * registry, nothing kept. Throws the refusal the station would send (its `DOWNLINK_…` code) or returns a summary.
 */
export function dryRunDownlink(kind: DownlinkKind, payload: unknown, what: string, o: DryRunOptions): string {
  if (kind === 'rules') {
    const rs = loadRulesContent(payload, what);
    const act = new RuleRegistry().activate(rs);
    if (!act.ok) refuseActivation(act, rs, what);
    return `rule set ${rs.id} ${rs.version}`;
  }
  const sdb = openStationDb(':memory:', { skipQuickCheck: true });
  try {
    return sdb.db.transaction(() => {
      if (kind === 'catalog') return `${importCatalogContent(sdb.db, payload, what).report.rows} products`;
      const report = importReturnsContent(sdb.db, payload, what, { checkFacts: (f) => o.rules.checkFacts(f) });
      return `${report.rows} rows`;
    })();
  } finally {
    sdb.close();
  }
}
