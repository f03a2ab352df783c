import { HidScannerSession, nodeHidApi, type HidApi, type HidScan } from '../../devices/scanner/hid.js';
import type { LayoutId } from '../../devices/scanner/layouts.js';
import type { ScannerConfig } from '../config/schema.js';
import { errorMessage } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import type { DeviceView } from '../server/api-types.js';

const log = createLogger('station.scanners');

/** The USB identity a configured scanner is found by (config keeps lsusb's hex text). */
export function scannerMatch(sc: ScannerConfig): { vendorId: number; productId: number; serialNumber?: string } {
  const hex = (s: string): number => parseInt(s.replace(/^0x/i, ''), 16);
  return { vendorId: hex(sc.vendorId), productId: hex(sc.productId), ...(sc.serialNumber ? { serialNumber: sc.serialNumber } : {}) };
}

export interface RunningScanner {
  id: string;
  config: ScannerConfig;
  /** Absent when HID is not available on this machine (no node-hid addon); the view then says so. */
  session?: HidScannerSession;
  view(): DeviceView;
  stop(): Promise<void>;
}

export interface ScannerHooks {
  /** The keyboard layout of `scanner.layout`, for boot-keyboard scanners that name none. */
  layout: LayoutId;
  /**
   * `scanner.prefix`/`suffix`/`gsReplacement`: a boot-keyboard scanner is programmed like a keyboard-wedge one, so
   * its scans are shaped the same way as the page shapes wedge scans. HID-POS reports carry the bare data.
   */
  affixes?: { prefix?: string; suffix?: string; gsReplacement?: string };
  /** node-hid by default; tests inject a fake binding that delivers real report bytes. */
  hidApi?: () => Promise<HidApi>;
  onStatus(d: DeviceView): void;
  onScan(sc: ScannerConfig, scan: HidScan): void;
}

/**
 * One HidScannerSession per configured scanner (issue 5). Status on the device strip: `open` (reading),
 * `closed` (unplugged or not found yet; reopened when it comes back), `wedge` (the OS owns it as a keyboard, so the
 * page reads it), `faulted` (HID cannot be used here at all).
 */
export async function startScanners(configs: readonly ScannerConfig[], hooks: ScannerHooks): Promise<RunningScanner[]> {
  if (configs.length === 0) return [];
  let api: HidApi | undefined;
  let apiError: string | undefined;
  try {
    api = await (hooks.hidApi ?? nodeHidApi)();
  } catch (e) {
    // A station without the native addon still runs: its scanners show as faulted, readers and the page still work.
    apiError = errorMessage(e);
    log.error({ err: apiError }, 'HID is not available; configured scanners cannot be opened');
  }
  return configs.map((sc) => startOne(sc, api, apiError, hooks));
}

function startOne(sc: ScannerConfig, api: HidApi | undefined, apiError: string | undefined, hooks: ScannerHooks): RunningScanner {
  const m = scannerMatch(sc);
  const ident = `${sc.vendorId}:${sc.productId}${sc.serialNumber ? ` #${sc.serialNumber}` : ''}`;
  let last: DeviceView = { id: sc.id, kind: 'scanner', status: 'closed', detail: `${sc.kind} ${ident}: looking for it` };
  const set = (v: DeviceView): void => {
    last = v;
    hooks.onStatus(v);
  };
  if (!api) {
    set({ id: sc.id, kind: 'scanner', status: 'faulted', detail: `HID_UNAVAILABLE: ${apiError ?? 'HID is not available'}`, hint: 'Reinstall the station (the node-hid module is missing), or use the scanner in keyboard mode.' });
    return { id: sc.id, config: sc, view: () => last, stop: () => Promise.resolve() };
  }
  // Announced at once, so the device strip and the supervisor's devices screen list a scanner that is not plugged in.
  hooks.onStatus(last);
  const session = new HidScannerSession(api, {
    match: m,
    kind: sc.kind,
    layout: sc.layout ?? hooks.layout,
    ...(sc.kind === 'boot-keyboard' ? hooks.affixes : {}),
    ...(sc.outputReportId !== undefined ? { outputReportId: sc.outputReportId } : {}),
    ...(sc.reportIds !== undefined ? { reportIds: sc.reportIds } : {}),
  });
  const offs = [
    session.bus.on('status', (s) => {
      const status = s.status === 'connected' ? 'open' : s.status === 'disconnected' ? 'closed' : 'faulted';
      set({ id: sc.id, kind: 'scanner', status, detail: s.message ? `${sc.kind} ${ident}: ${s.message}` : `${sc.kind} ${ident}` });
    }),
    session.bus.on('wedge', (c) => set({ id: sc.id, kind: 'scanner', status: 'wedge', detail: `${ident} types as a keyboard: the screen reads it`, ...(c.hint ? { hint: c.hint } : {}) })),
    session.bus.on('scan', (s) => hooks.onScan(sc, s)),
  ];
  session.start();
  return {
    id: sc.id,
    config: sc,
    session,
    view: () => last,
    stop: async () => {
      await session.stop();
      for (const off of offs) off();
    },
  };
}
