/**
 * `returns-station import returns <file>` and `returns-station import catalog <file>`: CSV or JSON into the station
 * database, with progress on stderr, a per-row error report, and idempotent re-import (unchanged rows change nothing).
 */
import { readFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { importCatalog, importReturns, type ImportSource } from '../catalog/import.js';
import { loadConfigFile } from '../config/load.js';
import { errorMessage, StationError } from '../core/errors.js';
import { loadRuleSetFile, type CompiledRuleSet } from '../rules/index.js';
import type { ImportReport } from '../server/api/workflow-types.js';
import { openStationDb } from '../store/index.js';
import { EXIT_USAGE, asStationError, badOption, printError } from './errors.js';

/** The station's built-in rule set (the same file as DEFAULT_RULES in src/app/station-app.ts). */
const BUILT_IN_RULES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures/rules/default.yaml');

interface Opts {
  rules?: string;
  db?: string;
  dataDir?: string;
  config?: string;
  format?: string;
  json?: boolean;
}

/** JSON files may be a bare array or an object holding one (`rows`, `returns`, `products`). */
export function sourceOf(file: string, format?: string): ImportSource {
  // A bad --format is a usage error whatever the file, so it is checked before the file is read.
  if (format !== undefined && format !== 'csv' && format !== 'json') throw badOption('--format', format, ['csv', 'json']);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new StationError('IMPORT_UNREADABLE', `Cannot read ${file}: ${errorMessage(e)}`);
  }
  const fmt = format ?? (extname(file).toLowerCase() === '.json' ? 'json' : 'csv');
  if (fmt === 'csv') return { format: 'csv', text };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new StationError('IMPORT_BAD_JSON', `${file} is not valid JSON: ${errorMessage(e)}`);
  }
  const obj = raw as Record<string, unknown>;
  const rows = Array.isArray(raw) ? raw : (['rows', 'returns', 'products'].map((k) => obj?.[k]).find(Array.isArray) as unknown[] | undefined);
  if (!rows) throw new StationError('IMPORT_BAD_JSON', `${file}: expected an array of rows (or an object with "rows", "returns" or "products").`);
  return { format: 'json', rows };
}

function dbPathOf(opts: Opts): string {
  if (opts.db) return resolve(opts.db);
  if (opts.dataDir) return resolve(opts.dataDir, 'station.db');
  const cfg = loadConfigFile(opts.config);
  return resolve(cfg.dataDir, 'station.db');
}

/**
 * The rule set the station decides with: `--rules`, else the config's `rules.file`, else the built-in set. Imported
 * customer reasons are checked against it, so a reason the rules do not know is refused here, not decided wrongly later.
 */
function ruleSetOf(opts: Opts): CompiledRuleSet {
  const file = opts.rules ? resolve(opts.rules) : (loadConfigFile(opts.config).rules.file ?? BUILT_IN_RULES);
  const r = loadRuleSetFile(file);
  if (!r.ok) throw new StationError('IMPORT_RULES_INVALID', `The rule set ${file} cannot be used to check the reasons: ${r.errors[0]?.message ?? 'it does not load'}`);
  return r.ruleSet;
}

function printReport(r: ImportReport, file: string, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(r) + '\n');
    return;
  }
  const lines = [`${file}: ${r.rows} rows — ${r.inserted} new, ${r.updated} updated, ${r.unchanged} unchanged, ${r.errors.length + r.errorsTruncated} refused (${r.durationMs} ms)`];
  for (const e of r.errors) lines.push(`  line ${e.line}: ${e.code} ${e.message}`);
  if (r.errorsTruncated) lines.push(`  … and ${r.errorsTruncated} more refused rows`);
  for (const w of r.warnings ?? []) lines.push(`  warning: ${w}`);
  process.stdout.write(lines.join('\n') + '\n');
}

export function register(program: Command): void {
  const imp = program.command('import').description('import expected returns (RMAs, order lines, serials, lots) or products into the station database');
  for (const kind of ['returns', 'catalog'] as const) {
    const cmd = imp
      .command(`${kind} <file>`)
      .description(kind === 'returns' ? 'expected returns from CSV or JSON (one row per order line)' : 'products from CSV or JSON (GTIN → category, flags, packaging)');
    if (kind === 'returns') cmd.option('--rules <file>', "rule set whose reasons are accepted (default: the config's rules.file, else the built-in set)");
    cmd
      .option('--db <file>', 'station database (default: <dataDir>/station.db from the config)')
      .option('--data-dir <dir>', 'station data folder')
      .option('--config <file>', 'station.yaml')
      .option('--format <csv|json>', 'file format (default: from the extension)')
      .option('--json', 'print the report as JSON')
      .action(async (file: string, opts: Opts) => {
        try {
          const src = sourceOf(file, opts.format);
          const rules = kind === 'returns' ? ruleSetOf(opts) : undefined;
          const sdb = openStationDb(dbPathOf(opts));
          try {
            const onProgress = (done: number): void => void process.stderr.write(`\r${kind}: ${done} rows`);
            const report = kind === 'returns' ? importReturns(sdb.db, src, { onProgress, source: file, ...(rules ? { checkFacts: (f: Record<string, string>) => rules.checkFacts(f) } : {}) }) : importCatalog(sdb.db, src, { onProgress, source: file });
            process.stderr.write('\n');
            printReport(report, file, opts.json === true);
            // Refused rows are a partial success: the good rows are in; a script can tell by the exit code.
            if (report.errors.length + report.errorsTruncated > 0) process.exitCode = 1;
          } finally {
            sdb.close();
          }
        } catch (e) {
          // The file as a whole could not be imported: one line like every command (JSON on stdout with --json), exit 2.
          printError(asStationError(e, 'IMPORT_FAILED'), opts.json === true);
          process.exitCode = EXIT_USAGE;
        }
      });
  }
}
