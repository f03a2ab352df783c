/**
 * BUG-15 kind at the station: a first user with Caps Lock on got "rma-2001 not found". RMA, order and tracking numbers
 * printed on labels are found whatever their letter case when that names one return; two references that differ only
 * in case are never guessed between; serial numbers stay exact.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { findCaseCode } from '../../src/catalog/expected.js';
import { foldedMatches } from '../../src/catalog/case-refs.js';
import { importReturns } from '../../src/catalog/import.js';
import { BADGE, gs1, harness, ok, refused, type Harness } from './helpers.js';

const HEADER = 'rma,order,tracking,delivered_at,reason,line,gtin,sku,qty_ordered,qty_shipped,uom,units_per_uom,serials,lots';
/** The return of the first user's test (as in fixtures/returns/expected-returns.csv). */
const RMA_2001 = 'RMA-2001,SO-2001,1Z999AA10000002001,2026-11-25,not_as_described,1,00614141007776,SKU-NOVEL,10,6,EA,1,,';
/** BUG-63's watch order: serials SN1, SN2, SN3 shipped (as in the same fixture). */
const RMA_0101 = 'RMA-0101,DN-0100,,2026-11-15,defective,1,00614141003334,SKU-WATCH,3,3,EA,1,SN1;SN2;SN3,';
const WATCH = '00614141003334';

let h: Harness;
afterEach(() => h?.close());

function station(...rows: string[]): Harness {
  h = harness();
  const report = importReturns(h.sdb.db, { format: 'csv', text: [HEADER, ...rows].join('\n') });
  expect(report.errors).toEqual([]);
  ok(h.scan(BADGE.ana));
  return h;
}

const cases = (): number => h.sdb.prepare('SELECT COUNT(*) FROM wf_cases').pluck().get() as number;

describe('reference numbers in any letter case (BUG-15 kind)', () => {
  it('BUG-15: rma-2001 (Caps Lock on) opens the return RMA-2001, as RMA-2001 does', () => {
    station(RMA_2001);
    const opened = ok(h.scan('rma-2001'));
    expect(opened.action).toBe('case_opened');
    // The case carries the reference as printed on the label, not as it was typed.
    expect(opened.case).toMatchObject({ rma: 'RMA-2001', orderNo: 'SO-2001' });
    // The label itself, scanned right, resumes the same case.
    const again = ok(h.scan('RMA-2001'));
    expect(again.action).toBe('case_resumed');
    expect(again.case?.id).toBe(opened.case?.id);
  });

  it('BUG-15: order and tracking numbers are found in any letter case too', () => {
    station(RMA_2001);
    for (const code of ['so-2001', 'So-2001', '1z999aa10000002001']) {
      // SO-2001 has one RMA, so the order and its tracking number name it too (issue #8, test/workflow/case-rma.test.ts).
      expect(findCaseCode(h.sdb.db, code), code).toEqual({ kind: 'found', ref: { orderNo: 'SO-2001', rma: 'RMA-2001' }, matched: code.toUpperCase() });
    }
    expect(findCaseCode(h.sdb.db, 'Rma-2001')).toEqual({ kind: 'found', ref: { orderNo: 'SO-2001', rma: 'RMA-2001' }, matched: 'RMA-2001' });
    expect(findCaseCode(h.sdb.db, 'rma-2002')).toEqual({ kind: 'none' });
    expect(ok(h.scan('1z999aa10000002001')).case).toMatchObject({ orderNo: 'SO-2001' });
  });

  it('two references that differ only in letter case: ambiguous, nothing opened, both named', () => {
    station(
      'RMA-7001,SO-7001,,2026-11-25,changed_mind,1,00614141007776,SKU-NOVEL,1,1,EA,1,,',
      'rma-7001,SO-7002,,2026-11-25,changed_mind,1,00614141007776,SKU-NOVEL,1,1,EA,1,,',
    );
    // Not even the exact spelling is taken: Caps Lock may have made it, so the case tells nothing.
    for (const code of ['Rma-7001', 'RMA-7001', 'rma-7001']) {
      const r = refused(h.scan(code));
      expect(r.code, code).toBe('RMA_AMBIGUOUS');
      expect(r.links).toEqual([
        { kind: 'rma', id: 'RMA-7001', label: 'RMA-7001' },
        { kind: 'rma', id: 'rma-7001', label: 'rma-7001' },
      ]);
      expect(r.details?.matches).toEqual([
        { code: 'RMA-7001', orderNo: 'SO-7001', rma: 'RMA-7001' },
        { code: 'rma-7001', orderNo: 'SO-7002', rma: 'rma-7001' },
      ]);
      expect(r.message).toContain('differ only in letter case');
    }
    expect(cases()).toBe(0);
    // The order number, which is unambiguous, opens the one return.
    expect(ok(h.scan('so-7002')).case).toMatchObject({ orderNo: 'SO-7002' });
  });

  it('serial numbers stay exact: sn1 is not the shipped SN1', () => {
    station(RMA_0101);
    expect(ok(h.scan('rma-0101')).case).toMatchObject({ rma: 'RMA-0101', orderNo: 'DN-0100' });
    const lower = ok(h.scan(gs1(WATCH, 'sn1'), { answers: { sealed: 'yes' } }));
    expect(lower.exception?.code).toBe('SERIAL_NOT_SHIPPED');
    expect(lower.item?.serial).toBe('sn1');
    ok(h.scan(lower.item?.decision?.binLabels[0] ?? ''));
    const exact = ok(h.scan(gs1(WATCH, 'SN1'), { answers: { sealed: 'yes' } }));
    expect(exact.item?.state).toBe('decided');
    expect(h.sdb.prepare("SELECT serial FROM wf_items WHERE order_no = 'DN-0100' AND counts = 1").pluck().all()).toEqual(['SN1']);
  });

  it('many stored spellings of one reference (more than the index walk probes) are all found', () => {
    h = harness();
    // 2^9 spellings of ABCDEFGHI-1, each its own RMA: beyond the walk's probe limit, so the scan fallback answers.
    const spellings: string[] = [];
    for (let m = 0; m < 512; m++) spellings.push([...'abcdefghi'].map((c, i) => ((m >> i) & 1 ? c.toUpperCase() : c)).join('') + '-1');
    const rows = spellings.map((s, i) => `${s},SO-9${String(i).padStart(3, '0')},,2026-11-25,changed_mind,1,00614141007776,SKU-NOVEL,1,1,EA,1,,`);
    expect(importReturns(h.sdb.db, { format: 'csv', text: [HEADER, ...rows].join('\n') }).errors).toEqual([]);
    expect(foldedMatches(h.sdb.db, 'rma', 'AbCdEfGhI-1').sort()).toEqual([...spellings].sort());
    expect(foldedMatches(h.sdb.db, 'rma', 'abcdefghi-2')).toEqual([]);
    expect(findCaseCode(h.sdb.db, 'abcdefghi-1').kind).toBe('ambiguous');
  });
});
