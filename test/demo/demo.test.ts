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

  it('POST /api/scans with a used idempotency key and different data is refused with 409 IDEMPOTENCY_CONFLICT, nothing stored', async () => {
    const post = async (body: unknown): Promise<{ status: number; body: ScanResponse }> => {
      const r = await fetch(`${demo.url}/api/scans`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: r.status, body: (await r.json()) as ScanResponse };
    };
    const first = { code: '4012345000740', reason: 'defective', grade: 'used', idempotencyKey: 'conc-1' };
    const a = await post(first);
    expect(a.status).toBe(200);
    if (!a.body.ok) throw new Error(a.body.error.code);
    const before = demo.station.health().database.items;
    const events = demo.station.sdb.prepare('SELECT COUNT(*) FROM outbox').pluck().get() as number;
    const b = await post({ ...first, grade: 'damaged' });
    expect(b.status).toBe(409);
    expect(b.body).toMatchObject({ ok: false, error: { code: 'IDEMPOTENCY_CONFLICT' } });
    if (!b.body.ok) expect(b.body.error.message).toMatch(/conc-1.*grade "used" then "damaged"/);
    // Nothing stored: no item, no event, and the first item keeps its grade.
    expect(demo.station.health().database.items).toBe(before);
    expect(demo.station.sdb.prepare('SELECT COUNT(*) FROM outbox').pluck().get()).toBe(events);
    const facts = JSON.parse(demo.station.sdb.prepare('SELECT facts_json FROM items WHERE id = ?').pluck().get(a.body.item.id) as string) as Record<string, unknown>;
    expect(facts.grade).toBe('used');
    // The same request again still gets the stored answer.
    const c = await post(first);
    expect(c.status).toBe(200);
    expect(c.body).toMatchObject({ ok: true, duplicate: true, item: { id: a.body.item.id } });
  });

  const scan = async (code: string): Promise<{ status: number; body: ScanResponse }> => {
    const r = await fetch(`${demo.url}/api/scans`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, reason: 'changed_mind', grade: 'sealed' }) });
    return { status: r.status, body: (await r.json()) as ScanResponse };
  };
  const stored = (id: string): { status: string; exception_code: string | null; identity: { warnings?: unknown[] }; facts: Record<string, unknown> } => {
    const row = demo.station.sdb.prepare('SELECT status, exception_code, identity_json, facts_json FROM items WHERE id = ?').get(id) as { status: string; exception_code: string | null; identity_json: string; facts_json: string };
    return { status: row.status, exception_code: row.exception_code, identity: JSON.parse(row.identity_json) as { warnings?: unknown[] }, facts: JSON.parse(row.facts_json) as Record<string, unknown> };
  };

  it('BUG-27 (b): POST /api/scans with lot 21G0073JZ2023 (tail 2023 reads as AI 20) is held as LOT_UNCONFIRMED, warning kept, not decided', async () => {
    const { status, body } = await scan('0100614141009251112107011021G0073JZ2023');
    expect(status).toBe(200);
    if (!body.ok) throw new Error(body.error.code);
    const item = body.item;
    // Not DONATE on a lot nobody confirmed: the exceptions bin, for a person to check the label.
    expect(item).toMatchObject({ gtin: '00614141009251', status: 'exception', disposition: 'exception', bin: 'EXCEPTIONS', exception: { code: 'LOT_UNCONFIRMED' } });
    expect(item.exception?.message).toContain('21G0073JZ2023');
    expect(item.exception?.text?.['zh-CN']).toContain('21G0073JZ');
    expect(item.lot).toBeUndefined();
    expect(item.warnings).toEqual([
      expect.objectContaining({ code: 'possibleMissingSeparator', reading: expect.objectContaining({ ai: '10', asRead: '21G0073JZ2023', split: { value: '21G0073JZ', ais: { '20': '23' } }, status: 'unconfirmed' }) }),
    ]);
    // Stored with the item (the supervisors' item list shows it too); the rules saw lotConfirmed=false.
    const row = stored(item.id);
    expect(row).toMatchObject({ status: 'exception', exception_code: 'LOT_UNCONFIRMED', facts: { lot: '21G0073JZ2023', lotConfirmed: false } });
    expect(row.identity.warnings).toEqual([expect.objectContaining({ code: 'possibleMissingSeparator' })]);
    const list = (await (await fetch(`${demo.url}/api/items?limit=5`)).json()) as { items: Array<{ id: string; warnings?: unknown[] }> };
    expect(list.items.find((i) => i.id === item.id)?.warnings).toHaveLength(1);
    // HQ gets no unconfirmed lot.
    const payloads = demo.station.sdb.prepare('SELECT payload FROM outbox WHERE item_id = ?').pluck().all(item.id) as string[];
    expect(payloads.length).toBeGreaterThan(0);
    expect(payloads.filter((p) => p.includes('21G0073JZ2023'))).toEqual([]);
  });

  it('BUG-19 (d): POST /api/scans with lot xyz3040 (tail 3040 reads as AI 30) is held as LOT_UNCONFIRMED with the warning', async () => {
    const { body } = await scan('011111111111111310xyz3040');
    if (!body.ok) throw new Error(body.error.code);
    expect(body.item).toMatchObject({ status: 'exception', bin: 'EXCEPTIONS', exception: { code: 'LOT_UNCONFIRMED' } });
    expect(body.item.warnings?.[0]).toMatchObject({ code: 'possibleMissingSeparator', reading: { ai: '10', asRead: 'xyz3040', split: { value: 'xyz', ais: { '30': '40' } } } });
    expect(stored(body.item.id)).toMatchObject({ exception_code: 'LOT_UNCONFIRMED', facts: { lot: 'xyz3040', lotConfirmed: false } });
  });
});

describe('interactive demo (npm start): the scenario is fed once per data folder', () => {
  it('a second start continues with the stored items instead of inventing the same returns again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-demo-once-'));
    try {
      const config = parseConfig({ dataDir: dir, http: { port: 0 }, mqtt: { embeddedPort: await freePort() } });
      const first = await startDemo({ config, scenarioPath: scenario, exitWhenDone: false });
      const s1 = await first.done;
      // The shipped scenario: 26 identifiable items (the one with a bad check digit is refused).
      expect(s1).toMatchObject({ items: 26, rejected: 1 });
      expect(s1.alreadyFed).toBeUndefined();
      // A first look at the operator screen has someone to sign in as and a return to open.
      const post = async (path: string, body: unknown): Promise<{ ok: boolean; action?: string }> =>
        (await (await fetch(`${first.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()) as { ok: boolean; action?: string };
      expect(await post('/api/workflow/sign-in', { badge: 'B-100', idempotencyKey: 'demo-sign-in' })).toMatchObject({ ok: true });
      expect(await post('/api/workflow/scan', { code: 'RMA-2001', idempotencyKey: 'demo-rma' })).toMatchObject({ ok: true, action: 'case_opened' });
      await first.stop();

      const second = await startDemo({ config, scenarioPath: scenario, exitWhenDone: false });
      try {
        const s2 = await second.done;
        expect(s2).toMatchObject({ items: 0, alreadyFed: true });
        expect(second.station.sdb.prepare('SELECT COUNT(*) FROM items').pluck().get()).toBe(26);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
