import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
});
