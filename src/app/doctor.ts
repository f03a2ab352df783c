import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import mqtt, { type IClientOptions } from 'mqtt';
import { listSerialPorts, type SerialPortEntry } from '../../devices/rfid/ports.js';
import { classifyHidDevice, nodeHidApi, type HidApi, type HidDeviceInfo } from '../../devices/scanner/hid.js';
import type { StationConfig } from '../config/schema.js';
import { errorMessage } from '../core/errors.js';
import { mqttSettings } from './mqtt-settings.js';
import { scannerMatch } from './scanners.js';

export interface DoctorReport {
  ok: boolean;
  serialPorts: SerialPortEntry[];
  hid: { ok: boolean; devices: Array<{ vendorId: string; productId: string; product?: string; kind: string; hint?: string }>; error?: string };
  /** The configured `scanners`: whether each is plugged in, and how the station will read it. */
  scanners: Array<{ id: string; vendorId: string; productId: string; serialNumber?: string; found: boolean; kind?: string; hint?: string }>;
  broker: { url: string; ok: boolean; error?: string; ms?: number };
  database: { path: string; exists: boolean; ok: boolean; check?: string; items?: number; outboxDepth?: number; error?: string };
}

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

/** Looks at everything a station depends on without changing anything: ports, HID devices, broker, database. */
export async function runDoctor(cfg: StationConfig, brokerUrl: string, timeoutMs = 3000, hidApi?: () => Promise<HidApi>): Promise<DoctorReport> {
  const [serialPorts, hidList, broker] = await Promise.all([listSerialPorts(), listHid(hidApi ?? nodeHidApi), checkBroker(brokerUrl, cfg, timeoutMs)]);
  const hid = checkHid(hidList, cfg);
  const scanners = checkScanners(hidList, cfg);
  const database = checkDatabase(resolve(cfg.dataDir, 'station.db'));
  return { ok: broker.ok && database.ok && hid.ok && scanners.every((s) => s.found), serialPorts, hid, scanners, broker, database };
}

async function listHid(api: () => Promise<HidApi>): Promise<HidDeviceInfo[] | Error> {
  try {
    return await (await api()).devicesAsync();
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

/** A configured scanner that is not plugged in (or not allowed to the station's user) is a problem worth a line. */
function checkScanners(list: HidDeviceInfo[] | Error, cfg: StationConfig): DoctorReport['scanners'] {
  return cfg.scanners.map((sc) => {
    const m = scannerMatch(sc);
    const base = { id: sc.id, vendorId: hex4(m.vendorId), productId: hex4(m.productId), ...(sc.serialNumber ? { serialNumber: sc.serialNumber } : {}) };
    const info = list instanceof Error ? undefined : list.find((d) => d.vendorId === m.vendorId && d.productId === m.productId && (m.serialNumber === undefined || d.serialNumber === m.serialNumber));
    if (!info) return { ...base, found: false, hint: 'Not plugged in, or the station user may not open it (see docs/kiosk.md, HID access).' };
    const c = classifyHidDevice(info, sc.kind === 'boot-keyboard' ? [m] : []);
    return { ...base, found: true, kind: c.kind, ...(c.hint ? { hint: c.hint } : {}) };
  });
}

function checkHid(list: HidDeviceInfo[] | Error, cfg: StationConfig): DoctorReport['hid'] {
  if (list instanceof Error) return { ok: false, devices: [], error: `HID devices cannot be listed: ${errorMessage(list)}` };
  const bootIds = cfg.scanners.filter((s) => s.kind === 'boot-keyboard').map(scannerMatch);
  const found = list.map((d) => classifyHidDevice(d, bootIds)).filter((c) => c.kind !== 'other');
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
}

async function checkBroker(url: string, cfg: StationConfig, timeoutMs: number): Promise<DoctorReport['broker']> {
  const t0 = performance.now();
  return await new Promise((resolvePromise) => {
    // The station's own login and TLS settings, so "reachable" means "the station can log in", not just "a port is open".
    const s = mqttSettings(cfg, url);
    const opts: IClientOptions = { connectTimeout: timeoutMs, reconnectPeriod: 0, protocolVersion: cfg.mqtt.protocolVersion ?? 4, clientId: `rs-doctor-${process.pid}`, rejectUnauthorized: s.rejectUnauthorized ?? true };
    if (s.username !== undefined) opts.username = s.username;
    if (s.password !== undefined) opts.password = s.password;
    if (s.ca !== undefined) opts.ca = readFileSync(s.ca);
    if (s.cert !== undefined) opts.cert = readFileSync(s.cert);
    if (s.key !== undefined) opts.key = readFileSync(s.key);
    const client = mqtt.connect(url, opts);
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
  if (r.scanners.length > 0) lines.push(`Configured scanners (${r.scanners.length}):`);
  for (const s of r.scanners) lines.push(`  ${s.id} ${s.vendorId}:${s.productId}${s.serialNumber ? ` #${s.serialNumber}` : ''}: ${s.found ? `found, ${s.kind ?? ''}` : 'NOT found'}${s.hint ? ` — ${s.hint}` : ''}`);
  lines.push(`Broker ${r.broker.url}: ${r.broker.ok ? `reachable (${r.broker.ms} ms)` : `NOT reachable: ${r.broker.error}`}`);
  const d = r.database;
  lines.push(`Database ${d.path}: ${!d.exists ? d.check : d.ok ? `ok, ${d.items} items, ${d.outboxDepth} events not yet confirmed by HQ` : `PROBLEM: ${d.error ?? d.check}`}`);
  return lines.join('\n');
}
