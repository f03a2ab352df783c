/**
 * BUG-64 on the operator screen: RMA-3001 → 00614141002597 (a serialised smartphone) scanned without its serial says
 * "Serial number required: scan the serial label of this item". Scanning that label is the answer: the full GS1
 * string `(01)00614141002597(21)PH-1` or `PH-1` alone re-decides the item held for its serial (it was refused as
 * ITEM_PENDING "First put the Smartphone… in bin EXCEPTIONS", and PH-1 alone as CODE_UNKNOWN). BUG-64's rules stay:
 * only a serial shipped on the order is accepted; an unknown serial goes to quarantine, never stock.
 * RMA-3001 / SO-3001 as in fixtures/returns/expected-returns.csv (phone line 1 shipped with serial PH-1).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BADGE, gs1, harness, ok, refused, type Harness } from './helpers.js';

const PHONE = '00614141002597';
const NOVEL = '00614141007776';
let h: Harness;
afterEach(() => h?.close());

/** Ana signed in, RMA-3001 open, the phone scanned without serial: held for its serial in EXCEPTIONS. */
function phoneWithoutSerial(): string {
  h = harness();
  ok(h.scan(BADGE.ana));
  ok(h.scan('RMA-3001'));
  const r = ok(h.scan(PHONE, { answers: { sealed: 'yes' } }));
  expect(r.exception).toMatchObject({ code: 'SERIAL_REQUIRED', message: 'Serial number required: scan the serial label of this item.' });
  expect(r.item?.decision?.bin).toBe('EXCEPTIONS');
  return r.item?.itemId ?? '';
}

const openExceptions = (): string[] => h.sdb.prepare("SELECT code FROM wf_exceptions WHERE status = 'open'").pluck().all() as string[];

describe('BUG-64: the serial the screen asks for is accepted for the item it holds', () => {
  it('BUG-64: (01)00614141002597(21)PH-1 after the phone without serial: the same item, decided with serial PH-1, counted on the order', () => {
    const itemId = phoneWithoutSerial();
    const r = ok(h.scan(gs1(PHONE, 'PH-1')));
    expect(r.action).toBe('item_decided');
    expect(r.item).toMatchObject({ itemId, serial: 'PH-1', state: 'decided', orderLine: 1 });
    expect(r.item?.decision?.bin).not.toBe('EXCEPTIONS');
    expect(r.item?.exception).toBeUndefined();
    expect(h.sdb.prepare('SELECT COUNT(*) FROM wf_items').pluck().get()).toBe(1);
    expect(h.sdb.prepare('SELECT counts FROM wf_items WHERE item_id = ?').pluck().get(itemId)).toBe(1);
    expect(h.sdb.prepare('SELECT serial FROM items WHERE id = ?').pluck().get(itemId)).toBe('PH-1');
    expect(openExceptions()).toEqual([]);
    const resolved = JSON.parse(h.sdb.prepare("SELECT resolution_json FROM wf_exceptions WHERE code = 'SERIAL_REQUIRED'").pluck().get() as string) as Record<string, unknown>;
    expect(resolved.kind).toBe('serial_scanned');
    // The screen now waits for the decided bin, and the facts had serialMatched = true.
    expect(h.wf.screen('main').awaiting).toBe('bin');
    const facts = JSON.parse(h.sdb.prepare('SELECT facts_json FROM items WHERE id = ?').pluck().get(itemId) as string) as Record<string, unknown>;
    expect(facts.serialMatched).toBe(true);
  });

  it('BUG-64: PH-1 alone (the serial label) is the same answer, not CODE_UNKNOWN', () => {
    const itemId = phoneWithoutSerial();
    const r = ok(h.scan('PH-1'));
    expect(r.item).toMatchObject({ itemId, serial: 'PH-1', state: 'decided' });
    expect(openExceptions()).toEqual([]);
  });

  it('BUG-64: an unknown serial (PH-999) goes to quarantine, never stock', () => {
    const itemId = phoneWithoutSerial();
    const r = ok(h.scan('PH-999'));
    expect(r.item).toMatchObject({ itemId, serial: 'PH-999', state: 'exception', exception: { code: 'SERIAL_NOT_SHIPPED' } });
    expect(r.item?.decision).toMatchObject({ disposition: 'exception', bin: 'QUARANTINE' });
    expect(h.sdb.prepare('SELECT counts FROM wf_items WHERE item_id = ?').pluck().get(itemId)).toBe(0);
    expect(openExceptions()).toEqual(['SERIAL_NOT_SHIPPED']);
  });

  it('another item while the serial is awaited: refused, and the message says what to do (scan the serial, or bin EXCEPTIONS)', () => {
    phoneWithoutSerial();
    const e = refused(h.scan(NOVEL));
    expect(e.code).toBe('ITEM_PENDING');
    expect(e.message).toContain('First scan the serial label of the');
    expect(e.message).toContain('bin EXCEPTIONS');
    expect(e.details).toMatchObject({ awaiting: 'serial', bin: 'EXCEPTIONS' });
    // Putting it in EXCEPTIONS is still allowed.
    expect(ok(h.scan('BIN-EXCEPTIONS')).action).toBe('bin_confirmed');
  });
});
