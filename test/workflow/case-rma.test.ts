/**
 * Issue #8: a case opened by order number or tracking number keeps its RMA. SO-5001 (tracking 1Z999AA10000005001)
 * has one RMA, RMA-5001 (fixtures/returns/expected-returns.csv): opened by SO-5001 the items had rma null, the CSV
 * export an empty rma, and the EPCIS events no bizTransactionList. An order with several RMAs (DN-0100: RMA-0101 and
 * RMA-0102) names none of them; its events still carry the order (rs:orderNo).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BADGE, gs1, harness, ok, type Harness } from './helpers.js';

const SKU_A = '00614141000371';
const WATCH = '00614141003334';
let h: Harness;
afterEach(() => h?.close());

const rmaTx = { type: 'rma', bizTransaction: expect.stringMatching(/rma\/RMA-5001$/) as unknown };

describe('a case opened by order or tracking number keeps its RMA (issue #8)', () => {
  for (const code of ['SO-5001', '1Z999AA10000005001', 'so-5001']) {
    it(`${code}: the case, its items (items.rma, the CSV export's column) and its events carry RMA-5001`, () => {
      h = harness();
      ok(h.scan(BADGE.ana));
      const opened = ok(h.scan(code));
      expect(opened.case).toMatchObject({ rma: 'RMA-5001', orderNo: 'SO-5001' });
      const item = ok(h.scan(SKU_A, { answers: { sealed: 'yes' } }));
      const itemId = item.item?.itemId;
      expect(h.sdb.prepare('SELECT rma FROM items WHERE id = ?').pluck().get(itemId)).toBe('RMA-5001');
      const events = h.events().filter((e) => e['rs:itemId'] === itemId);
      expect(events.length).toBeGreaterThanOrEqual(3);
      for (const e of events) expect(e.bizTransactionList).toEqual([rmaTx]);
      // Scanning the RMA itself resumes the same case, not a second one.
      expect(ok(h.scan('RMA-5001'))).toMatchObject({ action: 'case_resumed', case: { id: opened.case?.id } });
    });
  }

  it('scan-first (an item with no case open, found by its unique GTIN on SO-5001) opens the case with RMA-5001', () => {
    h = harness();
    ok(h.scan(BADGE.ana));
    const shoe = ok(h.scan('04012345000740', { answers: { sealed: 'yes' } }));
    expect(shoe.case).toMatchObject({ rma: 'RMA-5001', orderNo: 'SO-5001' });
  });

  it('an order with several RMAs (DN-0100): the case names none, and the events carry the order', () => {
    h = harness();
    ok(h.scan(BADGE.ana));
    const opened = ok(h.scan('DN-0100'));
    expect(opened.case).toMatchObject({ orderNo: 'DN-0100' });
    expect(h.sdb.prepare('SELECT rma FROM wf_cases WHERE id = ?').pluck().get(opened.case?.id)).toBeNull();
    const item = ok(h.scan(gs1(WATCH, 'SN1'), { answers: { sealed: 'yes' } }));
    const events = h.events().filter((e) => e['rs:itemId'] === item.item?.itemId);
    expect(events.length).toBeGreaterThanOrEqual(3);
    for (const e of events) {
      expect(e.bizTransactionList).toBeUndefined();
      expect(e['rs:orderNo']).toBe('DN-0100');
    }
  });
});
