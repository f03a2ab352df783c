import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { listSerialPorts, type SerialPortEntry } from '../../devices/rfid/ports.js';
import { discoverScanners, nodeHidApi } from '../../devices/scanner/hid.js';
import type { StationConfig } from '../config/schema.js';
import { errorMessage } from '../core/errors.js';

export interface DoctorReport {
  ok: boolean;
  serialPorts: SerialPortEntry[];
  hid: { ok: boolean; devices: Array<{ vendorId: string; productId: string; product?: string; kind: string; hint?: string }>; error?: string };
  broker: { url: string; ok: boolean; error?: string; ms?: number };
  database: { path: string; exists: boolean; ok: boolean; check?: string; items?: number; outboxDepth?: number; error?: string };
}

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

/** Looks at everything a station depends on without changing anything: ports, HID devices, broker, database. */
export async function runDoctor(cfg: StationConfig, brokerUrl: string, timeoutMs = 3000): Promise<DoctorReport> {
  const [serialPorts, hid, broker] = await Promise.all([listSerialPorts(), checkHid(), checkBroker(brokerUrl, cfg, timeoutMs)]);
  const database = checkDatabase(resolve(cfg.dataDir, 'station.db'));
  return { ok: broker.ok && database.ok && hid.ok, serialPorts, hid, broker, database };
}

async function checkHid(): Promise<DoctorReport['hid']> {
  try {
    const found = await discoverScanners(await nodeHidApi());
    return {
      ok: true,
      devices: found.map((d) => ({
        vendorId: hex4(d.info.vendorId),
        productId: hex4(d.info.productId),
        ...(d.info.product ? { product: d.info.product } : {}),
        kind: d.kind,
        ...(d.hint ? { hint: d.hint } : {}),
      })),
    };
  } catch (e) {
    return { ok: false, devices: [], error: `HID devices cannot be listed: ${errorMessage(e)}` };
  }
}

async function checkBroker(url: string, cfg: StationConfig, timeoutMs: number): Promise<DoctorReport['broker']> {
  const t0 = performance.now();
  return await new Promise((resolvePromise) => {
    const client = mqtt.connect(url, { connectTimeout: timeoutMs, reconnectPeriod: 0, protocolVersion: cfg.mqtt.protocolVersion ?? 4, clientId: `rs-doctor-${process.pid}` });
    const done = (r: DoctorReport['broker']): void => {
      client.end(true);
      resolvePromise(r);
    };
    const timer = setTimeout(() => done({ url, ok: false, error: `no answer within ${timeoutMs} ms` }), timeoutMs);
    client.once('connect', () => {
      clearTimeout(timer);
      done({ url, ok: true, ms: Math.round(performance.now() - t0) });
    });
    client.once('error', (e) => {
      clearTimeout(timer);
      done({ url, ok: false, error: e.message });
    });
  });
}

function checkDatabase(path: string): DoctorReport['database'] {
  if (!existsSync(path)) return { path, exists: false, ok: true, check: 'not created yet (the station creates it on first start)' };
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const check = db.pragma('quick_check', { simple: true }) as string;
    const items = db.prepare('SELECT COUNT(*) FROM items').pluck().get() as number;
    const last = (db.prepare('SELECT MAX(seq) FROM outbox').pluck().get() as number | null) ?? 0;
    const confirmed = Number((db.prepare("SELECT value FROM meta WHERE key = 'outbox_confirmed_seq'").pluck().get() as string | undefined) ?? 0);
    return { path, exists: true, ok: check === 'ok', check, items, outboxDepth: Math.max(0, last - confirmed) };
  } catch (e) {
    return { path, exists: true, ok: false, error: errorMessage(e) };
  } finally {
    db?.close();
  }
}

export function formatDoctor(r: DoctorReport): string {
  const lines: string[] = [];
  lines.push(`Serial ports (${r.serialPorts.length}):`);
  for (const p of r.serialPorts) lines.push(`  ${p.path}${p.fingerprint ? `  usb ${p.fingerprint}` : ''}${p.likelyReader ? `  (${p.likelyReader})` : ''}`);
  if (r.serialPorts.length === 0) lines.push('  none found');
  lines.push(`HID scanners (${r.hid.devices.length}):${r.hid.error ? ` ${r.hid.error}` : ''}`);
  for (const d of r.hid.devices) lines.push(`  ${d.vendorId}:${d.productId} ${d.product ?? ''} ${d.kind}${d.hint ? ` — ${d.hint}` : ''}`);
  lines.push(`Broker ${r.broker.url}: ${r.broker.ok ? `reachable (${r.broker.ms} ms)` : `NOT reachable: ${r.broker.error}`}`);
  const d = r.database;
  lines.push(`Database ${d.path}: ${!d.exists ? d.check : d.ok ? `ok, ${d.items} items, ${d.outboxDepth} events not yet confirmed by HQ` : `PROBLEM: ${d.error ?? d.check}`}`);
  return lines.join('\n');
}
