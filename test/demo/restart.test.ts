import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/services.js';

const root = new URL('../..', import.meta.url).pathname;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runDemo(dir: string, configPath: string, killAfterMs?: number): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'bin/returns-station.js'), 'demo', '--config', configPath, '--exit-when-done', '--json'], {
      cwd: dir,
      env: { ...process.env, LOG_LEVEL: 'warn', VITEST: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    if (killAfterMs !== undefined) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('demo survives being killed between scenario runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rs-restart-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('run 1 completes, run 2 is SIGKILLed mid-scenario, run 3 completes: nothing stored is lost, HQ has every event once', async () => {
    const configPath = join(dir, 'station.yaml');
    writeFileSync(configPath, `dataDir: ${dir}/data\nhttp:\n  port: 0\nmqtt:\n  embeddedPort: ${await freePort()}\n`);

    const first = await runDemo(dir, configPath);
    expect(first.code, first.stderr).toBe(0);
    const s1 = JSON.parse(first.stdout) as { items: number; eventsAtHq: number; eventsEmitted: number; duplicatesAtHq: number };
    expect(s1).toMatchObject({ items: 26, eventsEmitted: 78, eventsAtHq: 78, duplicatesAtHq: 0 });

    const station = (): Database.Database => new Database(join(dir, 'data/station.db'), { readonly: true });
    let db = station();
    const afterFirst = db.prepare('SELECT id FROM items ORDER BY id').pluck().all() as string[];
    db.close();
    expect(afterFirst).toHaveLength(26);

    // Killed about halfway through feeding the scenario (ready ~1.5 s, then 27 items at 150 ms).
    const second = await runDemo(dir, configPath, 3500);
    expect(second.signal).toBe('SIGKILL');

    const third = await runDemo(dir, configPath);
    expect(third.code, third.stderr).toBe(0);
    const s3 = JSON.parse(third.stdout) as { items: number; eventsAtHq: number; duplicatesAtHq: number };
    expect(s3).toMatchObject({ items: 26, eventsAtHq: 78, duplicatesAtHq: 0 });

    db = station();
    const ids = new Set(db.prepare('SELECT id FROM items').pluck().all() as string[]);
    for (const id of afterFirst) expect(ids.has(id)).toBe(true);
    expect(ids.size).toBeGreaterThanOrEqual(52);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const outboxIds = db.prepare('SELECT event_id FROM outbox ORDER BY seq').pluck().all() as string[];
    const items = db.prepare('SELECT COUNT(*) FROM items').pluck().get() as number;
    db.close();
    // Every item, including those of the killed run, has its 3 events, and all of them reached HQ exactly once.
    expect(outboxIds).toHaveLength(items * 3);
    const hq = new Database(join(dir, 'data/hq.db'), { readonly: true });
    const hqIds = hq.prepare('SELECT event_id FROM hq_events').pluck().all() as string[];
    hq.close();
    expect(hqIds.length).toBe(new Set(hqIds).size);
    expect(new Set(hqIds)).toEqual(new Set(outboxIds));
  }, 120_000);
});
