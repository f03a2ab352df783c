import { afterEach, describe, expect, it } from 'vitest';
import { BADGE, gs1, harness, ok, refused, SUP_PIN, type Harness } from './helpers.js';

const JACKET = '00614141000371';
const NOVEL = '00614141007776';
const HEADPHONES = '04012345002225';
const WATCH = '00614141003334';
const PHONE = '00614141002597';
const COFFEE = '00614141009251';

let h: Harness;
afterEach(() => h?.close());

function signedIn(config: Record<string, unknown> = {}): Harness {
  h = harness(config);
  ok(h.scan(BADGE.ana));
  return h;
}

/** Adds one unit, answers "sealed", confirms its bin: a completed return line. */
function returnOne(code: string, answers: Record<string, string> = { sealed: 'yes' }): ReturnType<typeof ok> {
  const r = ok(h.scan(code, { answers }));
  const bin = r.item?.decision?.binLabels[0];
  if (r.item?.state === 'decided' && bin) ok(h.scan(bin));
  return r;
}

describe('returns field cases', () => {
  it('BUG-60: a delivery returned once offers 0 the second time; the block links to RET-1; a supervisor override is logged', () => {
    signedIn();
    const first = ok(h.scan('RET-1'));
    expect(first.action).toBe('case_opened');
    expect(first.case?.lines[0]).toMatchObject({ gtin: JACKET, qtyShipped: 1, returnable: 1 });
    const item = returnOne(JACKET);
    expect(item.item?.orderLine).toBe(1);
    ok(h.wf.closeCase(first.case?.id ?? '', { idempotencyKey: h.key() }));

    // The operator scans SO-1001 (or its tracking label, or another RMA on it) again.
    for (const code of ['SO-1001', '1Z999AA10000001001', 'RET-2']) {
      const again = refused(h.scan(code));
      expect(again.code).toBe('NOTHING_RETURNABLE');
      expect(again.details).toMatchObject({ orderNo: 'SO-1001', returnable: 0 });
      expect(again.links).toEqual([{ kind: 'case', id: first.case?.id, label: 'RET-1' }]);
    }

    // An operator cannot override; a supervisor can, with a reason, and it is logged.
    expect(refused(h.wf.override({ code: 'SO-1001', reason: 'customer sent a second jacket', idempotencyKey: h.key() })).code).toBe('ROLE_REQUIRED');
    expect(refused(h.wf.override({ code: 'SO-1001', reason: 'second jacket', supervisorBadge: BADGE.sup, supervisorPin: '0000', idempotencyKey: h.key() })).code).toBe('PIN_WRONG');
    const o = ok(h.wf.override({ code: 'SO-1001', reason: 'second jacket', supervisorBadge: BADGE.sup, supervisorPin: SUP_PIN, idempotencyKey: h.key() }));
    expect(o.action).toBe('override');
    expect(o.case?.override).toMatchObject({ reason: 'second jacket' });
    expect(o.case?.lines[0]).toMatchObject({ qtyReturnedBefore: 1, returnable: 0 });
    const audit = h.sdb.prepare("SELECT kind, reason, by FROM wf_audit WHERE kind = 'override'").all();
    expect(audit).toEqual([{ kind: 'override', reason: 'second jacket', by: expect.stringMatching(/^op-/) }]);
    // Even overridden, the extra unit never goes silently into stock.
    const extra = ok(h.scan(JACKET, { answers: { sealed: 'yes' } }));
    expect(extra.item?.state).toBe('exception');
    expect(extra.item?.exception?.code).toBe('ALREADY_RETURNED');
  });

  it('BUG-61: shipped 6 of 10 ordered; the 7th unit is "not shipped on this order" and goes to the exceptions queue', () => {
    signedIn();
    const c = ok(h.scan('RMA-2001'));
    expect(c.case?.lines[0]).toMatchObject({ qtyOrdered: 10, qtyShipped: 6, returnable: 6 });
    for (let i = 0; i < 6; i++) expect(returnOne(NOVEL).item?.state).toBe('decided');
    const seventh = ok(h.scan(NOVEL, { answers: { sealed: 'yes' } }));
    expect(seventh.action).toBe('item_exception');
    expect(seventh.item?.state).toBe('exception');
    expect(seventh.exception?.code).toBe('MORE_THAN_SHIPPED');
    expect(seventh.exception?.message).toContain('not shipped on this order');
    expect(seventh.item?.decision).toMatchObject({ disposition: 'exception', bin: 'EXCEPTIONS' });
    const view = h.wf.caseById(c.case?.id ?? '');
    expect(view?.lines[0]).toMatchObject({ qtyInThisCase: 6, returnable: 0 });
    expect(h.wf.core.st("SELECT COUNT(*) FROM wf_exceptions WHERE status = 'open' AND code = 'MORE_THAN_SHIPPED'").pluck().get()).toBe(1);
  });

  it('BUG-63: ABC1 returned from DN-0001 and re-shipped on DN-0002 is refused against DN-0001, pointing to DN-0002', () => {
    signedIn();
    // DN-0001 shipped ABC1 + ABC2; DN-0002 (later) shipped ABC1 again.
    ok(h.scan('RMA-0001'));
    const abc1 = ok(h.scan(gs1(HEADPHONES, 'ABC1'), { answers: { sealed: 'yes' } }));
    expect(abc1.item?.state).toBe('exception');
    expect(abc1.exception?.code).toBe('SERIAL_SHIPPED_LATER');
    expect(abc1.exception?.details).toMatchObject({ latestOrder: 'DN-0002' });
    expect(abc1.exception?.links).toEqual([{ kind: 'order', id: 'DN-0002', label: 'DN-0002' }]);
    // ABC2's latest shipment is DN-0001: accepted.
    expect(ok(h.scan(gs1(HEADPHONES, 'ABC2'), { answers: { sealed: 'yes' } })).item?.state).toBe('decided');
  });

  it('BUG-63: SN1 then SN2 in two returns are each marked returned exactly once; SN3 stays outstanding', () => {
    signedIn();
    const r1 = ok(h.scan('RMA-0101'));
    returnOne(gs1(WATCH, 'SN1'));
    ok(h.wf.closeCase(r1.case?.id ?? '', { idempotencyKey: h.key() }));
    const r2 = ok(h.scan('RMA-0102'));
    expect(r2.action).toBe('case_opened');
    returnOne(gs1(WATCH, 'SN2'));
    // SN1 again on the second return: already returned, not a second line.
    const again = ok(h.scan(gs1(WATCH, 'SN1'), { answers: { sealed: 'yes' } }));
    expect(again.exception?.code).toBe('ALREADY_RETURNED');
    const line = h.wf.caseById(r2.case?.id ?? '')?.lines[0];
    expect(line?.serialsShipped).toEqual(['SN1', 'SN2', 'SN3']);
    expect(line?.serialsReturned).toEqual(['SN1', 'SN2']);
    expect(line).toMatchObject({ qtyShipped: 3, qtyReturnedBefore: 1, qtyInThisCase: 1, returnable: 1 });
    const counted = h.sdb.prepare("SELECT serial, COUNT(*) AS n FROM wf_items WHERE order_no = 'DN-0100' AND counts = 1 GROUP BY serial ORDER BY serial").all();
    expect(counted).toEqual([
      { serial: 'SN1', n: 1 },
      { serial: 'SN2', n: 1 },
    ]);
  });

  it('BUG-64: a serial-tracked unit without serial, an unknown serial, and a lot never shipped are never accepted', () => {
    signedIn();
    ok(h.scan('RMA-3001'));
    const noSerial = ok(h.scan(PHONE, { answers: { sealed: 'yes' } }));
    expect(noSerial.exception?.code).toBe('SERIAL_REQUIRED');
    expect(noSerial.item?.decision?.bin).toBe('EXCEPTIONS');

    const unknown = ok(h.scan(gs1(PHONE, 'PH-999'), { answers: { sealed: 'yes' } }));
    expect(unknown.exception?.code).toBe('SERIAL_NOT_SHIPPED');
    // Quarantine, never stock: the rules saw serialMatched = false and the item holds no stock.
    expect(unknown.item?.decision?.disposition).toBe('exception');
    const facts = JSON.parse(h.sdb.prepare('SELECT facts_json FROM items WHERE id = ?').pluck().get(unknown.item?.itemId) as string) as Record<string, unknown>;
    expect(facts.serialMatched).toBe(false);
    expect(h.sdb.prepare('SELECT counts FROM wf_items WHERE item_id = ?').pluck().get(unknown.item?.itemId)).toBe(0);

    const badLot = ok(h.scan(gs1(COFFEE, undefined, 'L-999'), { answers: { sealed: 'yes' } }));
    expect(badLot.exception?.code).toBe('LOT_NOT_SHIPPED');
    expect(badLot.item?.state).toBe('exception');
    // The shipped lot and the shipped serial are fine.
    expect(ok(h.scan(gs1(COFFEE, undefined, 'L-100'), { answers: { sealed: 'yes' } })).item?.state).toBe('decided');
    expect(ok(h.scan(gs1(PHONE, 'PH-1'), { answers: { sealed: 'yes' } })).item?.state).toBe('decided');
  });

  it('BUG-66: a double tap, a duplicated scan and a re-added selection change nothing twice', () => {
    signedIn();
    ok(h.scan('RMA-0101'));
    const stock = (): number => h.sdb.prepare("SELECT COALESCE(SUM(qty), 0) FROM wf_items WHERE order_no = 'DN-0100' AND counts = 1").pluck().get() as number;
    const outbox = (): number => h.sdb.prepare('SELECT COUNT(*) FROM outbox').pluck().get() as number;

    // Double tap: the same key twice within 300 ms.
    const req = { code: gs1(WATCH, 'SN1'), idempotencyKey: 'tap-1', answers: { sealed: 'yes' } };
    const a = ok(h.wf.scan(req));
    const events = outbox();
    const b = ok(h.wf.scan(req));
    expect(b.duplicate).toBe(true);
    expect(b.item?.itemId).toBe(a.item?.itemId);
    expect(stock()).toBe(1);
    expect(outbox()).toBe(events);

    // The same scan event delivered twice (duplicate channel): same key, same answer.
    const bin = a.item?.decision?.binLabels[0] ?? '';
    const c1 = ok(h.wf.scan({ code: bin, idempotencyKey: 'scan-evt-7' }));
    const c2 = ok(h.wf.scan({ code: bin, idempotencyKey: 'scan-evt-7' }));
    expect(c1.action).toBe('bin_confirmed');
    expect(c2.duplicate).toBe(true);
    expect(h.sdb.prepare("SELECT COUNT(*) FROM outbox WHERE payload LIKE '%\"bizStep\":\"storing\"%'").pluck().get()).toBe(1);

    // Added again with a new key while the earlier selection is still checked: merged, one line per serial.
    const again = ok(h.scan(gs1(WATCH, 'SN1'), { answers: { sealed: 'yes' } }));
    expect(again.action).toBe('item_merged');
    expect(h.sdb.prepare("SELECT COUNT(*) FROM wf_items WHERE serial = 'SN1'").pluck().get()).toBe(1);
    expect(stock()).toBe(1);

    // The same key for a different action is refused, not applied.
    expect(refused(h.wf.scan({ code: gs1(WATCH, 'SN2'), idempotencyKey: 'tap-1' })).code).toBe('IDEMPOTENCY_CONFLICT');
  });
});
