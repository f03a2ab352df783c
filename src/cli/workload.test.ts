import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Command } from 'commander';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { register, truthPathFor } from './workload.js';

const dir = mkdtempSync(join(tmpdir(), 'workload-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

async function run(...args: string[]): Promise<{ out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  const program = new Command().exitOverride();
  register(program);
  await program.parseAsync(['node', 'returns-station', ...args]);
  vi.restoreAllMocks();
  return { out, err };
}

describe('workload CLI', () => {
  const db = join(dir, 'hist.db');

  it('ISSUE-10 generate writes the history and hist.truth.json beside it, and prints only JSON', async () => {
    const { out } = await run('workload', 'generate', '--days', '15', '--operators', '3', '--seed', '42', '--out', db);
    const summary = JSON.parse(out) as Record<string, unknown>;
    expect(summary).toMatchObject({ db, truth: join(dir, 'hist.truth.json'), days: 15, operators: 3, seed: 42 });
    expect(truthPathFor(db)).toBe(join(dir, 'hist.truth.json'));
    const truth = JSON.parse(readFileSync(join(dir, 'hist.truth.json'), 'utf8')) as { operators: unknown[]; sessions: unknown[] };
    expect(truth.operators).toHaveLength(3);
    expect(truth.sessions.length).toBeGreaterThan(20);
  });

  it('ISSUE-10 generate refuses to overwrite without --force', async () => {
    const { err } = await run('workload', 'generate', '--days', '2', '--operators', '1', '--seed', '1', '--out', db);
    expect(err).toMatch(/WORKLOAD_OUT_EXISTS/);
    expect(process.exitCode).toBe(2);
  });

  it('generate refuses bad arguments before it creates any file, with WORKLOAD_BAD_ARGUMENT and no stack trace', async () => {
    const out = join(dir, 'bad-args.db');
    const cases: Array<[string[], RegExp]> = [
      [['--days', '0'], /--days must be a whole number from 1 to 3660 \(got "0"\)/],
      [['--days', '100000000'], /--days must be a whole number from 1 to 3660/],
      [['--days', '2.5'], /--days must be a whole number/],
      [['--operators', '100000'], /--operators must be a whole number from 1 to 200/],
      [['--seed', 'abc'], /--seed must be a number/],
      [['--start', '2026-13-45'], /--start must be a date YYYY-MM-DD \(got "2026-13-45"\)/],
    ];
    for (const [override, message] of cases) {
      const args: Record<string, string> = { '--days': '2', '--operators': '1', '--seed': '1', '--start': '2026-01-05' };
      args[override[0]!] = override[1]!;
      const { out: stdout, err } = await run('workload', 'generate', ...Object.entries(args).flat(), '--out', out);
      expect(stdout).toBe('');
      expect(err).toMatch(/^returns-station: error WORKLOAD_BAD_ARGUMENT: /);
      expect(err).toMatch(message);
      expect(err).not.toMatch(/\n\s+at /);
      expect(process.exitCode).toBe(2);
      expect(existsSync(out), `${override.join(' ')} left a file`).toBe(false);
      process.exitCode = undefined;
    }
  });

  it('generate makes the --out folder when it does not exist yet (data/history.db on a fresh clone)', async () => {
    const out = join(dir, 'fresh', 'data', 'h.db');
    const { out: stdout } = await run('workload', 'generate', '--days', '1', '--operators', '1', '--seed', '3', '--out', out);
    expect(JSON.parse(stdout)).toMatchObject({ db: out, truth: join(dir, 'fresh', 'data', 'h.truth.json') });
    expect(existsSync(out)).toBe(true);
    expect(process.exitCode ?? 0).toBe(0);
  });

  it('generate under a regular file is WORKLOAD_OUT_UNWRITABLE, one line', async () => {
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'x');
    const { err } = await run('workload', 'generate', '--days', '1', '--operators', '1', '--seed', '3', '--out', join(file, 'h.db'));
    expect(err).toMatch(/^returns-station: error WORKLOAD_OUT_UNWRITABLE: /);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(process.exitCode).toBe(2);
  });

  it('report on under a week of history says the forecast error is not measured yet, not "0 %"', async () => {
    const out = join(dir, 'short.db');
    await run('workload', 'generate', '--days', '3', '--operators', '2', '--seed', '5', '--out', out);
    const { out: text } = await run('workload', 'report', '--db', out);
    expect(text).toContain('Forecast error: not measured yet');
    expect(text).not.toMatch(/MAPE 0%/);
  });

  it('ISSUE-10 report --json gives arrivals, forecast, staffing and live signals', async () => {
    const { out } = await run('workload', 'report', '--db', db, '--json', '--at', '2026-01-19T15:30:00Z');
    const r = JSON.parse(out) as {
      at: string;
      snapshot: { operators: Array<{ operator: string; signals: unknown[] }>; station: { arrivalsHeatmap: number[][] } };
      forecast: { day: string; hourly: number[]; staffing: number[]; pressureHours: number[] };
      backtest: { forecastMape: number; naiveMape: number };
    };
    expect(r.at).toBe('2026-01-19T15:30:00.000Z');
    expect(r.forecast.day).toBe('2026-01-20');
    expect(r.forecast.hourly).toHaveLength(24);
    expect(r.forecast.staffing).toHaveLength(24);
    expect(r.snapshot.station.arrivalsHeatmap).toHaveLength(7);
    expect(r.snapshot.operators.length).toBeGreaterThan(0);
    expect(r.snapshot.operators.every((o) => Array.isArray(o.signals))).toBe(true);
  });

  it('ISSUE-10 report in text names the sections a supervisor reads', async () => {
    const { out } = await run('workload', 'report', '--db', db, '--at', '2026-01-19T15:30:00Z');
    expect(out).toMatch(/Average case arrivals per hour/);
    expect(out).toMatch(/Forecast for 2026-01-20/);
    expect(out).toMatch(/operators /);
  });

  it('ISSUE-10 report on a missing database says so plainly', async () => {
    const { err, out } = await run('workload', 'report', '--db', join(dir, 'nope.db'));
    expect(out).toBe('');
    expect(err).toMatch(/error WORKLOAD_NO_DB: There is no database at/);
    expect(existsSync(join(dir, 'nope.db'))).toBe(false);
    expect(process.exitCode).toBe(2);
  });

  /** The file as it is on disk: its bytes and its modification time. */
  const fingerprint = (file: string): { bytes: string; mtimeMs: number; size: number } => {
    const st = statSync(file);
    return { bytes: readFileSync(file).toString('base64'), mtimeMs: st.mtimeMs, size: st.size };
  };

  it('report refuses an empty file with WORKLOAD_DB_INVALID and leaves it an empty file', async () => {
    const file = join(dir, 'empty.json');
    writeFileSync(file, '');
    const before = fingerprint(file);
    // With --json the refusal is the one JSON error line on stdout, like every command (README).
    const { out, err } = await run('workload', 'report', '--db', file, '--json');
    expect(err).toBe('');
    const j = JSON.parse(out) as { ok: boolean; error: { code: string; message: string } };
    expect(j).toMatchObject({ ok: false, error: { code: 'WORKLOAD_DB_INVALID' } });
    expect(j.error.message).toMatch(/empty\.json is not a station database/);
    const text = await run('workload', 'report', '--db', file);
    expect(text.err).toMatch(/^returns-station: error WORKLOAD_DB_INVALID: .*empty\.json is not a station database/);
    expect(text.err).not.toMatch(/\n\s+at /);
    expect(process.exitCode).toBe(2);
    expect(fingerprint(file)).toEqual(before);
  });

  it('report refuses a file that is not SQLite and does not touch it', async () => {
    const file = join(dir, 'items.json');
    writeFileSync(file, '{"items":[1,2,3]}\n');
    const before = fingerprint(file);
    const { out, err } = await run('workload', 'report', '--db', file);
    expect(out).toBe('');
    expect(err).toMatch(/error WORKLOAD_DB_INVALID: .*not a SQLite database/);
    expect(process.exitCode).toBe(2);
    expect(fingerprint(file)).toEqual(before);
  });

  it('report refuses an HQ database (no work_events table) and adds no table to it', async () => {
    const file = join(dir, 'hq.db');
    const hq = new Database(file);
    hq.exec('CREATE TABLE hq_events (event_id TEXT PRIMARY KEY, payload TEXT)');
    hq.close();
    const before = fingerprint(file);
    const { out, err } = await run('workload', 'report', '--db', file);
    expect(out).toBe('');
    expect(err).toMatch(/error WORKLOAD_DB_INVALID: .*has no work_events table/);
    expect(process.exitCode).toBe(2);
    expect(fingerprint(file)).toEqual(before);
    const after = new Database(file, { readonly: true });
    const tables = after.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    after.close();
    expect(tables).toEqual(['hq_events']);
  });

  it('report only reads: a good history database is byte-for-byte the same afterwards', async () => {
    const before = fingerprint(db);
    const { out } = await run('workload', 'report', '--db', db, '--json', '--at', '2026-01-19T15:30:00Z');
    expect((JSON.parse(out) as { events: number }).events).toBeGreaterThan(0);
    expect(fingerprint(db)).toEqual(before);
  });
});
