import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { StationApp } from '../../src/app/station-app.js';
import { parseConfig } from '../../src/config/load.js';
import { encodeEpcForGtin } from '../../src/identity/index.js';
import type { HandoffView, ImportReport, WorkflowConfigView, WorkflowScanResponse } from '../../src/server/api/workflow-types.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/sync/broker.js';
import { epcisDocument } from '../../src/sync/epcis/index.js';
import { epcisValidator } from '../support/epcis-schema.js';
import { freePort } from '../support/services.js';
import { BADGE, fixture, SUP_PIN } from './helpers.js';

const JACKET = '00614141000371';
const SHOE = '04012345000740';
const KETTLE = '00614141004812';

/** A whole shift through the station's HTTP API: RFID and barcode intake, grading, bins, exceptions, totes, handoffs. */
describe('a shift through the station API (sign-in, RFID + barcode, exceptions, override, totes, handoffs, acks)', () => {
  let dir: string;
  let broker: EmbeddedBroker;
  let app: StationApp;
  let n = 0;
  const key = (): string => `shift-${++n}`;
  const post = async (path: string, body: Record<string, unknown>): Promise<{ status: number; body: WorkflowScanResponse }> => {
    const res = await fetch(`${app.httpUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ idempotencyKey: key(), ...body }) });
    return { status: res.status, body: (await res.json()) as WorkflowScanResponse };
  };
  const act = async (path: string, body: Record<string, unknown>): Promise<WorkflowScanResponse> => (await post(path, body)).body;
  const get = async <T>(path: string): Promise<T> => (await (await fetch(`${app.httpUrl}${path}`)).json()) as T;
  const scan = async (code: string, more: Record<string, unknown> = {}): Promise<WorkflowScanResponse> => (await post('/api/workflow/scan', { code, ...more })).body;
  const okv = (r: WorkflowScanResponse): Extract<WorkflowScanResponse, { ok: true }> => {
    if (!r.ok) throw new Error(`refused: ${JSON.stringify(r)}`);
    return r;
  };
  const refused = (r: WorkflowScanResponse): Extract<WorkflowScanResponse, { ok: false }>['error'] => {
    if (r.ok) throw new Error(`expected a refusal, got ${r.action}`);
    return r.error;
  };
  /** Confirms every pending item of the main screen into its shown bin. */
  const binPending = async (): Promise<void> => {
    for (let guard = 0; guard < 10; guard++) {
      const s = await get<{ awaiting: string; expectedBin?: { labels: string[] } }>('/api/workflow/screens/main');
      if (s.awaiting !== 'bin') return;
      expect(okv(await scan(s.expectedBin?.labels[0] ?? '')).action).toBe('bin_confirmed');
    }
  };
  const until = async (f: () => boolean, ms = 8000): Promise<boolean> => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (f()) return true;
      await new Promise((r) => setTimeout(r, 25));
    }
    return f();
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rs-shift-'));
    broker = await startEmbeddedBroker({ port: await freePort(), host: '127.0.0.1' });
    const config = parseConfig({ dataDir: dir, http: { port: 0 } });
    const workflow = parseYaml(readFileSync(fixture('returns/workflow.yaml'), 'utf8')) as Record<string, unknown>;
    app = new StationApp({ config, brokerUrl: broker.url, protocolVersion: 4, workflow });
    await app.start();
  }, 30_000);

  afterAll(async () => {
    await app?.stop();
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the shift and leaves consistent state and valid EPCIS events', async () => {
    // Set-up by a supervisor tool: operators, products and expected returns.
    for (const [badge, displayName, role, more] of [
      [BADGE.ana, 'Ana', 'operator', {}],
      [BADGE.sup, 'Sam', 'supervisor', { pin: SUP_PIN }],
      [BADGE.refurbReceiver, 'Rae', 'operator', { department: 'inventory' }],
    ] as const) {
      expect((await post('/api/workflow/operators', { badge, displayName, role, ...more })).status).toBe(200);
    }
    const extra = JSON.parse(readFileSync(fixture('returns/catalog-extra.json'), 'utf8')) as { products: unknown[] };
    const cat = (await post('/api/workflow/import/catalog', { format: 'json', rows: extra.products })).body as unknown as ImportReport;
    expect(cat).toMatchObject({ rows: 2, errors: [] });
    const imp = (await post('/api/workflow/import/returns', { format: 'csv', text: readFileSync(fixture('returns/expected-returns.csv'), 'utf8') })).body as unknown as ImportReport;
    expect(imp).toMatchObject({ rows: 12, errors: [] });
    const cfg = await get<WorkflowConfigView>('/api/workflow/config');
    expect(cfg.requireRma).toBe(true);

    // Nothing works before sign-in.
    const early = await post('/api/workflow/scan', { code: 'RMA-5001' });
    expect(early.status).toBe(401);
    expect(okv(await scan(BADGE.ana)).action).toBe('signed_in');

    // Open the case: 2 jackets + 1 shoe shipped on SO-5001.
    const opened = okv(await scan('RMA-5001'));
    expect(opened.case?.lines.map((l) => [l.gtin, l.returnable])).toEqual([[JACKET, 2], [SHOE, 1]]);
    const caseId = opened.case?.id ?? '';

    // RFID bulk read: two tagged jackets arrive at the intake antenna.
    const emulator = app.readers[0]?.emulator;
    if (!emulator) throw new Error('no emulated reader');
    const epcs = ['1000', '1001'].map((s) => {
      const e = encodeEpcForGtin(JACKET, s, 7);
      if (!e.ok) throw new Error(e.error.message);
      return e.value.hex.toUpperCase();
    });
    for (const epc of epcs) emulator.addTag({ epc, antenna: 1, rssi: -50 });
    const itemsOf = (): Array<{ item_id: string; state: string }> => app.sdb.prepare('SELECT item_id, state FROM wf_items WHERE case_id = ? ORDER BY seq').all(caseId) as Array<{ item_id: string; state: string }>;
    expect(await until(() => itemsOf().length === 2)).toBe(true);
    for (const epc of epcs) emulator.removeTag(epc);

    // Grading from the configured flow: reason comes from the RMA (size_fit), so the first question is "sealed?".
    for (const it of itemsOf()) {
      const q = okv(await act(`/api/workflow/items/${it.item_id}/answer`, { questionId: 'sealed', value: 'yes' }));
      expect(q.action).toBe('item_decided');
    }
    // One item at a time: the queued RFID items are binned before the next barcode item is accepted.
    const pendingShoe = refused(await scan(SHOE));
    expect(pendingShoe).toMatchObject({ code: 'ITEM_PENDING', details: { awaiting: 'bin' } });
    await binPending();
    // A barcode item with the longer path: opened → condition → packaging.
    const shoe = okv(await scan(SHOE));
    expect(shoe.item?.question?.id).toBe('sealed');
    const shoeId = shoe.item?.itemId ?? '';
    okv(await act(`/api/workflow/items/${shoeId}/answer`, { questionId: 'sealed', value: 'no' }));
    okv(await act(`/api/workflow/items/${shoeId}/answer`, { questionId: 'grade', value: 'like_new' }));
    const shoeDone = okv(await act(`/api/workflow/items/${shoeId}/answer`, { questionId: 'packaging', value: 'original_opened' }));
    expect(shoeDone.action).toBe('item_decided');
    await binPending();

    // An item not on the order goes to the exceptions queue.
    const kettle = okv(await scan(KETTLE, { answers: { sealed: 'yes' } }));
    expect(kettle.exception?.code).toBe('NOT_ON_ORDER');
    expect(kettle.item?.decision?.binLabels).toEqual(['BIN-X01']);

    // Bins: the screen shows the oldest decided item; a wrong bin is refused with a sound and a message.
    const first = await get<{ expectedBin?: { bin: string; labels: string[] }; pendingItemId?: string }>('/api/workflow/screens/main');
    const wrong = await post('/api/workflow/scan', { code: first.expectedBin?.bin === 'REPAIR' ? 'BIN-RESTOCK' : 'BIN-REPAIR' });
    expect(wrong.status).toBe(422);
    expect(wrong.body).toMatchObject({ ok: false, sound: 'error', error: { code: 'WRONG_BIN' } });
    await binPending();

    // The supervisor resolves the exception: quarantine.
    const exc = await get<{ exceptions: Array<{ id: string; code: string }> }>('/api/workflow/exceptions?status=open');
    expect(exc.exceptions.map((e) => e.code)).toEqual(['NOT_ON_ORDER']);
    const denied = await post(`/api/workflow/exceptions/${exc.exceptions[0]?.id}/resolve`, { resolution: 'quarantine', reason: 'not ours' });
    expect(denied.status).toBe(403);
    const resolved = okv((await post(`/api/workflow/exceptions/${exc.exceptions[0]?.id}/resolve`, { resolution: 'quarantine', reason: 'not ours', supervisorBadge: BADGE.sup, supervisorPin: SUP_PIN })).body);
    expect(resolved.item?.decision?.bin).toBe('QUARANTINE');
    okv(await scan('BIN-QUARANTINE'));

    // A grade correction: a new decision and error declarations, no edit in place.
    const corr = okv((await post(`/api/workflow/items/${shoeId}/correct`, { kind: 'grade', answers: { grade: 'used' }, reason: 'scuffed sole seen later' })).body);
    expect(corr.item?.corrections?.[0]).toMatchObject({ kind: 'grade', from: 'like_new', to: 'used' });
    for (let guard = 0; guard < 3; guard++) {
      const s = await get<{ awaiting: string; expectedBin?: { labels: string[] } }>('/api/workflow/screens/main');
      if (s.awaiting !== 'bin') break;
      okv(await scan(s.expectedBin?.labels[0] ?? ''));
    }

    // Totes and handoffs: select a bin, scan a tote, scan a department code → pending; escalates; receiver acks.
    const jacketBin = (app.sdb.prepare("SELECT bin FROM wf_items WHERE gtin = ? AND case_id = ? LIMIT 1").pluck().get(JACKET, caseId) as string);
    const jacketLabel = jacketBin === 'RESTOCK' ? 'BIN-A01' : `BIN-${jacketBin}`;
    expect(jacketBin).toBe('APPAREL-REPACK');
    expect(okv(await scan(jacketLabel)).action).toBe('bin_selected');
    const packed = okv(await scan('TOTE-0001'));
    expect(packed.action).toBe('packed');
    expect(packed.tote?.itemIds).toHaveLength(2);
    const dept = cfg.departments.find((d) => d.id === 'inventory');
    expect(dept?.code).toBe('DEPT-INV');
    const handed = okv(await scan(dept?.code ?? ''));
    expect(handed.action).toBe('handed_off');
    const hoId = handed.handoff?.id ?? '';
    expect(app.workflow.checkEscalations(Date.now() + 21 * 60_000)).toBe(1);
    const esc = await get<{ handoffs: HandoffView[] }>('/api/workflow/handoffs?status=escalated');
    expect(esc.handoffs.map((x) => x.id)).toEqual([hoId]);
    const ack = okv((await post(`/api/workflow/handoffs/${hoId}/ack`, { badge: BADGE.refurbReceiver })).body);
    expect(ack.handoff?.status).toBe('acknowledged');

    // Second tote, handed to the receiver by scanning their badge at the station: acknowledged at once.
    okv(await scan('BIN-QUARANTINE'));
    okv(await scan('TOTE-0002'));
    const direct = okv(await scan(BADGE.refurbReceiver));
    expect(direct.action).toBe('acknowledged');
    expect(direct.handoff?.status).toBe('acknowledged');

    // Close the case, sign out.
    expect(okv((await post(`/api/workflow/cases/${caseId}/close`, {})).body).action).toBe('case_closed');
    expect(okv(await scan(BADGE.ana)).action).toBe('signed_out');

    // Stored state.
    const states = app.sdb.prepare('SELECT state, COUNT(*) AS n FROM wf_items GROUP BY state ORDER BY state').all();
    expect(states).toEqual([
      { state: 'binned', n: 1 },
      { state: 'handed_off', n: 3 },
    ]);
    const overview = await get<{ openCases: number; openExceptions: number; handoffs: { pending: number; escalated: number } }>('/api/workflow/overview');
    expect(overview).toMatchObject({ openCases: 0, openExceptions: 0, handoffs: { pending: 0, escalated: 0 } });

    // Emitted events: valid EPCIS 2.0, pseudonyms only, every step present.
    const payloads = (app.sdb.prepare('SELECT payload FROM outbox ORDER BY seq').all() as Array<{ payload: string }>).map((r) => r.payload);
    const all = payloads.join('\n');
    for (const badge of Object.values(BADGE)) expect(all).not.toContain(badge);
    expect(all).not.toContain('"Ana"');
    const events = payloads.map((p) => JSON.parse(p) as Record<string, unknown>);
    const validate = epcisValidator();
    expect(validate(epcisDocument(events as never)) ? [] : validate.errors?.slice(0, 3)).toEqual([]);
    const steps = events.map((e) => `${String(e.type)}:${String(e.bizStep)}${e.errorDeclaration ? ':error' : ''}`);
    expect(steps.filter((s) => s === 'ObjectEvent:receiving')).toHaveLength(4);
    expect(steps.filter((s) => s === 'AggregationEvent:packing')).toHaveLength(2);
    expect(steps.filter((s) => s === 'ObjectEvent:departing')).toHaveLength(2);
    expect(steps.filter((s) => s === 'ObjectEvent:accepting')).toHaveLength(2);
    expect(steps.filter((s) => s.endsWith(':error')).length).toBeGreaterThanOrEqual(3);
    const handoffEv = events.find((e) => e.bizStep === 'departing') as { sourceList: Array<{ type: string }>; destinationList: Array<{ type: string }>; bizTransactionList: Array<{ type: string }> };
    expect(handoffEv.sourceList[0]?.type).toBe('possessing_party');
    expect(handoffEv.destinationList[0]?.type).toBe('possessing_party');
    expect(handoffEv.bizTransactionList[0]?.type).toBe('rma');
    const ops = new Set(events.map((e) => e['rs:operator']).filter((o) => o !== undefined));
    for (const o of ops) expect(String(o)).toMatch(/^op-[0-9a-f]{12}$/);
    // Work events for the workload monitor.
    const kinds = app.sdb.prepare('SELECT kind, COUNT(*) AS n FROM work_events GROUP BY kind').all() as Array<{ kind: string; n: number }>;
    const byKind = Object.fromEntries(kinds.map((k) => [k.kind, k.n]));
    expect(byKind).toMatchObject({ sign_in: 1, sign_out: 1, misbin: 1, correction: 1 });
    expect(byKind.item_done).toBeGreaterThanOrEqual(4);
  }, 60_000);
});
