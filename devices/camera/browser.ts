/**
 * The camera in the page: device choice with fallbacks, a frame loop, and the DecodePipeline. Browser-only (DOM),
 * no Node imports. The `.wasm` comes from the station (`wasmUrl`), never from a CDN.
 */
import type { QuaggaJSResultObject, QuaggaJSStatic } from '@ericblade/quagga2';
import QuaggaModule from '@ericblade/quagga2';
import type { AcceptedScan, RawRead } from './acceptance.js';
import { DecodePipeline, type Frame, type FrameDecoder, type PipelineOptions } from './pipeline.js';
import { quaggaConfig, quaggaReads } from './quagga-common.js';
import { createZxingDecoder } from './zxing.js';

// Bundlers hand the UMD build over either as the API itself or wrapped in .default.
const Quagga: QuaggaJSStatic = (QuaggaModule as unknown as { default?: QuaggaJSStatic }).default ?? (QuaggaModule as unknown as QuaggaJSStatic);

export type CameraState =
  | { state: 'starting' }
  | { state: 'running'; deviceId: string; label: string; usedFallback: boolean }
  | { state: 'no-camera'; reason: 'unsupported' | 'not-found' | 'denied' | 'busy' | 'failed'; message: string }
  | { state: 'stopped' };

const MESSAGES: Record<Exclude<CameraState, { state: 'starting' | 'running' | 'stopped' }>['reason'], string> = {
  unsupported: 'This screen cannot use a camera (no camera support in the browser).',
  'not-found': 'No camera found. Plug in the dock camera, or use the hand scanner.',
  denied: 'Camera access was refused. Allow the camera for the station page in the browser settings.',
  busy: 'The camera is in use by another program. Close it and try again.',
  failed: 'The camera could not be started. Re-plug it, or use the hand scanner.',
};

/**
 * Open the saved camera if it is still there, else fall back: saved id as a preference, then the back camera, then
 * any camera. Constraint failures (OverconstrainedError, NotFoundError) move to the next choice; a refusal does not.
 */
export async function openCamera(savedDeviceId?: string): Promise<{ stream: MediaStream; deviceId: string; label: string; usedFallback: boolean } | Extract<CameraState, { state: 'no-camera' }>> {
  const md = typeof navigator === 'undefined' ? undefined : navigator.mediaDevices;
  if (!md?.getUserMedia) return noCamera('unsupported');
  const size = { width: { ideal: 1280 }, height: { ideal: 720 } };
  const attempts: MediaTrackConstraints[] = [
    ...(savedDeviceId ? [{ deviceId: { exact: savedDeviceId }, ...size }, { deviceId: { ideal: savedDeviceId } }] : []),
    { facingMode: { ideal: 'environment' }, ...size },
    {},
  ];
  let last: unknown;
  for (const [i, video] of attempts.entries()) {
    try {
      const stream = await md.getUserMedia({ video: Object.keys(video).length ? video : true, audio: false });
      const track = stream.getVideoTracks()[0];
      const deviceId = track?.getSettings().deviceId ?? '';
      return { stream, deviceId, label: track?.label ?? '', usedFallback: i > 0 || (savedDeviceId !== undefined && deviceId !== savedDeviceId) };
    } catch (e) {
      last = e;
      const name = (e as { name?: string }).name;
      if (name === 'NotAllowedError' || name === 'SecurityError') return noCamera('denied');
      if (name === 'NotReadableError' || name === 'AbortError') return noCamera('busy');
    }
  }
  return noCamera((last as { name?: string } | undefined)?.name === 'NotFoundError' ? 'not-found' : 'failed');
}

function noCamera(reason: Extract<CameraState, { state: 'no-camera' }>['reason']): Extract<CameraState, { state: 'no-camera' }> {
  return { state: 'no-camera', reason, message: MESSAGES[reason] };
}

/** quagga2 in the page decodes an image URL, so a frame goes in as a canvas data URL; one decode at a time. */
export function createQuaggaBrowserDecoder(): FrameDecoder {
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d');
  return {
    name: 'quagga2',
    async decode(frame: Frame, variant: number): Promise<RawRead[]> {
      if (!ctx) return [];
      canvas.width = frame.width;
      canvas.height = frame.height;
      ctx.putImageData(new ImageData(new Uint8ClampedArray(frame.data), frame.width, frame.height), 0, 0);
      const result = await new Promise<QuaggaJSResultObject | undefined>((resolve) => {
        Quagga.decodeSingle(quaggaConfig(canvas.toDataURL('image/png'), variant), (r) => resolve(r)).catch(() => resolve(undefined));
      });
      return quaggaReads(result);
    },
  };
}

export interface CameraScannerOptions extends PipelineOptions {
  video: HTMLVideoElement;
  /** Where the station serves zxing_reader.wasm. Default '/assets/zxing_reader.wasm'. */
  wasmUrl?: string;
  savedDeviceId?: string;
  /** Frames decoded per second at most. Default 10. */
  fps?: number;
  onScan: (scan: AcceptedScan) => void;
  onState?: (state: CameraState) => void;
}

/** Start the camera scanner; the returned stop() releases the camera. */
export async function startCameraScanner(opts: CameraScannerOptions): Promise<{ stop: () => void; state: CameraState }> {
  const report = (s: CameraState): CameraState => {
    opts.onState?.(s);
    return s;
  };
  report({ state: 'starting' });
  const cam = await openCamera(opts.savedDeviceId);
  if ('state' in cam) return { stop: () => undefined, state: report(cam) };
  const { video } = opts;
  video.srcObject = cam.stream;
  video.muted = true;
  video.playsInline = true;
  try {
    await video.play();
  } catch {
    // The stream opened but will not play (autoplay policy, device gone mid-start): release the camera so another
    // attempt or program can have it, and show the "no camera" state instead of a dead preview.
    for (const t of cam.stream.getTracks()) t.stop();
    video.srcObject = null;
    return { stop: () => undefined, state: report(noCamera('failed')) };
  }
  const pipeline = new DecodePipeline(createZxingDecoder({ wasmUrl: opts.wasmUrl ?? '/assets/zxing_reader.wasm' }), createQuaggaBrowserDecoder(), opts);
  pipeline.onScan(opts.onScan);
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  let stopped = false;
  const interval = 1000 / (opts.fps ?? 10);
  const tick = async (): Promise<void> => {
    if (stopped) return;
    const w = video.videoWidth;
    const h = video.videoHeight;
    if (ctx && w > 0 && h > 0 && !pipeline.isBusy) {
      canvas.width = w;
      canvas.height = h;
      ctx.drawImage(video, 0, 0, w, h);
      const img = ctx.getImageData(0, 0, w, h);
      await pipeline.process({ data: img.data, width: w, height: h }, performance.now());
    }
    if (!stopped) setTimeout(() => void tick(), interval);
  };
  setTimeout(() => void tick(), 0);
  const state = report({ state: 'running', deviceId: cam.deviceId, label: cam.label, usedFallback: cam.usedFallback });
  return {
    state,
    stop: () => {
      stopped = true;
      for (const t of cam.stream.getTracks()) t.stop();
      video.srcObject = null;
      report({ state: 'stopped' });
    },
  };
}
