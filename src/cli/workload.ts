/**
 * `returns-station workload report --db <file> [--json] [--at <time>] [--station <id>]` and
 * `returns-station workload generate --days N --operators N --seed S --out <db> [--start YYYY-MM-DD] [--force]`.
 */
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, basename, extname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { Command } from 'commander';
import { StationError, errorMessage } from '../core/errors.js';
import { buildReport, ensureWorkloadSchema, formatReport, generateToDb } from '../workload/index.js';
import { parseDay } from '../workload/time.js';
import { EXIT_USAGE, asStationError, printError } from './errors.js';

/** The truth file sits beside the database: history.db → history.truth.json. */
export function truthPathFor(dbPath: string): string {
  const ext = extname(dbPath);
  return join(dirname(dbPath), `${ext ? basename(dbPath, ext) : basename(dbPath)}.truth.json`);
}

function parseTime(text: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(n)) throw new StationError('WORKLOAD_BAD_TIME', `"${text}" is not a time.`, { hint: 'Use ISO 8601, e.g. 2026-03-14T15:30:00Z, or epoch milliseconds.' });
  return n;
}

/**
 * Upper bounds for `generate`: ten years and a large dock's roster. Far above what a test or the bench needs
 * (90 days × 20 operators ≈ 0.8 M events), yet a typo such as `--days 100000000` is refused at once instead of
 * running for hours and filling the disk.
 */
export const GENERATE_LIMITS = { days: 3660, operators: 200 } as const;

function positiveInt(name: string, text: string, max: number): number {
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new StationError('WORKLOAD_BAD_ARGUMENT', `--${name} must be a whole number from 1 to ${max} (got "${text}").`);
  return n;
}

/** One line through the CLI's error printer (JSON on stdout with `report --json`); exit 2. */
function fail(e: unknown, json = false): void {
  printError(asStationError(e, 'WORKLOAD_FAILED'), json);
  process.exitCode = EXIT_USAGE;
}

function openDb(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  return db;
}

const WORK_EVENT_COLUMNS = ['at', 'station', 'operator', 'kind', 'item_id', 'intake'];

/**
 * A report only reads: the file is opened read-only and must already be a database with the work_events table, so
 * an empty file, a stray JSON file or HQ's hq.db is refused as it is instead of being turned into a database.
 */
export function openReportDb(file: string): Database.Database {
  if (!existsSync(file)) {
    throw new StationError('WORKLOAD_NO_DB', `There is no database at ${file}.`, { hint: 'Give the station database, or make one with `workload generate`.' });
  }
  const invalid = (why: string, cause?: unknown): StationError =>
    new StationError('WORKLOAD_DB_INVALID', `${file} is not a station database: ${why}.`, {
      hint: 'Give the station database (data/station.db) or one made with `workload generate`; HQ’s database has no workload figures.',
      details: { file },
      cause,
    });
  // SQLite takes a 0-byte file for an empty database; say what it is.
  if (statSync(file).isFile() && statSync(file).size === 0) throw invalid('the file is empty');
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (e) {
    throw invalid('it cannot be opened as a database', e);
  }
  try {
    let cols: string[];
    try {
      cols = db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('work_events') as string[];
    } catch (e) {
      // SQLITE_NOTADB and friends: the file exists but is not SQLite.
      throw invalid('it is not a SQLite database', e);
    }
    if (cols.length === 0) throw invalid('it has no work_events table');
    const missing = WORK_EVENT_COLUMNS.filter((c) => !cols.includes(c));
    if (missing.length > 0) throw invalid(`its work_events table lacks ${missing.join(', ')}`);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

export function register(program: Command): void {
  const wl = program.command('workload').description('operator workload: pace, breaks, fatigue signals, arrivals forecast and staffing');

  wl.command('report')
    .description("print the station's figures: arrivals per hour, forecast, staffing suggestion, live signals with reasons")
    .requiredOption('--db <file>', 'database holding the work_events table (opened read-only)')
    .option('--json', 'print JSON')
    .option('--at <time>', 'report as of this time (ISO 8601 or epoch ms); default: the newest event')
    .option('--station <id>', 'only this station’s events')
    .action((opts: { db: string; json?: boolean; at?: string; station?: string }) => {
      try {
        const db = openReportDb(opts.db);
        try {
          const report = buildReport(db, {
            ...(opts.at === undefined ? {} : { at: parseTime(opts.at) }),
            ...(opts.station === undefined ? {} : { config: { station: opts.station } }),
          });
          process.stdout.write((opts.json === true ? JSON.stringify(report, null, 2) : formatReport(report)) + '\n');
        } finally {
          db.close();
        }
      } catch (e) {
        fail(e, opts.json === true);
      }
    });

  wl.command('generate')
    .description('write a generated shift history (seeded) and its truth file beside it')
    .requiredOption('--days <n>', 'days of history')
    .requiredOption('--operators <n>', 'number of operators')
    .requiredOption('--seed <s>', 'random seed (same seed, same history)')
    .requiredOption('--out <db>', 'database file to write')
    .option('--start <date>', 'first day, YYYY-MM-DD', '2026-01-05')
    .option('--station <id>', 'station id', 'S1')
    .option('--force', 'replace an existing file')
    .action((opts: { days: string; operators: string; seed: string; out: string; start: string; station: string; force?: boolean }) => {
      try {
        const days = positiveInt('days', opts.days, GENERATE_LIMITS.days);
        const operators = positiveInt('operators', opts.operators, GENERATE_LIMITS.operators);
        const seed = Number(opts.seed);
        if (opts.seed.trim() === '' || !Number.isFinite(seed)) throw new StationError('WORKLOAD_BAD_ARGUMENT', `--seed must be a number (got "${opts.seed}").`);
        // Checked before any file is made, so a bad date leaves nothing behind that --force would then be needed for.
        if (parseDay(opts.start, 0) === null)
          throw new StationError('WORKLOAD_BAD_ARGUMENT', `--start must be a date YYYY-MM-DD (got "${opts.start}").`, { hint: 'For example --start 2026-01-05.' });
        if (existsSync(opts.out)) {
          if (opts.force !== true) throw new StationError('WORKLOAD_OUT_EXISTS', `${opts.out} already exists.`, { hint: 'Pick another --out or add --force.' });
          for (const suffix of ['', '-wal', '-shm']) rmSync(opts.out + suffix, { force: true });
        }
        // `--out data/history.db` on a fresh clone: the folder does not exist yet.
        try {
          mkdirSync(dirname(opts.out), { recursive: true });
        } catch (e) {
          throw new StationError('WORKLOAD_OUT_UNWRITABLE', `Cannot create the folder for ${opts.out}: ${errorMessage(e)}`, { hint: 'Pick an --out in a folder you can write to.', cause: e });
        }
        let db: Database.Database;
        try {
          db = openDb(opts.out);
        } catch (e) {
          throw new StationError('WORKLOAD_OUT_UNWRITABLE', `Cannot write ${opts.out}: ${errorMessage(e)}`, { hint: 'Pick an --out in a folder you can write to.', cause: e });
        }
        let truth;
        try {
          ensureWorkloadSchema(db);
          truth = generateToDb(db, { days, operators, seed, start: opts.start, station: opts.station });
        } catch (e) {
          // A half-written history would pass for a real one: remove what this run created.
          db.close();
          for (const suffix of ['', '-wal', '-shm']) rmSync(opts.out + suffix, { force: true });
          throw e;
        }
        db.close();
        const truthPath = truthPathFor(opts.out);
        writeFileSync(truthPath, JSON.stringify(truth) + '\n');
        process.stdout.write(JSON.stringify({ db: opts.out, truth: truthPath, days, operators, seed, ...truth.counts }) + '\n');
      } catch (e) {
        fail(e);
      }
    });
}
