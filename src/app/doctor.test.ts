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

  it.skipIf(!mosquitto)('finds the broker and a healthy database', async () => {
    const d = join(dir, 'good');
    openStationDb(join(d, 'station.db')).close();
    const r = await runDoctor(parseConfig({ dataDir: d }), 'mqtt://127.0.0.1:1883', 3000);
    expect(r.broker.ok).toBe(true);
    expect(r.database).toMatchObject({ exists: true, ok: true, check: 'ok', items: 0, outboxDepth: 0 });
    expect(Array.isArray(r.serialPorts)).toBe(true);
  });
});
