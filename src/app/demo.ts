import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { StationConfig } from '../config/schema.js';
import { StationError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import type { ItemView, LiveMessage } from '../server/api-types.js';
import type { GradingAnswers } from '../station/facts.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../sync/broker.js';
import { HqIngest } from '../hq/ingest.js';
import { demoBadges, seedDemoOperators, seedDemoReturns } from './demo-operators.js';
import { ensureWritableDir } from './data-dir.js';
import { loadScenario, type Scenario, type ScenarioItem } from './scenario.js';
import { loadRuleSetFile } from '../rules/index.js';
import { DEFAULT_RULES, StationApp } from './station-app.js';

const log = createLogger('demo');

export interface DemoOptions {
  config: StationConfig;
  scenarioPath: string;
  exitWhenDone: boolean;
  /** Register the demo's made-up people and expected returns (default true); a test that brings its own says false. */
  demoPeople?: boolean;
  /** Stop waiting for HQ's confirmations after this long (then exit non-zero). */
  confirmTimeoutMs?: number;
  /** Ctrl+C while starting: what has started is stopped again and startDemo rejects with INTERRUPTED. */
  signal?: AbortSignal;
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
  /** The interactive demo feeds its scenario once per data folder; a restart continues with what is stored. */
  alreadyFed?: boolean;
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

/**
 * `returns-station demo`: an embedded broker standing in for HQ's, an HQ ingest with its own database, one station
 * with an emulated R2000 reader on a mock serial port, and a scenario fed through the real paths: tags into the
 * reader's field, barcodes through POST /api/scans.
 */
export async function startDemo(opts: DemoOptions): Promise<RunningDemo> {
  const t0 = performance.now();
  const cfg = opts.config;
  // Checked against the rule set the station will load, before anything starts. A set that does not load is
  // reported by the station itself, with its own message.
  const rules = loadRuleSetFile(cfg.rules.file ?? DEFAULT_RULES);
  const scenario = loadScenario(opts.scenarioPath, rules.ok ? rules.ruleSet : undefined);
  const hqDbPath = cfg.hq.dbPath ?? resolve(cfg.dataDir, 'hq.db');
  // Before any port or database is opened: a bad folder is one clear error, and nothing is left half started.
  ensureWritableDir(cfg.dataDir);
  ensureWritableDir(dirname(hqDbPath));
  if (opts.signal?.aborted) throw interrupted();
  const broker = await startEmbeddedBroker({ port: cfg.mqtt.embeddedPort, host: '127.0.0.1' });
  if (opts.signal?.aborted) {
    await broker.close();
    throw interrupted();
  }
  // aedes speaks MQTT 3.1.1; an external broker (mqtt.url) gets the configured version.
  const protocolVersion = cfg.mqtt.url ? (cfg.mqtt.protocolVersion ?? 5) : 4;
  const hq = new HqIngest({ url: cfg.mqtt.url ?? broker.url, dbPath: hqDbPath, workerId: `demo-${cfg.site}-${cfg.station}`, mqtt: { protocolVersion } });
  const answersByEpc = new Map<string, GradingAnswers>();
  const station = new StationApp({ config: cfg, brokerUrl: cfg.mqtt.url ?? broker.url, answersForTag: (epc) => answersByEpc.get(epc.toUpperCase()), protocolVersion, ...(opts.demoPeople === false ? {} : { demoBadges: demoBadges() }) });
  const stopAll = async (): Promise<void> => {
    await station.stop();
    await hq.stop();
    await broker.close();
  };
  try {
    await hq.start();
    if (opts.signal?.aborted) throw interrupted();
    await station.start();
    if (opts.signal?.aborted) throw interrupted();
  } catch (e) {
    // e.g. the web UI's port is busy, or Ctrl+C: close what did start so the caller gets the error, not a hanging process.
    await stopAll().catch((ce: unknown) => log.warn({ err: ce instanceof Error ? ce.message : String(ce) }, 'cleanup after a failed start'));
    throw e;
  }
  if (opts.demoPeople !== false) {
    seedDemoOperators(station.workflow.core);
    seedDemoReturns(station.workflow.core);
  }
  const readyMs = Math.round(performance.now() - t0);
  log.info({ url: station.httpUrl, readyMs }, 'demo ready');

  const abort = new AbortController();
  // `npm start` again must not invent the same returns twice; scripted runs (--exit-when-done) feed every time.
  const fedKey = `demo_scenario_fed:${createHash('sha256').update(readFileSync(opts.scenarioPath)).digest('hex').slice(0, 16)}`;
  // No .pluck(): sdb.prepare hands out one cached statement per SQL text, and plucking it turned every later meta read
  // of the station (restore state, recovery notice) into a bare string.
  const fedBefore = station.sdb.prepare('SELECT value FROM meta WHERE key = ?').get(fedKey) !== undefined;
  const done =
    !opts.exitWhenDone && fedBefore
      ? Promise.resolve(emptySummary(readyMs))
      : feedScenario(station, hqDbPath, scenario, answersByEpc, opts, readyMs, t0, abort.signal).then((s) => {
          if (!opts.exitWhenDone) station.sdb.prepare('INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)').run(fedKey, new Date().toISOString());
          return s;
        });
  // Nobody may be awaiting `done` when a stop interrupts it; its INTERRUPTED rejection must not become unhandled.
  done.catch(() => undefined);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    // Feeding stops first, so nothing new is sent to a station that is closing; what is stored stays in the outbox.
    abort.abort();
    stopping ??= stopAll();
    return stopping;
  };
  return { station, broker, hq, url: station.httpUrl, readyMs, done, stop };
}

function emptySummary(readyMs: number): DemoSummary {
  return { items: 0, decisions: 0, rejected: 0, exceptions: 0, eventsEmitted: 0, eventsAtHq: 0, duplicatesAtHq: 0, byDisposition: {}, durationMs: 0, readyMs, alreadyFed: true };
}

function interrupted(): StationError {
  return new StationError('INTERRUPTED', 'The demo was stopped before the scenario was finished.', {
    hint: 'Everything stored so far is kept and is sent to HQ on the next run.',
  });
}

/** A pause that an abort ends at once with INTERRUPTED. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(interrupted());
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(interrupted());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
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
  signal: AbortSignal,
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
      await pause(scenario.intervalMs, signal);
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
    while (pendingEpcs.size > 0 && Date.now() < deadline) await pause(50, signal);
    if (pendingEpcs.size > 0) throw new Error(`the reader never reported ${pendingEpcs.size} tag(s): ${[...pendingEpcs].join(', ')}`);

    const eventIds = items.flatMap((it) => station.eventIdsOf(it.id));
    let atHq = hqCounts(hqDbPath, eventIds);
    if (opts.exitWhenDone) {
      const until = Date.now() + (opts.confirmTimeoutMs ?? 60_000);
      while (Date.now() < until && !(station.syncView().outboxDepth === 0 && atHq.distinct === eventIds.length)) {
        await pause(100, signal);
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
