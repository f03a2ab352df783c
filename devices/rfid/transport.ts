/**
 * One interface over the ways a reader is reached: a serial port (real, pty, or the serialport mock binding)
 * and TCP. Sessions never know which one they hold.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { SerialPortStream } from '@serialport/stream';
import type { BindingInterface, PortInfo } from '@serialport/bindings-cpp';
import { createLogger } from '../../src/core/logger.js';
import { classifyPortError, rfidError } from './errors.js';

const log = createLogger('rfid.transport');

/** USB identity of a reader; paths like /dev/ttyUSB0 change between boots, these do not. */
export interface UsbFingerprint {
  vendorId: string;
  productId: string;
  serialNumber?: string;
}

export type TransportOptions =
  | {
      kind: 'serial';
      /** Either a path, or a fingerprint resolved through `binding.list()` on every (re)connect. */
      path?: string;
      fingerprint?: UsbFingerprint;
      baudRate?: number;
      /** Defaults to the native bindings; pass MockBinding (or a wrapper) for in-process tests. */
      binding?: BindingInterface;
    }
  | { kind: 'tcp'; host: string; port: number; connectTimeoutMs?: number };

export interface Transport {
  open(): Promise<void>;
  write(bytes: Uint8Array): Promise<void>;
  /** Always settles within `closeTimeoutMs`; a failed close is logged, never thrown (BUG-04). */
  close(): Promise<void>;
  /** Called when the link is lost after open. */
  readonly events: EventEmitter<{ data: [Buffer]; lost: [Error] }>;
  describe(): string;
  /** True while the device is still enumerated (serial with a known list entry); undefined if it cannot tell. */
  stillPresent?(): Promise<boolean | undefined>;
}

const WRITE_TIMEOUT_MS = 1000;
const CLOSE_TIMEOUT_MS = 1000;

async function loadNativeBinding(): Promise<BindingInterface> {
  const mod = await import('@serialport/bindings-cpp');
  return mod.autoDetect() as unknown as BindingInterface;
}

export function matchesFingerprint(p: PortInfo, fp: UsbFingerprint): boolean {
  const norm = (s: string | undefined): string => (s ?? '').toLowerCase().replace(/^0x/, '').padStart(4, '0');
  return (
    norm(p.vendorId) === norm(fp.vendorId) &&
    norm(p.productId) === norm(fp.productId) &&
    (fp.serialNumber === undefined || p.serialNumber === fp.serialNumber)
  );
}

function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(onTimeout()), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

export class SerialTransport implements Transport {
  readonly events = new EventEmitter<{ data: [Buffer]; lost: [Error] }>();
  private port: SerialPortStream | null = null;
  private binding: BindingInterface | null = null;
  private path: string | undefined;
  private listed = false;

  constructor(private readonly opts: Extract<TransportOptions, { kind: 'serial' }>) {}

  describe(): string {
    const fp = this.opts.fingerprint;
    return this.path ?? this.opts.path ?? (fp ? `usb ${fp.vendorId}:${fp.productId}${fp.serialNumber ? ` #${fp.serialNumber}` : ''}` : 'serial');
  }

  private async resolvePath(binding: BindingInterface): Promise<string> {
    const fp = this.opts.fingerprint;
    const ports = await binding.list().catch(() => [] as PortInfo[]);
    if (fp) {
      const hit = ports.find((p) => matchesFingerprint(p, fp));
      if (!hit) throw rfidError('PORT_NOT_FOUND', { fingerprint: fp });
      this.listed = true;
      return hit.path;
    }
    if (!this.opts.path) throw rfidError('PORT_NOT_FOUND', { reason: 'neither path nor fingerprint configured' });
    // ptys and some adapters are never listed; only watch the list for ports that were in it.
    this.listed = ports.some((p) => p.path === this.opts.path);
    return this.opts.path;
  }

  async open(): Promise<void> {
    const binding = (this.binding ??= this.opts.binding ?? (await loadNativeBinding()));
    const path = await this.resolvePath(binding);
    this.path = path;
    const port = new SerialPortStream({ binding, path, baudRate: this.opts.baudRate ?? 115200, autoOpen: false });
    // Attach before open: an 'error' without a listener would crash the process.
    port.on('error', (e: Error) => this.lose(port, e));
    port.on('close', (e: Error | null) => this.lose(port, e ?? rfidError('PORT_GONE', { path })));
    port.on('data', (chunk: Buffer) => this.events.emit('data', chunk));
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(classifyPortError(e, { path })) : resolve())));
    this.port = port;
  }

  private lose(port: SerialPortStream, e: Error): void {
    if (this.port !== port) return;
    this.port = null;
    this.events.emit('lost', classifyPortError(e, { path: this.path }));
  }

  async write(bytes: Uint8Array): Promise<void> {
    const port = this.port;
    if (!port) throw rfidError('PORT_GONE', { path: this.path });
    const done = new Promise<void>((resolve, reject) => {
      port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), (e) => (e ? reject(e) : resolve()));
    });
    // A write to a vanished USB device can hang forever (BUG-04).
    await withTimeout(done, WRITE_TIMEOUT_MS, () => rfidError('PORT_GONE', { path: this.path, reason: 'write timed out' }));
  }

  async stillPresent(): Promise<boolean | undefined> {
    if (!this.listed || !this.binding) return undefined;
    const ports = await this.binding.list().catch(() => null);
    if (!ports) return undefined;
    const fp = this.opts.fingerprint;
    return ports.some((p) => (fp ? matchesFingerprint(p, fp) : p.path === this.path));
  }

  async close(): Promise<void> {
    const port = this.port;
    this.port = null;
    if (!port) return;
    port.removeAllListeners('data');
    if (!port.isOpen) return;
    const closing = new Promise<void>((resolve, reject) => port.close((e) => (e ? reject(e) : resolve())));
    try {
      await withTimeout(closing, CLOSE_TIMEOUT_MS, () => new Error('close timed out'));
    } catch (e) {
      log.warn({ err: e, path: this.path }, 'closing the reader port failed; continuing');
    }
  }
}

export class TcpTransport implements Transport {
  readonly events = new EventEmitter<{ data: [Buffer]; lost: [Error] }>();
  private socket: net.Socket | null = null;

  constructor(private readonly opts: Extract<TransportOptions, { kind: 'tcp' }>) {}

  describe(): string {
    return `tcp ${this.opts.host}:${this.opts.port}`;
  }

  async open(): Promise<void> {
    const { host, port } = this.opts;
    const socket = net.connect({ host, port });
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        socket.destroy();
        reject(rfidError('TCP_UNREACHABLE', { host, port, reason: 'connect timed out' }));
      }, this.opts.connectTimeoutMs ?? 3000);
      socket.once('connect', () => {
        clearTimeout(t);
        resolve();
      });
      socket.once('error', (e) => {
        clearTimeout(t);
        reject(classifyPortError(e, { host, port }));
      });
    });
    // Keepalive notices a dead peer where the reader cannot (cable pulled mid-session).
    socket.setKeepAlive(true, 2000);
    socket.on('data', (chunk: Buffer) => this.events.emit('data', chunk));
    socket.on('error', (e) => this.lose(socket, e));
    socket.on('close', () => this.lose(socket, rfidError('TCP_CLOSED', { host, port })));
    this.socket = socket;
  }

  private lose(socket: net.Socket, e: Error): void {
    if (this.socket !== socket) return;
    this.socket = null;
    socket.destroy();
    this.events.emit('lost', classifyPortError(e, { host: this.opts.host, port: this.opts.port }));
  }

  async write(bytes: Uint8Array): Promise<void> {
    const socket = this.socket;
    if (!socket) throw rfidError('TCP_CLOSED', { host: this.opts.host, port: this.opts.port });
    const done = new Promise<void>((resolve, reject) => socket.write(bytes, (e) => (e ? reject(e) : resolve())));
    await withTimeout(done, WRITE_TIMEOUT_MS, () => rfidError('TCP_CLOSED', { reason: 'write timed out' }));
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = null;
    if (!socket) return;
    socket.removeAllListeners('data');
    await withTimeout(
      new Promise<void>((resolve) => socket.end(resolve)),
      CLOSE_TIMEOUT_MS,
      () => new Error('close timed out'),
    ).catch((e: unknown) => log.warn({ err: e }, 'closing the reader socket failed; continuing'));
    socket.destroy();
  }
}

export function createTransport(opts: TransportOptions): Transport {
  return opts.kind === 'tcp' ? new TcpTransport(opts) : new SerialTransport(opts);
}
