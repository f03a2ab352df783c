/**
 * Test page for the scanner e2e test: wedge capture at window level and the camera scanner, results on window.
 * Bundled by the test with esbuild; imports the same page-side modules the operator screen uses.
 */
import { attachWedge, type WedgeScan } from '../../../devices/scanner/wedge.js';
import { startCameraScanner, type CameraState } from '../../../devices/camera/browser.js';
import type { AcceptedScan } from '../../../devices/camera/acceptance.js';
import { TEST_MAX_INTER_KEY_MS } from '../key-burst.js';

interface TestWindow {
  wedgeScans: WedgeScan[];
  warnings: string[];
  clicks: number;
  cameraScans: AcceptedScan[];
  cameraStates: CameraState[];
  startCamera: (savedDeviceId?: string) => Promise<CameraState>;
}
const w = window as unknown as Window & TestWindow;
w.wedgeScans = [];
w.warnings = [];
w.clicks = 0;
w.cameraScans = [];
w.cameraStates = [];

// The browser tests' timing limit (why in ../key-burst.ts); the slow typing of BUG-16 here is 90+ ms per key.
attachWedge(window, { layout: 'us', maxInterKeyMs: TEST_MAX_INTER_KEY_MS, onWarn: (c) => w.warnings.push(c) }, (s) => w.wedgeScans.push(s));
document.getElementById('confirm')?.addEventListener('click', () => w.clicks++);

w.startCamera = async (savedDeviceId?: string) => {
  const video = document.getElementById('video') as HTMLVideoElement;
  const { state } = await startCameraScanner({
    video,
    wasmUrl: '/assets/zxing_reader.wasm',
    ...(savedDeviceId ? { savedDeviceId } : {}),
    onScan: (s) => w.cameraScans.push(s),
    onState: (s) => w.cameraStates.push(s),
  });
  return state;
};
