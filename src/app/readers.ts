import {
  createMockReaderPair,
  ReaderSession,
  TagSmoother,
  type ReaderEmulator,
  type StatusEvent,
  type TagPresence,
  type TransportOptions,
} from '../../devices/rfid/index.js';
import type { ReaderConfig } from '../config/schema.js';
import { StationError } from '../core/errors.js';
import type { DeviceView } from '../server/api-types.js';
import { ReadRateWindow, type ReadRateView } from './read-rate.js';

export interface RunningReader {
  id: string;
  session: ReaderSession;
  /** Present when the reader is emulated in-process (the demo). */
  emulator?: ReaderEmulator;
  view(): DeviceView;
  /** Reads per minute over the last minute, total and per antenna (supervisor devices screen). */
  readRate(now?: number): ReadRateView;
}

/** Builds one reader session per configured reader; `emulated` attaches the reader emulator on a mock port. */
export function createReader(cfg: ReaderConfig, onStatus: (d: DeviceView) => void): RunningReader {
  let transport: TransportOptions;
  let emulator: ReaderEmulator | undefined;
  if (cfg.transport === 'emulated') {
    const pair = createMockReaderPair({ protocol: cfg.protocol });
    transport = pair.transport;
    emulator = pair.emulator;
  } else if (cfg.transport === 'serial') {
    if (!cfg.path && !cfg.usb) throw new StationError('CONFIG_INVALID', `readers: reader "${cfg.id}" uses a serial port but names neither "path" nor "usb"`);
    transport = cfg.usb
      ? { kind: 'serial', fingerprint: { vendorId: cfg.usb.vendorId, productId: cfg.usb.productId, ...(cfg.usb.serialNumber ? { serialNumber: cfg.usb.serialNumber } : {}) }, baudRate: cfg.baudRate }
      : { kind: 'serial', path: cfg.path as string, baudRate: cfg.baudRate };
  } else {
    if (!cfg.host || !cfg.port) throw new StationError('CONFIG_INVALID', `readers: reader "${cfg.id}" uses TCP but lacks "host" or "port"`);
    transport = { kind: 'tcp', host: cfg.host, port: cfg.port };
  }
  // Readers that select antennas by command (R2000) only read the ports they are told to cycle through.
  const antennas = Object.keys(cfg.zones).map(Number).filter((n) => Number.isInteger(n) && n > 0).sort((a, b) => a - b);
  const session = new ReaderSession({ id: cfg.id, protocol: cfg.protocol, transport, inventoryIntervalMs: cfg.inventoryIntervalMs, antennas: antennas.length > 0 ? antennas : [1] });
  let last: DeviceView = { id: cfg.id, kind: 'rfid', status: 'connecting', detail: `${cfg.protocol} over ${cfg.transport}` };
  session.on('status', (s: StatusEvent) => {
    last = { id: cfg.id, kind: 'rfid', status: s.status, detail: `${cfg.protocol} over ${cfg.transport}` };
    if (s.error) {
      last.detail = `${s.error.code}: ${s.error.message}`;
      if (s.error.hint) last.hint = s.error.hint;
    }
    onStatus(last);
  });
  const rate = new ReadRateWindow(60);
  session.on('tag', (t: { antenna: number; at: number }) => rate.add(t.antenna, t.at));
  return { id: cfg.id, session, ...(emulator ? { emulator } : {}), view: () => last, readRate: (now = Date.now()) => rate.view(now) };
}

/** One smoother for all readers: the station acts on "tag arrived at the intake", not on raw reads. */
export function createSmoother(readers: ReaderConfig[], onArrive: (p: TagPresence) => void): TagSmoother {
  const zones: Record<string, string> = {};
  for (const r of readers) for (const [antenna, zone] of Object.entries(r.zones)) zones[`${r.id}:${antenna}`] = zone;
  const smoother = new TagSmoother({ zones, defaultZone: 'intake', absenceMs: 3000 });
  smoother.on('arrive', onArrive);
  return smoother;
}
