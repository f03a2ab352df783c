import { EventEmitter } from 'node:events';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { StationError, errorMessage } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { checkEvent, MAX_EVENT_BYTES, MAX_STATION_SEQ, type EventCheck } from '../sync/epcis/check.js';
import { eventsInText } from '../sync/epcis/document.js';
import { buildClientOptions, type MqttSettings } from '../sync/connection.js';
import { parseTopic, topics, type SkipNotice } from '../sync/topics.js';
import type { DownlinkAck } from '../sync/downlink/envelope.js';
import { downlinkAckViews, type DownlinkAckView } from './acks.js';
import { LazyPg } from './lazy-pg.js';
import { ThreadedSqliteHqStore } from './threaded-sqlite.js';
import type { BatchResult, HqStore, IncomingEvent, IncomingSkip, StationView } from './types.js';
import { answerResync, parseResyncRequest } from './resync.js';
import { parseWorkloadMetrics, workloadComparison, type HqWorkloadView } from './workload.js';

const log = createLogger('hq');
/** The topic "site" HQ workers announce their own status under. */
const HQ_SITE = '_hq';

/** A station's status message: JSON with a `state` (online/offline …); anything else is not stored. */
function isStatusPayload(payload: string): boolean {
  try {
    const v = JSON.parse(payload) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { state?: unknown }).state === 'string';
  } catch {
    return false;
  }
}

export interface HqIngestOptions {
  url: string;
  /** SQLite file (default data/hq.db); ignored when postgresUrl is given */
  dbPath?: string;
  /** postgres://… — store in PostgreSQL */
  postgresUrl?: string;
  /** PostgreSQL schema for HQ's tables (default: the connection's search_path) */
  postgresSchema?: string;
  /** or a ready store (tests, embedding) */
  store?: HqStore;
  /** join the shared subscription `$share/<group>/…` so several workers split the load (default off; true = 'hq') */
  shared?: boolean | string;
  /** this worker's id; the MQTT client id is `hq-<workerId>` and its session is persistent */
  workerId?: string;
  mqtt?: MqttSettings;
  /** events per transaction (default 5000: fewer commits rewrite the random eventID index less often) and the longest an event waits for its batch (default 20 ms) */
  batchSize?: number;
  batchDelayMs?: number;
  /** MQTT 5 Receive Maximum asked of the broker (default 1000) */
  receiveMaximum?: number;
  /** stop reading from the broker while this many events wait for storage (default 20,000) */
  highWater?: number;
  /** the longest wait between attempts to reach a broker that is away (default 30 s; the wait starts at 1 s and doubles) */
  reconnectMaxMs?: number;
}

export interface HqStats {
  events: number;
  duplicates: number;
  rejected: number;
  conflicts: number;
  batches: number;
  byStation: Record<string, { events: number; duplicates: number; contiguous: number; highest: number; lastContact: number }>;
}

/**
 * HQ ingest: subscribes (persistent session, optionally shared), checks each event, stores it idempotently,
 * and publishes each station's receipt (retained) after the commit — the receipt, not the PUBACK, is what
 * lets a station forget an event.
 */
export class HqIngest extends EventEmitter {
  readonly store: HqStore;
  private client: MqttClient | undefined;
  private statusTopic: string | undefined;
  private readonly o: HqIngestOptions;
  private queue: Array<{ ev?: IncomingEvent; skip?: IncomingSkip }> = [];
  private waiting: Array<() => void> = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private paused = false;
  private throttlePerSec: number | undefined;
  private running = false;
  private readonly s: HqStats = { events: 0, duplicates: 0, rejected: 0, conflicts: 0, batches: 0, byStation: {} };

  constructor(opts: HqIngestOptions) {
    super();
    this.o = opts;
    if (opts.store) this.store = opts.store;
    else if (opts.postgresUrl) this.store = new LazyPg(opts.postgresUrl, opts.postgresSchema);
    else this.store = new ThreadedSqliteHqStore(opts.dbPath ?? 'data/hq.db');
  }

  async start(): Promise<void> {
    if (this.running) return;
    try {
      await this.store.init();
    } catch (e) {
      // A half-opened store (a pg pool, the SQLite worker thread) would keep the process alive after the failure.
      await this.store.close().catch(() => undefined);
      throw e;
    }
    this.running = true;
    const workerId = this.o.workerId ?? 'hq-1';
    const statusTopic = `returns/v1/${HQ_SITE}/${workerId}/status`;
    this.statusTopic = statusTopic;
    const base = buildClientOptions({ clean: false, protocolVersion: 5, ...this.o.mqtt }, `hq-${workerId}`, {
      topic: statusTopic,
      payload: JSON.stringify({ state: 'offline' }),
    });
    const opts: IClientOptions = { ...base, reconnectPeriod: 1000, resubscribe: true };
    if (opts.protocolVersion === 5) {
      // Receive Maximum: how many QoS 1 messages the broker may have in flight to us. The broker's default (20)
      // makes HQ's throughput a function of round-trip time; a slow round trip then overflows its queue.
      opts.properties = { ...opts.properties, receiveMaximum: this.o.receiveMaximum ?? 1000 };
    }
    let client: MqttClient;
    try {
      client = mqtt.connect(this.o.url, opts);
    } catch (e) {
      this.running = false;
      await this.store.close().catch(() => undefined);
      throw new StationError('HQ_BROKER_URL', `HQ cannot connect to ${this.o.url}: ${errorMessage(e)}`, { hint: 'Use an MQTT URL such as mqtt://host:1883 or mqtts://host:8883.', cause: e });
    }
    this.client = client;
    // Flow control: holding `done` stops MQTT.js reading, so a slow HQ slows its own session, not its RAM.
    client.handleMessage = (packet: IPublishPacket, done: (e?: Error) => void): void => {
      this.accept(packet);
      if (this.paused || this.queue.length >= (this.o.highWater ?? 20_000)) this.waiting.push(() => done());
      else done();
    };
    const share = this.o.shared === true ? 'hq' : this.o.shared || undefined;
    client.on('connect', (connack) => {
      log.info({ url: this.o.url, workerId, sessionPresent: connack.sessionPresent }, 'HQ connected');
      // The will says `offline` when this worker vanishes; this says it is up (retained, like the stations').
      client.publish(statusTopic, JSON.stringify({ state: 'online', at: Date.now() }), { qos: 1, retain: true });
      // Re-issued on every connect, session or not. Mosquitto 2.0 restores a persistent session after a
      // restart but its shared subscriptions stay dead (subscribing again does not revive them; unsubscribing
      // first does). Whatever falls into that moment is re-sent by the stations (receipts, not PUBACKs).
      // Re-sync requests (BUG-54) are shared too: one worker answers each.
      const filters = [topics.hqEvents(share), topics.hqSkips(share), `${share ? `$share/${share}/` : ''}${topics.hqResyncRequests()}`];
      const subscribe = (): void => {
        client.subscribe(filters, { qos: 1 });
        client.subscribe(topics.hqStatus(), { qos: 1 });
        client.subscribe(topics.hqDownlinkAcks(), { qos: 1 });
        // QoS 0 like the stations send it: a lost message is replaced by the next one.
        client.subscribe(topics.hqWorkloadMetrics(), { qos: 0 });
      };
      if (connack.sessionPresent && share) client.unsubscribe(filters, () => subscribe());
      else subscribe();
      this.emit('connect');
    });
    // A broker that is away is said once, then retried with back-off (1 s doubling to 30 s), not logged every second.
    let lastError: string | undefined;
    client.on('error', (e) => {
      const m = errorMessage(e);
      if (m !== lastError) log.warn({ err: m, retryInMs: client.options.reconnectPeriod }, 'HQ broker error; retrying');
      lastError = m;
    });
    client.on('reconnect', () => {
      client.options.reconnectPeriod = Math.min(this.o.reconnectMaxMs ?? 30_000, (client.options.reconnectPeriod ?? 1000) * 2);
    });
    client.on('connect', () => {
      if (lastError !== undefined) log.info({ url: this.o.url }, 'HQ broker reachable again');
      lastError = undefined;
      client.options.reconnectPeriod = 1000;
    });
    await new Promise<void>((resolve) => {
      if (client.connected) resolve();
      else client.once('connect', () => resolve());
    });
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.paused = false;
    await this.flush();
    const c = this.client;
    this.client = undefined;
    this.releaseWaiting();
    if (c) {
      // A clean stop sends no will: say `offline` ourselves (bounded, the broker may be gone already).
      if (c.connected && this.statusTopic) {
        await Promise.race([c.publishAsync(this.statusTopic, JSON.stringify({ state: 'offline', at: Date.now() }), { qos: 1, retain: true }).catch(() => undefined), sleep(1000)]);
      }
      await new Promise<void>((resolve) => c.end(false, {}, () => resolve()));
    }
    await this.store.close();
    this.removeAllListeners();
  }

  /** Stop storing (messages stay with the broker); for maintenance and the slow-HQ test. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.schedule();
    this.releaseWaiting();
  }

  /** Store at most this many events per second (undefined = as fast as possible). */
  throttle(eventsPerSec: number | undefined): void {
    this.throttlePerSec = eventsPerSec;
  }

  stats(): HqStats {
    return { ...this.s, byStation: { ...this.s.byStation } };
  }

  /** Every station's latest downlink answer per kind and target (applied, refused with why, ignored), as stored. */
  async downlinkAcks(): Promise<DownlinkAckView[]> {
    return downlinkAckViews(await this.store.downlinkAcks());
  }

  async stations(): Promise<StationView[]> {
    return await this.store.stations();
  }

  private accept(p: IPublishPacket): void {
    const t = parseTopic(p.topic);
    if (!t) return;
    const payload = typeof p.payload === 'string' ? p.payload : p.payload.toString('utf8');
    const now = Date.now();
    // HQ workers' own status: not a station.
    if (t.site === HQ_SITE) return;
    if (t.rest === 'status') {
      if (!isStatusPayload(payload)) {
        log.warn({ site: t.site, station: t.station, payload: payload.slice(0, 200) }, 'status refused: not a JSON object with a "state"');
        return;
      }
      this.store.noteStatus(t.site, t.station, payload, now).catch((e: unknown) => log.warn({ err: errorMessage(e) }, 'status not stored'));
      return;
    }
    if (t.rest === 'resync/request') {
      this.onResyncRequest(t.site, t.station, payload);
      return;
    }
    if (t.rest === 'downlink/ack') {
      this.noteDownlinkAck(t.site, t.station, payload, now);
      return;
    }
    if (t.rest === 'metrics/workload') {
      this.noteWorkloadMetrics(t.site, t.station, payload, now);
      return;
    }
    if (t.rest === 'skips') {
      this.acceptSkip(t.site, t.station, payload, now);
      return;
    }
    // One event, or an EPCISDocument of several (a station draining its backlog): each is checked and stored alone.
    const m = eventsInText(payload);
    if (!m.ok) this.reject(t.site, t.station, m.code, m.reason, payload);
    else if (m.events.length === 0) log.warn({ site: t.site, station: t.station }, 'an EPCISDocument with no events; nothing to store');
    else {
      // Character offsets are byte offsets only in a pure ASCII message (as long in bytes as in characters).
      const bytes = typeof p.payload !== 'string' && p.payload.length === payload.length ? p.payload : undefined;
      for (const e of m.events) {
        const kept = bytes && e.span ? bytes.subarray(e.span[0], e.span[1]) : undefined;
        this.acceptEvent(t.site, t.station, p.topic, e.value, e.payload ?? payload, now, kept);
      }
    }
  }

  private acceptSkip(site: string, station: string, payload: string, now: number): void {
    let n: Partial<SkipNotice>;
    try {
      n = JSON.parse(payload) as Partial<SkipNotice>;
    } catch {
      this.reject(site, station, 'EPCIS_NOT_JSON', 'payload is not JSON', payload);
      return;
    }
    if (typeof n !== 'object' || n === null || typeof n.seq !== 'number' || !Number.isSafeInteger(n.seq) || n.seq <= 0 || n.seq > MAX_STATION_SEQ) {
      this.reject(site, station, 'EPCIS_BAD_SEQ', `a skip notice needs a station sequence number from 1 to ${MAX_STATION_SEQ}`, payload);
      return;
    }
    this.push({ skip: { site, station, seq: n.seq, eventID: String(n.eventID ?? ''), reason: String(n.reason ?? 'skipped'), detail: JSON.stringify(n), receivedAt: now } });
  }

  /** `bytes`: the same text as UTF-8, kept instead of `payload` when the message had it. */
  private acceptEvent(site: string, station: string, topic: string, json: unknown, payload: string, now: number, bytes?: Uint8Array): void {
    const c: EventCheck = payload.length > MAX_EVENT_BYTES ? { ok: false, code: 'EPCIS_TOO_LARGE', reason: `event of ${payload.length} characters; at most ${MAX_EVENT_BYTES}` } : checkEvent(json);
    if (!c.ok) {
      const seq = typeof json === 'object' && json !== null ? (json as Record<string, unknown>)['rs:stationSeq'] : undefined;
      this.reject(site, station, c.code, c.reason, payload, typeof seq === 'number' ? seq : undefined, c.eventID);
      return;
    }
    if (c.site !== site || c.station !== station) {
      this.reject(site, station, 'EPCIS_WRONG_STATION', `event names ${c.site}/${c.station} but came on ${topic}`, payload, c.seq, c.eventID);
      return;
    }
    this.push({ ev: { key: c.key, eventID: c.eventID, site, station, seq: c.seq, type: c.type, eventTime: c.eventTime, payload: bytes ?? payload, receivedAt: now } });
  }

  /** The latest aggregated workload figures of every station, compared across the fleet (issue 10). */
  async workload(): Promise<HqWorkloadView> {
    return workloadComparison(await this.store.workloadMetrics());
  }

  private noteWorkloadMetrics(site: string, station: string, payload: string, now: number): void {
    const p = parseWorkloadMetrics(payload);
    if (!p.ok) {
      log.warn({ site, station, reason: p.reason }, 'workload metrics refused');
      return;
    }
    this.store.putWorkloadMetrics({ site, station, at: p.at, receivedAt: now, payload }).then(
      (stored) => {
        if (stored) this.emit('workload-metrics', { site, station, at: p.at });
      },
      (e: unknown) => log.warn({ err: errorMessage(e), site, station }, 'workload metrics not stored'),
    );
  }

  /**
   * A station restored a backup and asks for its events above `fromSeq` (BUG-54). Answered after what is queued
   * is stored, so the answer (and the receipt it carries) includes everything that arrived before the request.
   */
  private onResyncRequest(site: string, station: string, payload: string): void {
    const req = parseResyncRequest(payload);
    if (!req) {
      log.warn({ site, station }, 're-sync request refused: not {fromSeq, requestId}');
      return;
    }
    const client = this.client;
    const publish = async (topic: string, body: string): Promise<void> => {
      if (!client) throw new Error('HQ is stopping');
      await client.publishAsync(topic, body, { qos: 1 });
    };
    void (async () => {
      // Not while paused or while events wait for storage: the answer's `highest` must cover them.
      while (this.running && (this.paused || this.queue.length > 0 || this.flushing)) {
        if (this.paused) await sleep(100);
        else await this.flush();
      }
      if (!this.running) return;
      const r = await answerResync(this.store, publish, site, station, req);
      this.emit('resync', { site, station, fromSeq: req.fromSeq, ...r });
    })().catch((e: unknown) => log.warn({ site, station, err: errorMessage(e) }, 're-sync request not answered'));
  }

  private noteDownlinkAck(site: string, station: string, payload: string, now: number): void {
    let a: Partial<DownlinkAck>;
    try {
      a = JSON.parse(payload) as Partial<DownlinkAck>;
    } catch {
      log.warn({ site, station }, 'downlink ack is not JSON');
      return;
    }
    if (typeof a !== 'object' || a === null || typeof a.kind !== 'string' || typeof a.status !== 'string') return;
    const view = { ...a, site, station, receivedAt: now } as DownlinkAckView;
    // Stored, so `hq --stations` still shows after an HQ restart which station refused which push and why.
    if (a.status === 'refused') log.warn({ site, station, kind: a.kind, version: a.version, code: a.code, reason: a.reason }, 'station refused a downlink');
    else log.info({ site, station, kind: a.kind, version: a.version, status: a.status }, 'downlink ack');
    this.store
      .putDownlinkAck({ site, station, kind: a.kind, target: String(a.target), receivedAt: now, payload })
      .catch((e: unknown) => log.warn({ err: errorMessage(e), site, station }, 'downlink ack not stored'))
      .finally(() => this.emit('downlink-ack', view));
  }

  /** A refused event still uses its sequence number, so it is recorded as a skip (with why) and HQ moves on. */
  private reject(site: string, station: string, code: string, reason: string, payload: string, seq?: number, eventID?: string): void {
    this.s.rejected++;
    log.warn({ site, station, code, reason, seq }, 'event refused');
    this.emit('rejected', { site, station, code, reason, seq, eventID });
    if (seq !== undefined && Number.isSafeInteger(seq) && seq > 0 && seq <= MAX_STATION_SEQ) {
      this.push({ skip: { site, station, seq, eventID: eventID ?? '', reason: `refused:${code}`, detail: payload.slice(0, 2000), receivedAt: Date.now() } });
    }
  }

  private push(item: { ev?: IncomingEvent; skip?: IncomingSkip }): void {
    this.queue.push(item);
    if (this.queue.length >= (this.o.batchSize ?? 5000)) void this.flush();
    else this.schedule();
  }

  private schedule(): void {
    if (this.flushTimer || this.paused) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush();
    }, this.o.batchDelayMs ?? 20);
  }

  private async flush(): Promise<void> {
    if (this.flushing) return await this.flushing;
    if (this.paused || this.queue.length === 0) return;
    this.flushing = (async () => {
      try {
        while (this.queue.length > 0 && !this.paused) {
          let n = this.o.batchSize ?? 5000;
          if (this.throttlePerSec !== undefined) n = Math.max(1, Math.min(n, Math.ceil(this.throttlePerSec / 10)));
          const batch = this.queue.splice(0, n);
          await this.storeAndAck(batch);
          if (this.throttlePerSec !== undefined) await sleep((batch.length / this.throttlePerSec) * 1000);
          if (this.queue.length < (this.o.highWater ?? 20_000) / 2) this.releaseWaiting();
        }
      } finally {
        this.flushing = undefined;
      }
    })();
    return await this.flushing;
  }

  private async storeAndAck(batch: Array<{ ev?: IncomingEvent; skip?: IncomingSkip }>): Promise<void> {
    const events: IncomingEvent[] = [];
    const skips: IncomingSkip[] = [];
    for (const b of batch) {
      if (b.ev) events.push(b.ev);
      else if (b.skip) skips.push(b.skip);
    }
    let r: BatchResult;
    try {
      r = await this.store.storeBatch(events, skips, Date.now());
    } catch (e) {
      // Not stored, not acknowledged: the stations re-send after their time-out. Keep the batch for a retry.
      log.error({ err: errorMessage(e), n: batch.length }, 'HQ could not store a batch; retrying');
      this.queue.unshift(...batch);
      await sleep(1000);
      return;
    }
    this.s.batches++;
    for (const rc of r.receipts) {
      if (!rc.conflicts) continue;
      log.warn(
        { site: rc.site, station: rc.station, seqs: rc.conflicts, total: rc.conflictsTotal },
        'events came under station numbers HQ already holds for other events (two stations with one name, a cloned disk, a new database under an old name?); both are stored',
      );
    }
    for (const sk of r.refusedSkips ?? []) {
      this.s.rejected++;
      log.warn({ site: sk.site, station: sk.station, code: 'EPCIS_BAD_SEQ', seq: sk.seq, reason: sk.reason }, 'skip notice refused: far beyond any number this station has sent');
      this.emit('rejected', { site: sk.site, station: sk.station, code: 'EPCIS_BAD_SEQ', reason: 'skip notice beyond the station’s numbers', seq: sk.seq, eventID: sk.eventID });
    }
    this.s.events += r.inserted;
    this.s.duplicates += r.duplicates;
    this.s.conflicts += r.conflicts;
    for (const e of events) {
      const k = `${e.site}/${e.station}`;
      const st = (this.s.byStation[k] ??= { events: 0, duplicates: 0, contiguous: 0, highest: 0, lastContact: 0 });
      st.lastContact = e.receivedAt;
    }
    for (const rc of r.receipts) {
      const k = `${rc.site}/${rc.station}`;
      const st = (this.s.byStation[k] ??= { events: 0, duplicates: 0, contiguous: 0, highest: 0, lastContact: 0 });
      st.contiguous = rc.contiguous;
      st.highest = rc.highest ?? rc.contiguous;
      const { site, station, ...receipt } = rc;
      // Retained: a station that was offline gets HQ's latest receipt the moment it subscribes.
      this.client?.publish(topics.ack(site, station), JSON.stringify(receipt), { qos: 1, retain: true });
    }
    if (events.length) {
      const per = new Map<string, number>();
      for (const e of events) per.set(`${e.site}/${e.station}`, (per.get(`${e.site}/${e.station}`) ?? 0) + 1);
      // Per-station inserted vs duplicate split is not returned per station; attribute by share of the batch.
      for (const [k, n] of per) {
        const st = this.s.byStation[k];
        if (st) {
          const ins = Math.round((n / events.length) * r.inserted);
          st.events += ins;
          st.duplicates += n - ins;
        }
      }
    }
    this.emit('batch', r);
  }

  private releaseWaiting(): void {
    const w = this.waiting;
    this.waiting = [];
    for (const done of w) done();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
