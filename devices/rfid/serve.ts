/**
 * Put an emulator on a real serial device (one end of a socat pty pair) or a TCP port, so the station can be
 * tested end to end. The serial side reopens its path by itself when the pty disappears and comes back.
 */
import net from 'node:net';
import { SerialPortStream } from '@serialport/stream';
import type { BindingInterface } from '@serialport/bindings-cpp';
import { createLogger } from '../../src/core/logger.js';
import type { ReaderEmulator, Sink } from './emulator.js';

const log = createLogger('rfid.emulator');

export interface Served {
  close(): Promise<void>;
}

export async function serveSerial(emulator: ReaderEmulator, path: string, opts: { baudRate?: number; binding?: BindingInterface; retryMs?: number } = {}): Promise<Served> {
  const binding = opts.binding ?? ((await import('@serialport/bindings-cpp')).autoDetect() as unknown as BindingInterface);
  let stopped = false;
  let port: SerialPortStream | null = null;
  let sink: Sink | null = null;
  let timer: NodeJS.Timeout | null = null;

  const retry = (): void => {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = null;
      open();
    }, opts.retryMs ?? 200);
  };
  const drop = (p: SerialPortStream): void => {
    if (port !== p) return;
    port = null;
    if (sink) emulator.detach(sink);
    sink = null;
    retry();
  };
  const open = (): void => {
    const p = new SerialPortStream({ binding, path, baudRate: opts.baudRate ?? 115200, autoOpen: false });
    p.on('error', () => drop(p));
    p.on('close', () => drop(p));
    p.open((e) => {
      if (e) {
        retry();
        return;
      }
      port = p;
      const s: Sink = (bytes) => {
        if (p.isOpen) p.write(Buffer.from(bytes));
      };
      sink = s;
      const feed = emulator.attach(s);
      p.on('data', (chunk: Buffer) => feed(chunk));
      log.info({ path }, 'emulator serving on serial port');
    });
  };
  open();
  return {
    async close(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      const p = port;
      port = null;
      if (sink) emulator.detach(sink);
      if (p?.isOpen) await new Promise<void>((r) => p.close(() => r()));
    },
  };
}

/**
 * The first half of a tag frame this family really sends, so a "dropped mid-frame" test cuts one of the family's
 * own frames (an R2000 fragment is just garbage to a Chafon or BB…7E parser).
 */
export function halfFrame(emulator: ReaderEmulator): Uint8Array {
  const p = emulator.protocol;
  const ant = emulator.field.antennas[0] ?? 1;
  // A copy: building the sample must not change what the emulator answers next.
  const field = { ...emulator.field, tags: [{ epc: 'E2001021511800880490E133', antenna: ant, rssi: -50 }], currentAntenna: ant };
  let frames = p.reader.cycle?.(field);
  if (!frames) {
    const req = p.decode(p.commands.inventory().command, 'host');
    frames = req.ok ? p.reader.respond(req.frame, field) : [];
  }
  const f = frames[0] ?? Uint8Array.from([0xa0, 0x13, 0x01, 0x89, 0x8c, 0x30]);
  return f.slice(0, Math.max(1, f.length >> 1));
}

export interface ServedTcp extends Served {
  port: number;
  /** Cut every client connection, optionally in the middle of a frame (writes half a frame first). */
  dropClients(opts?: { midFrame?: boolean }): void;
}

export async function serveTcp(emulator: ReaderEmulator, port: number, host = '127.0.0.1'): Promise<ServedTcp> {
  const clients = new Map<net.Socket, Sink>();
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    const s: Sink = (bytes) => {
      if (!socket.destroyed) socket.write(bytes);
    };
    clients.set(socket, s);
    const feed = emulator.attach(s);
    socket.on('data', (chunk: Buffer) => feed(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clients.delete(socket);
      emulator.detach(s);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  const actual = typeof addr === 'object' && addr ? addr.port : port;
  log.info({ port: actual }, 'emulator serving on TCP');
  return {
    port: actual,
    dropClients(opts = {}): void {
      for (const [socket, s] of clients) {
        emulator.detach(s);
        // Half a tag frame, then the cable is gone.
        if (opts.midFrame) socket.write(halfFrame(emulator));
        socket.destroy();
      }
    },
    async close(): Promise<void> {
      for (const socket of clients.keys()) socket.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
