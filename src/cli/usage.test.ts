/**
 * The CLI error contract (README, "If the run cannot start…") for what commander finds and for the commands' own
 * refusals: one line, `returns-station: error CODE: …` on stderr or `{"ok":false,"error":{…}}` on stdout with
 * `--json`, exit 2 for usage errors; never commander's text, help or a stack trace. Runs the real command.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const bin = new URL('../../bin/returns-station.js', import.meta.url).pathname;
const readme = new URL('../../README.md', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'cli-usage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], stdin = ''): Run {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, input: stdin, encoding: 'utf8', env: { ...process.env, VITEST: '', LOG_LEVEL: 'warn' }, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Exactly one error line in the documented text form; nothing on stdout. */
function textError(r: Run, code: string): string {
  expect(r.stdout).toBe('');
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^returns-station: error ${code}: `));
  return lines[0]!;
}

interface JsonError {
  ok: boolean;
  error: { code: string; message: string; hint?: string; details?: Record<string, unknown> };
}

/** Exactly one JSON line on stdout, `{"ok":false,"error":{…}}` with `code`; nothing on stderr. */
function jsonError(r: Run, code: string): JsonError {
  expect(r.stderr).toBe('');
  const lines = r.stdout.trim().split('\n');
  expect(lines, r.stdout).toHaveLength(1);
  const j = JSON.parse(lines[0]!) as JsonError;
  expect(j).toMatchObject({ ok: false, error: { code } });
  return j;
}

const noCommanderText = (r: Run): void => {
  expect(r.stdout + r.stderr).not.toMatch(/^error: |Usage: |\n\s+at /m);
};

describe('usage errors commander finds: CLI_BAD_OPTION, exit 2, one line', () => {
  it.each([
    [['frobnicate'], "unknown command 'frobnicate'"],
    [['demo', '--port'], "option '--port <n>' argument missing"],
    [['identify'], "missing required argument 'input'"],
    [['workload', 'report'], "required option '--db <file>' not specified"],
    [['rules'], '"returns-station rules" needs a command: test, eval, doc, replay.'],
  ])('%j (text on stderr)', (args, message) => {
    const r = cli(args);
    expect(r.status).toBe(2);
    expect(textError(r, 'CLI_BAD_OPTION')).toContain(message);
    noCommanderText(r);
  });

  it.each([
    [['demo', '--bogus', '--json'], "unknown option '--bogus'", 'unknownOption'],
    [['rfid', 'decode', '--json', '-'], "required option '--protocol <name>' not specified", 'missingMandatoryOptionValue'],
    [['frobnicate', '--json'], "unknown command 'frobnicate'", 'unknownCommand'],
    [['workload', 'report', '--json'], "required option '--db <file>' not specified", 'missingMandatoryOptionValue'],
    [['identify', '--json'], "missing required argument 'input'", 'missingArgument'],
  ])('%j (JSON on stdout)', (args, message, usage) => {
    const r = cli(args);
    expect(r.status).toBe(2);
    const j = jsonError(r, 'CLI_BAD_OPTION');
    expect(j.error.message).toBe(message);
    expect(j.error.hint).toMatch(/^See "returns-station.* --help"\.$/);
    expect(j.error.details).toEqual({ usage });
    noCommanderText(r);
  });

  it('an option value that is another option is a missing value, not a folder named "--json"', () => {
    const r = cli(['demo', '--data-dir', '--json']);
    expect(r.status).toBe(2);
    expect(jsonError(r, 'CLI_BAD_OPTION').error.details).toMatchObject({ usage: 'optionMissingArgument' });
    expect(existsSync(join(dir, '--json'))).toBe(false);
    const t = cli(['demo', '--port', '--exit-when-done']);
    expect(t.status).toBe(2);
    expect(textError(t, 'CLI_BAD_OPTION')).toContain('--port');
  });

  it('--help and --version still print on stdout and exit 0', () => {
    const help = cli(['demo', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: returns-station demo');
    const top = cli(['--help']);
    expect(top.status).toBe(0);
    expect(top.stdout).toContain('Usage: returns-station');
    const version = cli(['--version']);
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('the commands’ own refusals go through the same printer', () => {
  it('rules test <missing file>: one RULES_FILE error, exit 2 (text and JSON)', () => {
    const r = cli(['rules', 'test', '/nonexistent.yaml']);
    expect(r.status).toBe(2);
    expect(textError(r, 'RULES_FILE')).toContain('/nonexistent.yaml');
    const j = cli(['rules', 'test', '/nonexistent.yaml', '--json']);
    expect(j.status).toBe(2);
    expect(jsonError(j, 'RULES_FILE').error.details).toEqual({ file: '/nonexistent.yaml' });
  });

  it('rules test <invalid set> --json: RULES_INVALID with the list kept as `errors`', () => {
    const f = join(dir, 'bad.yaml');
    writeFileSync(f, 'id: bad\nversion: 1\nfacts: { price: number }\ntables:\n  - id: t\n    inputs: [price]\n    outputs: [disposition, bin]\n    rows:\n      - { when: { price: "[10.." }, then: { disposition: restock, bin: R } }\n');
    const r = cli(['rules', 'test', f, '--json']);
    expect(r.status).toBe(2);
    const j = JSON.parse(r.stdout) as JsonError & { errors: Array<{ code: string }> };
    expect(j).toMatchObject({ ok: false, error: { code: 'RULES_INVALID' } });
    expect(j.errors.map((e) => e.code)).toContain('RULES_BAD_CELL');
    const t = cli(['rules', 'test', f]);
    expect(t.stderr).toMatch(/^returns-station: error RULES_BAD_CELL \[table t, row 1, column price\]: /m);
    expect(t.stderr).toMatch(/^returns-station: error RULES_INVALID: The rule set .* was refused: 1 error\(s\)\./m);
  });

  it('rules replay --since abc and --db <not a database> are typed, JSON with --json, exit 2', () => {
    const rules = new URL('../../fixtures/rules/default.yaml', import.meta.url).pathname;
    const since = cli(['rules', 'replay', rules, '--since', 'abc', '--json']);
    expect(since.status).toBe(2);
    expect(jsonError(since, 'CLI_BAD_OPTION').error.details).toEqual({ option: '--since', value: 'abc' });
    expect(textError(cli(['rules', 'replay', rules, '--since', 'abc']), 'CLI_BAD_OPTION')).toContain('--since "abc" is not a duration');
    const notDb = cli(['rules', 'replay', rules, '--db', readme, '--json']);
    expect(notDb.status).toBe(2);
    expect(jsonError(notDb, 'RULES_DB_INVALID').error.message).toContain(readme);
    const t = cli(['rules', 'replay', rules, '--db', readme]);
    expect(t.status).toBe(2);
    textError(t, 'RULES_DB_INVALID');
  });

  it('workload errors carry the prefix, and report --json prints them as JSON', () => {
    const r = cli(['workload', 'report', '--db', join(dir, 'missing.db')]);
    expect(r.status).toBe(2);
    textError(r, 'WORKLOAD_NO_DB');
    const j = cli(['workload', 'report', '--db', join(dir, 'missing.db'), '--json']);
    expect(j.status).toBe(2);
    jsonError(j, 'WORKLOAD_NO_DB');
    const g = cli(['workload', 'generate', '--days', '0', '--operators', '1', '--seed', '1', '--out', join(dir, 'h.db')]);
    expect(g.status).toBe(2);
    textError(g, 'WORKLOAD_BAD_ARGUMENT');
  });

  it('import returns --format xml is CLI_BAD_OPTION', () => {
    const f = join(dir, 'returns.csv');
    writeFileSync(f, 'rma,gtin\n');
    const r = cli(['import', 'returns', f, '--format', 'xml', '--data-dir', dir, '--json']);
    expect(r.status).toBe(2);
    expect(jsonError(r, 'CLI_BAD_OPTION').error.details).toMatchObject({ option: '--format', value: 'xml', valid: ['csv', 'json'] });
  });
});

describe('a configuration naming a missing file is CONFIG_FILE_UNREADABLE, exit 2, before anything starts', () => {
  it.each([
    ['rules.file', 'rules: { file: ./nope-rules.yaml }\n', 'nope-rules.yaml'],
    ['catalog.file', 'catalog: { file: ./nope-products.json }\n', 'nope-products.json'],
    ['hq.publicKey', 'hq: { publicKey: ./nope.pub.pem }\n', 'nope.pub.pem'],
  ])('%s', (key, yaml, file) => {
    const cfg = join(dir, `${key}.yaml`);
    writeFileSync(cfg, `dataDir: ${join(dir, 'data-cfg')}\n${yaml}`);
    const r = cli(['demo', '--config', cfg, '--port', '0', '--exit-when-done', '--json']);
    expect(r.status).toBe(2);
    const j = jsonError(r, 'CONFIG_FILE_UNREADABLE');
    expect(j.error.message).toBe(`${key}: the file ${join(dir, file)} does not exist.`);
    expect(j.error.details).toEqual({ key, path: join(dir, file) });
    const t = cli(['demo', '--config', cfg, '--port', '0', '--exit-when-done']);
    expect(t.status).toBe(2);
    expect(t.stderr.trim().split('\n').filter((l) => l.startsWith('returns-station: '))).toEqual([expect.stringMatching(`^returns-station: error CONFIG_FILE_UNREADABLE: ${key}: `)]);
  });
});
