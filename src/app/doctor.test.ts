import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { openStationDb } from '../store/index.js';
import { portOpen, serviceGate } from '../../test/support/services.js';
import { formatDoctor, runDoctor } from './doctor.js';

const mosquitto = serviceGate('mosquitto on 127.0.0.1:1883', await portOpen(1883));

describe('doctor', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rs-doctor-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says the database is not created yet, and that an unreachable broker is unreachable', async () => {
    const cfg = parseConfig({ dataDir: join(dir, 'none') });
    const r = await runDoctor(cfg, 'mqtt://127.0.0.1:1', 1000);
    expect(r.database).toMatchObject({ exists: false, ok: true });
    expect(r.broker.ok).toBe(false);
    expect(r.ok).toBe(false);
    expect(formatDoctor(r)).toMatch(/NOT reachable/);
  });

  it('reports a damaged database file as a problem instead of crashing', async () => {
    const d = join(dir, 'bad');
    const cfg = parseConfig({ dataDir: d });
    openStationDb(join(d, 'station.db')).close();
    writeFileSync(join(d, 'station.db'), Buffer.alloc(8192, 0x41));
    const r = await runDoctor(cfg, 'mqtt://127.0.0.1:1', 500);
    expect(r.database.ok).toBe(false);
    expect(formatDoctor(r)).toMatch(/PROBLEM/);
  });

  it('lists the configured HID scanners: found (and how it will be read) or not plugged in', async () => {
    const cfg = parseConfig({
      dataDir: join(dir, 'hid'),
      scanners: [
        { id: 'pos-1', vendorId: '0c2e', productId: '0b61' },
        { id: 'wedge-1', vendorId: '2dd6', productId: '0260' },
        { id: 'gone-1', vendorId: '05e0', productId: '1200', serialNumber: 'S9' },
      ],
    });
    const devices = [
      { vendorId: 0x0c2e, productId: 0x0b61, usagePage: 0x8c, usage: 0x02, path: 'fake:pos', product: 'Voyager 1602g' },
      { vendorId: 0x2dd6, productId: 0x0260, usagePage: 1, usage: 6, path: 'fake:kbd' },
      { vendorId: 0x05e0, productId: 0x1200, usagePage: 0x8c, usage: 0x02, path: 'fake:other', serialNumber: 'S1' },
    ];
    const r = await runDoctor(cfg, 'mqtt://127.0.0.1:1', 500, () => Promise.resolve({ devicesAsync: () => Promise.resolve(devices), open: () => Promise.reject(new Error('doctor never opens')) }));
    expect(r.scanners).toEqual([
      { id: 'pos-1', vendorId: '0c2e', productId: '0b61', found: true, kind: 'hid-pos' },
      { id: 'wedge-1', vendorId: '2dd6', productId: '0260', found: true, kind: 'wedge', hint: expect.stringContaining('USB HID-POS') as string },
      { id: 'gone-1', vendorId: '05e0', productId: '1200', serialNumber: 'S9', found: false, hint: expect.stringContaining('Not plugged in') as string },
    ]);
    expect(r.ok).toBe(false);
    expect(formatDoctor(r)).toMatch(/Configured scanners \(3\):\n {2}pos-1 0c2e:0b61: found, hid-pos[\s\S]*gone-1 05e0:1200 #S9: NOT found/);
  });

  it.skipIf(!mosquitto)('finds the broker and a healthy database', async () => {
    const d = join(dir, 'good');
    openStationDb(join(d, 'station.db')).close();
    const r = await runDoctor(parseConfig({ dataDir: d }), 'mqtt://127.0.0.1:1883', 3000);
    expect(r.broker.ok).toBe(true);
    expect(r.database).toMatchObject({ exists: true, ok: true, check: 'ok', items: 0, outboxDepth: 0 });
    expect(Array.isArray(r.serialPorts)).toBe(true);
  });
});
