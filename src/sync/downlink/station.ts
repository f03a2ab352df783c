import type { KeyObject } from 'node:crypto';
import type { Catalog } from '../../catalog/catalog.js';
import { BusyBackoff, busyPolicyOf } from '../../core/busy.js';
import { StationError, errorMessage } from '../../core/errors.js';
import { createLogger } from '../../core/logger.js';
import type { RuleRegistry } from '../../rules/index.js';
import { appliedDownlink, appliedDownlinks, lastOpenRefusal, logDownlink, type StationDb } from '../../store/index.js';
import { topics } from '../topics.js';
import { handleDownlink, type DownlinkOutcome } from './apply.js';
import { DOWNLINK_KINDS, readPublicKey, type DownlinkAck, type DownlinkKind } from './envelope.js';

const log = createLogger('sync.downlink');

/** The MQTT connection the downlink rides on: the station's OutboxPublisher (one connection, one client id). */
export interface DownlinkLink {
  /** must re-issue the subscription whenever the broker has no session for us */
  addSubscription(topic: string, handler: (topic: string, payload: Buffer) => void): () => void;
  publish(topic: string, payload: string, opts?: { qos?: 0 | 1; retain?: boolean; timeoutMs?: number }): Promise<boolean>;
}

export interface StationDownlinkOptions {
  sdb: StationDb;
  rules: RuleRegistry;
  catalog: Catalog;
  site: string;
  station: string;
  link: DownlinkLink;
  /** `hq.publicKey`: PEM text or a file path; without it rule set downlinks are refused */
  publicKey?: string | undefined;
  /** after something was applied (the app pushes status to the screens) */
  onOutcome?: (o: DownlinkOutcome) => void;
  /**
   * Bring back HQ's last applied rule set at start (default true). StationApp passes false: its activation record
   * (src/app/rules-startup.ts) already restored the last accepted set, which may be a supervisor's later one.
   */
  restoreRules?: boolean;
}

export interface DownlinkStatus {
  publicKey: boolean;
  applied: Array<{ kind: string; target: string; version: number; issuedAt: string; appliedAt: number }>;
  lastRefusal?: { kind: string; target: string; version: number | null; code: string; reason: string; at: number };
}

/**
 * Station side of the HQ downlink: subscribes (QoS 1) to the retained `rules`, `catalog` and `returns` topics for this
 * station and for `all`, applies what is valid and newer, refuses the rest with a reason, and answers every message
 * on the downlink ack topic. Lost acks heal themselves: the retained message comes again on the next connect and
 * is answered `ignored` with the version held.
 */
export class StationDownlink {
  private readonly offs: Array<() => void> = [];
  private key: KeyObject | undefined;
  private running = false;
  /** messages waiting to be applied again while another program holds the database (BUG-52) */
  private readonly retries = new Set<NodeJS.Timeout>();

  constructor(private readonly o: StationDownlinkOptions) {}

  async start(): Promise<void> {
    if (this.running) return;
    if (this.o.station === 'all') {
      throw new StationError('DOWNLINK_STATION_NAME', 'A station cannot be called "all": that name addresses every station of the site.', { hint: 'Rename the station in station.yaml.' });
    }
    // A configured but broken key is a set-up error to fix now, not a surprise at the first rule push.
    this.key = this.o.publicKey ? readPublicKey(this.o.publicKey) : undefined;
    if (this.o.restoreRules !== false) this.restoreRules();
    this.running = true;
    for (const target of [this.o.station, 'all']) {
      for (const kind of DOWNLINK_KINDS) {
        this.offs.push(this.o.link.addSubscription(topics.downlink(this.o.site, target, kind), (_t, payload) => this.onMessage(target, kind, payload)));
      }
    }
    await Promise.resolve();
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const off of this.offs.splice(0)) off();
    for (const t of this.retries) clearTimeout(t);
    this.retries.clear();
    await Promise.resolve();
  }

  status(): DownlinkStatus {
    const s: DownlinkStatus = {
      publicKey: this.key !== undefined,
      applied: appliedDownlinks(this.o.sdb).map((a) => ({ kind: a.kind, target: a.target, version: a.version, issuedAt: a.issuedAt, appliedAt: a.appliedAt })),
    };
    const r = lastOpenRefusal(this.o.sdb);
    if (r) s.lastRefusal = { kind: r.kind, target: r.target, version: r.version, code: r.code ?? '', reason: r.reason ?? '', at: r.at };
    return s;
  }

  /** The configured file's rule set is loaded first; a set HQ pushed earlier wins over it, as before the restart. */
  private restoreRules(): void {
    const held = appliedDownlink(this.o.sdb, 'rules');
    if (!held?.payload) return;
    let doc: unknown;
    try {
      doc = JSON.parse(held.payload);
    } catch (e) {
      log.error({ err: errorMessage(e), version: held.version }, 'stored downlink rule set unreadable; keeping the configured one');
      return;
    }
    const act = this.o.rules.activate(doc as object, { source: 'downlink', by: 'hq-downlink', reason: `restored downlink version ${held.version}` });
    if (act.ok) log.info({ version: held.version, ruleSet: `${act.ruleSet.id}@${act.ruleSet.version}` }, 'rule set from HQ downlink restored');
    else log.error({ version: held.version, err: act.errors[0]?.message }, 'stored downlink rule set no longer activates; keeping the configured one');
  }

  private onMessage(target: string, kind: DownlinkKind, payload: Buffer, busy?: BusyBackoff): void {
    if (!this.running) return;
    let out: DownlinkOutcome | undefined;
    try {
      out = handleDownlink({ sdb: this.o.sdb, rules: this.o.rules, catalog: this.o.catalog, site: this.o.site, publicKey: this.key }, target, kind, payload);
    } catch (e) {
      // handleDownlink does not throw by design; this guard keeps a bug there from taking the MQTT thread down.
      out = { kind, target, version: null, status: 'refused', code: 'DOWNLINK_FAILED', reason: errorMessage(e) };
    }
    if (!out) return;
    if (out.code === 'STORAGE_BUSY') {
      // Another program holds the database (BUG-52): nothing was applied. Again after a pause, without blocking the
      // station meanwhile; still busy after the wait and the retries, HQ is told STORAGE_BUSY (its retained message
      // comes again on the next connect).
      const b = busy ?? new BusyBackoff(busyPolicyOf(this.o.sdb.db));
      const delay = b.next();
      if (delay !== undefined) {
        const t = setTimeout(() => {
          this.retries.delete(t);
          this.onMessage(target, kind, payload, b);
        }, delay);
        this.retries.add(t);
        return;
      }
    }
    if (out.products) this.o.catalog.put(out.products);
    const at = Date.now();
    if (out.status === 'refused') {
      log.warn({ kind: out.kind, target, version: out.version, code: out.code, reason: out.reason }, 'downlink refused; the active data stays');
      try {
        logDownlink(this.o.sdb, { at, kind: out.kind, target, version: out.version, status: 'refused', code: out.code ?? null, reason: out.reason ?? null });
      } catch (e) {
        log.warn({ err: errorMessage(e) }, 'downlink refusal not recorded');
      }
    } else if (out.status === 'applied') log.info({ kind: out.kind, target, version: out.version }, 'downlink applied');
    else log.debug({ kind: out.kind, target, version: out.version, held: out.appliedVersion }, 'downlink not newer; ignored');
    this.ack(out, at);
    this.o.onOutcome?.(out);
  }

  private ack(out: DownlinkOutcome, at: number): void {
    const ack: DownlinkAck = { kind: out.kind, version: out.version, target: out.target, status: out.status, at };
    if (out.code !== undefined) ack.code = out.code;
    if (out.reason !== undefined) ack.reason = out.reason;
    if (out.appliedVersion !== undefined) ack.appliedVersion = out.appliedVersion;
    this.o.link.publish(topics.downlinkAck(this.o.site, this.o.station), JSON.stringify(ack), { qos: 1 }).then(
      (ok) => {
        if (!ok) log.warn({ kind: out.kind, version: out.version }, 'downlink ack not delivered; the retained message will be answered again after reconnect');
      },
      (e: unknown) => log.warn({ err: errorMessage(e) }, 'downlink ack failed'),
    );
  }
}
