import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type DemoSummary, type RunningDemo } from '../../src/app/demo.js';
import { parseConfig } from '../../src/config/load.js';
import type { HealthReport, ScanResponse } from '../../src/server/api-types.js';
import { epcisDocument } from '../../src/sync/epcis/index.js';
import { epcisValidator } from '../support/epcis-schema.js';
import { freePort } from '../support/services.js';

const scenario = new URL('../../fixtures/scenarios/demo-shift.json', import.meta.url).pathname;

describe('demo: the shipped scenario end to end (emulated R2000 reader, aedes, HQ ingest, HTTP API)', () => {
  let dir: string;
  let demo: RunningDemo;
  let summary: DemoSummary;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rs-demo-'));
    const config = parseConfig({ dataDir: dir, http: { port: 0 }, mqtt: { embeddedPort: await freePort() } });
    demo = await startDemo({ config, scenarioPath: scenario, exitWhenDone: true });
    summary = await demo.done;
  });

  afterAll(async () => {
    await demo?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('decides every identifiable item and refuses the one with a bad check digit', () => {
    // 27 scenario lines: 26 identifiable items (12 RFID, 14 barcode) + 1 EAN-13 whose check digit is wrong.
    expect(summary.items).toBe(26);
    expect(summary.decisions).toBe(26);
    expect(summary.rejected).toBe(1);
  });

  it('puts both items missing from the catalog into the exceptions state, not into stock', () => {
    expect(summary.exceptions).toBe(2);
    expect(summary.byDisposition.exception).toBe(2);
    expect(summary.byDisposition.restock ?? 0).toBeLessThan(26);
  });

  it('delivers every event to HQ exactly once (3 per item)', () => {
    expect(summary.eventsEmitted).toBe(78);
    expect(summary.eventsAtHq).toBe(78);
    expect(summary.duplicatesAtHq).toBe(0);
    const health = demo.station.health();
    expect(health.outbox.depth).toBe(0);
  });

  it('identifies RFID items from the EPC on the tag (SGTIN-96 → GTIN-14 + serial)', () => {
    const rows = demo.station.sdb.prepare("SELECT raw, gtin, serial, epc FROM items WHERE source = 'rfid' AND raw = ?").all('3034257BF4000940000003E8') as Array<Record<string, string>>;
    expect(rows).toHaveLength(1);
    // Scenario note: "SGTIN-96 for GTIN 00614141000371 serial 1000".
    expect(rows[0]).toMatchObject({ gtin: '00614141000371', serial: '1000', epc: 'urn:epc:id:sgtin:0614141.000037.1000' });
  });

  it('every emitted event validates against GS1 EPCIS 2.0 JSON Schema', () => {
    const payloads = (demo.station.sdb.prepare('SELECT payload FROM outbox ORDER BY seq').all() as Array<{ payload: string }>).map((r) => JSON.parse(r.payload) as { eventID: string });
    expect(payloads.length).toBe(78);
    const validate = epcisValidator();
    const ok = validate(epcisDocument(payloads as never));
    expect(ok ? [] : validate.errors?.slice(0, 3)).toEqual([]);
    const steps = payloads.map((p) => (p as { bizStep?: string }).bizStep);
    expect(steps.filter((s) => s === 'receiving')).toHaveLength(26);
    expect(steps.filter((s) => s === 'inspecting')).toHaveLength(52);
  });

  it('GET /api/health reports reader, broker, outbox and database', async () => {
    const res = await fetch(`${demo.url}/api/health`);
    const h = (await res.json()) as HealthReport;
    expect(h.readers[0]?.status).toBe('reading');
    expect(h.broker.connected).toBe(true);
    expect(h.database).toMatchObject({ ok: true, items: 26 });
    expect(h.outbox.depth).toBe(0);
  });

  it('POST /api/scans refuses bad input with a typed error and stores nothing', async () => {
    const before = demo.station.health().database.items;
    const post = async (body: unknown): Promise<{ status: number; body: ScanResponse }> => {
      const r = await fetch(`${demo.url}/api/scans`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: r.status, body: (await r.json()) as ScanResponse };
    };
    const empty = await post({ code: '' });
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({ ok: false, error: { code: 'SCAN_INVALID' } });
    // GTIN 4012345000740 with its check digit changed from 0 to 1.
    const bad = await post({ code: '4012345000741' });
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ ok: false, error: { code: 'GS1_BAD_CHECK_DIGIT' } });
    expect(demo.station.health().database.items).toBe(before);
  });

  it('POST /api/scans with the same idempotency key twice stores one item', async () => {
    const body = JSON.stringify({ code: '4012345000740', reason: 'changed_mind', grade: 'sealed', idempotencyKey: 'test-double-tap' });
    const a = (await (await fetch(`${demo.url}/api/scans`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).json()) as ScanResponse;
    const b = (await (await fetch(`${demo.url}/api/scans`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).json()) as ScanResponse;
    expect(a.ok && b.ok).toBe(true);
    if (a.ok && b.ok) {
      expect(b.item.id).toBe(a.item.id);
      expect(b.duplicate).toBe(true);
      expect(a.item.gtin).toBe('04012345000740');
    }
  });
});
