/**
 * Scanner input for the whole page: keyboard-wedge scans are caught at window level (no focused field, so no
 * on-screen keyboard pops up: BUG-57), decoded from KeyboardEvent.code through the scanner's layout, and both
 * terminators of CR+LF are consumed (BUG-18). Camera scans come from the page-side camera scanner. Both end in the
 * current scan handler, which the visible screen sets.
 */
import type { AcceptedScan } from '../../devices/camera/acceptance.js';
import { attachWedge, type WedgeScan } from '../../devices/scanner/wedge.js';
import type { UiSettings } from '../server/api-types.js';
import { camera, type ScanInput } from './state.js';

export type ScanHandler = (s: ScanInput) => void;

let handler: ScanHandler = () => undefined;
let detach: (() => void) | undefined;
let layout: string | undefined;
export const warnings: string[] = [];

export function setScanHandler(h: ScanHandler): void {
  handler = h;
}

export function attachScanner(s: Pick<UiSettings, 'scannerLayout'>): void {
  if (layout === s.scannerLayout) return;
  detach?.();
  layout = s.scannerLayout;
  detach = attachWedge(window, { layout: s.scannerLayout, onWarn: (code) => warnings.push(code) }, (scan: WedgeScan) => {
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
    const { startCameraScanner } = await import('../../devices/camera/browser.js');
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
