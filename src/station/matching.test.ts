import { describe, expect, it } from 'vitest';
import { matchUnit, type LineFacts, type UnitFacts } from './matching.js';

const GTIN = '04012345000740';
const line = (qtyShipped: number, qtyReturned: number, qtyReturnedBefore = 0): LineFacts => ({ lineNo: 1, gtin: GTIN, qtyShipped, qtyReturned, qtyReturnedBefore, serialsShipped: new Set(), lotsShipped: new Set() });
const unit: UnitFacts = { gtin: GTIN, qty: 1, serialTracked: false, lotTracked: false };

describe('matchUnit: what the operator reads when a unit is one too many', () => {
  it('BUG-61: shipped 6 of 10 ordered, the 7th unit → "Only 6 were shipped on this order"', () => {
    const v = matchUnit(unit, [line(6, 6)]);
    expect(v).toMatchObject({ ok: false, code: 'MORE_THAN_SHIPPED', details: { qtyShipped: 6 } });
    expect(v.text?.en).toBe('Only 6 were shipped on this order: this unit was not shipped on this order.');
  });

  it('one unit shipped, a second one comes → "Only 1 was shipped", not "1 were"', () => {
    expect(matchUnit(unit, [line(1, 1)]).text?.en).toBe('Only 1 was shipped on this order: this unit was not shipped on this order.');
  });

  it('BUG-60: SO-1001 delivered 1 unit, returned in RET-1; the same unit again → "The 1 shipped … is already returned"', () => {
    const v = matchUnit(unit, [line(1, 1, 1)]);
    expect(v.code).toBe('ALREADY_RETURNED');
    expect(v.text?.en).toBe('The 1 shipped on this order is already returned: this unit was not shipped on this order.');
    expect(matchUnit(unit, [line(3, 3, 3)]).text?.en).toBe('All 3 shipped on this order are already returned: this unit was not shipped on this order.');
  });

  it('BUG-64: a lot that was not shipped is LOT_NOT_SHIPPED; a lot-tracked unit without any lot is LOT_REQUIRED, both for review', () => {
    const lots: LineFacts = { ...line(5, 0), lotsShipped: new Set(['L-100']) };
    const lotUnit: UnitFacts = { ...unit, lotTracked: true };
    expect(matchUnit({ ...lotUnit, lot: 'L-999' }, [lots])).toMatchObject({ ok: false, code: 'LOT_NOT_SHIPPED' });
    expect(matchUnit(lotUnit, [lots])).toMatchObject({ ok: false, code: 'LOT_REQUIRED' });
    expect(matchUnit({ ...lotUnit, lot: 'L-100' }, [lots])).toMatchObject({ ok: true });
  });
});
