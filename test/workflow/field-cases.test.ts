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

/** Confirms the scanned item's bin (an exception too): the screen takes one item at a time. */
function binIt(r: ReturnType<typeof ok>): void {
  expect(ok(h.scan(r.item?.decision?.binLabels[0] ?? '')).action).toBe('bin_confirmed');
}

describe('returns field cases', () => {
  it('BUG-60: an earlier return opened by order number (no RMA) is linked by its order and closing time, not an internal id', () => {
    signedIn();
    const first = ok(h.scan('SO-1001'));
    expect(first.action).toBe('case_opened');
    returnOne(JACKET);
    ok(h.wf.closeCase(first.case?.id ?? '', { idempotencyKey: h.key() }));
    const again = refused(h.scan('SO-1001'));
    expect(again.code).toBe('NOTHING_RETURNABLE');
    // The harness clock starts at 2026-12-03 09:00 UTC.
    expect(again.links).toEqual([{ kind: 'case', id: first.case?.id, label: expect.stringMatching(/^return of SO-1001, closed 2026-12-03 09:00 UTC$/) }]);
  });

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
      expect(again.links).toEqual([{ kind: 'case', id: first.case?.id, label: expect.stringMatching(/^RET-1, closed 2026-12-03 \d\d:\d\d UTC$/) }]);
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
    // …and the operator is told why, right after the supervisor let the return in.
    expect(extra.item?.exception?.message).toContain('opened by a supervisor override: the unit goes to EXCEPTIONS for the supervisor to decide');
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
    binIt(abc1);
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
    binIt(noSerial);

    const unknown = ok(h.scan(gs1(PHONE, 'PH-999'), { answers: { sealed: 'yes' } }));
    expect(unknown.exception?.code).toBe('SERIAL_NOT_SHIPPED');
    // Quarantine, never stock: the rules saw serialMatched = false and the item holds no stock.
    expect(unknown.item?.decision?.disposition).toBe('exception');
    expect(unknown.item?.decision?.bin).toBe('QUARANTINE');
    const facts = JSON.parse(h.sdb.prepare('SELECT facts_json FROM items WHERE id = ?').pluck().get(unknown.item?.itemId) as string) as Record<string, unknown>;
    expect(facts.serialMatched).toBe(false);
    expect(h.sdb.prepare('SELECT counts FROM wf_items WHERE item_id = ?').pluck().get(unknown.item?.itemId)).toBe(0);
    binIt(unknown);

    const badLot = ok(h.scan(gs1(COFFEE, undefined, 'L-999'), { answers: { sealed: 'yes' } }));
    expect(badLot.exception?.code).toBe('LOT_NOT_SHIPPED');
    expect(badLot.item?.state).toBe('exception');
    binIt(badLot);
    // The shipped lot and the shipped serial are fine.
    expect(returnOne(gs1(COFFEE, undefined, 'L-100')).item?.state).toBe('decided');
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

describe('uncertain readings (a variable-length field sent without its closing separator)', () => {
  const SHOE = '04012345000740';
  const storedIdentity = (itemId: string | undefined): Record<string, unknown> & { lot?: string; ais?: Record<string, string>; warnings?: Array<Record<string, unknown>> } =>
    JSON.parse(h.sdb.prepare('SELECT identity_json FROM items WHERE id = ?').pluck().get(itemId) as string) as never;
  const facts = (itemId: string | undefined): Record<string, unknown> => JSON.parse(h.sdb.prepare('SELECT facts_json FROM items WHERE id = ?').pluck().get(itemId) as string) as Record<string, unknown>;

  it('BUG-27 (b): lot ABC2023 (tail 2023 reads as AI 20) is asked about before matching and the decision; the answer fixes the lot', () => {
    signedIn();
    ok(h.scan('RMA-5001'));
    const r = ok(h.scan('010401234500074010ABC2023', { answers: { sealed: 'yes' } }));
    const itemId = r.item?.itemId;
    // Not restocked on the unconfirmed lot: a confirmation question first, with both readings as answers.
    expect(r.action).toBe('question');
    expect(r.item).toMatchObject({ gtin: SHOE, state: 'grading' });
    expect(r.item?.lot).toBeUndefined();
    expect(r.item?.decision).toBeUndefined();
    expect(r.item?.orderLine).toBeUndefined();
    expect(r.item?.question?.text.en).toBe('Lot reads ABC2023 — is that the whole lot, or is it ABC + 2023 (AI 20)?');
    expect(r.item?.question?.text['zh-CN']).toContain('ABC2023');
    expect(r.item?.question?.answers.map((a) => a.value)).toEqual(['as_read', 'split', 'neither']);
    expect(r.screen).toMatchObject({ awaiting: 'grading', pendingItemId: itemId, question: { id: r.item?.question?.id } });
    // The warning is carried in the answer and stored with the item.
    const warning = { code: 'possibleMissingSeparator', reading: { ai: '10', field: 'lot', asRead: 'ABC2023', split: { value: 'ABC', ais: { '20': '23' } }, code: 'LOT_UNCONFIRMED', status: 'unconfirmed' } };
    expect(r.item?.warnings).toEqual([expect.objectContaining({ ...warning, reading: expect.objectContaining(warning.reading) })]);
    expect(storedIdentity(itemId).warnings).toEqual([expect.objectContaining({ code: 'possibleMissingSeparator' })]);
    expect(h.wf.item(itemId ?? '')?.warnings?.[0]?.reading?.status).toBe('unconfirmed');
    // Nothing is decided or binned on it meanwhile, and HQ gets no lot yet.
    expect(refused(h.scan('BIN-APPAREL-REPACK')).code).toBe('GRADING_PENDING');
    expect(h.events().filter((e) => JSON.stringify(e).includes('ABC2023'))).toEqual([]);

    const a = ok(h.wf.answer(itemId ?? '', { questionId: r.item?.question?.id ?? '', value: 'split', idempotencyKey: h.key() }));
    expect(a.item).toMatchObject({ state: 'decided', lot: 'ABC', orderLine: 2, answers: { lotReading: 'split' }, decision: { disposition: 'restock' } });
    expect(a.item?.warnings?.[0]?.reading).toMatchObject({ status: 'confirmed', choice: 'split', value: 'ABC', by: expect.stringMatching(/^op-/) });
    const id = storedIdentity(itemId);
    expect(id.lot).toBe('ABC');
    expect(id.ais?.['20']).toBe('23');
    expect(facts(itemId)).toMatchObject({ lot: 'ABC', lotConfirmed: true });
    expect(h.sdb.prepare("SELECT kind, by FROM wf_audit WHERE kind = 'reading_confirmed' AND subject = ?").all(itemId)).toEqual([{ kind: 'reading_confirmed', by: expect.stringMatching(/^op-/) }]);
  });

  it('BUG-27 (b): lot matching against the shipped lots uses the confirmed lot, never the unconfirmed one', () => {
    signedIn();
    ok(h.scan('RMA-3001'));
    // Coffee, shipped lot L-100; the scanner dropped the separator before (20) 23.
    const first = ok(h.scan('010061414100925110L-1002023', { answers: { sealed: 'yes' } }));
    expect(first.action).toBe('question');
    expect(first.exception).toBeUndefined();
    expect(first.item?.question?.text.en).toBe('Lot reads L-1002023 — is that the whole lot, or is it L-100 + 2023 (AI 20)?');
    const split = ok(h.wf.answer(first.item?.itemId ?? '', { questionId: first.item?.question?.id ?? '', value: 'split', idempotencyKey: h.key() }));
    expect(split.item).toMatchObject({ state: 'decided', lot: 'L-100', orderLine: 2 });
    ok(h.scan(split.item?.decision?.binLabels[0] ?? ''));
    // The same scan taken as the whole lot: that lot was not shipped.
    const second = ok(h.scan('010061414100925110L-1002023', { answers: { sealed: 'yes' } }));
    const whole = ok(h.wf.answer(second.item?.itemId ?? '', { questionId: second.item?.question?.id ?? '', value: 'as_read', idempotencyKey: h.key() }));
    expect(whole.item).toMatchObject({ state: 'exception', lot: 'L-1002023', exception: { code: 'LOT_NOT_SHIPPED' } });
  });

  it('BUG-19 (d): lot xyz3040 asks first; the split reading gives lot xyz and count (30) 40; "neither" holds it as LOT_UNCONFIRMED', () => {
    signedIn();
    const r = ok(h.scan('011111111111111310xyz3040'));
    expect(r.action).toBe('question');
    expect(r.item?.question?.text.en).toBe('Lot reads xyz3040 — is that the whole lot, or is it xyz + 3040 (AI 30)?');
    expect(r.item?.warnings?.[0]).toMatchObject({ code: 'possibleMissingSeparator', reading: { ai: '10', asRead: 'xyz3040', split: { value: 'xyz', ais: { '30': '40' } } } });
    const a = ok(h.wf.answer(r.item?.itemId ?? '', { questionId: r.item?.question?.id ?? '', value: 'split', idempotencyKey: h.key() }));
    expect(a.item?.lot).toBe('xyz');
    expect(storedIdentity(a.item?.itemId).ais?.['30']).toBe('40');
    // The product is not in the catalog: that exception comes after the reading, not instead of it.
    expect(a.item?.exception?.code).toBe('NOT_IN_CATALOG');
    expect(facts(a.item?.itemId)).toMatchObject({ lot: 'xyz', lotConfirmed: true, countConfirmed: true });
    binIt(a);

    const again = ok(h.scan('011111111111111310xyz3040'));
    expect(again.action).toBe('question');
    const none = ok(h.wf.answer(again.item?.itemId ?? '', { questionId: again.item?.question?.id ?? '', value: 'neither', idempotencyKey: h.key() }));
    expect(none.item).toMatchObject({ state: 'exception', exception: { code: 'LOT_UNCONFIRMED' }, decision: { disposition: 'exception', bin: 'EXCEPTIONS' } });
    expect(none.item?.lot).toBeUndefined();
    expect(none.item?.exception?.text['zh-CN']).toContain('xyz3040');
    expect(refused(h.wf.answer(again.item?.itemId ?? '', { questionId: again.item?.question?.id ?? '', value: 'split', idempotencyKey: h.key() })).code).toBe('ANSWER_INVALID');
  });

  it('BUG-27 (a): the same lot with its separator is used at once, without a question', () => {
    signedIn();
    ok(h.scan('RMA-5001'));
    const r = ok(h.scan(`0104012345000740` + `10ABC<GS>2023`, { answers: { sealed: 'yes' } }));
    expect(r.item).toMatchObject({ state: 'decided', lot: 'ABC', orderLine: 2 });
    expect(r.item?.warnings).toBeUndefined();
  });
});
