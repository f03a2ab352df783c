/**
 * In-process reader: the serialport mock binding on the station side, the emulator on the "device" side.
 * The wrapper binding lets tests pull the cable the nasty way (BUG-04: no close event, writes hang, the port
 * disappears from list()).
 */
import type { BindingInterface, OpenOptions, PortInfo } from '@serialport/bindings-cpp';
import { SerialPortMock } from 'serialport';
import { ReaderEmulator, type ReaderEmulatorOptions } from './emulator.js';
import type { TransportOptions, UsbFingerprint } from './transport.js';

// The mock's own package has no ESM type entry; serialport re-exports the same singleton with types.
const MockBinding = SerialPortMock.binding;
type MockPort = Awaited<ReturnType<typeof MockBinding.open>>;

export interface MockReaderPair {
  transport: Extract<TransportOptions, { kind: 'serial' }>;
  /** The same binding with the device located by USB identity instead of by path. */
  transportByFingerprint: Extract<TransportOptions, { kind: 'serial' }>;
  emulator: ReaderEmulator;
  fingerprint: UsbFingerprint;
  path: string;
  /** Pull the cable: data stops, writes hang, the port leaves list(), and no close event fires. */
  unplug(): void;
  /**
   * Plug it back in (the stale handle is released, as the OS does for a new device node). With `newPath` the
   * device comes back under another name, as /dev/ttyUSB0 becomes /dev/ttyUSB1 after a replug.
   */
  replug(newPath?: string): void;
  /** Make the next opens fail with this message (e.g. "Access denied", "Permission denied"). */
  failOpens(message: string | null): void;
}

let counter = 0;

export function createMockReaderPair(
  opts: Partial<ReaderEmulatorOptions> & { protocol: ReaderEmulatorOptions['protocol']; path?: string; fingerprint?: Partial<UsbFingerprint> } = {
    protocol: 'r2000',
  },
): MockReaderPair {
  counter++;
  let path = opts.path ?? `/dev/mock-rfid-${process.pid}-${counter}`;
  const retired = new Set<string>();
  const fingerprint: UsbFingerprint = {
    vendorId: opts.fingerprint?.vendorId ?? '1a86',
    productId: opts.fingerprint?.productId ?? '7523',
    serialNumber: opts.fingerprint?.serialNumber ?? `EMU${counter}`,
  };
  MockBinding.createPort(path, { vendorId: fingerprint.vendorId, productId: fingerprint.productId, manufacturer: 'Returns Station emulator' });
  const emulator = new ReaderEmulator(opts);
  let unplugged = false;
  let openError: string | null = null;
  let current: MockPort | null = null;
  let feed: ((b: Uint8Array) => void) | null = null;
  let sink: ((b: Uint8Array) => void) | null = null;

  const binding: BindingInterface = {
    async list(): Promise<PortInfo[]> {
      const all = await MockBinding.list();
      return all
        .filter((p) => !(unplugged && p.path === path) && !retired.has(p.path))
        .map((p) => (p.path === path ? { ...p, serialNumber: fingerprint.serialNumber } : p));
    },
    async open(options: OpenOptions) {
      // The old device node is gone after a replug under a new name.
      if (retired.has(options.path)) throw new Error(`Error: No such file or directory, cannot open ${options.path}`);
      if (options.path === path) {
        if (unplugged) throw new Error(`Error: No such file or directory, cannot open ${path}`);
        if (openError) throw new Error(openError);
      }
      const port = await MockBinding.open(options);
      if (options.path !== path) return port;
      current = port;
      const write = port.write.bind(port);
      port.write = async (buf: Buffer): Promise<void> => {
        // A pulled cable: the write never completes.
        if (unplugged) return new Promise<void>(() => undefined);
        await write(buf);
        feed?.(buf);
      };
      if (sink) emulator.detach(sink);
      sink = (bytes) => {
        if (port.isOpen && !unplugged && current === port) port.emitData(Buffer.from(bytes));
      };
      feed = emulator.attach(sink);
      return port;
    },
  };

  const transport = { kind: 'serial' as const, path, binding, baudRate: 115200 };
  return {
    transport,
    transportByFingerprint: { kind: 'serial', fingerprint, binding, baudRate: 115200 },
    emulator,
    fingerprint,
    get path(): string {
      return path;
    },
    unplug(): void {
      unplugged = true;
    },
    replug(newPath?: string): void {
      if (newPath !== undefined && newPath !== path) {
        retired.add(path);
        path = newPath;
        MockBinding.createPort(path, { vendorId: fingerprint.vendorId, productId: fingerprint.productId, manufacturer: 'Returns Station emulator' });
      }
      unplugged = false;
      const stale = current;
      current = null;
      if (stale?.isOpen) void stale.close().catch(() => undefined);
    },
    failOpens(message: string | null): void {
      openError = message;
    },
  };
}
