import { EventEmitter } from 'node:events';
import type { MqttClient, IConnackPacket } from 'mqtt';
import { errorMessage } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { adoptHqSequence, restoreState } from '../store/recovery.js';
import { lastSeq, outboxStats, type OutboxStats, type StationDb } from '../store/index.js';
import { Backoff, buildClientOptions, validateKeepalive, type MqttSettings } from './connection.js';
import { OutboxDrain, type Publish } from './drain.js';
import { topics, type Receipt } from './topics.js';

type MqttConnect = (typeof import('mqtt'))['connect'];
/**
 * MQTT.js is loaded by the first connect, not when this module is: it is ~110 ms and ~15 MB of a station's start-up,
 * and the station takes scans and fills its outbox without a broker (offline-first).
 */
let mqttConnect: Promise<MqttConnect> | undefined;
const loadMqtt = (): Promise<MqttConnect> => (mqttConnect ??= import('mqtt').then((m) => m.connect));

const log = createLogger('publisher');

export interface PublisherOptions {
  db: StationDb;
  url: string;
  site: string;
  station: string;
  mqtt?: MqttSettings;
  /** QoS 1 messages awaiting PUBACK at once (default 100, at most 10,000: MQTT.js packet ids wrap at 65,535) */
  inflight?: number;
  /** bytes awaiting PUBACK at once (default 1 MiB; one message always goes) */
  inflightBytes?: number;
  /** refuse events larger than this before sending (default 256 KiB minus headroom for the topic) */
  maxPayloadBytes?: number;
  /** re-send what HQ has not confirmed when its receipt has not moved for this long (default 30 s) */
  confirmTimeoutMs?: number;
  /** a gap HQ reports is re-sent once it has persisted this long (default 2 s; shared HQ workers reorder) */
  gapGraceMs?: number;
  /** QoS 0 heartbeat with outbox figures (default off) */
  heartbeatMs?: number;
  /** rows read from the outbox per query (default 1000) */
  batchRows?: number;
  /** consecutive events packed into one EPCISDocument message at most (default 100; 1 = one event per message) */
  batchEvents?: number;
  /** bytes of one packed message at most (default 128 KiB; the broker's limit wins when lower) */
  batchBytes?: number;
  /**
   * At most this many messages sent ahead of HQ's receipt (default 2000). Flow control by receipts: a
   * broker with default limits queues ~1000 messages for a slow subscriber and silently drops the rest, so
   * sending further ahead only produces re-sends.
   */
  maxUnconfirmed?: number;
}

export interface PublisherStatus {
  state: 'stopped' | 'connecting' | 'online' | 'offline';
  clientId: string;
  inFlight: number;
  /** every sequence number ≤ this has had its PUBACK */
  sentThrough: number;
  /** HQ's receipt: every sequence number ≤ this is stored at HQ */
  confirmedSeq: number;
  lastSeq: number;
  lastPubackAt?: number;
  lastConfirmedAt?: number;
  lastError?: string;
  reconnects: number;
  alarm?: { code: string; message: string; at: number };
  /**
   * HQ got events of ours under numbers it already held for other events (HQ_SEQ_CONFLICT): HQ stored both, so
   * nothing is lost, but another station may be using this station's name, or this disk was cloned.
   */
  hqConflict?: { code: 'HQ_SEQ_CONFLICT'; message: string; at: number; seqs: Array<[number, number]>; total?: number };
  outbox: OutboxStats;
}

type Handler = (topic: string, payload: Buffer) => void;

/**
 * Drains the outbox to `returns/v1/{site}/{station}/events`, QoS 1, in sequence order, with a bounded window.
 * The outbox — not MQTT.js's memory — is the queue (BUG-42): nothing is dropped until HQ's receipt.
 * The constructor does nothing; start() connects, stop() removes everything it added.
 */
export class OutboxPublisher extends EventEmitter {
  readonly clientId: string;
  private readonly o: Required<Omit<PublisherOptions, 'mqtt'>> & { mqtt: MqttSettings };
  private client: MqttClient | undefined;
  private mqttConnect: MqttConnect | undefined;
  private gen = 0;
  private running = false;
  private connected = false;
  private connectedAt: number | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private timers: NodeJS.Timeout[] = [];
  private backoff: Backoff;
  private reconnects = 0;
  private readonly drain: OutboxDrain;
  private lastError: string | undefined;
  private alarm: PublisherStatus['alarm'];
  /** The last alarm raised (BUG-45), kept as raised: the station decides when it stands down (src/app/link-alarm.ts). */
  get lastAlarm(): PublisherStatus['alarm'] {
    return this.alarm;
  }
  private hqConflict: PublisherStatus['hqConflict'];
  /** HQ_SEQ_CONFLICT, once a receipt reported one (stands until restart: the other copy is still out there). */
  get lastHqConflict(): PublisherStatus['hqConflict'] {
    return this.hqConflict;
  }
  private latestMetric: string | undefined;
  private readonly subs = new Map<string, Handler>();
  /**
   * BUG-54: the database was restored (or started fresh) and HQ's highest sequence for this station is not known
   * yet. Nothing is sent and no receipt is applied (a receipt would "confirm" held rows whose numbers HQ holds
   * under other events) until `adoptHq()`; the held rows wait safely in SQLite.
   */
  private holdForHq = false;
  private heldReceipt: Buffer | undefined;
  private heldHighest = 0;

  constructor(opts: PublisherOptions) {
    super();
    validateKeepalive(opts.mqtt?.keepalive);
    this.o = {
      inflight: Math.max(1, Math.min(opts.inflight ?? 100, 10_000)),
      inflightBytes: opts.inflightBytes ?? 1024 * 1024,
      maxPayloadBytes: opts.maxPayloadBytes ?? 256 * 1024 - 512,
      confirmTimeoutMs: opts.confirmTimeoutMs ?? 30_000,
      gapGraceMs: opts.gapGraceMs ?? 2000,
      heartbeatMs: opts.heartbeatMs ?? 0,
      batchRows: opts.batchRows ?? 1000,
      batchEvents: Math.max(1, Math.min(opts.batchEvents ?? 100, 1000)),
      batchBytes: opts.batchBytes ?? 128 * 1024,
      maxUnconfirmed: Math.max(opts.inflight ?? 100, opts.maxUnconfirmed ?? 2000),
      mqtt: { ...(opts.mqtt ?? {}) },
      db: opts.db,
      url: opts.url,
      site: opts.site,
      station: opts.station,
    };
    this.drain = new OutboxDrain(
      this.o,
      {
        pump: () => this.pump(),
        emit: (name, data) => {
          this.emit(name, data);
          if (name === 'sent') this.emitStatus();
        },
        error: (m) => (this.lastError = m),
      },
      this.o.maxPayloadBytes,
    );
    this.backoff = new Backoff(this.o.mqtt.backoff?.initialMs, this.o.mqtt.backoff?.maxMs);
    this.clientId = `rs-${opts.station}-${opts.db.installId}`;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    // After a restart nothing is in flight: everything HQ has not confirmed is sent again (HQ de-duplicates).
    this.drain.reset();
    const rs = restoreState(this.o.db);
    this.holdForHq = rs.restoredAt !== undefined;
    if (this.holdForHq) log.warn({ restoredFrom: rs.restoredFrom, backupSeq: rs.backupSeq }, 'restored database: holding new events until HQ says its highest sequence');
    if (rs.adoptedBase !== undefined && rs.backupSeq !== undefined && rs.adoptedBase > rs.backupSeq) this.drain.setLostRange([rs.backupSeq + 1, rs.adoptedBase]);
    this.subs.set(topics.ack(this.o.site, this.o.station), (_t, p) => this.onReceipt(p));
    this.timers.push(setInterval(() => this.drain.flushSent(), 100));
    this.timers.push(setInterval(() => this.drain.checkTimeouts(this.link()), Math.max(100, Math.min(1000, this.o.confirmTimeoutMs / 4, this.o.gapGraceMs / 2))));
    if (this.o.heartbeatMs > 0) this.timers.push(setInterval(() => this.heartbeat(), this.o.heartbeatMs));
    for (const t of this.timers) t.unref();
    this.connect();
    this.emitStatus();
    await Promise.resolve();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.drain.flushSent();
    const c = this.client;
    this.client = undefined;
    this.gen++;
    if (c) {
      if (this.connected) await this.settle(c, topics.status(this.o.site, this.o.station), this.statusPayload('offline'), 1, true, 2000);
      await new Promise<void>((resolve) => c.end(false, {}, () => resolve()));
    }
    this.connected = false;
    this.emitStatus();
    this.removeAllListeners();
    this.subs.clear();
  }

  /** Subscribe on this connection; re-issued whenever the broker has no session for us. */
  addSubscription(topic: string, handler: Handler): () => void {
    this.subs.set(topic, handler);
    if (this.connected) this.client?.subscribe(topic, { qos: 1 });
    return () => {
      this.subs.delete(topic);
      if (this.connected) this.client?.unsubscribe(topic);
    };
  }

  /** Publish on this connection (downlink acks, …). Always settles, at the latest after `timeoutMs`. */
  async publish(topic: string, payload: string, opts: { qos?: 0 | 1; retain?: boolean; timeoutMs?: number } = {}): Promise<boolean> {
    if (!this.client || !this.connected) return false;
    return await this.settle(this.client, topic, payload, opts.qos ?? 1, opts.retain ?? false, opts.timeoutMs ?? 5000);
  }

  /** QoS 0 metric: sent now if online, else only the latest value is kept and sent once after reconnect (BUG-48). */
  publishMetric(payload: unknown): void {
    const s = typeof payload === 'string' ? payload : JSON.stringify(payload);
    if (this.connected && this.client) this.client.publish(topics.metrics(this.o.site, this.o.station), s, { qos: 0 });
    else this.latestMetric = s;
  }

  /** Ask for a re-send of everything HQ has not confirmed (e.g. after HQ lost data). */
  resendUnconfirmed(): void {
    this.drain.resendUnconfirmed();
  }

  status(): PublisherStatus {
    const s: PublisherStatus = {
      state: !this.running ? 'stopped' : this.connected ? 'online' : this.reconnects === 0 && !this.lastError ? 'connecting' : 'offline',
      clientId: this.clientId,
      inFlight: this.drain.eventsInFlight,
      sentThrough: this.drain.sentThrough,
      confirmedSeq: this.drain.confirmed,
      lastSeq: lastSeq(this.o.db),
      reconnects: this.reconnects,
      outbox: outboxStats(this.o.db),
    };
    if (this.drain.lastPubackAt !== undefined) s.lastPubackAt = this.drain.lastPubackAt;
    if (s.outbox.lastConfirmedAt !== undefined) s.lastConfirmedAt = s.outbox.lastConfirmedAt;
    if (this.lastError !== undefined) s.lastError = this.lastError;
    if (this.alarm) s.alarm = this.alarm;
    if (this.hqConflict) s.hqConflict = this.hqConflict;
    return s;
  }

  /** The largest event sent as it is: the configured limit, lowered to what the broker said at CONNACK (BUG-47). */
  get maxEventBytes(): number {
    return this.drain.maxBytes;
  }

  /** True while a restored database waits for HQ's highest sequence (nothing is sent meanwhile). */
  get holding(): boolean {
    return this.holdForHq;
  }

  /**
   * HQ's highest sequence for this station is known (its answer to the re-sync request, read from its store):
   * rows held since the restore are renumbered above max(backup, HQ's highest, the retained receipt's highest),
   * then sending starts.
   */
  adoptHq(hqHighest: number): void {
    if (!this.holdForHq) return;
    const r = adoptHqSequence(this.o.db, Math.max(hqHighest, this.heldHighest));
    const rs = restoreState(this.o.db);
    if (rs.backupSeq !== undefined && r.base > rs.backupSeq) this.drain.setLostRange([rs.backupSeq + 1, r.base]);
    this.holdForHq = false;
    this.drain.rewind();
    this.emit('adopted', r);
    const held = this.heldReceipt;
    this.heldReceipt = undefined;
    if (held) this.onReceipt(held);
    this.emitStatus();
    this.pump();
  }

  /** New rows were committed: the station calls this after recordItem so sending starts at once. */
  kick(): void {
    this.pump();
  }

  // ---- connection -------------------------------------------------------------------------------------

  private connect(): void {
    if (!this.running) return;
    const connectWith = this.mqttConnect;
    if (!connectWith) {
      loadMqtt().then(
        (c) => {
          this.mqttConnect = c;
          this.connect();
        },
        (e: unknown) => {
          this.lastError = `the MQTT client library could not be loaded: ${errorMessage(e)}`;
          log.error({ err: this.lastError }, 'cannot connect to the broker');
          this.emitStatus();
        },
      );
      return;
    }
    const gen = ++this.gen;
    let opts: ReturnType<typeof buildClientOptions>;
    try {
      opts = buildClientOptions(this.o.mqtt, this.clientId, { topic: topics.status(this.o.site, this.o.station), payload: this.statusPayload('offline') });
    } catch (e) {
      // Certificates are read on every connect: one removed during a renewal must not end the process from a timer;
      // the station stays offline with the reason and tries again.
      this.lastError = errorMessage(e);
      log.error({ err: this.lastError }, 'cannot build the broker connection; retrying');
      this.emitStatus();
      const delay = this.backoff.next();
      this.reconnects++;
      this.reconnectTimer = setTimeout(() => this.connect(), delay);
      this.reconnectTimer.unref();
      return;
    }
    const client = connectWith(this.o.url, opts);
    this.client = client;
    client.on('connect', (connack: IConnackPacket) => {
      if (gen !== this.gen) return;
      this.connected = true;
      this.connectedAt = Date.now();
      this.lastError = undefined;
      const brokerMax = connack.properties?.maximumPacketSize;
      this.drain.maxBytes = brokerMax ? Math.min(this.o.maxPayloadBytes, brokerMax - 512) : this.o.maxPayloadBytes;
      if (!connack.sessionPresent) for (const t of this.subs.keys()) client.subscribe(t, { qos: 1 });
      client.publish(topics.status(this.o.site, this.o.station), this.statusPayload('online'), { qos: 1, retain: true });
      if (this.latestMetric !== undefined) {
        client.publish(topics.metrics(this.o.site, this.o.station), this.latestMetric, { qos: 0 });
        this.latestMetric = undefined;
      }
      log.info({ url: this.o.url, clientId: this.clientId }, 'connected to broker');
      this.emit('online');
      this.emitStatus();
      this.pump();
    });
    client.on('message', (topic, payload) => {
      if (gen !== this.gen) return;
      for (const [filter, h] of this.subs) {
        if (!matches(filter, topic)) continue;
        // A handler that fails (e.g. the database went away under a receipt) must not take the station down with
        // an uncaught exception from MQTT.js's event loop: the message comes again (retained/re-sent) later.
        try {
          h(topic, payload);
        } catch (e) {
          this.lastError = errorMessage(e);
          log.error({ topic, err: this.lastError }, 'could not handle a message from the broker; it will be handled when it comes again');
        }
      }
    });
    client.on('error', (e) => {
      if (gen !== this.gen) return;
      this.lastError = errorMessage(e);
    });
    client.on('close', () => {
      if (gen !== this.gen) return;
      this.onClosed(client);
    });
  }

  private onClosed(client: MqttClient): void {
    const wasConnected = this.connected;
    this.connected = false;
    this.gen++;
    client.removeAllListeners('message');
    client.end(true);
    this.drain.connectionLost();
    if (this.backoff.closed(wasConnected ? this.connectedAt : undefined)) {
      this.alarm = { code: 'MQTT_DUPLICATE_CLIENT_ID', message: 'Another device seems to use this station\'s MQTT client id; the broker keeps disconnecting us.', at: Date.now() };
      log.error({ clientId: this.clientId }, 'duplicate clientId suspected');
      this.emit('alarm', this.alarm);
    }
    this.connectedAt = undefined;
    this.emitStatus();
    if (!this.running) return;
    const delay = this.backoff.next();
    this.reconnects++;
    log.warn({ delay, lastError: this.lastError }, 'broker connection closed; reconnecting');
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
    this.reconnectTimer.unref();
  }

  // ---- draining -----------------------------------------------------------------------------------------

  private pump(): void {
    if (this.holdForHq || !this.connected) return;
    const link = this.link();
    if (link) this.drain.pump(link);
  }

  /** QoS 1 publish on the current connection, for the drain; undefined while offline. */
  private link(): Publish | undefined {
    const client = this.client;
    if (!client || !this.connected) return undefined;
    return (topic, payload, done) => {
      client.publish(topic, payload, { qos: 1 }, (err) => done(err));
    };
  }

  // ---- receipts ------------------------------------------------------------------------------------------

  private noteConflict(r: Receipt): void {
    const seqs = r.conflicts ?? [];
    const first = !this.hqConflict;
    this.hqConflict = {
      code: 'HQ_SEQ_CONFLICT',
      message: `HQ already had other events under this station's numbers ${seqs.map(([a, b]) => (a === b ? `${a}` : `${a}–${b}`)).join(', ')}. HQ kept ours as well, so nothing is lost; but another station may be running under this station's name, or this disk was copied from another station. Ask IT to check the station names.`,
      at: Date.now(),
      seqs,
      ...(r.conflictsTotal !== undefined ? { total: r.conflictsTotal } : {}),
    };
    if (first) log.error({ seqs, total: r.conflictsTotal }, 'HQ holds other events under our station numbers (another station with our name, or a cloned disk?)');
    this.emit('alarm', this.hqConflict);
    this.emitStatus();
  }

  private onReceipt(payload: Buffer): void {
    let r: Receipt;
    try {
      r = JSON.parse(payload.toString('utf8')) as Receipt;
    } catch {
      return;
    }
    if (typeof r.contiguous !== 'number') return;
    if (Array.isArray(r.conflicts) && r.conflicts.length > 0) this.noteConflict(r);
    if (this.holdForHq) {
      this.heldReceipt = payload;
      this.heldHighest = Math.max(this.heldHighest, r.highest ?? 0, r.contiguous);
      return;
    }
    if (this.drain.applyReceipt(r, this.link())) this.emitStatus();
    this.pump();
  }

  // ---- status --------------------------------------------------------------------------------------------

  private heartbeat(): void {
    const s = outboxStats(this.o.db);
    this.publishMetric({ at: Date.now(), depth: s.depth, unsent: s.unsent, blocked: s.blockedOversize, lastConfirmedAt: s.lastConfirmedAt });
  }

  private statusPayload(state: 'online' | 'offline'): string {
    return JSON.stringify({ state, at: Date.now(), station: this.o.station, clientId: this.clientId });
  }

  private emitStatus(): void {
    if (this.listenerCount('status') > 0) this.emit('status', this.status());
  }

  private async settle(client: MqttClient, topic: string, payload: string, qos: 0 | 1, retain: boolean, timeoutMs: number): Promise<boolean> {
    return await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      client.publish(topic, payload, { qos, retain }, (err) => {
        clearTimeout(t);
        resolve(!err);
      });
    });
  }
}

/** MQTT topic filter match (+ and #), for dispatching messages to subscriptions. */
export function matches(filter: string, topic: string): boolean {
  const f = filter.startsWith('$share/') ? filter.split('/').slice(2) : filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
