import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { StationConfig } from '../config/schema.js';
import { createLogger } from '../core/logger.js';
import type { ItemView, LiveMessage } from '../server/api-types.js';
import type { GradingAnswers } from '../station/facts.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../sync/broker.js';
import { HqIngest } from '../hq/ingest.js';
import { loadScenario, type Scenario, type ScenarioItem } from './scenario.js';
import { StationApp } from './station-app.js';

const log = createLogger('demo');

export interface DemoOptions {
  config: StationConfig;
  scenarioPath: string;
  exitWhenDone: boolean;
  /** Stop waiting for HQ's confirmations after this long (then exit non-zero). */
  confirmTimeoutMs?: number;
}

export interface DemoSummary {
  items: number;
  decisions: number;
  rejected: number;
  exceptions: number;
  eventsEmitted: number;
  eventsAtHq: number;
  duplicatesAtHq: number;
  byDisposition: Record<string, number>;
  durationMs: number;
  readyMs: number;
}

export interface RunningDemo {
  station: StationApp;
  broker: EmbeddedBroker;
  hq: HqIngest;
  url: string;
  readyMs: number;
  /** Resolves when the scenario has been fed and (with exitWhenDone) HQ has confirmed every event. */
  done: Promise<DemoSummary>;
  stop(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * `returns-station demo`: an embedded broker standing in for HQ's, an HQ ingest with its own database, one station
 * with an emulated R2000 reader on a mock serial port, and a scenario fed through the real paths: tags into the
 * reader's field, barcodes through POST /api/scans.
 */
export async function startDemo(opts: DemoOptions): Promise<RunningDemo> {
  const t0 = performance.now();
  const scenario = loadScenario(opts.scenarioPath);
  const cfg = opts.config;
  const broker = await startEmbeddedBroker({ port: cfg.mqtt.embeddedPort, host: '127.0.0.1' });
  const hqDbPath = cfg.hq.dbPath ?? resolve(cfg.dataDir, 'hq.db');
  // aedes speaks MQTT 3.1.1; an external broker (mqtt.url) gets the configured version.
  const protocolVersion = cfg.mqtt.url ? (cfg.mqtt.protocolVersion ?? 5) : 4;
  const hq = new HqIngest({ url: cfg.mqtt.url ?? broker.url, dbPath: hqDbPath, workerId: `demo-${cfg.site}-${cfg.station}`, mqtt: { protocolVersion } });
  await hq.start();

  const answersByEpc = new Map<string, GradingAnswers>();
  const station = new StationApp({ config: cfg, brokerUrl: cfg.mqtt.url ?? broker.url, answersForTag: (epc) => answersByEpc.get(epc.toUpperCase()), protocolVersion });
  await station.start();
  const readyMs = Math.round(performance.now() - t0);
  log.info({ url: station.httpUrl, readyMs }, 'demo ready');

  const stopAll = async (): Promise<void> => {
    await station.stop();
    await hq.stop();
    await broker.close();
  };
  const done = feedScenario(station, hqDbPath, scenario, answersByEpc, opts, readyMs, t0);
  return { station, broker, hq, url: station.httpUrl, readyMs, done, stop: stopAll };
}

function answersOf(item: ScenarioItem): GradingAnswers {
  return { reason: item.reason, grade: item.grade, daysSinceDelivery: item.daysSinceDelivery, rma: item.rma };
}

async function feedScenario(
  station: StationApp,
  hqDbPath: string,
  scenario: Scenario,
  answersByEpc: Map<string, GradingAnswers>,
  opts: DemoOptions,
  readyMs: number,
  t0: number,
): Promise<DemoSummary> {
  const items: ItemView[] = [];
  let rejected = 0;
  const pendingEpcs = new Set<string>();
  const off = station.bus.on('live', (msg: LiveMessage) => {
    if (msg.type === 'item' && msg.item.source === 'rfid') {
      const epcHex = msg.item.raw.toUpperCase();
      if (pendingEpcs.delete(epcHex)) items.push(msg.item);
    }
  });
  const emulator = station.readers[0]?.emulator;
  try {
    for (const item of scenario.items) {
      await sleep(scenario.intervalMs);
      if (item.epc !== undefined) {
        const epc = item.epc.toUpperCase();
        if (!emulator) throw new Error('the scenario has RFID items but no emulated reader is configured');
        answersByEpc.set(epc, answersOf(item));
        pendingEpcs.add(epc);
        emulator.addTag({ epc, antenna: item.antenna, rssi: -52 });
        // The item is lifted out of the field after a moment, as an operator moves it on.
        setTimeout(() => emulator.removeTag(epc), 1500).unref();
      } else if (item.barcode !== undefined) {
        const res = await fetch(`${station.httpUrl}/api/scans`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ code: item.barcode, ...answersOf(item), idempotencyKey: `demo:${Date.now()}:${items.length}:${rejected}` }),
        });
        const body = (await res.json()) as { ok: boolean; item?: ItemView };
        if (body.ok && body.item) items.push(body.item);
        else rejected++;
      }
    }
    // RFID items are decided when the reader's next inventory round reports them.
    const deadline = Date.now() + 15_000;
    while (pendingEpcs.size > 0 && Date.now() < deadline) await sleep(50);
    if (pendingEpcs.size > 0) throw new Error(`the reader never reported ${pendingEpcs.size} tag(s): ${[...pendingEpcs].join(', ')}`);

    const eventIds = items.flatMap((it) => station.eventIdsOf(it.id));
    let atHq = hqCounts(hqDbPath, eventIds);
    if (opts.exitWhenDone) {
      const until = Date.now() + (opts.confirmTimeoutMs ?? 60_000);
      while (Date.now() < until && !(station.syncView().outboxDepth === 0 && atHq.distinct === eventIds.length)) {
        await sleep(100);
        atHq = hqCounts(hqDbPath, eventIds);
      }
    }
    const byDisposition: Record<string, number> = {};
    for (const it of items) byDisposition[it.disposition] = (byDisposition[it.disposition] ?? 0) + 1;
    return {
      items: items.length,
      decisions: items.filter((i) => i.ruleSet !== undefined).length,
      rejected,
      exceptions: items.filter((i) => i.status === 'exception').length,
      eventsEmitted: eventIds.length,
      eventsAtHq: atHq.distinct,
      duplicatesAtHq: atHq.rows - atHq.distinct,
      byDisposition,
      durationMs: Math.round(performance.now() - t0),
      readyMs,
    };
  } finally {
    off();
  }
}

/** Reads HQ's own database (a second, read-only connection) to check what HQ really stored. */
function hqCounts(path: string, eventIds: string[]): { rows: number; distinct: number } {
  if (eventIds.length === 0) return { rows: 0, distinct: 0 };
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    let rows = 0;
    let distinct = 0;
    for (let i = 0; i < eventIds.length; i += 500) {
      const chunk = eventIds.slice(i, i + 500);
      const r = db
        .prepare(`SELECT COUNT(*) AS rows, COUNT(DISTINCT event_id) AS distinct_ids FROM hq_events WHERE event_id IN (${chunk.map(() => '?').join(',')})`)
        .get(...chunk) as { rows: number; distinct_ids: number };
      rows += r.rows;
      distinct += r.distinct_ids;
    }
    return { rows, distinct };
  } finally {
    db.close();
  }
}
