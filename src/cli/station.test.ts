import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../test/support/services.js';
import { configFrom } from './station.js';

const bin = new URL('../../bin/returns-station.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'station-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Barcodes only, slow enough that a Ctrl+C lands while the scenario is still being fed.
const scenario = join(dir, 'slow.json');
writeFileSync(
  scenario,
  JSON.stringify({
    intervalMs: 400,
    items: Array.from({ length: 30 }, (_, i) => ({ barcode: i % 2 === 0 ? '4012345000740' : '0100614141001859', reason: 'defective', grade: 'used' })),
  }),
);

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real command; with `interruptWhenReady` it sends SIGINT once the demo logs that it is ready, with
 * `signalAfterMs` it sends `signal` (default SIGINT) that long after spawning (still loading or starting).
 */
function demo(args: string[], opts: { interruptWhenReady?: boolean; signalAfterMs?: number; signal?: NodeJS.Signals } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, 'demo', '--scenario', scenario, ...args], {
      cwd: dir,
      env: { ...process.env, LOG_LEVEL: opts.interruptWhenReady ? 'info' : 'warn', VITEST: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (opts.interruptWhenReady && !sent && stderr.includes('demo ready')) {
        sent = true;
        // A moment into the scenario, so some items are stored and some are not yet fed.
        setTimeout(() => child.kill('SIGINT'), 1500);
      }
    });
    if (opts.signalAfterMs !== undefined) setTimeout(() => child.kill(opts.signal ?? 'SIGINT'), opts.signalAfterMs);
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Occupies host:port; resolves null when something else already holds it (that is fine for these tests too). */
function occupy(port: number): Promise<Server | null> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(null));
    srv.listen(port, '127.0.0.1', () => resolve(srv));
  });
}
const release = (srv: Server | null): Promise<void> => new Promise((resolve) => (srv ? srv.close(() => resolve()) : resolve()));

/** No stack trace and none of the raw Node messages the user test saw. */
const noStack = (r: Run): void => expect(r.stdout + r.stderr).not.toMatch(/\n\s+at |listen EADDRINUSE|ENOTDIR: not a directory|unable to open database file|NaN/);

describe('demo start-up errors are typed, one line, no stack trace', () => {
  it('--port abc is CLI_BAD_OPTION, exit 2', async () => {
    const r = await demo(['--port', 'abc', '--data-dir', join(dir, 'd-abc'), '--exit-when-done', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'CLI_BAD_OPTION', details: { option: '--port', value: 'abc' } } });
    noStack(r);
  }, 60_000);

  it('--data-dir under a regular file is DATA_DIR_NOT_WRITABLE naming the folder', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const r = await demo(['--data-dir', join(file, 'sub'), '--port', '0', '--exit-when-done', '--json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { ok: boolean; error: { code: string; message: string } };
    expect(out).toMatchObject({ ok: false, error: { code: 'DATA_DIR_NOT_WRITABLE' } });
    expect(out.error.message).toContain(join(file, 'sub'));
    noStack(r);
  }, 60_000);

  it('a busy broker port is PORT_IN_USE naming it and what to do (text mode: one line on stderr)', async () => {
    const port = await freePort();
    const srv = await occupy(port);
    try {
      const r = await demo(['--broker-port', String(port), '--port', '0', '--data-dir', join(dir, 'd-broker'), '--exit-when-done']);
      expect(r.code).toBe(1);
      const line = r.stderr.split('\n').find((l) => l.startsWith('returns-station: '));
      expect(line).toMatch(new RegExp(`^returns-station: error PORT_IN_USE: Another station or program is using 127\\.0\\.0\\.1:${port} \\(the embedded MQTT broker\\)\\..*--broker-port`));
      noStack(r);
    } finally {
      await release(srv);
    }
  }, 60_000);

  it('a busy web UI port is PORT_IN_USE naming it', async () => {
    const port = await freePort();
    const srv = await occupy(port);
    try {
      const r = await demo(['--port', String(port), '--broker-port', '0', '--data-dir', join(dir, 'd-http'), '--exit-when-done', '--json']);
      expect(r.code).toBe(1);
      const out = JSON.parse(r.stdout) as { error: { code: string; message: string; hint: string } };
      expect(out.error.code).toBe('PORT_IN_USE');
      expect(out.error.message).toContain(`127.0.0.1:${port} (the web UI)`);
      expect(out.error.hint).toContain('--port');
      noStack(r);
    } finally {
      await release(srv);
    }
  }, 60_000);
});

describe('--port 0 and --broker-port', () => {
  it('--port 0 gives the embedded broker a free port too; --broker-port wins; other ports keep the broker default', () => {
    expect(configFrom({ port: '0' }).mqtt.embeddedPort).toBe(0);
    expect(configFrom({ port: '0', brokerPort: '1999' }).mqtt.embeddedPort).toBe(1999);
    expect(configFrom({ port: '8081' }).mqtt.embeddedPort).toBe(1884);
    expect(configFrom({}).mqtt.embeddedPort).toBe(1884);
    expect(() => configFrom({ brokerPort: '70000' })).toThrow(expect.objectContaining({ code: 'CLI_BAD_OPTION' }) as Error);
  });
});

describe('Ctrl+C', () => {
  it('during demo --exit-when-done --json: clean stop, nothing lost, exit 130 and an INTERRUPTED line (next to a busy 8080/1884)', async () => {
    // What `npm start` would hold; --port 0 must not need either.
    const held = await Promise.all([occupy(8080), occupy(1884)]);
    try {
      const dataDir = join(dir, 'd-int');
      const r = await demo(['--port', '0', '--data-dir', dataDir, '--exit-when-done', '--json'], { interruptWhenReady: true });
      expect(r.signal, r.stderr).toBeNull();
      expect(r.code, r.stderr).toBe(130);
      const lines = r.stdout.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0]!)).toMatchObject({ ok: false, error: { code: 'INTERRUPTED', details: { signal: 'SIGINT' } } });
      // Clean shutdown: the database closes intact and every stored item kept its events in the outbox.
      const db = new Database(join(dataDir, 'station.db'), { readonly: true });
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        const items = db.prepare('SELECT COUNT(*) FROM items').pluck().get() as number;
        expect(items).toBeGreaterThan(0);
        expect(items).toBeLessThan(30);
        expect(db.prepare('SELECT COUNT(DISTINCT item_id) FROM outbox WHERE item_id IS NOT NULL').pluck().get()).toBe(items);
      } finally {
        db.close();
      }
    } finally {
      await Promise.all(held.map(release));
    }
  }, 90_000);

  it('a plain demo (no --exit-when-done) still exits 0 after a clean stop: that is how it is stopped', async () => {
    const r = await demo(['--port', '0', '--data-dir', join(dir, 'd-plain')], { interruptWhenReady: true });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
  }, 90_000);

  // The signal lands while the program is still loading (signal handlers used to be installed only once the demo had
  // started, so such a stop was silent, and a plain demo exited 130).
  it('~300 ms after start, demo --exit-when-done --json: exit 130 and the INTERRUPTED line', async () => {
    const dataDir = join(dir, 'd-early-json');
    const r = await demo(['--port', '0', '--data-dir', dataDir, '--exit-when-done', '--json'], { signalAfterMs: 300 });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.code, r.stderr).toBe(130);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ ok: false, error: { code: 'INTERRUPTED', details: { signal: 'SIGINT' } } });
    noStack(r);
  }, 60_000);

  it('SIGTERM ~300 ms after start, demo --exit-when-done: exit 143 and the INTERRUPTED line on stderr', async () => {
    const r = await demo(['--port', '0', '--data-dir', join(dir, 'd-early-term'), '--exit-when-done'], { signalAfterMs: 300, signal: 'SIGTERM' });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toMatch(/^returns-station: error INTERRUPTED: The demo was stopped \(SIGTERM\)/m);
    expect(r.stdout).toBe('');
    noStack(r);
  }, 60_000);

  it('~300 ms after start, a plain demo exits 0', async () => {
    const r = await demo(['--port', '0', '--data-dir', join(dir, 'd-early-plain')], { signalAfterMs: 300 });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    noStack(r);
  }, 60_000);

  it('while the demo is starting (~1.2 s): what has started is stopped, the database (if made) is intact', async () => {
    const dataDir = join(dir, 'd-starting');
    const r = await demo(['--port', '0', '--data-dir', dataDir, '--exit-when-done', '--json'], { signalAfterMs: 1200 });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.code, r.stderr).toBe(130);
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ ok: false, error: { code: 'INTERRUPTED' } });
    noStack(r);
    if (existsSync(join(dataDir, 'station.db'))) {
      const db = new Database(join(dataDir, 'station.db'), { readonly: true });
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      } finally {
        db.close();
      }
    }
  }, 60_000);

  it('a command that does not take signals over (rules eval waiting on stdin) still ends by the signal, early or late', async () => {
    const rules = new URL('../../fixtures/rules/default.yaml', import.meta.url).pathname;
    for (const ms of [300, 2500]) {
      const r = await new Promise<Run>((resolve) => {
        const child = spawn(process.execPath, [bin, 'rules', 'eval', rules, '--json', '-'], { cwd: dir, env: { ...process.env, VITEST: '' }, stdio: ['pipe', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        setTimeout(() => child.kill('SIGINT'), ms);
        const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
        child.on('exit', (code, signal) => {
          clearTimeout(guard);
          resolve({ code, signal, stdout, stderr });
        });
      });
      expect(r.signal, `${ms} ms: ${r.stderr}`).toBe('SIGINT');
    }
  }, 60_000);
});
