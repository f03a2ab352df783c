/**
 * `returns-station rules test|eval|replay`. Machine output (`--json`) goes to stdout only; everything else to stderr.
 */
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Command } from 'commander';
import { loadConfigFile } from '../config/load.js';
import { StationError, errorMessage } from '../core/errors.js';
import {
  analyzeRuleSet,
  loadRuleSetFile,
  parseSince,
  replay,
  runGoldenCases,
  type CompiledRuleSet,
  type ReplayReport,
  type ReplaySource,
  type RuleError,
  type StoredCase,
} from '../rules/index.js';
import { ruleSetMarkdown } from '../rules/markdown.js';
import { EXIT_USAGE, asStationError, printError } from './errors.js';

/**
 * Reads decided cases from the station database. The query, documented here because HQ tools reuse it:
 *
 *   SELECT id, created_at, facts_json, decision_json FROM items
 *   WHERE created_at >= :since AND facts_json IS NOT NULL AND decision_json IS NOT NULL
 *   ORDER BY created_at, id
 *
 * `created_at` is ms since epoch; `facts_json` is the Facts object given to the rules; `decision_json` is the
 * Decision recorded then (only `disposition` is required). Rows whose JSON does not parse are skipped and counted.
 */
export class SqliteReplaySource implements ReplaySource {
  skipped = 0;
  constructor(private readonly dbPath: string) {}

  *cases(opts: { sinceMs?: number }): Iterable<StoredCase> {
    const db = new Database(this.dbPath, { readonly: true, fileMustExist: true });
    try {
      const since = opts.sinceMs ?? 0;
      const stmt = db.prepare(
        `SELECT id, created_at, facts_json, decision_json FROM items
         WHERE created_at >= ? AND facts_json IS NOT NULL AND decision_json IS NOT NULL
         ORDER BY created_at, id`,
      );
      for (const row of stmt.iterate(since) as Iterable<{ id: unknown; created_at: number; facts_json: string; decision_json: string }>) {
        try {
          const facts = JSON.parse(row.facts_json) as StoredCase['facts'];
          const decision = JSON.parse(row.decision_json) as StoredCase['decision'];
          if (facts === null || typeof facts !== 'object' || decision === null || typeof decision !== 'object') {
            this.skipped++;
            continue;
          }
          yield { caseId: String(row.id), facts, decision, decidedAt: row.created_at };
        } catch {
          this.skipped++;
        }
      }
    } finally {
      db.close();
    }
  }
}

/**
 * One decision JSON line per facts JSON line; a bad line gets an error line `{"ok":false,"error":{code,message},"line":n}`,
 * so outputs stay aligned with inputs. An enum fact outside its values (reason "bogus") is such a line
 * (FACT_INVALID), not a decision: the engine alone would decide it as if it were some other value.
 * Returns the lines read and how many got an error line (the command exits 1 if any did).
 */
export async function evalLines(rs: CompiledRuleSet, input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<{ lines: number; refused: number }> {
  const rl = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  let refused = 0;
  for await (const line of rl) {
    n++;
    if (line.trim() === '') continue;
    let facts: unknown;
    try {
      facts = JSON.parse(line);
    } catch {
      output.write(`${JSON.stringify({ ok: false, error: { code: 'RULES_BAD_FACTS', message: `line ${n} is not JSON` }, line: n })}\n`);
      refused++;
      continue;
    }
    if (facts === null || typeof facts !== 'object' || Array.isArray(facts)) {
      output.write(`${JSON.stringify({ ok: false, error: { code: 'RULES_BAD_FACTS', message: `line ${n} is not a JSON object of facts` }, line: n })}\n`);
      refused++;
      continue;
    }
    const checked = rs.checkFacts(facts);
    if (!checked.ok) {
      const { code, message, details } = checked.error;
      output.write(`${JSON.stringify({ ok: false, error: { code, message: `line ${n}: ${message}`, details: { field: details.field, allowed: details.allowed, issues: details.issues.map(({ field, value, allowed, suggestion }) => ({ field, value, allowed, ...(suggestion ? { suggestion } : {}) })) } }, line: n })}\n`);
      refused++;
      continue;
    }
    output.write(`${JSON.stringify(rs.evaluate(facts as Record<string, never>))}\n`);
  }
  return { lines: n, refused };
}

export function formatError(e: RuleError): string {
  const where = [e.table && `table ${e.table}`, e.row !== undefined && `row ${e.row}`, e.column && `column ${e.column}`].filter(Boolean).join(', ');
  return `${e.code}${where ? ` [${where}]` : ''}: ${e.message}`;
}

/**
 * A rule set that cannot be used, through the CLI's one error printer; exit 2. A file that cannot be read is one
 * error (`RULES_FILE`); a set that does not validate is `RULES_INVALID` with every problem: one
 * `returns-station: error CODE [table, row, column]: …` line each, or with `json` the list as `errors` beside `error`.
 */
export function reportRefused(file: string, errors: readonly RuleError[], json: boolean): void {
  process.exitCode = EXIT_USAGE;
  const only = errors.length === 1 ? errors[0] : undefined;
  if (only?.code === 'RULES_FILE') {
    printError(new StationError('RULES_FILE', only.message, { hint: 'Check the path of the rule set file.', details: { file } }), json);
    return;
  }
  const summary = new StationError('RULES_INVALID', `The rule set ${file} was refused: ${errors.length} error(s).`, {
    hint: 'Fix the named tables, rows and columns (docs/rules.md).',
    details: { file },
  });
  if (json) {
    process.stdout.write(`${JSON.stringify({ ok: false, error: summary.toJSON(), errors })}\n`);
    return;
  }
  for (const e of errors) process.stderr.write(`returns-station: error ${formatError(e)}\n`);
  printError(summary, false);
}

function loadOrReport(file: string, json = false): CompiledRuleSet | null {
  const r = loadRuleSetFile(file);
  if (r.ok) return r.ruleSet;
  reportRefused(file, r.errors, json);
  return null;
}

/** A refused run of `rules …`: one line through the CLI's printer, exit 2 (every such refusal is about the input). */
function refuse(e: unknown, json: boolean): void {
  printError(asStationError(e, 'RULES_FAILED'), json);
  process.exitCode = EXIT_USAGE;
}

function printReplay(rep: ReplayReport, skipped: number): void {
  const out = process.stdout;
  out.write(`Replay of ${rep.ruleSet.id} ${rep.ruleSet.version} over ${rep.total} case(s)${skipped ? ` (${skipped} unreadable skipped)` : ''}\n`);
  out.write(`  unchanged: ${rep.unchanged} (bin moved: ${rep.binChanged})  changed: ${rep.changed}  fallback: ${rep.fallbacks}\n`);
  for (const t of rep.transitions) if (t.from !== t.to) out.write(`  ${t.from} → ${t.to}: ${t.count}\n`);
  for (const e of rep.examples.slice(0, 20))
    out.write(`  e.g. case ${e.caseId}: ${e.from}${e.fromBin ? ` (${e.fromBin})` : ''} → ${e.to} (${e.toBin}) via ${e.matchedRows.join(', ')}\n`);
}

interface ReplayCliOptions {
  db?: string;
  dataDir?: string;
  config?: string;
  since?: string;
  examples: string;
  json?: boolean;
}

/**
 * The station database replay reads: `--db`, else `<--data-dir>/station.db`, else `<dataDir>/station.db` from the
 * config (default ./data), so `rules replay <ruleset> --since 30d` on the station needs no path. A missing file is
 * refused here (RULES_NO_DB): opening it would only say "unable to open database file".
 */
export function replayDbPath(opts: { db?: string; dataDir?: string; config?: string }): string {
  const path = opts.db ? resolve(opts.db) : opts.dataDir ? resolve(opts.dataDir, 'station.db') : resolve(loadConfigFile(opts.config).dataDir, 'station.db');
  if (!existsSync(path))
    throw new StationError('RULES_NO_DB', `There is no station database at ${path}.`, { hint: 'Give it with --db, --data-dir or --config.' });
  return path;
}

export function register(program: Command): void {
  const rules = program.command('rules').description('decision tables: test, evaluate and replay rule sets');

  rules
    .command('test <file>')
    .description('validate a rule set, run its golden cases and static analysis (exit 0 only if valid and all pass)')
    .option('--json', 'print the result as JSON')
    .option('--strict', 'also fail on analysis warnings')
    .action((file: string, opts: { json?: boolean; strict?: boolean }) => {
      const r = loadRuleSetFile(file);
      if (!r.ok) {
        reportRefused(file, r.errors, opts.json === true);
        return;
      }
      const g = runGoldenCases(r.ruleSet);
      const failed = g.failed.length > 0 || (opts.strict === true && r.warnings.length > 0);
      if (opts.json) {
        const { id, version, hash } = r.ruleSet;
        const a = analyzeRuleSet(r.ruleSet);
        const analysis = { overlaps: a.overlaps.length, unreachable: a.unreachable, gaps: a.gaps };
        const golden = { passed: g.passed, failed: g.failed.map((f) => ({ name: f.name, mismatches: f.mismatches })) };
        process.stdout.write(`${JSON.stringify({ ok: !failed, ruleSet: { id, version, hash }, warnings: r.warnings, analysis, golden })}\n`);
      } else {
        for (const w of r.warnings) process.stderr.write(`warning ${formatError(w)}\n`);
        for (const f of g.failed) process.stderr.write(`FAIL ${f.name}\n  ${f.mismatches.join('\n  ')}\n`);
        process.stderr.write(`${r.ruleSet.id} ${r.ruleSet.version} (${r.ruleSet.hash.slice(0, 12)}): golden ${g.passed} passed, ${g.failed.length} failed; ${r.warnings.length} warning(s)\n`);
      }
      if (failed) process.exitCode = 1;
    });

  rules
    .command('eval <file>')
    .description('evaluate facts: one JSON object per line on stdin, one decision JSON per line on stdout (exit 1 if any line got an error line)')
    .option('--json <input>', 'input source; only "-" (stdin) is supported', '-')
    .action(async (file: string, opts: { json: string }) => {
      if (opts.json !== '-') {
        refuse(new StationError('CLI_BAD_OPTION', `--json "${opts.json}": rules eval reads facts from stdin only.`, { hint: 'Use --json - and pipe the facts in.', details: { option: '--json', value: opts.json } }), false);
        return;
      }
      const rs = loadOrReport(file);
      if (!rs) return;
      // Every line is still answered; a script piping facts in must still learn that some were refused.
      const { refused } = await evalLines(rs, process.stdin, process.stdout);
      if (refused > 0) {
        process.stderr.write(`${refused} line(s) refused (see the "ok":false lines)\n`);
        process.exitCode = 1;
      }
    });

  rules
    .command('doc <file>')
    .description('print a rule set as Markdown tables (docs/rules.md embeds the default set this way)')
    .action((file: string) => {
      const rs = loadOrReport(file);
      if (rs) process.stdout.write(ruleSetMarkdown(rs));
    });

  rules
    .command('replay <ruleset>')
    .description("run a candidate rule set over the station's stored cases and show what would change")
    .option('--db <station.db>', "station SQLite database (default: <dataDir>/station.db from the station's config)")
    .option('--data-dir <dir>', 'station data folder (its station.db is read)')
    .option('--config <file>', 'station.yaml whose dataDir holds station.db')
    .option('--since <age>', 'only cases from the last e.g. 30d, 12h, 2w')
    .option('--examples <n>', 'examples per changed pair', '3')
    .option('--json', 'print the report as JSON')
    .action(async (file: string, opts: ReplayCliOptions) => {
      const json = opts.json === true;
      // Options first: a typo in --since or --examples is reported as such, whatever the database.
      let sinceMs: number | undefined;
      if (opts.since !== undefined) {
        const ms = parseSince(opts.since);
        if (ms === null) {
          refuse(new StationError('CLI_BAD_OPTION', `--since "${opts.since}" is not a duration like 30d, 12h or 2w.`, { details: { option: '--since', value: opts.since } }), json);
          return;
        }
        sinceMs = Date.now() - ms;
      }
      // `--examples abc` used to mean 0 without a word; a typo should not silently hide every example.
      const examples = /^\s*\d+\s*$/.test(opts.examples) ? Number(opts.examples) : Number.NaN;
      if (!Number.isInteger(examples) || examples > 1000) {
        refuse(new StationError('CLI_BAD_OPTION', `--examples "${opts.examples}" is not a whole number from 0 to 1000.`, { details: { option: '--examples', value: opts.examples } }), json);
        return;
      }
      let dbPath: string;
      try {
        dbPath = replayDbPath(opts);
      } catch (e) {
        refuse(e, json);
        return;
      }
      const rs = loadOrReport(file, json);
      if (!rs) return;
      const src = new SqliteReplaySource(dbPath);
      let rep: ReplayReport;
      try {
        rep = await replay(rs, src, { ...(sinceMs === undefined ? {} : { sinceMs }), examplesPerTransition: examples });
      } catch (e) {
        refuse(
          new StationError('RULES_DB_INVALID', `Cannot read cases from ${dbPath}: ${errorMessage(e)}.`, {
            hint: 'Give the station database (data/station.db) with --db, --data-dir or --config.',
            details: { db: dbPath },
            cause: e,
          }),
          json,
        );
        return;
      }
      if (opts.json) process.stdout.write(`${JSON.stringify({ ...rep, skipped: src.skipped })}\n`);
      else printReplay(rep, src.skipped);
    });
}
