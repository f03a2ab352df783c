import { readFileSync } from 'node:fs';
import type { IClientOptions } from 'mqtt';
import { StationError } from '../core/errors.js';

/** Broker settings from config. File paths are read on every connect so rotated certificates are picked up. */
export interface MqttSettings {
  /** 5 (default) or 4 (= 3.1.1; the embedded aedes broker speaks 3.1.1) */
  protocolVersion?: 4 | 5;
  username?: string;
  password?: string;
  /** PEM text or a file path, for TLS (mqtts://) */
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized?: boolean;
  /** seconds, 1..300 (default 30) */
  keepalive?: number;
  connectTimeoutMs?: number;
  /** back-off after a failed or kicked connection (BUG-45): initial and cap, ms */
  backoff?: { initialMs?: number; maxMs?: number };
  /** a persistent session (clean=false) with this expiry, seconds; the station default is a clean session */
  clean?: boolean;
  sessionExpirySec?: number;
}

export function validateKeepalive(k: number | undefined): number {
  if (k === undefined) return 30;
  if (!Number.isInteger(k) || k < 1 || k > 300) {
    throw new StationError('MQTT_BAD_KEEPALIVE', `mqtt.keepalive must be a whole number of seconds between 1 and 300 (got ${String(k)}).`, {
      hint: 'Keepalive is in seconds, not milliseconds; 30 is a good value.',
      details: { key: 'mqtt.keepalive', value: k },
    });
  }
  return k;
}

const pem = (v: string | undefined): Buffer | undefined => {
  if (v === undefined) return undefined;
  if (v.includes('-----BEGIN')) return Buffer.from(v);
  try {
    return readFileSync(v);
  } catch (e) {
    throw new StationError('MQTT_TLS_FILE', `The TLS file ${v} could not be read.`, { hint: 'Check the path in the mqtt settings.', cause: e });
  }
};

/**
 * A fresh options object for every connect: MQTT.js mutates what it is given, and two clients sharing one
 * object ended up with the same client id (BUG-45).
 */
export function buildClientOptions(s: MqttSettings, clientId: string, will: { topic: string; payload: string }): IClientOptions {
  const o: IClientOptions = {
    clientId,
    protocolVersion: s.protocolVersion ?? 5,
    keepalive: validateKeepalive(s.keepalive),
    clean: s.clean ?? true,
    connectTimeout: s.connectTimeoutMs ?? 10_000,
    // We own reconnects (back-off with jitter, kick detection); MQTT.js's fixed period would hammer the broker.
    reconnectPeriod: 0,
    // QoS 0 is for metrics only and must never pile up while offline (BUG-48).
    queueQoSZero: false,
    resubscribe: false,
    will: { topic: will.topic, payload: Buffer.from(will.payload), qos: 1, retain: true },
  };
  if (s.username !== undefined) o.username = s.username;
  if (s.password !== undefined) o.password = s.password;
  const ca = pem(s.ca);
  const cert = pem(s.cert);
  const key = pem(s.key);
  if (ca) o.ca = ca;
  if (cert) o.cert = cert;
  if (key) o.key = key;
  if (s.rejectUnauthorized !== undefined) o.rejectUnauthorized = s.rejectUnauthorized;
  if ((s.protocolVersion ?? 5) === 5 && s.clean === false) o.properties = { sessionExpiryInterval: s.sessionExpirySec ?? 7 * 24 * 3600 };
  return o;
}

/**
 * Reconnect policy: exponential back-off 1→2→4…60 s with jitter; a connection that the broker closes
 * within 5 s of CONNACK counts as a kick, and 3 kicks within 60 s mean another client uses our id (BUG-45).
 */
export class Backoff {
  private attempt = 0;
  private kicks: number[] = [];
  constructor(
    private readonly initialMs = 1000,
    private readonly maxMs = 60_000,
    private readonly random: () => number = Math.random,
  ) {}

  /** Next delay; full jitter within [d/2, d] so a fleet of stations does not reconnect in step. */
  next(): number {
    const d = Math.min(this.maxMs, this.initialMs * 2 ** this.attempt);
    this.attempt++;
    return Math.round(d / 2 + (this.random() * d) / 2);
  }

  /** Report how a connection ended; returns true when duplicate client ids are suspected. */
  closed(connectedAt: number | undefined, now = Date.now()): boolean {
    if (connectedAt === undefined) return false;
    if (now - connectedAt >= 5000) {
      this.attempt = 0;
      return false;
    }
    this.kicks = this.kicks.filter((t) => now - t < 60_000);
    this.kicks.push(now);
    return this.kicks.length >= 3;
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
