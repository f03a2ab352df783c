import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HqIngest, PgHqStore, ThreadedSqliteHqStore, type HqStore } from '../../src/hq/index.js';
import { openStationDb, outboxStats } from '../../src/store/index.js';
import { portOpen, serviceGate } from '../support/services.js';
import { tempDir, waitFor } from './helpers.js';
import { TestMosquitto, haveMosquitto } from './mosquitto.js';

const ROOT = join(import.meta.dirname, '..', '..');
const PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const TOTAL = Number(process.env.CRASH_EVENTS ?? 5000);
const KILLS = Number(process.env.CRASH_KILLS ?? 20);
let haveMq = false;
let havePg = false;
beforeAll(async () => {
  haveMq = serviceGate('mosquitto', haveMosquitto());
  havePg = serviceGate('postgresql', await portOpen(5432));
});

const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function startStation(db: string, url: string): ChildProcess {
  const c = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/sync/children/station.ts'), '--db', db, '--url', url, '--total', String(TOTAL), '--batch', '5', '--every', '5', '--station', 'st-crash'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  c.stdout?.resume();
  cleanup.push(() => c.exitCode === null && c.kill('SIGKILL'));
  return c;
}

const started = (c: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, 5000);
    c.stdout?.once('data', () => {
      clearTimeout(t);
      resolve();
    });
  });

async function crashRun(makeStore: (worker: number) => HqStore, count: (s: HqStore) => Promise<number>, integrity?: (s: HqStore) => Promise<string>): Promise<void> {
  const dir = tempDir();
  const m = new TestMosquitto();
  await m.start();
  cleanup.push(() => m.stop());
  const stores: HqStore[] = [];
  for (const w of [1, 2]) {
    const store = makeStore(w);
    stores.push(store);
    const hq = new HqIngest({ url: m.url, store, shared: `crash${process.pid}`, workerId: `crash-${process.pid}-${Date.now()}-${w}`, batchDelayMs: 10 });
    await hq.start();
    cleanup.push(() => hq.stop());
  }
  const db = join(dir, 'station.db');
  let st = startStation(db, m.url);
  let kills = 0;
  let brokerRestarts = 0;
  // SIGKILL at random moments while it records and sends; the broker goes down and up in between.
  while (kills < KILLS) {
    // Let it get going (tsx start-up is slow on a busy machine), then kill it somewhere in its work.
    await started(st);
    await new Promise((r) => setTimeout(r, 50 + Math.random() * 400));
    st.kill('SIGKILL');
    await new Promise((r) => st.once('exit', r));
    kills++;
    if (kills === 7 || kills === 14) {
      await m.stop();
      brokerRestarts++;
      st = startStation(db, m.url);
      await new Promise((r) => setTimeout(r, 800));
      await m.start();
    } else st = startStation(db, m.url);
  }
  const peek = openStationDb(db);
  cleanup.push(() => peek.close());
  await waitFor(() => outboxStats(peek).lastSeq === TOTAL && outboxStats(peek).depth === 0, 120_000, 'station outbox confirmed by HQ').catch(async (e: unknown) => {
    throw new Error(`${String(e)}; station ${JSON.stringify(outboxStats(peek))}; HQ ${JSON.stringify(await stores[0]?.stations())}`);
  });
  expect(kills).toBeGreaterThanOrEqual(20);
  expect(brokerRestarts).toBe(2);
  const first = stores[0] as HqStore;
  expect(await count(first)).toBe(TOTAL);
  expect(peek.db.pragma('integrity_check', { simple: true })).toBe('ok');
  if (integrity) expect(await integrity(first)).toBe('ok');
}

describe('crash test: station SIGKILLed ≥20 times, broker restarted, two shared-subscription HQ workers', () => {
  it(`SQLite HQ holds all ${TOTAL} events exactly once`, async (t) => {
    if (!haveMq) return t.skip();
    const dir = tempDir();
    const file = join(dir, 'hq.db');
    await crashRun(
      () => new ThreadedSqliteHqStore(file),
      async (s) => await s.countEvents(),
      async (s) => await (s as ThreadedSqliteHqStore).integrityCheck(),
    );
  }, 240_000);

  it(`PostgreSQL HQ holds all ${TOTAL} events exactly once`, async (t) => {
    if (!haveMq || !havePg) return t.skip();
    const schema = `crash_${process.pid}_${Date.now()}`;
    cleanup.push(async () => {
      const c = new pg.Client(PG_URL);
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    });
    await crashRun(
      () => new PgHqStore(PG_URL, { schema }),
      async (s) => await s.countEvents(),
    );
    const c = new pg.Client(PG_URL);
    await c.connect();
    const dup = await c.query(`SELECT count(*)::int AS n FROM (SELECT event_id FROM ${schema}.hq_events GROUP BY event_id HAVING count(*) > 1) d`);
    const seqs = await c.query(`SELECT count(DISTINCT seq)::int AS n, min(seq)::int AS lo, max(seq)::int AS hi FROM ${schema}.hq_events`);
    await c.end();
    expect(dup.rows[0]).toEqual({ n: 0 });
    expect(seqs.rows[0]).toEqual({ n: TOTAL, lo: 1, hi: TOTAL });
  }, 240_000);
});
