/**
 * Issue 5: HID scanners in the running station. No HID hardware exists here, so the station gets a fake node-hid
 * binding (StationAppOptions.hidApi) that delivers input report bytes taken from fixtures/vectors/hid-scanner.json.
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { HidApi, HidDeviceInfo, HidHandle } from '../../devices/scanner/hid.js';
import { StationApp } from '../../src/app/station-app.js';
import { parseConfig } from '../../src/config/load.js';
import { putOperator } from '../../src/station/queries.js';
import type { DeviceView, LiveMessage } from '../../src/server/api-types.js';
import { tempDir, waitFor } from '../sync/helpers.js';

interface Vector { id: string; category: string; input: Record<string, unknown>; expected: Record<string, unknown> }
const vectors = (JSON.parse(readFileSync(new URL('../../fixtures/vectors/hid-scanner.json', import.meta.url), 'utf8')) as { vectors: Vector[] }).vectors;
const byId = (id: string): Vector => {
  const v = vectors.find((x) => x.id === id);
  if (!v) throw new Error(`no vector ${id}`);
  return v;
};
const hex = (s: string): Buffer => Buffer.from(s, 'hex');

/** The 8-byte boot report that types `ch` on a US keyboard, from the keyboard-us / boot-report vectors. */
function bootReport(ch: string): Buffer {
  const boot = vectors.find((v) => v.category === 'boot-report' && v.expected.text === ch);
  if (boot) return hex(boot.input.report as string);
  const k = vectors.find((v) => v.category === 'keyboard-us' && v.expected.char === ch);
  if (!k) throw new Error(`no vector types ${JSON.stringify(ch)}`);
  const { usage, shift } = k.input as { usage: string; shift: boolean };
  // Boot report layout as the boot-report vectors have it: modifiers, reserved, six key usages.
  return Buffer.from([shift ? 0x02 : 0x00, 0, parseInt(usage, 16), 0, 0, 0, 0, 0]);
}
/** Key down, key up (boot-report-008, all keys released) for every character, as a scanner types. */
const typed = (text: string): Buffer[] => [...text].flatMap((c) => [bootReport(c), hex(byId('boot-report-008').input.report as string)]);

class FakeHandle extends EventEmitter implements HidHandle {
  closed = false;
  write(values: number[]): Promise<number> {
    return Promise.resolve(values.length);
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/** node-hid's slice the session uses: a device list (changeable = plug/unplug) and one handle per open. */
class FakeHid implements HidApi {
  readonly handles = new Map<string, FakeHandle>();
  constructor(public devices: HidDeviceInfo[]) {}
  devicesAsync(): Promise<HidDeviceInfo[]> {
    return Promise.resolve(this.devices);
  }
  open(path: string): Promise<HidHandle> {
    if (path.startsWith('kbd')) return Promise.reject(new Error('cannot open device'));
    const h = new FakeHandle();
    this.handles.set(path, h);
    return Promise.resolve(h);
  }
}

const POS: HidDeviceInfo = { vendorId: 0x0c2e, productId: 0x0b61, usagePage: 0x8c, usage: 0x02, path: 'fake:pos', serialNumber: 'P1' };
const BOOT: HidDeviceInfo = { vendorId: 0x05e0, productId: 0x1200, usagePage: 0xff00, usage: 0x01, path: 'fake:boot' };
const KBD: HidDeviceInfo = { vendorId: 0x2dd6, productId: 0x0260, usagePage: 1, usage: 6, path: 'kbd:0' };

const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function station(fake: FakeHid): Promise<{ app: StationApp; live: LiveMessage[]; device: (id: string) => DeviceView | undefined }> {
  const cfg = parseConfig({
    dataDir: tempDir('rs-hid-'),
    readers: [],
    scanners: [
      { id: 'pos-1', vendorId: '0c2e', productId: '0b61', serialNumber: 'P1', reportIds: true },
      { id: 'kbd-1', vendorId: '05e0', productId: '1200', kind: 'boot-keyboard', layout: 'us' },
      { id: 'wedge-1', vendorId: '2dd6', productId: '0260' },
    ],
  });
  // No broker here: the publisher stays offline, which does not stop intake (the outbox keeps the events).
  const app = new StationApp({ config: cfg, brokerUrl: 'mqtt://127.0.0.1:1', serveHttp: false, hidApi: () => Promise.resolve(fake) });
  const live: LiveMessage[] = [];
  app.bus.on('live', (m) => live.push(m));
  cleanup.push(() => app.stop());
  await app.start();
  const device = (id: string): DeviceView | undefined => live.flatMap((m) => (m.type === 'device' && m.device.id === id ? [m.device] : [])).at(-1);
  return { app, live, device };
}

describe('HID scanners in the station (issue 5)', () => {
  it('opens each configured scanner, shows open / wedge / closed, and stores what a HID-POS and a boot-keyboard scanner send', async () => {
    const fake = new FakeHid([POS, BOOT, KBD]);
    const { app, live, device } = await station(fake);
    await waitFor(() => device('pos-1')?.status === 'open' && device('kbd-1')?.status === 'open' && device('wedge-1')?.status === 'wedge', 5000, 'scanner states');
    expect(device('wedge-1')?.hint).toContain('USB HID-POS');
    expect(app.health().scanners?.map((s) => [s.id, s.kind, s.status])).toEqual([['pos-1', 'scanner', 'open'], ['kbd-1', 'scanner', 'open'], ['wedge-1', 'scanner', 'wedge']]);

    // HID-POS, unchanged capture (hidpos-message-001): the joined text reaches the intake, which refuses it (no item).
    const msg = byId('hidpos-message-001');
    for (const r of msg.input.reportsHex as string[]) fake.handles.get('fake:pos')?.emit('data', hex(r));
    await waitFor(() => live.some((m) => m.type === 'scan-rejected'), 5000, 'the capture at the intake');
    expect(live.find((m) => m.type === 'scan-rejected')).toMatchObject({ raw: msg.expected.text });

    // HID-POS, the single-report capture (hidpos-report-006) with its Decoded Data field holding a catalog item
    // (fixtures/catalog/products.json: 00614141000371, "Men's rain jacket, M"), as an EAN-13 scan reports it.
    const r = hex(byId('hidpos-report-006').input.reportHex as string);
    const data = '0614141000371';
    r[1] = data.length;
    r.fill(0, 5, 61);
    r.write(data, 5, 'latin1');
    fake.handles.get('fake:pos')?.emit('data', r);
    await waitFor(() => app.pipeline.recent(10).some((i) => i.gtin === '00614141000371'), 5000, 'the HID-POS item in the store');
    expect(app.pipeline.recent(10).find((i) => i.gtin === '00614141000371')).toMatchObject({ source: 'barcode', raw: data, productName: "Men's rain jacket, M" });

    // Boot keyboard: key reports from the vectors, Tab (keyboard-us-002) ends the scan. 4012457000140 is a valid
    // EAN-13 (GS1 mod-10) typed only with keys the vectors hold; it is not in the catalog, so it is held as an exception.
    for (const b of [...typed('4012457000140'), bootReport('\t'), hex(byId('boot-report-008').input.report as string)]) fake.handles.get('fake:boot')?.emit('data', b);
    await waitFor(() => app.pipeline.recent(10).some((i) => i.gtin === '04012457000140'), 5000, 'the boot-keyboard item in the store');
    expect(app.pipeline.recent(10).find((i) => i.gtin === '04012457000140')).toMatchObject({ source: 'barcode', raw: '4012457000140', status: 'exception' });
    const stored = app.sdb.prepare('SELECT COUNT(*) AS n FROM items').get() as { n: number };
    expect(stored.n).toBe(2);

    // Unplug: a read error without close; the strip shows it closed, and it is opened again when it is back.
    fake.devices = [BOOT, KBD];
    const first = fake.handles.get('fake:pos');
    first?.emit('error', new Error('could not read from HID device'));
    await waitFor(() => device('pos-1')?.status === 'closed', 5000, 'closed after unplug');
    expect(first?.closed).toBe(true);
    fake.devices = [POS, BOOT, KBD];
    await waitFor(() => device('pos-1')?.status === 'open' && fake.handles.get('fake:pos') !== first, 5000, 'reopened after replug');
  }, 20_000);

  it('with the operator screen in use, a HID scan does what a wedge scan there does: a badge signs in, an item joins the workflow', async () => {
    const fake = new FakeHid([POS]);
    const { app, live, device } = await station(fake);
    putOperator(app.workflow.core, { badge: 'B-100', displayName: 'Ana', role: 'operator', idempotencyKey: 'op-ana' }, true);
    await waitFor(() => device('pos-1')?.status === 'open', 5000, 'scanner open');
    const send = (data: string): void => {
      const r = hex(byId('hidpos-report-006').input.reportHex as string);
      r[1] = data.length;
      r.fill(0, 5, 61);
      r.write(data, 5, 'latin1');
      fake.handles.get('fake:pos')?.emit('data', r);
    };
    send('B-100');
    await waitFor(() => app.workflow.screen('main').operator?.displayName === 'Ana', 5000, 'signed in by a HID badge scan');
    send('0614141000371');
    await waitFor(() => live.some((m) => m.type === 'wf-item'), 5000, 'the item in the workflow');
    expect(live.find((m) => m.type === 'wf-item')).toMatchObject({ item: { gtin: '00614141000371' } });
    expect(app.pipeline.recent(10).map((i) => i.gtin)).toContain('00614141000371');
  });

  it('a station without the HID addon still starts; its scanners show as faulted', async () => {
    const cfg = parseConfig({ dataDir: tempDir('rs-hid-'), readers: [], scanners: [{ id: 'pos-1', vendorId: '0c2e', productId: '0b61' }] });
    const app = new StationApp({ config: cfg, brokerUrl: 'mqtt://127.0.0.1:1', serveHttp: false, hidApi: () => Promise.reject(new Error('Cannot find module node-hid')) });
    cleanup.push(() => app.stop());
    await app.start();
    expect(app.health().scanners).toEqual([expect.objectContaining({ id: 'pos-1', status: 'faulted', detail: expect.stringContaining('HID_UNAVAILABLE') as string })]);
  });

  it('config: scanners are validated with messages naming the key', () => {
    expect(parseConfig({ scanners: [{ id: 'a', vendorId: '0c2e', productId: '0b61' }] }).scanners[0]).toMatchObject({ kind: 'hid-pos', screen: 'main' });
    const bad = (raw: unknown): string => {
      try {
        parseConfig(raw);
      } catch (e) {
        return `${(e as { code: string }).code} ${(e as Error).message}`;
      }
      return 'accepted';
    };
    expect(bad({ scanners: [{ id: 'a', vendorId: 3118, productId: '0b61' }] })).toMatch(/^CONFIG_INVALID .*scanners\[0\]\.vendorId/s);
    expect(bad({ scanners: [{ id: 'a', vendorId: '0c2e', productId: '0b61', layout: 'dvorak' }] })).toMatch(/scanners\[0\]\.layout/);
    expect(bad({ scanners: [{ id: 'a', vendorId: '0c2e', productId: '0b61', baud: 9600 }] })).toMatch(/scanners\[0\]\.baud: unknown setting/);
    expect(bad({ scanners: [{ id: 'a', vendorId: '0c2e', productId: '0b61' }, { id: 'a', vendorId: '0c2e', productId: '0b62' }] })).toMatch(/scanners: two scanners share an id/);
  });
});
