/**
 * Issue #8: an item decided as an exception through the plain intake (POST /api/scans, the station log's entry line,
 * a scenario) joins the supervisor's one exceptions queue with its reason (GET /api/workflow/exceptions and the
 * overview's open-exceptions count), and a supervisor resolves it like the workflow's. The demo's two products that
 * are missing from the catalog were the report: NOT_IN_CATALOG, bin EXCEPTIONS, "for a supervisor", and not in the queue.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StationApp } from '../../src/app/station-app.js';
import { parseConfig } from '../../src/config/load.js';
import type { ExceptionView } from '../../src/server/api/workflow-supervision-types.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/sync/broker.js';
import { listExceptions } from '../../src/station/queries.js';
import { freePort } from '../support/services.js';
import { harness } from './helpers.js';

/** fixtures/scenarios/demo-shift.json: "valid EAN-13 that is not in the catalog: must land in exceptions". */
const NOT_IN_CATALOG = '0614141999996';
/** fixtures/returns/expected-returns.csv RMA-2001's novel: in the catalog, decided by the rules. */
const NOVEL = '00614141007776';
// JSON answers read by path in the assertions: toMatchObject checks their shape, not the compiler.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
type Json = Record<string, any>;
const SUP = { supervisorBadge: 'B-900', supervisorPin: '4321' };

describe('plain intake exceptions reach the supervisor (issue #8)', () => {
  let dir: string;
  let broker: EmbeddedBroker;
  let app: StationApp;
  let n = 0;
  const post = async (path: string, body: Record<string, unknown>): Promise<{ status: number; body: Json }> => {
    const res = await fetch(`${app.httpUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ idempotencyKey: `intake-exc-${++n}`, ...body }) });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const get = async (path: string): Promise<Json> => (await (await fetch(`${app.httpUrl}${path}`)).json()) as Json;
  const exceptions = async (status = 'open'): Promise<ExceptionView[]> => ((await get(`/api/workflow/exceptions?status=${status}`)) as { exceptions: ExceptionView[] }).exceptions;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rs-intake-exc-'));
    broker = await startEmbeddedBroker({ port: await freePort(), host: '127.0.0.1' });
    app = new StationApp({ config: parseConfig({ dataDir: dir, http: { port: 0 } }), brokerUrl: broker.url, protocolVersion: 4 });
    await app.start();
    expect((await post('/api/workflow/operators', { badge: 'B-900', displayName: 'Sam', role: 'supervisor', pin: '4321' })).status).toBe(200);
  }, 30_000);

  afterAll(async () => {
    await app?.stop();
    await broker?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('POST /api/scans with a GTIN not in the catalog: listed by GET /api/workflow/exceptions with code NOT_IN_CATALOG and its reason, counted as open', async () => {
    const scanned = await post('/api/scans', { code: NOT_IN_CATALOG, reason: 'changed_mind', grade: 'sealed' });
    expect(scanned.body).toMatchObject({ ok: true, item: { status: 'exception', bin: 'EXCEPTIONS', exception: { code: 'NOT_IN_CATALOG' } } });
    const itemId = scanned.body.item.id as string;
    const open = await exceptions();
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ code: 'NOT_IN_CATALOG', itemId, status: 'open', gtin: '00614141999996', message: 'This product is not in the catalog: put it in the exceptions bin for a supervisor.' });
    expect((await get('/api/workflow/overview')).openExceptions).toBe(1);
    // A decided item is no exception.
    expect((await post('/api/scans', { code: NOVEL, reason: 'changed_mind', grade: 'sealed' })).body).toMatchObject({ ok: true, item: { status: 'decided' } });
    expect(await exceptions()).toHaveLength(1);
  });

  it('the same keyed scan sent twice makes one exception; a supervisor resolves it (quarantine), accept is refused for a product the rules cannot decide', async () => {
    const key = 'intake-exc-double';
    const first = await post('/api/scans', { code: NOT_IN_CATALOG, reason: 'defective', grade: 'used', idempotencyKey: key });
    const again = await post('/api/scans', { code: NOT_IN_CATALOG, reason: 'defective', grade: 'used', idempotencyKey: key });
    expect(again.body).toMatchObject({ ok: true, duplicate: true, item: { id: first.body.item.id } });
    const mine = (await exceptions()).filter((e) => e.itemId === first.body.item.id);
    expect(mine).toHaveLength(1);
    const id = mine[0]?.id as string;

    const accept = await post(`/api/workflow/exceptions/${id}/resolve`, { resolution: 'accept', reason: 'looks fine', ...SUP });
    expect(accept.body).toMatchObject({ ok: false, error: { code: 'RESOLUTION_INVALID' } });
    const q = await post(`/api/workflow/exceptions/${id}/resolve`, { resolution: 'quarantine', reason: 'unknown product, hold it', ...SUP });
    expect(q.body).toMatchObject({ ok: true, action: 'exception_resolved', exception: { id, status: 'resolved', resolution: { kind: 'quarantine', bin: 'QUARANTINE' } } });
    expect((await exceptions()).some((e) => e.id === id)).toBe(false);
    const items = (await get('/api/items?limit=10')).items as Array<Json>;
    expect(items.find((i) => i.id === first.body.item.id)).toMatchObject({ status: 'decided', bin: 'QUARANTINE', disposition: 'quarantine' });
    expect((await post(`/api/workflow/exceptions/${id}/resolve`, { resolution: 'quarantine', reason: 'again', ...SUP })).body).toMatchObject({ ok: false, error: { code: 'EXCEPTION_RESOLVED' } });
  });
});

describe('exceptions of the plain intake stored before the fix (issue #8)', () => {
  it('the schema step adds their queue row with the reason, once; a decided item or a case item gets none', async () => {
    const { openStationDb, SCHEMA_VERSION, recordItem } = await import('../../src/store/index.js');
    const d = mkdtempSync(join(tmpdir(), 'rs-intake-exc-mig-'));
    try {
      const file = join(d, 'station.db');
      let sdb = openStationDb(file);
      recordItem(sdb, { id: 'old-1', createdAt: 1_000, source: 'barcode', raw: NOT_IN_CATALOG, gtin: '00614141999996', status: 'exception', exceptionCode: 'NOT_IN_CATALOG', rma: 'RMA-10190' }, []);
      recordItem(sdb, { id: 'old-2', createdAt: 2_000, source: 'barcode', raw: NOVEL, gtin: NOVEL, status: 'decided' }, []);
      // As a station before this step had it: no queue rows, one version back.
      sdb.db.exec('DELETE FROM wf_exceptions');
      sdb.db.pragma(`user_version = ${SCHEMA_VERSION - 1}`);
      sdb.close();
      sdb = openStationDb(file);
      const rows = sdb.prepare('SELECT id, item_id, case_id, code, details_json, status FROM wf_exceptions').all() as Array<Record<string, string>>;
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ id: 'exc-old-1', item_id: 'old-1', case_id: '', code: 'NOT_IN_CATALOG', status: 'open' });
      expect(JSON.parse(rows[0]?.details_json ?? '{}')).toEqual({
        text: { en: 'This product is not in the catalog: put it in the exceptions bin for a supervisor.', 'zh-CN': '目录中没有此商品：放入异常区，等待主管处理。' },
        intake: 'scan',
      });
      sdb.close();
      // As the supervisor's queue lists it: the item's RMA (from the scan) shown, as a case's would be.
      const h = harness({}, file);
      try {
        expect(listExceptions(h.wf.core, 'open', 10)).toEqual([expect.objectContaining({ id: 'exc-old-1', code: 'NOT_IN_CATALOG', rma: 'RMA-10190', gtin: '00614141999996', caseId: '' })]);
      } finally {
        h.close();
      }
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
