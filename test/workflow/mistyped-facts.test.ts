import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StationApp } from '../../src/app/station-app.js';
import { importReturns } from '../../src/catalog/import.js';
import { parseConfig } from '../../src/config/load.js';
import type { ScanResponse } from '../../src/server/api-types.js';
import type { ImportReport, WorkflowScanResponse } from '../../src/server/api/workflow-types.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/sync/broker.js';
import { freePort } from '../support/services.js';
import { DEFAULT_FLOW } from '../../src/station/config.js';
import { BADGE, harness, ok, refused, type Harness } from './helpers.js';

/** USB-C charger 65 W (fixtures/catalog/products.json): consumer_electronics, price 39. */
const CHARGER = '04012345002966';
const REASONS = ['defective', 'damaged_in_transit', 'wrong_item', 'not_as_described', 'changed_mind', 'size_fit'];

type Refused = { ok: false; error: { code: string; message: string; details?: { field?: string; allowed?: string[] } } };

/**
 * User test: a mistyped customer reason ("Defective", "defect", "sizefit") got a decision meant for another reason
 * (open box instead of WEEE recycling for a defective charger), with no warning. Every way in now refuses it.
 */
describe('a mistyped return reason or grade is refused at the station API, never decided as something else', () => {
  let dir: string;
  let broker: EmbeddedBroker;
  let app: StationApp;
  let n = 0;
  const key = (): string => `mistyped-${++n}`;
  const post = async <T>(path: string, body: Record<string, unknown>): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${app.httpUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as T };
  };
  const items = (): number => app.sdb.prepare('SELECT COUNT(*) FROM items').pluck().get() as number;
  const wf = async (path: string, body: Record<string, unknown>): Promise<{ status: number; body: WorkflowScanResponse }> => post<WorkflowScanResponse>(path, { idempotencyKey: key(), ...body });
  const refusedWith = (r: { status: number; body: unknown }, code: string, field: string): Refused['error'] => {
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ ok: false, error: { code, details: { field } } });
    return (r.body as Refused).error;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rs-mistyped-'));
    broker = await startEmbeddedBroker({ port: await freePort(), host: '127.0.0.1' });
    app = new StationApp({ config: parseConfig({ dataDir: dir, http: { port: 0 } }), brokerUrl: broker.url, protocolVersion: 4 });
    await app.start();
  }, 30_000);

  afterAll(async () => {
    await app?.stop();
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('POST /api/scans: "Defective", "defect" and "sizefit" are FACT_INVALID (422) naming reason and its values; nothing is stored', async () => {
    const before = items();
    for (const reason of ['Defective', 'defect', 'sizefit']) {
      const r = await post<ScanResponse>('/api/scans', { code: CHARGER, reason, grade: 'like_new' });
      const e = refusedWith(r, 'FACT_INVALID', 'reason');
      expect(e.details?.allowed).toEqual(REASONS);
      expect(e.message).toContain('reason');
      for (const a of REASONS) expect(e.message).toContain(a);
    }
    refusedWith(await post<ScanResponse>('/api/scans', { code: CHARGER, reason: 'defective', grade: 'Like_New' }), 'FACT_INVALID', 'grade');
    expect(items()).toBe(before);
  });

  it('POST /api/scans: the correctly spelled "defective" still sends the charger to WEEE recycling', async () => {
    const r = await post<ScanResponse>('/api/scans', { code: CHARGER, reason: 'defective', grade: 'like_new' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ ok: true, item: { disposition: 'recycle', bin: 'WEEE-RECYCLE' } });
  });

  it('POST /api/workflow/scan: answers outside the rule set (FACT_INVALID) or outside a question\'s options (ANSWER_INVALID) are refused', async () => {
    expect((await wf('/api/workflow/operators', { badge: BADGE.ana, displayName: 'Ana', role: 'operator' })).status).toBe(200);
    expect((await wf('/api/workflow/scan', { code: BADGE.ana })).body).toMatchObject({ ok: true, action: 'signed_in' });
    const before = items();
    const e = refusedWith(await wf('/api/workflow/scan', { code: CHARGER, answers: { reason: 'Defective', grade: 'like_new' } }), 'FACT_INVALID', 'reason');
    expect(e.details?.allowed).toEqual(REASONS);
    refusedWith(await wf('/api/workflow/scan', { code: CHARGER, answers: { reason: 'sizefit' } }), 'FACT_INVALID', 'reason');
    refusedWith(await wf('/api/workflow/scan', { code: CHARGER, answers: { reason: 'defective', grade: 'bogus' } }), 'FACT_INVALID', 'grade');
    // "sealed" is the flow's own question (yes / no): "maybe" would have skipped it and left the item ungraded.
    const off = refusedWith(await wf('/api/workflow/scan', { code: CHARGER, answers: { reason: 'defective', sealed: 'maybe' } }), 'ANSWER_INVALID', 'sealed');
    expect(off.details?.allowed).toEqual(['yes', 'no']);
    expect(items()).toBe(before);
    // Values the rules know but no button of their question offers (grade "sealed", packaging "original_sealed") are fine.
    const sealed = await wf('/api/workflow/scan', { code: CHARGER, answers: { reason: 'changed_mind', sealed: 'no', grade: 'sealed', packaging: 'original_sealed' } });
    expect(sealed.body).toMatchObject({ ok: true, action: 'item_decided' });
    // Binned, so the screen takes the next item.
    const label = sealed.body.ok ? (sealed.body.item?.decision?.binLabels[0] ?? '') : '';
    expect((await wf('/api/workflow/scan', { code: label })).body).toMatchObject({ ok: true, action: 'bin_confirmed' });
  });

  it('POST /api/workflow/items/:id/answer: a value outside the question\'s options is ANSWER_INVALID; the right answers decide', async () => {
    // A second charger unit: serial-less GTIN in the same open case is a new item (the first was decided and binned).
    const scanned = await wf('/api/workflow/scan', { code: `(01)${CHARGER}(21)UNIT-2` });
    expect(scanned.body).toMatchObject({ ok: true, action: 'question', item: { question: { id: 'reason' } } });
    const id = scanned.body.ok ? (scanned.body.item?.itemId ?? '') : '';
    const answer = (questionId: string, value: string): Promise<{ status: number; body: WorkflowScanResponse }> => wf(`/api/workflow/items/${id}/answer`, { questionId, value });
    for (const value of ['Defective', 'defect', 'sizefit']) {
      const e = refusedWith(await answer('reason', value), 'ANSWER_INVALID', 'reason');
      expect(e.details?.allowed).toEqual(REASONS);
    }
    expect((await answer('reason', 'defective')).body).toMatchObject({ ok: true, item: { question: { id: 'sealed' } } });
    refusedWith(await answer('sealed', 'maybe'), 'ANSWER_INVALID', 'sealed');
    expect((await answer('sealed', 'no')).body).toMatchObject({ ok: true, item: { question: { id: 'grade' } } });
    refusedWith(await answer('grade', 'Like_New'), 'ANSWER_INVALID', 'grade');
    expect((await answer('grade', 'like_new')).body).toMatchObject({ ok: true, item: { question: { id: 'packaging' } } });
    const done = await answer('packaging', 'original_opened');
    expect(done.body).toMatchObject({ ok: true, action: 'item_decided', item: { decision: { disposition: 'recycle', bin: 'WEEE-RECYCLE' } } });
  });

  it('POST /api/workflow/import/returns: a row whose customer reason is "bogus" is refused (FACT_INVALID, field reason)', async () => {
    const text = 'rma,order,tracking,delivered_at,reason,line,gtin,sku,qty_ordered,qty_shipped,uom,units_per_uom,serials,lots\n' +
      `RMA-77,SO-77,,2026-11-01,bogus,1,${CHARGER},,1,1,EA,1,,\nRMA-78,SO-78,,2026-11-01,defective,1,${CHARGER},,1,1,EA,1,,\n`;
    const r = await post<ImportReport>('/api/workflow/import/returns', { format: 'csv', text, idempotencyKey: key() });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ rows: 2, inserted: 1, errors: [{ line: 2, code: 'FACT_INVALID', field: 'reason' }] });
  });
});

describe('the workflow never decides on a value the rule set does not know (config, corrections, stored reasons)', () => {
  let h: Harness | undefined;
  afterEach(() => h?.close());

  it('a hand-written flow whose answer value is "Defective" is refused at the answer (FACT_INVALID), before it is stored', () => {
    const reason = DEFAULT_FLOW.questions.find((q) => q.id === 'reason');
    if (!reason) throw new Error('no reason question');
    const typo = { ...reason, answers: [{ value: 'Defective', label: { en: 'Defective', 'zh-CN': '有缺陷' }, set: {} }, ...reason.answers.slice(1)] };
    h = harness({ flows: { default: { ...DEFAULT_FLOW, questions: DEFAULT_FLOW.questions.map((q) => (q.id === 'reason' ? typo : q)) } } });
    ok(h.scan(BADGE.ana));
    const item = ok(h.scan(CHARGER)).item;
    expect(item?.question?.id).toBe('reason');
    const r = refused(h.wf.answer(item?.itemId ?? '', { questionId: 'reason', value: 'Defective', idempotencyKey: h.key() }));
    expect(r).toMatchObject({ code: 'FACT_INVALID', details: { field: 'reason', allowed: REASONS } });
    expect(JSON.parse(h.sdb.prepare('SELECT answers_json FROM wf_items WHERE item_id = ?').pluck().get(item?.itemId) as string)).toEqual({});
  });

  it('a grade correction to "Used" is refused (FACT_INVALID); "used" is accepted', () => {
    h = harness();
    ok(h.scan(BADGE.ana));
    const item = ok(h.scan(CHARGER, { answers: { reason: 'defective', sealed: 'no', grade: 'like_new', packaging: 'none' } })).item;
    expect(item?.decision?.bin).toBe('WEEE-RECYCLE');
    const id = item?.itemId ?? '';
    expect(refused(h.wf.correct(id, { kind: 'grade', answers: { grade: 'Used' }, reason: 'typo', idempotencyKey: h.key() }))).toMatchObject({ code: 'FACT_INVALID', details: { field: 'grade' } });
    expect(refused(h.wf.correct(id, { kind: 'grade', answers: { sealed: 'maybe' }, reason: 'typo', idempotencyKey: h.key() }))).toMatchObject({ code: 'ANSWER_INVALID', details: { field: 'sealed' } });
    expect(ok(h.wf.correct(id, { kind: 'grade', answers: { grade: 'used' }, reason: 'graded again', idempotencyKey: h.key() })).action).toBe('corrected');
  });

  it('an order imported earlier with reason "bogus" is not used: the operator is asked the reason instead', () => {
    h = harness();
    // As an import before reasons were checked would have stored it.
    importReturns(h.sdb.db, { format: 'csv', text: `rma,order,reason,line,gtin,qty_shipped\nRMA-900,SO-900,bogus,1,${CHARGER},1\n` });
    ok(h.scan(BADGE.ana));
    const item = ok(h.scan('RMA-900')) && ok(h.scan(CHARGER)).item;
    expect(item?.caseId).toBeDefined();
    expect(item?.question?.id).toBe('reason');
  });
});
