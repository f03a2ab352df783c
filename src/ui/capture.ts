/**
 * Scanner input for the whole page: keyboard-wedge scans are caught at window level (no focused field, so no
 * on-screen keyboard pops up: BUG-57), decoded from KeyboardEvent.code through the scanner's layout, and both
 * terminators of CR+LF are consumed (BUG-18). Camera scans come from the page-side camera scanner. Both end in the
 * current scan handler, which the visible screen sets.
 */
import type { AcceptedScan } from '../../devices/camera/acceptance.js';
import { attachWedge, wedgeOptionsFrom, type WedgeOptions, type WedgeScan } from '../../devices/scanner/wedge.js';
import type { UiSettings } from '../server/api-types.js';
import { camera, settings, type ScanInput } from './state.js';

export type ScanHandler = (s: ScanInput) => void;

let handler: ScanHandler = () => undefined;
let detach: (() => void) | undefined;
/** The options the wedge is attached with: every live `hello` resends the settings, and only a change re-attaches. */
let attachedWith: string | undefined;
export const warnings: string[] = [];

export function setScanHandler(h: ScanHandler): void {
  handler = h;
}

/** `scanner` from station.yaml (prefix, suffix, GS text, timing); an older station sends only the layout. */
function wedgeOptions(s: Pick<UiSettings, 'scannerLayout' | 'scanner'>): WedgeOptions {
  return s.scanner ? wedgeOptionsFrom(s.scanner) : { layout: s.scannerLayout };
}

export function attachScanner(s: Pick<UiSettings, 'scannerLayout' | 'scanner'>): void {
  const opts = wedgeOptions(s);
  const key = JSON.stringify(opts);
  if (attachedWith === key) return;
  detach?.();
  attachedWith = key;
  detach = attachWedge(window, { ...opts, onWarn: (code) => warnings.push(code) }, (scan: WedgeScan) => {
    // A scan started while a real field had focus leaked its first character into it: take that back.
    const el = document.activeElement;
    if (scan.leakedChars && el instanceof HTMLInputElement) el.value = el.value.slice(0, -scan.leakedChars);
    handler({ code: scan.text, source: 'barcode', ...(scan.symbology ? { symbology: scan.symbology } : {}), t0: scan.at });
  });
}

let stopCamera: (() => void) | undefined;

/** Starts the camera scanner in `video`; the decoder (wasm) is loaded only now, from the station. */
export async function startCamera(video: HTMLVideoElement): Promise<void> {
  if (stopCamera) return;
  camera.set({ state: 'starting' });
  try {
    const [{ startCameraScanner }, { labelRulesFrom }] = await Promise.all([import('../../devices/camera/browser.js'), import('../../devices/camera/acceptance.js')]);
    // The station's RMA/bin/tote patterns (BUG-25); without them the acceptance policy keeps its built-in ones.
    const patterns = settings.get()?.scanner?.labels;
    let saved: string | undefined;
    try {
      saved = localStorage.getItem('rs.cameraId') ?? undefined;
    } catch {
      saved = undefined;
    }
    const r = await startCameraScanner({
      video,
      wasmUrl: '/assets/zxing_reader.wasm',
      ...(saved ? { savedDeviceId: saved } : {}),
      ...(patterns ? { labels: labelRulesFrom(patterns) } : {}),
      onScan: (scan: AcceptedScan) => handler({ code: scan.text, source: 'camera', t0: performance.now() }),
      onState: (st) => {
        camera.set(st.state === 'no-camera' ? { state: 'no-camera', message: st.message } : { state: st.state });
        if (st.state === 'running' && st.deviceId) {
          try {
            localStorage.setItem('rs.cameraId', st.deviceId);
          } catch {
            /* not remembered; the fallback order finds it again */
          }
        }
      },
    });
    if (r.state.state === 'running') stopCamera = r.stop;
  } catch (e) {
    camera.set({ state: 'no-camera', message: `The camera scanner could not start: ${(e as Error).message}` });
  }
}

export function cameraRunning(): boolean {
  return stopCamera !== undefined;
}

export function stopCameraScanner(): void {
  stopCamera?.();
  stopCamera = undefined;
  camera.set({ state: 'stopped' });
}
