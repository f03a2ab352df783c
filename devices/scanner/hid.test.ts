import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import {
  BootKeyboardDecoder, decodeBootReport, descriptorUsesReportIds, HidPosAssembler, modifierMask, outputReport, parseHidPosReport, usageToChar,
} from './hid-reports.js';
import { classifyHidDevice, discoverScanners, HidScannerSession, reportIdsFor, WEDGE_HINT, type HidApi, type HidDeviceInfo, type HidHandle } from './hid.js';

interface Vector { id: string; category: string; input: Record<string, unknown>; expected: Record<string, unknown> }
const vectors = (JSON.parse(readFileSync(new URL('../../fixtures/vectors/hid-scanner.json', import.meta.url), 'utf8')) as { vectors: Vector[] }).vectors;
const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));

describe('hid-scanner.json vectors', () => {
  for (const v of vectors) {
    if (v.category === 'keyboard-us') {
      it(v.id, () => {
        const { usage, shift } = v.input as { usage: string; shift: boolean };
        expect(usageToChar(parseInt(usage, 16), shift, 'us')).toBe(v.expected.char);
      });
    } else if (v.category === 'modifier-bit') {
      it(v.id, () => expect(modifierMask(parseInt(v.input.usage as string, 16))).toBe(parseInt(v.expected.modifierByteMask as string, 16)));
    } else if (v.category === 'boot-report') {
      it(v.id, () => expect(decodeBootReport(hex(v.input.report as string))).toBe(v.expected.text));
    } else if (v.category === 'hidpos-report') {
      it(v.id, () => {
        const r = parseHidPosReport(hex(v.input.reportHex as string), true);
        expect(r).toEqual({
          reportId: v.expected.reportId, dataLength: v.expected.dataLength, aim: v.expected.aim, data: v.expected.data,
          codeIdByte: parseInt(v.expected.codeIdByte as string, 16), continued: v.expected.continued,
        });
      });
    } else if (v.category === 'hidpos-message') {
      it(v.id, () => {
        const asm = new HidPosAssembler(true);
        const outs = (v.input.reportsHex as string[]).map((h) => asm.push(hex(h)));
        expect(outs.slice(0, -1).every((o) => o === undefined)).toBe(true);
        expect(outs.at(-1)).toEqual({ aim: v.expected.aim, text: v.expected.text });
      });
    }
  }
});

describe('HID codecs', () => {
  it('boot-keyboard stream: held keys count once, Enter ends the scan, Ctrl+] is GS', () => {
    const d = new BootKeyboardDecoder({ layout: 'us' });
    const r = (mod: number, ...keys: number[]): Uint8Array => Uint8Array.from([mod, 0, ...keys, ...Array(6 - keys.length).fill(0)]);
    const out = [
      r(0, 0x27), r(0, 0x27), r(0), r(0x02, 0x04), r(0), r(0x01, 0x30), r(0), r(0, 0x1e), r(0), r(0, 0x28), r(0),
    ].flatMap((x) => d.push(x));
    expect(out).toEqual([{ text: '0A\x1d1' }]);
  });
  it('report descriptor walk finds Report ID items', () => {
    // Usage Page 0x8C, Usage 0x02, Collection(Application), Report ID 2, ..., End Collection
    expect(descriptorUsesReportIds(Uint8Array.from([0x05, 0x8c, 0x09, 0x02, 0xa1, 0x01, 0x85, 0x02, 0x09, 0x12, 0xc0]))).toBe(true);
    expect(descriptorUsesReportIds(Uint8Array.from([0x05, 0x01, 0x09, 0x06, 0xa1, 0x01, 0x75, 0x08, 0x95, 0x08, 0xc0]))).toBe(false);
    expect(reportIdsFor({ vendorId: 1, productId: 2, path: '/dev/hidraw9', usagePage: 0x8c }, undefined, () => Uint8Array.from([0x75, 0x08]))).toBe(false);
  });
  it('never throws on arbitrary reports', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.boolean(), (b, id) => {
        parseHidPosReport(b, id);
        decodeBootReport(b);
        new HidPosAssembler(id).push(b);
        new BootKeyboardDecoder({ layout: 'fr' }).push(b);
        descriptorUsesReportIds(b);
      }),
    );
  });
});

describe('node-hid field cases', () => {
  const keyboardScanner: HidDeviceInfo = { vendorId: 0x2dd6, productId: 0x0260, usagePage: 1, usage: 6, product: '2300', path: '/dev/hidraw0' };

  it('BUG-08: a scanner enumerating as a keyboard is classified as wedge and never opened', async () => {
    expect(classifyHidDevice(keyboardScanner)).toEqual({ info: keyboardScanner, kind: 'wedge', hint: WEDGE_HINT });
    expect(WEDGE_HINT).toContain('USB HID-POS');
    const open = vi.fn(() => Promise.reject(new Error('cannot open device')));
    const api: HidApi = { devicesAsync: () => Promise.resolve([keyboardScanner]), open };
    expect(await discoverScanners(api)).toEqual([{ info: keyboardScanner, kind: 'wedge', hint: WEDGE_HINT }]);
    const s = new HidScannerSession(api, { match: { vendorId: 0x2dd6, productId: 0x0260 }, kind: 'hid-pos' });
    const wedge = new Promise((resolve) => s.bus.on('wedge', resolve));
    s.start();
    await expect(wedge).resolves.toMatchObject({ kind: 'wedge' });
    await s.stop();
    expect(open).not.toHaveBeenCalled();
  });

  it('BUG-08: the wedge hand-over is announced once, not on every poll of the device list', async () => {
    vi.useFakeTimers();
    try {
      const open = vi.fn(() => Promise.reject(new Error('cannot open device')));
      const s = new HidScannerSession({ devicesAsync: () => Promise.resolve([keyboardScanner]), open }, { match: { vendorId: 0x2dd6, productId: 0x0260 }, kind: 'hid-pos' });
      const seen: unknown[] = [];
      s.bus.on('wedge', (c) => seen.push(c));
      s.start();
      await vi.advanceTimersByTimeAsync(5_500);
      expect(seen).toEqual([{ info: keyboardScanner, kind: 'wedge', hint: WEDGE_HINT }]);
      expect(open).not.toHaveBeenCalled();
      await s.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('BUG-09: a device with numbered reports gets its configured output report ID in front', async () => {
    const dev = new FakeHandle();
    const api: HidApi = { devicesAsync: () => Promise.resolve([posScanner]), open: () => Promise.resolve(dev) };
    const s = new HidScannerSession(api, { match: { vendorId: 0x0c2e, productId: 0x0b61 }, kind: 'hid-pos', reportIds: true, outputReportId: 0x04 });
    const up = new Promise((resolve) => s.bus.on('status', resolve));
    s.start();
    await up;
    await s.write([0x00, 0x04, 0x01]);
    expect(dev.written).toEqual([[0x04, 0x00, 0x04, 0x01]]);
    await s.stop();
  });

  it('BUG-09: output reports always start with the report id: [0x00, 0x00, 0x04, 0x01]', async () => {
    expect(outputReport([0x00, 0x04, 0x01])).toEqual([0x00, 0x00, 0x04, 0x01]);
    expect(outputReport([0x00, 0x04, 0x01], 0x05)).toEqual([0x05, 0x00, 0x04, 0x01]);
    const dev = new FakeHandle();
    const api: HidApi = { devicesAsync: () => Promise.resolve([posScanner]), open: () => Promise.resolve(dev) };
    const s = new HidScannerSession(api, { match: { vendorId: 0x0c2e, productId: 0x0b61 }, kind: 'hid-pos', reportIds: false });
    const up = new Promise((resolve) => s.bus.on('status', resolve));
    s.start();
    await up;
    await s.write([0x00, 0x04, 0x01]);
    expect(dev.written).toEqual([[0x00, 0x00, 0x04, 0x01]]);
    await s.stop();
  });

  describe('BUG-10', () => {
    afterEach(() => vi.useRealTimers());
    it('BUG-10: read error -> closed + disconnected; polled every <= 1 s; reopened; post-replug scan delivered', async () => {
      vi.useFakeTimers();
      let present = true;
      const handles: FakeHandle[] = [];
      const api: HidApi = {
        devicesAsync: () => Promise.resolve(present ? [posScanner] : []),
        open: () => {
          const h = new FakeHandle();
          handles.push(h);
          return Promise.resolve(h);
        },
      };
      const s = new HidScannerSession(api, { match: { vendorId: 0x0c2e, productId: 0x0b61 }, kind: 'hid-pos', reportIds: true });
      const statuses: string[] = [];
      const scans: string[] = [];
      s.bus.on('status', (e) => statuses.push(e.status));
      s.bus.on('scan', (e) => scans.push(e.text));
      s.start();
      await vi.advanceTimersByTimeAsync(10);
      expect(s.status).toBe('connected');
      present = false;
      handles[0]!.emit('error', new Error('could not read from HID device'));
      await vi.advanceTimersByTimeAsync(10);
      expect(handles[0]!.closed).toBe(true);
      expect(s.status).toBe('disconnected');
      await vi.advanceTimersByTimeAsync(3000);
      expect(handles).toHaveLength(1);
      present = true;
      await vi.advanceTimersByTimeAsync(1000);
      expect(handles).toHaveLength(2);
      expect(s.status).toBe('connected');
      handles[1]!.emit('data', Buffer.from(posReport(']E0', '4006381333931')));
      expect(scans).toEqual(['4006381333931']);
      expect(statuses).toEqual(['connected', 'disconnected', 'connected']);
      await s.stop();
    });
  });
});

const posScanner: HidDeviceInfo = { vendorId: 0x0c2e, productId: 0x0b61, usagePage: 0x8c, usage: 0x02, path: 'fake:pos' };

function posReport(aim: string, data: string): number[] {
  const r = Array(64).fill(0) as number[];
  r[0] = 2;
  r[1] = data.length;
  [...aim].forEach((c, i) => (r[2 + i] = c.charCodeAt(0)));
  [...data].forEach((c, i) => (r[5 + i] = c.charCodeAt(0)));
  return r;
}

class FakeHandle extends EventEmitter implements HidHandle {
  written: number[][] = [];
  closed = false;
  write(values: number[]): Promise<number> {
    this.written.push(values);
    return Promise.resolve(values.length);
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
