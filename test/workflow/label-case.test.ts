/**
 * BUG-15 kind for the station's own labels. A scanner behind Caps Lock that sends no Shift makes the wedge type
 * `bin-restock` for the label BIN-RESTOCK (field case BUG-15: case follows the scanner's Shift, and this scanner sends
 * none). Bin labels, tote labels, department codes and operator badges are found whatever their letter case when that
 * names one of them; a truly different bin is still refused as a wrong bin; labels that differ only in letter case
 * are refused as ambiguous, never guessed between; serial numbers stay exact (test/workflow/reference-case.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StationApp } from '../../src/app/station-app.js';
import { parseConfig } from '../../src/config/load.js';
import type { WorkflowScanResponse } from '../../src/server/api/workflow-types.js';
import { putOperator } from '../../src/station/queries.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/sync/broker.js';
import { freePort } from '../support/services.js';
import { BADGE, harness, ok, refused, SUP_PIN, type Harness } from './helpers.js';

/** RMA-2001's novel, answered "factory sealed": restock, bin RESTOCK (label BIN-RESTOCK), next department inventory. */
const NOVEL = '00614141007776';
const SEALED = { sealed: 'yes' };

let h: Harness;
afterEach(() => h?.close());

/** Ana signed in, RMA-2001 open, the novel scanned and answered: the screen waits for bin RESTOCK (BIN-RESTOCK unless configured). */
function awaitingRestock(config: Record<string, unknown> = {}): { itemId: string } {
  h = harness(config);
  ok(h.scan(BADGE.ana));
  ok(h.scan('RMA-2001'));
  const item = ok(h.scan(NOVEL, { answers: SEALED }));
  expect(item.item?.decision).toMatchObject({ bin: 'RESTOCK', nextDepartment: 'inventory' });
  if (!config.binLabels) expect(item.item?.decision?.binLabels).toEqual(['BIN-RESTOCK']);
  return { itemId: item.item?.itemId ?? '' };
}

const storing = (): number => h.events().filter((e) => e.bizStep === 'storing').length;
const misbins = (): number => h.work.filter((w) => w.kind === 'misbin').length;

describe('bin labels in any letter case (BUG-15 kind)', () => {
  it('BUG-15: bin-restock (Caps Lock on, no Shift) confirms the item that goes to BIN-RESTOCK', () => {
    const { itemId } = awaitingRestock();
    const r = ok(h.scan('bin-restock'));
    expect(r).toMatchObject({ action: 'bin_confirmed', sound: 'ok', item: { itemId, bin: 'RESTOCK', state: 'binned' } });
    expect(storing()).toBe(1);
    expect(misbins()).toBe(0);
  });

  it('BUG-15: the confirm-bin button path takes the label in any letter case too', () => {
    const { itemId } = awaitingRestock();
    expect(ok(h.wf.confirmBin(itemId, { label: 'Bin-Restock', idempotencyKey: h.key() })).item?.bin).toBe('RESTOCK');
  });

  it('a truly different bin is still refused: BIN-RECYCLE (and bin-recycle) when BIN-RESTOCK is expected', () => {
    awaitingRestock();
    for (const code of ['BIN-RECYCLE', 'bin-recycle']) {
      const r = h.scan(code);
      expect(r, code).toMatchObject({ ok: false, sound: 'error', error: { code: 'WRONG_BIN', message: 'Wrong bin. This item goes to RESTOCK (BIN-RESTOCK).', details: { expected: 'RESTOCK', scanned: code } } });
    }
    expect(misbins()).toBe(2);
    expect(storing()).toBe(0);
    expect(ok(h.scan('bin-restock')).action).toBe('bin_confirmed');
  });

  it('configured labels: found in any case; labels of two bins that differ only in letter case are refused as ambiguous, even spelled exactly', () => {
    const { itemId } = awaitingRestock({ binLabels: { RESTOCK: ['SHELF-A1'], RTV: ['shelf-a1'] } });
    for (const code of ['SHELF-A1', 'shelf-a1', 'Shelf-A1']) {
      const r = refused(h.scan(code));
      expect(r.code, code).toBe('BIN_AMBIGUOUS');
      expect(r.details).toEqual({ matches: ['SHELF-A1', 'shelf-a1'] });
      expect(r.message).toContain('differ only in letter case');
    }
    // The confirm-bin button path does not guess either.
    expect(refused(h.wf.confirmBin(itemId, { label: 'shelf-a1', idempotencyKey: h.key() })).code).toBe('BIN_AMBIGUOUS');
    expect(storing()).toBe(0);
    expect(misbins()).toBe(0);
    h.close();
    awaitingRestock({ binLabels: { RESTOCK: ['SHELF-A1', 'shelf-a1'] } });
    // Two spellings of one bin's label are no ambiguity.
    expect(ok(h.scan('Shelf-a1')).item?.bin).toBe('RESTOCK');
  });

  it('a bin scanned for packing is found whatever its case, also a bin named in lower case by the rules', () => {
    awaitingRestock();
    ok(h.scan('BIN-RESTOCK'));
    expect(ok(h.scan('bin-restock'))).toMatchObject({ action: 'bin_selected', message: { en: 'RESTOCK: 1 item(s). Scan a tote to pack them.' } });
    // A bin whose name has lower-case letters (as a rule set may write it): its exact label selects it.
    h.wf.core.st("UPDATE wf_items SET bin = 'Restock-b', tote = NULL").run();
    expect(ok(h.scan('BIN-Restock-b')).message.en).toBe('Restock-b: 1 item(s). Scan a tote to pack them.');
    expect(h.wf.screen('main').awaiting).toBe('tote');
  });
});

describe('tote labels and department codes in any letter case (BUG-15 kind)', () => {
  it('BUG-15: tote-77 is TOTE-77: packed, handed off with dept-inventory, acknowledged at the receiving end by tote-77, one tote', () => {
    awaitingRestock();
    ok(h.scan('bin-restock'));
    ok(h.scan('bin-restock'));
    expect(ok(h.scan('TOTE-77'))).toMatchObject({ action: 'packed', tote: { id: 'TOTE-77' } });
    const handed = ok(h.scan('dept-inventory'));
    expect(handed).toMatchObject({ action: 'handed_off', handoff: { tote: 'TOTE-77', department: 'inventory', status: 'pending' } });
    // The receiver in inventory signs in on their own screen with the badge in lower case and scans the tote in lower case.
    putOperator(h.wf.core, { badge: 'RCV-0007', displayName: 'Ines', role: 'operator', department: 'inventory', idempotencyKey: h.key() }, true);
    expect(ok(h.wf.scan({ code: 'rcv-0007', screen: 'dock-b', idempotencyKey: h.key() })).action).toBe('signed_in');
    const ack = ok(h.wf.scan({ code: 'tote-77', screen: 'dock-b', idempotencyKey: h.key() }));
    expect(ack).toMatchObject({ action: 'acknowledged', handoff: { id: handed.handoff?.id, tote: 'TOTE-77', status: 'acknowledged' } });
    expect(h.sdb.prepare('SELECT id FROM wf_totes').pluck().all()).toEqual(['TOTE-77']);
  });

  it('BUG-15: a tote first scanned as tote-78 is the same tote when scanned as TOTE-78 (selected for the handoff, not a new empty tote)', () => {
    awaitingRestock();
    ok(h.scan('BIN-RESTOCK'));
    ok(h.scan('BIN-RESTOCK'));
    expect(ok(h.scan('tote-78')).tote?.id).toBe('tote-78');
    // The screen is waiting for the department; the operator scans the tote again, in its printed case.
    expect(ok(h.scan('TOTE-78'))).toMatchObject({ action: 'tote_selected', tote: { id: 'tote-78' } });
    expect(ok(h.wf.handoff({ tote: 'Tote-78', department: 'inventory', idempotencyKey: h.key() })).handoff?.tote).toBe('tote-78');
    expect(h.sdb.prepare('SELECT COUNT(*) FROM wf_totes').pluck().get()).toBe(1);
  });

  it('two stored totes that differ only in letter case (made before this fix): refused as ambiguous, naming both', () => {
    awaitingRestock();
    ok(h.scan('BIN-RESTOCK'));
    h.wf.core.st("INSERT INTO wf_totes (id, kind, status, updated_at) VALUES ('TOTE-5', 'label', 'open', 0), ('tote-5', 'label', 'open', 0)").run();
    ok(h.scan('BIN-RESTOCK'));
    const r = refused(h.scan('Tote-5'));
    expect(r).toMatchObject({ code: 'TOTE_AMBIGUOUS', details: { matches: ['TOTE-5', 'tote-5'] } });
    expect(h.sdb.prepare("SELECT COUNT(*) FROM wf_items WHERE state = 'packed'").pluck().get()).toBe(0);
  });

  it('department codes that differ only in letter case are refused as ambiguous; an unambiguous one is found in any case', () => {
    const departments = [{ id: 'inventory', code: 'D-INV' }, { id: 'repair_center', code: 'D-REP' }, { id: 'resale', code: 'd-rep' }];
    awaitingRestock({ departments });
    ok(h.scan('BIN-RESTOCK'));
    ok(h.scan('BIN-RESTOCK'));
    ok(h.scan('TOTE-9'));
    expect(refused(h.scan('D-REP'))).toMatchObject({ code: 'DEPARTMENT_AMBIGUOUS', details: { matches: ['D-REP', 'd-rep'] } });
    expect(ok(h.scan('d-inv')).handoff).toMatchObject({ tote: 'TOTE-9', department: 'inventory' });
  });
});

describe('operator badges in any letter case (BUG-15 kind)', () => {
  it('BUG-15: b-100 signs Ana in; a supervisor badge in lower case still needs its PIN', () => {
    h = harness();
    expect(ok(h.scan('b-100'))).toMatchObject({ action: 'signed_in', screen: { operator: { displayName: 'Ana' } } });
    expect(refused(h.wf.scan({ code: 'b-900', screen: 'sup', idempotencyKey: h.key() })).code).toBe('PIN_REQUIRED');
    expect(refused(h.wf.signIn({ badge: 'b-900', pin: '0000', screen: 'sup', idempotencyKey: h.key() })).code).toBe('PIN_WRONG');
    expect(ok(h.wf.signIn({ badge: 'b-900', pin: SUP_PIN, screen: 'sup', idempotencyKey: h.key() })).screen.operator?.role).toBe('supervisor');
    expect(refused(h.wf.signIn({ badge: 'b-404', idempotencyKey: h.key() })).code).toBe('BADGE_UNKNOWN');
  });

  it('a badge that differs from a registered one only in letter case is not registered as a second person', () => {
    h = harness();
    expect(() => putOperator(h.wf.core, { badge: 'b-101', displayName: 'Someone else', role: 'operator', idempotencyKey: h.key() }, true)).toThrow(
      expect.objectContaining({ wfCode: 'BADGE_CONFLICT' }),
    );
    expect(h.sdb.prepare("SELECT COUNT(*) FROM wf_operators WHERE badge = 'b-101'").pluck().get()).toBe(0);
    // The same spelling updates that operator, as before.
    expect(putOperator(h.wf.core, { badge: BADGE.bo, displayName: 'Bo B.', role: 'operator', idempotencyKey: h.key() }, true).displayName).toBe('Bo B.');
  });

  it('two registered badges that differ only in letter case (from before): neither spelling signs anyone in, and neither badge is shown', () => {
    h = harness();
    h.wf.core.st("INSERT INTO wf_operators (id, badge, display_name, role, created_at, updated_at) VALUES ('op-legacy', 'b-101', 'Legacy', 'operator', 0, 0)").run();
    for (const [code, other] of [['B-101', 'b-101'], ['b-101', 'B-101']] as const) {
      const r = refused(h.scan(code));
      expect(r.code, code).toBe('BADGE_AMBIGUOUS');
      expect(r.details).toEqual({ matches: 2 });
      expect(JSON.stringify(r)).not.toContain(other);
    }
    expect(h.wf.screen('main').awaiting).toBe('sign_in');
    expect(ok(h.scan('b-100')).screen.operator?.displayName).toBe('Ana');
  });
});

type Answer = { status: number; body: WorkflowScanResponse };

describe('through the HTTP API (BUG-15 kind)', () => {
  let dir: string;
  let broker: EmbeddedBroker;
  let app: StationApp;
  let n = 0;
  const post = async (path: string, body: Record<string, unknown>): Promise<Answer> => {
    const res = await fetch(`${app.httpUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ idempotencyKey: `label-case-${++n}`, ...body }) });
    return { status: res.status, body: (await res.json()) as WorkflowScanResponse };
  };
  const scan = (code: string, more: Record<string, unknown> = {}): Promise<Answer> => post('/api/workflow/scan', { code, ...more });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rs-label-case-'));
    broker = await startEmbeddedBroker({ port: await freePort(), host: '127.0.0.1' });
    app = new StationApp({ config: parseConfig({ dataDir: dir, http: { port: 0 } }), brokerUrl: broker.url, protocolVersion: 4 });
    await app.start();
    expect((await post('/api/workflow/operators', { badge: 'B-100', displayName: 'Ana', role: 'operator' })).status).toBe(200);
    // RMA-2001 as in fixtures/returns/expected-returns.csv.
    const csv = [
      'rma,order,tracking,delivered_at,reason,line,gtin,sku,qty_ordered,qty_shipped,uom,units_per_uom,serials,lots',
      `RMA-2001,SO-2001,1Z999AA10000002001,2026-11-25,not_as_described,1,${NOVEL},SKU-NOVEL,10,6,EA,1,,`,
    ].join('\n');
    expect((await post('/api/workflow/import/returns', { format: 'csv', text: csv })).status).toBe(200);
  }, 30_000);

  afterAll(async () => {
    await app?.stop();
    await broker?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('BUG-15: b-100, rma-2001, the item, BIN-RECYCLE refused with the wrong-bin sound, bin-restock accepted', async () => {
    expect((await scan('b-100')).body).toMatchObject({ ok: true, action: 'signed_in' });
    expect((await scan('rma-2001')).body).toMatchObject({ ok: true, action: 'case_opened' });
    const item = await scan(NOVEL, { answers: SEALED });
    expect(item.body).toMatchObject({ ok: true, item: { decision: { bin: 'RESTOCK', binLabels: ['BIN-RESTOCK'] } } });
    const wrong = await scan('BIN-RECYCLE');
    expect(wrong.body).toMatchObject({ ok: false, sound: 'error', error: { code: 'WRONG_BIN', details: { expected: 'RESTOCK', scanned: 'BIN-RECYCLE' } } });
    const right = await scan('bin-restock');
    expect(right.status).toBe(200);
    expect(right.body).toMatchObject({ ok: true, action: 'bin_confirmed', item: { bin: 'RESTOCK' } });
  });
});
