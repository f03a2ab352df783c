import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openCamera, startCameraScanner } from './browser.js';

/** Page-side modules the operator screen imports: no Node built-ins, no Node-only project modules. */
const PAGE_MODULES = [
  'devices/scanner/wedge.ts', 'devices/scanner/layouts.ts', 'devices/scanner/hid-reports.ts',
  'devices/camera/pipeline.ts', 'devices/camera/acceptance.ts', 'devices/camera/formats.ts', 'devices/camera/zxing.ts',
  'devices/camera/quagga-common.ts', 'devices/camera/browser.ts',
];

describe('page-side modules', () => {
  it.each(PAGE_MODULES)('%s has no Node imports', (file) => {
    const src = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
    const imports = [...src.matchAll(/^import\s[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]!);
    expect(imports.filter((i) => i.startsWith('node:') || /^(fs|path|os|sharp|node-hid|pino)$/.test(i) || i.includes('src/core/logger') || i.endsWith('/node.js') || i.includes('quagga-node'))).toEqual([]);
  });
});

describe('camera choice', () => {
  afterEach(() => vi.unstubAllGlobals());
  const track = (deviceId: string) => ({ getSettings: () => ({ deviceId }), label: `cam ${deviceId}`, stop: () => undefined });
  const stream = (deviceId: string) => ({ getVideoTracks: () => [track(deviceId)], getTracks: () => [track(deviceId)] });
  const err = (name: string) => Object.assign(new Error(name), { name });

  it('no camera support gives a clear no-camera state', async () => {
    vi.stubGlobal('navigator', {});
    await expect(openCamera()).resolves.toMatchObject({ state: 'no-camera', reason: 'unsupported' });
  });
  it('the saved camera is used when present', async () => {
    const getUserMedia = vi.fn(() => Promise.resolve(stream('dock-1')));
    vi.stubGlobal('navigator', { mediaDevices: { getUserMedia } });
    await expect(openCamera('dock-1')).resolves.toMatchObject({ deviceId: 'dock-1', usedFallback: false });
    expect(getUserMedia.mock.calls[0]).toEqual([expect.objectContaining({ video: expect.objectContaining({ deviceId: { exact: 'dock-1' } }) })]);
  });
  it('falls back when the saved camera constraint fails', async () => {
    const getUserMedia = vi.fn()
      .mockRejectedValueOnce(err('OverconstrainedError'))
      .mockRejectedValueOnce(err('OverconstrainedError'))
      .mockResolvedValueOnce(stream('usb-2'));
    vi.stubGlobal('navigator', { mediaDevices: { getUserMedia } });
    await expect(openCamera('gone')).resolves.toMatchObject({ deviceId: 'usb-2', usedFallback: true });
    expect(getUserMedia).toHaveBeenCalledTimes(3);
  });
  it('a stream that will not play is released and reported as no camera, not left running', async () => {
    let stopped = 0;
    const t = { getSettings: () => ({ deviceId: 'dock-1' }), label: 'cam dock-1', stop: () => void stopped++ };
    vi.stubGlobal('navigator', { mediaDevices: { getUserMedia: () => Promise.resolve({ getVideoTracks: () => [t], getTracks: () => [t] }) } });
    const video = { srcObject: null as unknown, muted: false, playsInline: false, play: () => Promise.reject(err('NotAllowedError')) };
    const states: string[] = [];
    const r = await startCameraScanner({ video: video as unknown as HTMLVideoElement, onScan: () => undefined, onState: (s) => states.push(s.state) });
    expect(r.state).toMatchObject({ state: 'no-camera', reason: 'failed' });
    expect(states).toEqual(['starting', 'no-camera']);
    expect(stopped).toBe(1);
    expect(video.srcObject).toBeNull();
  });
  it('no camera at all, refused, and busy each give their own state', async () => {
    vi.stubGlobal('navigator', { mediaDevices: { getUserMedia: () => Promise.reject(err('NotFoundError')) } });
    await expect(openCamera()).resolves.toMatchObject({ state: 'no-camera', reason: 'not-found', message: expect.stringContaining('No camera found') });
    vi.stubGlobal('navigator', { mediaDevices: { getUserMedia: () => Promise.reject(err('NotAllowedError')) } });
    await expect(openCamera()).resolves.toMatchObject({ state: 'no-camera', reason: 'denied' });
    vi.stubGlobal('navigator', { mediaDevices: { getUserMedia: () => Promise.reject(err('NotReadableError')) } });
    await expect(openCamera()).resolves.toMatchObject({ state: 'no-camera', reason: 'busy' });
  });
});
