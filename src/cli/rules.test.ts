import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Database from 'better-sqlite3';
import { Command } from 'commander';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { loadRuleSetFile, type Decision } from '../rules/index.js';
import { evalLines, register } from './rules.js';

const root = join(import.meta.dirname, '..', '..');
const defaultPath = join(root, 'fixtures', 'rules', 'default.yaml');
const dir = mkdtempSync(join(tmpdir(), 'rules-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `returns-station rules ...` in-process; returns stdout, stderr and the exit code it set. */
async function cli(...args: string[]): Promise<{ out: string; err: string; code: number }> {
  const program = new Command().exitOverride();
  register(program);
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((err += String(c)), true));
  process.exitCode = 0;
  try {
    await program.parseAsync(args, { from: 'user' });
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { out, err, code };
}
afterEach(() => {
  process.exitCode = 0;
});

describe('returns-station rules test', () => {
  it('exits 0 for the default set: valid, every golden case passes', async () => {
    const r = await cli('rules', 'test', defaultPath);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/golden 2\d passed, 0 failed; 0 warning/);
  });

  it('--json prints only JSON', async () => {
    const r = await cli('rules', 'test', defaultPath, '--json');
    const j = JSON.parse(r.out) as { ok: boolean; golden: { passed: number } };
    expect(j.ok).toBe(true);
    expect(j.golden.passed).toBeGreaterThanOrEqual(25);
  });

  it('exits 2 and names table, row and column for an invalid set', async () => {
    const f = join(dir, 'bad.yaml');
    writeFileSync(
      f,
      'id: bad\nversion: 1\nfacts: { price: number }\ntables:\n  - id: t\n    inputs: [price]\n    outputs: [disposition, bin]\n    rows:\n      - { when: { price: "[10.." }, then: { disposition: restock, bin: R } }\n',
    );
    const r = await cli('rules', 'test', f);
    expect(r.code).toBe(2);
    expect(r.err).toContain('RULES_BAD_CELL [table t, row 1, column price]');
  });

  it('exits 1 when a golden case fails', async () => {
    const f = join(dir, 'golden.yaml');
    writeFileSync(
      f,
      'id: g\nversion: 1\nfacts: { price: number }\ntables:\n  - id: t\n    inputs: [price]\n    outputs: [disposition, bin]\n    rows:\n      - { when: { price: "> 10" }, then: { disposition: restock, bin: R } }\ngolden:\n  - { name: cheap, facts: { price: 5 }, expect: { disposition: restock } }\n',
    );
    const r = await cli('rules', 'test', f);
    expect(r.code).toBe(1);
    expect(r.err).toContain('FAIL cheap');
    expect(r.err).toContain('disposition: expected restock, got quarantine');
  });
});

describe('returns-station rules eval --json -', () => {
  it('one decision line per facts line, with version, hash, rows and explanation; bad lines get an error line', async () => {
    const loaded = loadRuleSetFile(defaultPath);
    if (!loaded.ok) throw new Error('default set must load');
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', (c: Buffer) => (text += c.toString()));
    input.end(
      [
        JSON.stringify({ catalogKnown: true, category: 'toys', reason: 'changed_mind', grade: 'sealed', packaging: 'original_sealed', daysSinceDelivery: 2, price: 30 }),
        'not json',
        JSON.stringify({ catalogKnown: true, category: 'consumer_electronics', serialMatched: false }),
      ].join('\n'),
    );
    await evalLines(loaded.ruleSet, input, output);
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as Decision & { error?: { code: string } });
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ disposition: 'restock', bin: 'RESTOCK', nextDepartment: 'inventory', ruleSet: { version: '2026.12.1', hash: loaded.ruleSet.hash } });
    expect(lines[0]?.matchedRows.map((m) => `${m.table}#${m.row}`)).toEqual(['screen#8', 'condition#1', 'disposition#15']);
    expect(lines[0]?.explanation['zh-CN']).toContain('重新入库');
    expect(lines[1]?.error?.code).toBe('RULES_BAD_FACTS');
    expect(lines[2]?.disposition).toBe('quarantine');
  });

  it('an enum fact outside its values ({"reason":"bogus"}) gets a FACT_INVALID error line, not a decision', async () => {
    const loaded = loadRuleSetFile(defaultPath);
    if (!loaded.ok) throw new Error('default set must load');
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', (c: Buffer) => (text += c.toString()));
    const toys = { catalogKnown: true, category: 'toys', grade: 'sealed', packaging: 'original_sealed', daysSinceDelivery: 2, price: 30 };
    input.end([JSON.stringify({ ...toys, reason: 'bogus' }), JSON.stringify({ ...toys, reason: 'Defective' }), JSON.stringify({ ...toys, reason: 'changed_mind' })].join('\n'));
    await evalLines(loaded.ruleSet, input, output);
    type Line = Decision & { ok?: boolean; line?: number; error?: { code: string; message: string; details: { field: string; allowed: string[] } } };
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as Line);
    expect(lines).toHaveLength(3);
    for (const [i, l] of lines.slice(0, 2).entries()) {
      expect(l).toMatchObject({ ok: false, line: i + 1, error: { code: 'FACT_INVALID', details: { field: 'reason', allowed: ['defective', 'damaged_in_transit', 'wrong_item', 'not_as_described', 'changed_mind', 'size_fit'] } } });
      expect(l.disposition).toBeUndefined();
      expect(l.error?.message).toContain('reason');
    }
    expect(lines[2]).toMatchObject({ disposition: 'restock', bin: 'RESTOCK' });
  });
});

describe('returns-station rules eval: exit code', () => {
  /** Runs `rules eval <default> --json -` with `lines` on stdin. */
  async function evalCli(lines: string[]): Promise<{ out: string; err: string; code: number }> {
    const stdin = new PassThrough();
    stdin.end(lines.join('\n'));
    const s = vi.spyOn(process, 'stdin', 'get').mockReturnValue(stdin as unknown as typeof process.stdin);
    try {
      return await cli('rules', 'eval', defaultPath, '--json', '-');
    } finally {
      s.mockRestore();
    }
  }
  const toys = { catalogKnown: true, category: 'toys', grade: 'sealed', packaging: 'original_sealed', daysSinceDelivery: 2, price: 30 };

  it('exits 0 when every line got a decision', async () => {
    const r = await evalCli([JSON.stringify({ ...toys, reason: 'changed_mind' }), JSON.stringify({ ...toys, reason: 'defective' })]);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toHaveLength(2);
  });

  it('exits 1 when every line was refused with FACT_INVALID, still one output line per input line', async () => {
    const r = await evalCli([JSON.stringify({ ...toys, reason: 'bogus' }), JSON.stringify({ ...toys, reason: 'Defective' })]);
    expect(r.code).toBe(1);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as { ok?: boolean; line?: number; error?: { code: string } });
    expect(lines).toEqual([expect.objectContaining({ ok: false, line: 1, error: expect.objectContaining({ code: 'FACT_INVALID' }) }), expect.objectContaining({ ok: false, line: 2, error: expect.objectContaining({ code: 'FACT_INVALID' }) })]);
    expect(r.err).toContain('2 line(s) refused');
  });

  it('exits 1 when one line of several is refused (not JSON), and the others are still decided', async () => {
    const r = await evalCli([JSON.stringify({ ...toys, reason: 'changed_mind' }), 'not json', JSON.stringify({ ...toys, reason: 'defective' })]);
    expect(r.code).toBe(1);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as { ok?: boolean; disposition?: string; error?: { code: string } });
    expect(lines).toHaveLength(3);
    expect(lines[0]?.disposition).toBe('restock');
    expect(lines[1]).toMatchObject({ ok: false, error: { code: 'RULES_BAD_FACTS' } });
    expect(lines[2]?.disposition).toBeDefined();
  });
});

describe('returns-station rules replay', () => {
  it('reads items(id, created_at, facts_json, decision_json) and reports old → new dispositions', async () => {
    const db = join(dir, 'station.db');
    const now = Date.now();
    const d = new Database(db);
    d.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, created_at INTEGER NOT NULL, facts_json TEXT, decision_json TEXT)');
    const ins = d.prepare('INSERT INTO items (created_at, facts_json, decision_json) VALUES (?, ?, ?)');
    const opened = { catalogKnown: true, category: 'toys', reason: 'changed_mind', grade: 'like_new', packaging: 'original_opened', daysSinceDelivery: 3, price: 25 };
    ins.run(now - 1000, JSON.stringify(opened), JSON.stringify({ disposition: 'restock', bin: 'RESTOCK' })); // decided by an older set
    ins.run(now - 900, JSON.stringify({ ...opened, price: 50 }), JSON.stringify({ disposition: 'open_box', bin: 'OPEN-BOX' }));
    ins.run(now - 40 * 86_400_000, JSON.stringify(opened), JSON.stringify({ disposition: 'restock', bin: 'RESTOCK' })); // outside --since
    ins.run(now - 800, '{broken', JSON.stringify({ disposition: 'restock' }));
    d.close();
    const r = await cli('rules', 'replay', defaultPath, '--db', db, '--since', '30d', '--json');
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.out) as { total: number; changed: number; unchanged: number; skipped: number; transitions: unknown[]; examples: Array<{ caseId: string }> };
    expect(rep).toMatchObject({ total: 2, changed: 1, unchanged: 1, skipped: 1 });
    expect(rep.transitions).toContainEqual({ from: 'restock', to: 'open_box', count: 1 });
    expect(rep.examples.map((e) => e.caseId)).toEqual(['1']);
    const human = await cli('rules', 'replay', defaultPath, '--db', db);
    expect(human.out).toContain('restock → open_box: 2');
  });

  it('a bad --since or a missing database exits 2 with one typed line', async () => {
    const db = join(dir, 'since.db');
    const sd = new Database(db);
    sd.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, created_at INTEGER NOT NULL, facts_json TEXT, decision_json TEXT)');
    sd.close();
    const since = await cli('rules', 'replay', defaultPath, '--db', db, '--since', 'last week');
    expect(since.code).toBe(2);
    expect(since.err).toContain('--since "last week" is not a duration');
    const ex = await cli('rules', 'replay', defaultPath, '--db', db, '--examples', 'three');
    expect(ex.code).toBe(2);
    expect(ex.err).toContain('--examples "three" is not a whole number');
    const r = await cli('rules', 'replay', defaultPath, '--db', join(dir, 'missing.db'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('error RULES_NO_DB: There is no station database at');
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
    const notDb = join(dir, 'not-a-db.txt');
    writeFileSync(notDb, 'hello, not SQLite');
    const n = await cli('rules', 'replay', defaultPath, '--db', notDb);
    expect(n.code).toBe(2);
    expect(n.err).toContain('returns-station: error RULES_DB_INVALID: Cannot read cases from');
  });

  it('without --db it reads the station database: <--data-dir>/station.db, or dataDir from --config', async () => {
    // The form is `rules replay <ruleset> [--since 30d]`: on the station the database is found, not given.
    const dataDir = join(dir, 'station-data');
    mkdirSync(dataDir);
    const d = new Database(join(dataDir, 'station.db'));
    d.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, created_at INTEGER NOT NULL, facts_json TEXT, decision_json TEXT)');
    const opened = { catalogKnown: true, category: 'toys', reason: 'changed_mind', grade: 'like_new', packaging: 'original_opened', daysSinceDelivery: 3, price: 25 };
    d.prepare('INSERT INTO items (created_at, facts_json, decision_json) VALUES (?, ?, ?)').run(Date.now() - 1000, JSON.stringify(opened), JSON.stringify({ disposition: 'restock', bin: 'RESTOCK' }));
    d.close();
    const byDir = await cli('rules', 'replay', defaultPath, '--data-dir', dataDir, '--since', '30d', '--json');
    expect(byDir.code).toBe(0);
    expect(JSON.parse(byDir.out)).toMatchObject({ total: 1, changed: 1, transitions: [{ from: 'restock', to: 'open_box', count: 1 }] });
    const cfg = join(dir, 'station.yaml');
    writeFileSync(cfg, 'dataDir: station-data\n');
    const byConfig = await cli('rules', 'replay', defaultPath, '--config', cfg, '--json');
    expect(byConfig.code).toBe(0);
    expect(JSON.parse(byConfig.out)).toMatchObject({ total: 1, changed: 1 });
  });
});
