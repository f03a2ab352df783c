/**
 * Issue #8: expected returns as JSON with the CSV column names (`order`, `line`, `qty_ordered` …) were refused with
 * "orderNo: Invalid input: expected string, received undefined"; they are the same fields (docs/imports.md). A row
 * that really leaves the order out names the key to give, in both spellings. A CSV column that is not part of the
 * format is reported as a warning of the import and left out; the rows are imported.
 */
import { describe, expect, it } from 'vitest';
import { importReturns } from '../../src/catalog/import.js';
import { openStationDb } from '../../src/store/index.js';

/** RMA-2001 as in fixtures/returns/expected-returns.csv. */
const HEADER = 'rma,order,tracking,delivered_at,reason,line,gtin,sku,qty_ordered,qty_shipped,uom,units_per_uom,serials,lots';
const ROW = 'RMA-2001,SO-2001,1Z999AA10000002001,2026-11-25,not_as_described,1,00614141007776,SKU-NOVEL,10,6,EA,1,,';

describe('expected-returns import: one set of names for CSV and JSON (issue #8)', () => {
  it('JSON rows with the CSV column names import like the field names', () => {
    const sdb = openStationDb(':memory:');
    const csvNamed = { rma: 'RMA-2001', order: 'SO-2001', tracking: '1Z999AA10000002001', delivered_at: '2026-11-25', reason: 'not_as_described', line: 1, gtin: '00614141007776', sku: 'SKU-NOVEL', qty_ordered: 10, qty_shipped: 6 };
    const r = importReturns(sdb.db, { format: 'json', rows: [csvNamed] });
    expect(r).toMatchObject({ rows: 1, inserted: 1, errors: [] });
    expect(sdb.prepare('SELECT order_no, qty_ordered, qty_shipped FROM wf_order_lines').get()).toEqual({ order_no: 'SO-2001', qty_ordered: 10, qty_shipped: 6 });
    const fieldNamed = { rma: 'RMA-2001', orderNo: 'SO-2001', lineNo: 1, gtin: '00614141007776', qtyOrdered: 10, qtyShipped: 6 };
    expect(importReturns(sdb.db, { format: 'json', rows: [fieldNamed] }).errors).toEqual([]);
    sdb.close();
  });

  it('a JSON row without its order names the key to give (orderNo, or order as in the CSV)', () => {
    const sdb = openStationDb(':memory:');
    const r = importReturns(sdb.db, { format: 'json', rows: [{ rma: 'RMA-2001', line: 1, gtin: '00614141007776', qty_shipped: 6 }] });
    expect(r.errors).toEqual([{ line: 1, code: 'ROW_INVALID', field: 'orderNo', message: 'orderNo: missing: give the JSON key "orderNo" (or "order", its CSV column name)' }]);
    sdb.close();
  });

  it('an unknown CSV column is a warning of the import; the rows are imported without it', () => {
    const sdb = openStationDb(':memory:');
    const r = importReturns(sdb.db, { format: 'csv', text: [`${HEADER},colour,Warehouse Note`, `${ROW},red,fragile`].join('\n') });
    expect(r).toMatchObject({ rows: 1, inserted: 1, errors: [] });
    expect(r.warnings).toEqual(['Columns "colour", "Warehouse Note" are not part of the expected-returns format and were ignored (see docs/imports.md).']);
    expect(importReturns(sdb.db, { format: 'csv', text: [HEADER, ROW].join('\n') }).warnings).toBeUndefined();
    sdb.close();
  });

  it('a CSV whose header lacks the columns every row needs is refused as not an expected-returns file, naming them (not "0 rows", exit 0)', () => {
    const sdb = openStationDb(':memory:');
    const r = importReturns(sdb.db, { format: 'csv', text: 'x' });
    expect(r.errors).toEqual([{ line: 1, code: 'ROW_MALFORMED', message: 'not an expected-returns file: the header has no order, line, gtin, qty_shipped columns (see docs/imports.md)' }]);
    const partial = importReturns(sdb.db, { format: 'csv', text: ['rma,order,gtin', 'RMA-1,SO-1,00614141007776'].join('\n') });
    expect(partial.errors).toEqual([{ line: 1, code: 'ROW_MALFORMED', message: 'not an expected-returns file: the header has no line, qty_shipped columns (see docs/imports.md)' }]);
    expect(partial.inserted).toBe(0);
    expect(sdb.prepare('SELECT COUNT(*) FROM wf_order_lines').pluck().get()).toBe(0);
    sdb.close();
  });
});
