import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StationApp } from '../../src/app/station-app.js';
import { parseConfig } from '../../src/config/load.js';
import type { ImportReport, WorkflowScanResponse } from '../../src/server/api/workflow-types.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/sync/broker.js';
import { freePort } from '../support/services.js';

/** BUG-60: "Order SO-1001: 1 unit of SKU A delivered. Return RET-1 for that unit is completed." SKU A = the demo jacket. */
const EXPECTED = [
  'rma,order,tracking,delivered_at,reason,line,gtin,sku,qty_ordered,qty_shipped,uom,units_per_uom,serials,lots',
  'RET-1,SO-1001,1Z999AA10000001001,2026-11-20,changed_mind,1,00614141000371,SKU-A,1,1,EA,1,,',
].join('\n');
const JACKET = '00614141000371';

type Answer = { status: number; body: WorkflowScanResponse };

/**
 * The buttons of a return through the station's HTTP API, as the operator screen sends them: a double tap sends the
 * same key twice at once (BUG-66), "Complete return" closes the case (BUG-60 flow), and the same RMA, its order or
 * its label scanned again is blocked with a link to the completed return.
 */
describe('completing a return through the workflow API (BUG-60, BUG-66)', () => {
  let dir: string;
  let broker: EmbeddedBroker;
  let app: StationApp;
  let n = 0;
  const key = (): string => `complete-${++n}`;
  const post = async (path: string, body: Record<string, unknown>): Promise<Answer> => {
    const res = await fetch(`${app.httpUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ idempotencyKey: key(), ...body }) });
    return { status: res.status, body: (await res.json()) as WorkflowScanResponse };
  };
  const ok = (a: Answer): Extract<WorkflowScanResponse, { ok: true }> => {
    if (!a.body.ok) throw new Error(`refused: ${JSON.stringify(a.body)}`);
    return a.body;
  };
  const error = (a: Answer): Extract<WorkflowScanResponse, { ok: false }>['error'] => {
    if (a.body.ok) throw new Error(`expected a refusal, got ${a.body.action}`);
    return a.body.error;
  };
  const events = (itemId: string): string[] =>
    (app.sdb.prepare('SELECT payload FROM outbox WHERE item_id = ? ORDER BY seq').pluck().all(itemId) as string[]).map((p) => (JSON.parse(p) as { bizStep: string }).bizStep);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rs-complete-'));
    broker = await startEmbeddedBroker({ port: await freePort(), host: '127.0.0.1' });
    app = new StationApp({ config: parseConfig({ dataDir: dir, http: { port: 0 } }), brokerUrl: broker.url, protocolVersion: 4 });
    await app.start();
    expect((await post('/api/workflow/operators', { badge: 'B-100', displayName: 'Ana', role: 'operator' })).status).toBe(200);
    const imported = (await post('/api/workflow/import/returns', { format: 'csv', text: EXPECTED })).body as unknown as ImportReport;
    expect(imported).toMatchObject({ rows: 1, errors: [] });
  }, 30_000);

  afterAll(async () => {
    await app?.stop();
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('BUG-66 + BUG-60: a double tap answers and completes once; RET-1, SO-1001 and its label are then blocked with a link to it', async () => {
    expect(ok(await post('/api/workflow/scan', { code: 'B-100' })).action).toBe('signed_in');
    const opened = ok(await post('/api/workflow/scan', { code: 'RET-1' }));
    const caseId = opened.case?.id ?? '';
    expect(opened.case?.lines[0]).toMatchObject({ qtyShipped: 1, returnable: 1 });
    const added = ok(await post('/api/workflow/scan', { code: JACKET }));
    const itemId = added.item?.itemId ?? '';
    expect(added.item?.question?.id).toBe('sealed');

    // A double tap: the same answer, the same key, both requests in flight at once.
    const tap = { questionId: 'sealed', value: 'yes', idempotencyKey: 'answer-sealed-yes' };
    const both = await Promise.all([post(`/api/workflow/items/${itemId}/answer`, tap), post(`/api/workflow/items/${itemId}/answer`, tap)]);
    expect(both.map((a) => a.status)).toEqual([200, 200]);
    expect(both.map((a) => ok(a).action)).toEqual(['item_decided', 'item_decided']);
    expect(both.map((a) => ok(a).duplicate === true).sort()).toEqual([false, true]);
    expect(events(itemId)).toEqual(['receiving', 'inspecting', 'inspecting']);
    // The same key for another answer is still refused: one key, one action.
    const other = await post(`/api/workflow/items/${itemId}/answer`, { ...tap, value: 'no' });
    expect(other.status).toBe(409);
    expect(error(other).code).toBe('IDEMPOTENCY_CONFLICT');
    expect(events(itemId)).toEqual(['receiving', 'inspecting', 'inspecting']);

    const [first] = both;
    if (!first) throw new Error('no answer');
    const bin = ok(await post('/api/workflow/scan', { code: ok(first).item?.decision?.binLabels[0] ?? '' }));
    expect(bin.action).toBe('bin_confirmed');

    // "Complete return", double-tapped.
    const close = { idempotencyKey: 'close-ret-1' };
    const closed = await Promise.all([post(`/api/workflow/cases/${caseId}/close`, close), post(`/api/workflow/cases/${caseId}/close`, close)]);
    expect(closed.map((a) => a.status)).toEqual([200, 200]);
    for (const a of closed) {
      expect(ok(a).action).toBe('case_closed');
      expect(ok(a).message.en).toBe('Return RET-1 complete: case closed.');
      expect(ok(a).case).toMatchObject({ id: caseId, status: 'closed', rma: 'RET-1' });
    }
    expect(closed.map((a) => ok(a).duplicate === true).sort()).toEqual([false, true]);
    // Closing it again is a new action on a closed case: refused.
    expect(error(await post(`/api/workflow/cases/${caseId}/close`, {})).code).toBe('CASE_CLOSED');

    // BUG-60: the operator scans SO-1001, or its label, or RET-1 (in any letter case) again.
    for (const code of ['RET-1', 'ret-1', 'SO-1001', '1Z999AA10000001001']) {
      const again = await post('/api/workflow/scan', { code });
      expect(again.status, code).toBe(422);
      expect(error(again)).toMatchObject({ code: 'NOTHING_RETURNABLE', details: { orderNo: 'SO-1001', returnable: 0 }, links: [{ kind: 'case', id: caseId, label: expect.stringMatching(/^RET-1, closed \d{4}-\d\d-\d\d \d\d:\d\d UTC$/) as unknown }] });
    }
    // An override needs a supervisor.
    const byOperator = await post('/api/workflow/cases/override', { code: 'RET-1', reason: 'second jacket' });
    expect(byOperator.status).toBe(403);
    expect(error(byOperator).code).toBe('ROLE_REQUIRED');
  });
});
