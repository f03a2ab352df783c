/**
 * HQ workload metrics over a real Mosquitto (issue 10): two stations send their aggregated figures at QoS 0 on
 * `…/metrics/workload`, HQ keeps the newest per station and compares them (`hq --stations`). Names and badge ids
 * of the operators never leave the station.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import mqtt from 'mqtt';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkloadMetricsPublisher } from '../../src/app/workload-service.js';
import { workloadComparison } from '../../src/hq/workload.js';
import { HqIngest, PgHqStore, SqliteHqStore, type HqStore } from '../../src/hq/index.js';
import { openStationDb, type StationDb } from '../../src/store/index.js';
import { OutboxPublisher } from '../../src/sync/publisher.js';
import { topics } from '../../src/sync/topics.js';
import { metricsMessage, operatorPseudonym, WorkloadMonitor, type WorkEvent, type WorkloadMetricsMessage } from '../../src/workload/index.js';
import { portOpen, serviceGate } from '../support/services.js';
import { tempDir, waitFor } from './helpers.js';

const URL = 'mqtt://127.0.0.1:1883';
const PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROOT = join(import.meta.dirname, '..', '..');
const SITE = `wl-${process.pid}-${Date.now() % 100_000}`;
const SECRET = 'site-secret-for-the-test';
const MIN = 60_000;
const NOW = Date.parse('2026-12-03T15:00:00Z');

/** People as the station knows them; only the pseudonym of the badge reaches the workload table. */
const PEOPLE = {
  'st-a': [
    { badge: 'BADGE-7781', name: 'Ana Lindqvist' },
    { badge: 'BADGE-7782', name: 'Bogdan Marek' },
    { badge: 'BADGE-7783', name: 'Chiara Russo' },
  ],
  'st-b': [{ badge: 'BADGE-9901', name: 'Dmitri Volkov' }],
} as const;

/** st-a: three operators 120 min without a break, an item every 3 min, one wrong bin. st-b: one operator 30 min, an item every 2 min, 2 cases waiting. */
function stationMonitor(station: 'st-a' | 'st-b'): WorkloadMonitor {
  const m = new WorkloadMonitor(null, { station }, { clock: () => NOW });
  m.start();
  const evs: WorkEvent[] = [];
  const [minutes, every] = station === 'st-a' ? [120, 3] : [30, 2];
  for (const p of PEOPLE[station]) {
    const operator = operatorPseudonym(p.badge, SECRET);
    evs.push({ at: NOW - minutes * MIN, station, operator, kind: 'sign_in' });
    for (let t = NOW - (minutes - every) * MIN; t <= NOW; t += every * MIN) {
      evs.push({ at: t - 1000, station, operator, kind: 'scan', intake: 'barcode' }, { at: t, station, operator, kind: 'item_done', intake: 'barcode' });
    }
  }
  if (station === 'st-a') evs.push({ at: NOW - 10 * MIN, station, operator: operatorPseudonym(PEOPLE['st-a'][0].badge, SECRET), kind: 'misbin' });
  else evs.push({ at: NOW - 5 * MIN, station, kind: 'case_arrived', itemId: 'c-1' }, { at: NOW - 4 * MIN, station, kind: 'case_arrived', itemId: 'c-2' });
  evs.sort((a, b) => a.at - b.at);
  for (const e of evs) m.ingest(e);
  return m;
}

describe('HQ workload metrics over Mosquitto', () => {
  let have = false;
  const dir = tempDir('rs-wl-metrics-');
  const hqDb = join(dir, 'hq.db');
  let hq: HqIngest | undefined;
  const stations: Array<{ sdb: StationDb; pub: OutboxPublisher; metrics: WorkloadMetricsPublisher; monitor: WorkloadMonitor }> = [];
  let spy: mqtt.MqttClient | undefined;
  const seen: Array<{ topic: string; payload: string }> = [];

  beforeAll(async () => {
    have = serviceGate('mosquitto', await portOpen(1883));
    if (!have) return;
    hq = new HqIngest({ url: URL, store: new SqliteHqStore(hqDb), workerId: `wl-test-${process.pid}`, mqtt: { clean: true } });
    await hq.start();
    // Everything the stations send under this test's site, to check what actually crossed the wire.
    spy = mqtt.connect(URL, { clientId: `wl-spy-${process.pid}`, reconnectPeriod: 0 });
    await new Promise<void>((resolve) => spy?.once('connect', () => resolve()));
    await spy.subscribeAsync(`returns/v1/${SITE}/#`, { qos: 0 });
    spy.on('message', (topic, p) => seen.push({ topic, payload: p.toString('utf8') }));
    for (const station of ['st-a', 'st-b'] as const) {
      const sdb = openStationDb(join(dir, `${station}.db`));
      const pub = new OutboxPublisher({ db: sdb, url: URL, site: SITE, station });
      await pub.start();
      await waitFor(() => pub.status().state === 'online', 10_000, `${station} online`);
      const monitor = stationMonitor(station);
      const metrics = new WorkloadMetricsPublisher({ site: SITE, station, intervalSec: 0.3, snapshot: () => monitor.snapshot(), link: pub });
      stations.push({ sdb, pub, metrics, monitor });
    }
  });

  afterAll(async () => {
    for (const s of stations) {
      s.metrics.stop();
      await s.pub.stop();
      s.sdb.close();
    }
    await hq?.stop();
    spy?.end(true);
  });

  it('two stations publish periodically; HQ compares both with the right aggregated figures', async () => {
    if (!have || !hq) return;
    for (const s of stations) s.metrics.start();
    await waitFor(async () => (await hq?.workload())?.rows.length === 2, 15_000, 'both stations at HQ');
    // Periodic: each station has sent more than once by the time both are in.
    await waitFor(() => stations.every((s) => s.metrics.sent >= 2), 10_000, 'a second tick');
    for (const s of stations) s.metrics.stop();

    const want = (i: number): WorkloadMetricsMessage => metricsMessage((stations[i] as (typeof stations)[number]).monitor.snapshot(), { station: i === 0 ? 'st-a' : 'st-b' });
    const a = want(0);
    const b = want(1);
    expect(a.operatorsActive).toBe(3);
    expect(a.signals.BREAK_DUE).toBe(3);
    expect(b.queueLength).toBe(2);

    const view = await hq.workload();
    const rows = Object.fromEntries(view.rows.map((r) => [r.station, r]));
    const median = (a.throughputPerOperatorHour + b.throughputPerOperatorHour) / 2;
    expect(view.medianThroughput).toBeCloseTo(median, 6);
    expect(rows[`${SITE}/st-a`]).toMatchObject({
      site: SITE, operatorsActive: 3, breakDue: 3, misbins30m: 1, queueLength: 0,
      throughputPerOperatorHour: a.throughputPerOperatorHour, itemsPerWorkHour: a.itemsPerWorkHour,
      throughputVsMedianPct: Math.round((a.throughputPerOperatorHour / median) * 100),
    });
    expect(rows[`${SITE}/st-b`]).toMatchObject({
      site: SITE, operatorsActive: 1, breakDue: 0, misbins30m: 0, queueLength: 2, oldestWaitMin: 5,
      throughputPerOperatorHour: b.throughputPerOperatorHour, itemsPerWorkHour: b.itemsPerWorkHour,
      throughputVsMedianPct: Math.round((b.throughputPerOperatorHour / median) * 100),
    });
    // st-b: 30 items per working hour (one every 2 min); st-a: 20.
    expect(b.itemsPerWorkHour).toBe(30);
    expect(a.itemsPerWorkHour).toBe(20);

    // Own topic, apart from the outbox heartbeat on …/metrics; and nothing personal in any of it.
    const sent = seen.filter((m) => m.topic.endsWith('/metrics/workload'));
    expect(new Set(sent.map((m) => m.topic))).toEqual(new Set([topics.workloadMetrics(SITE, 'st-a'), topics.workloadMetrics(SITE, 'st-b')]));
    expect(seen.filter((m) => m.topic.endsWith('/metrics'))).toEqual([]);
    const all = seen.map((m) => m.payload).join('\n');
    for (const p of [...PEOPLE['st-a'], ...PEOPLE['st-b']]) {
      expect(all).not.toContain(p.badge);
      expect(all).not.toContain(p.name);
      expect(all).not.toContain(p.name.split(' ')[0]);
      expect(all).not.toContain(operatorPseudonym(p.badge, SECRET));
    }

    // The CLI's HQ view shows the same comparison.
    await hq.stop();
    hq = undefined;
    const out = execFileSync('node', [join(ROOT, 'bin/returns-station.js'), 'hq', '--stations', '--db', hqDb], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent' } });
    const cli = JSON.parse(out) as { workload: { rows: Array<{ station: string; operatorsActive: number; queueLength: number }> } };
    expect(cli.workload.rows.map((r) => [r.station, r.operatorsActive, r.queueLength])).toEqual([
      [`${SITE}/st-a`, 3, 0],
      [`${SITE}/st-b`, 1, 2],
    ]);
  });

  it('offline, a tick is dropped, never queued for later', async () => {
    if (!have) return;
    const sdb = openStationDb(':memory:');
    // Never started: not connected, as a station during an outage.
    const pub = new OutboxPublisher({ db: sdb, url: URL, site: SITE, station: 'st-off' });
    const metrics = new WorkloadMetricsPublisher({ site: SITE, station: 'st-off', intervalSec: 60, snapshot: () => stationMonitor('st-b').snapshot(), link: pub });
    expect(await metrics.publishNow()).toBe(false);
    expect(metrics.dropped).toBe(1);
    await pub.start();
    await waitFor(() => pub.status().state === 'online', 10_000, 'st-off online');
    await new Promise((r) => setTimeout(r, 300));
    expect(seen.filter((m) => m.topic.includes('/st-off/metrics'))).toEqual([]);
    await pub.stop();
    sdb.close();
  });
});

/** The stores keep the newest message per station, idempotently (SQLite here, PostgreSQL when it runs). */
async function storeContract(store: HqStore): Promise<void> {
  await store.init();
  const msg = (at: string, queueLength: number): string => JSON.stringify({ ...metricsMessage(stationMonitor('st-b').snapshot(), { station: 'st-b' }), at: new Date(at).toISOString(), queueLength });
  const put = (at: string, q: number): Promise<boolean> => store.putWorkloadMetrics({ site: 'dc-x', station: 'st-b', at: Date.parse(at), receivedAt: Date.parse(at) + 50, payload: msg(at, q) });
  expect(await put('2026-12-03T15:00:00Z', 2)).toBe(true);
  expect(await put('2026-12-03T15:00:00Z', 2)).toBe(false);
  expect(await put('2026-12-03T14:59:00Z', 9)).toBe(false);
  expect(await put('2026-12-03T15:01:00Z', 4)).toBe(true);
  const stored = await store.workloadMetrics();
  expect(stored).toHaveLength(1);
  expect(workloadComparison(stored).rows).toMatchObject([{ station: 'dc-x/st-b', site: 'dc-x', queueLength: 4, at: '2026-12-03T15:01:00.000Z' }]);
  await store.close();
}

describe('HQ stores: latest workload message per station', () => {
  it('SQLite', async () => {
    await storeContract(new SqliteHqStore(join(tempDir('rs-wl-store-'), 'hq.db')));
  });

  it('PostgreSQL', async () => {
    if (!serviceGate('postgresql', await portOpen(5432))) return;
    const schema = `wl_${process.pid}_${Date.now()}`;
    try {
      await storeContract(new PgHqStore(PG_URL, { schema }));
    } finally {
      const c = new pg.Client(PG_URL);
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    }
  });
});
