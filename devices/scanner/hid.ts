/**
 * HID scanners through node-hid (Node side).
 *
 * - Keyboard-class collections (usage page 1, usage 6) are reserved by the OS and cannot be opened; they are
 *   classified as wedge devices *before* any open (BUG-08), with a settings hint.
 * - HID-POS (usage page 0x8C) and explicitly configured boot-keyboard-format devices are opened with the async API,
 *   so reads never block the event loop.
 * - Unplug shows up as an `error` without `close` (BUG-10): the session closes the handle (bounded, logged), marks
 *   itself disconnected, polls the device list every `pollMs` (<= 1 s) and reopens the same device.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { TypedBus } from '../../src/core/bus.js';
import { errorMessage } from '../../src/core/errors.js';
import { createLogger } from '../../src/core/logger.js';
import { BootKeyboardDecoder, descriptorUsesReportIds, HidPosAssembler, outputReport } from './hid-reports.js';
import type { LayoutId } from './layouts.js';
import { shapeScan } from './wedge.js';

const log = createLogger('scanner.hid');

export interface HidDeviceInfo {
  vendorId: number;
  productId: number;
  path?: string | undefined;
  serialNumber?: string | undefined;
  product?: string | undefined;
  usagePage?: number | undefined;
  usage?: number | undefined;
}

/** The slice of a node-hid HIDAsync handle we use (fakes implement the same). */
export interface HidHandle {
  on(event: 'data', cb: (data: Buffer) => void): unknown;
  on(event: 'error', cb: (err: unknown) => void): unknown;
  removeAllListeners(): unknown;
  write(values: number[]): Promise<number>;
  close(): Promise<void>;
}

export interface HidApi {
  devicesAsync(): Promise<HidDeviceInfo[]>;
  open(path: string): Promise<HidHandle>;
}

export type ScannerKind = 'hid-pos' | 'boot-keyboard' | 'wedge' | 'other';

export interface ClassifiedDevice {
  info: HidDeviceInfo;
  kind: ScannerKind;
  /** Operator-facing hint for the settings page. */
  hint?: string;
}

export const WEDGE_HINT =
  'This scanner works as a keyboard, so the station reads it through the screen (keyboard-wedge mode). ' +
  'For HID mode, scan the "USB HID-POS" programming barcode from the scanner manual, then re-plug it.';

/** Classification from the descriptor fields only: never opens anything (opening OS keyboards throws). */
export function classifyHidDevice(info: HidDeviceInfo, bootKeyboardIds: ReadonlyArray<{ vendorId: number; productId: number }> = []): ClassifiedDevice {
  if (info.usagePage === 0x8c) return { info, kind: 'hid-pos' };
  if (info.usagePage === 0x01 && info.usage === 0x06) return { info, kind: 'wedge', hint: WEDGE_HINT };
  if (bootKeyboardIds.some((d) => d.vendorId === info.vendorId && d.productId === info.productId)) return { info, kind: 'boot-keyboard' };
  return { info, kind: 'other' };
}

/** Linux exposes the report descriptor in sysfs; elsewhere the configured value (or HID-POS convention) decides. */
export function reportIdsFor(info: HidDeviceInfo, configured?: boolean, readDescriptor = sysfsDescriptor): boolean {
  const desc = info.path ? readDescriptor(info.path) : undefined;
  if (desc) return descriptorUsesReportIds(desc);
  return configured ?? info.usagePage === 0x8c;
}

function sysfsDescriptor(path: string): Uint8Array | undefined {
  if (!path.startsWith('/dev/hidraw')) return undefined;
  try {
    return readFileSync(`/sys/class/hidraw/${basename(path)}/device/report_descriptor`);
  } catch {
    return undefined;
  }
}

export interface HidScan {
  text: string;
  symbology?: string;
  at: number;
  device: { vendorId: number; productId: number; serialNumber?: string };
}
export type HidStatus = 'connected' | 'disconnected' | 'faulted';
export interface HidEvents {
  scan: HidScan;
  status: { status: HidStatus; message?: string };
  wedge: ClassifiedDevice;
}

export interface HidSessionOptions {
  match: { vendorId: number; productId: number; serialNumber?: string };
  kind: 'hid-pos' | 'boot-keyboard';
  layout?: LayoutId;
  prefix?: string;
  suffix?: string;
  gsReplacement?: string;
  /** Numbered reports when no descriptor is readable; see reportIdsFor. */
  reportIds?: boolean;
  /**
   * Report ID of the beep/LED output report for devices with numbered reports (from the scanner manual). Devices
   * without numbered reports leave it unset and get 0x00, which hidapi needs as the first byte on every OS (BUG-09).
   */
  outputReportId?: number;
  /** Device-list poll while disconnected. Default 1000 ms (BUG-10 asks for at least every 1 s). */
  pollMs?: number;
  closeTimeoutMs?: number;
  now?: () => number;
}

export class HidScannerSession {
  readonly bus = new TypedBus<HidEvents>();
  private handle: HidHandle | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private opening = false;
  private statusNow: HidStatus = 'disconnected';
  /** The wedge hand-over is announced once per session, not on every poll of the device list. */
  private wedgeAnnounced = false;

  constructor(private readonly api: HidApi, private readonly opts: HidSessionOptions) {}

  get status(): HidStatus {
    return this.statusNow;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.poll(), this.opts.pollMs ?? 1000);
    void this.poll();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.closeHandle();
    this.setStatus('disconnected');
    this.wedgeAnnounced = false;
  }

  /** Send an output report (beep/LED command); the report-ID byte is always first (BUG-09). */
  async write(data: readonly number[]): Promise<boolean> {
    if (!this.handle) return false;
    try {
      await this.handle.write(outputReport(data, this.opts.outputReportId ?? 0));
      return true;
    } catch (e) {
      log.warn({ err: errorMessage(e) }, 'scanner output report failed');
      return false;
    }
  }

  private async poll(): Promise<void> {
    if (this.handle || this.opening) return;
    this.opening = true;
    try {
      const list = await this.api.devicesAsync();
      const m = this.opts.match;
      const info = list.find(
        (d) => d.vendorId === m.vendorId && d.productId === m.productId && (m.serialNumber === undefined || d.serialNumber === m.serialNumber) && d.path,
      );
      if (!info?.path) return;
      const c = classifyHidDevice(info, this.opts.kind === 'boot-keyboard' ? [m] : []);
      if (c.kind === 'wedge') {
        // The OS owns it; opening would throw "cannot open device". Hand it to wedge capture instead (BUG-08).
        if (!this.wedgeAnnounced) this.bus.emit('wedge', c);
        this.wedgeAnnounced = true;
        return;
      }
      const numbered = reportIdsFor(info, this.opts.reportIds);
      const handle = await this.api.open(info.path);
      this.attach(handle, info, numbered);
    } catch (e) {
      log.warn({ err: errorMessage(e) }, 'scanner not opened; will retry');
      this.setStatus('disconnected', errorMessage(e));
    } finally {
      this.opening = false;
    }
  }

  private attach(handle: HidHandle, info: HidDeviceInfo, numbered: boolean): void {
    this.handle = handle;
    const device = { vendorId: info.vendorId, productId: info.productId, ...(info.serialNumber ? { serialNumber: info.serialNumber } : {}) };
    const now = this.opts.now ?? Date.now;
    const emit = (s: { text: string; symbology?: string }): void => this.bus.emit('scan', { ...s, at: now(), device });
    if (this.opts.kind === 'hid-pos') {
      const asm = new HidPosAssembler(numbered);
      handle.on('data', (data) => {
        const msg = asm.push(new Uint8Array(data));
        if (!msg) return;
        const shaped = shapeScan(msg.text, this.opts);
        if (shaped) emit({ text: shaped.text, symbology: shaped.symbology ?? msg.aim });
      });
    } else {
      const dec = new BootKeyboardDecoder({ ...this.opts, layout: this.opts.layout ?? 'us' });
      handle.on('data', (data) => {
        const bytes = new Uint8Array(data);
        for (const s of dec.push(numbered ? bytes.subarray(1) : bytes)) emit(s);
      });
    }
    handle.on('error', (err) => {
      // Unplug: a read error and no close event. Close, report, and let the poll reopen it.
      log.warn({ err: errorMessage(err) }, 'scanner read failed (unplugged?)');
      void this.closeHandle().then(() => this.setStatus('disconnected', 'Scanner disconnected: plug it back in.'));
    });
    this.setStatus('connected');
  }

  private async closeHandle(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    if (!h) return;
    h.removeAllListeners();
    h.on('error', () => undefined); // late errors from a dying handle must not become unhandled
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([h.close(), new Promise((resolve) => (timer = setTimeout(resolve, this.opts.closeTimeoutMs ?? 1000)))]);
    } catch (e) {
      log.warn({ err: errorMessage(e) }, 'closing the scanner failed');
    } finally {
      clearTimeout(timer);
    }
  }

  private setStatus(status: HidStatus, message?: string): void {
    if (status === this.statusNow) return;
    this.statusNow = status;
    this.bus.emit('status', message === undefined ? { status } : { status, message });
  }
}

/** The real node-hid, loaded lazily so modules that only classify need no native addon. */
export async function nodeHidApi(): Promise<HidApi> {
  const HID = await import('node-hid');
  return {
    devicesAsync: () => HID.devicesAsync(),
    open: async (path: string) => (await HID.HIDAsync.open(path)) as unknown as HidHandle,
  };
}

/** Enumerate and classify every HID collection that could be a scanner. */
export async function discoverScanners(api: HidApi, bootKeyboardIds: ReadonlyArray<{ vendorId: number; productId: number }> = []): Promise<ClassifiedDevice[]> {
  const list = await api.devicesAsync();
  return list.map((d) => classifyHidDevice(d, bootKeyboardIds)).filter((c) => c.kind !== 'other');
}
