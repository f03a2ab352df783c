import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../src/catalog/catalog.js';
import { csvField, readCsv } from '../../src/catalog/csv.js';
import { importCatalog, importReturns } from '../../src/catalog/import.js';
import { loadRuleSetFile } from '../../src/rules/index.js';
import { openStationDb } from '../../src/store/index.js';
import { fixture } from './helpers.js';

const GTINS = ['00614141000371', '04012345000740', '00614141007776', '04012345002225'];
const HEADER = 'rma,order,tracking,delivered_at,reason,line,gtin,sku,qty_ordered,qty_shipped,uom,units_per_uom,serials,lots';

/** Bad rows every 1,000 lines, each kind once per block, at known file lines. */
const BAD: Array<[offset: number, row: (i: number) => string, code: string, field: string]> = [
  [101, (i) => `RMA-${i},SO-${i},,2026-11-01,defective,1,00614141000372,,1,1,EA,1,,`, 'ROW_INVALID', 'gtin'],
  [202, (i) => `RMA-${i},SO-${i},,2026-11-01,defective,1,${GTINS[0]},,1,x,EA,1,,`, 'ROW_INVALID', 'qtyShipped'],
  [303, (i) => `RMA-${i},,,2026-11-01,defective,1,${GTINS[0]},,1,1,EA,1,,`, 'ROW_INVALID', 'orderNo'],
  [404, (i) => `RMA-${i},SO-${i},,not-a-date,defective,1,${GTINS[0]},,1,1,EA,1,,`, 'ROW_INVALID', 'deliveredAt'],
  [505, (i) => `RMA-${i},SO-${i},,2026-11-01,defective,1,${GTINS[0]},,1,2,EA,1,,`, 'ROW_INVALID', 'qtyShipped'],
  [606, (i) => `RMA-${i},SO-${i},,2026-11-01`, 'ROW_MALFORMED', ''],
];

function bigCsv(lines: number): { text: string; bad: Map<number, [string, string]> } {
  const out = [HEADER];
  const bad = new Map<number, [string, string]>();
  for (let i = 1; out.length < lines; i++) {
    const fileLine = out.length + 1;
    const b = BAD.find(([off]) => fileLine % 1000 === off);
    if (b) {
      out.push(b[1](i));
      bad.set(fileLine, [b[2], b[3]]);
      continue;
    }
    const gtin = GTINS[i % GTINS.length] ?? GTINS[0];
    const serials = gtin === '04012345002225' ? `"S${i}A;S${i}B"` : '';
    out.push([`RMA-${i}`, `SO-${Math.floor(i / 2)}`, `1Z${Math.floor(i / 2)}`, '2026-11-01', 'defective', (i % 2) + 1, gtin, `SKU-${i % 97}`, 2, 2, 'EA', 1, serials, ''].join(','));
  }
  return { text: out.join('\r\n') + '\r\n', bad };
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('import of expected returns and products', () => {
  it('a 50,000-line CSV with bad rows: good rows land, bad rows are reported by line and reason, a second import changes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-import-'));
    dirs.push(dir);
    const sdb = openStationDb(join(dir, 'station.db'));
    const { text, bad } = bigCsv(50_000);
    const progress: number[] = [];
    const first = importReturns(sdb.db, { format: 'csv', text }, { onProgress: (n) => progress.push(n), maxErrors: 10_000 });
    expect(first.rows).toBe(49_999);
    expect(first.errors).toHaveLength(bad.size);
    expect(first.inserted).toBe(49_999 - bad.size);
    for (const e of first.errors) {
      const want = bad.get(e.line);
      expect(want, `line ${e.line} reported but not bad`).toBeDefined();
      expect(e.code).toBe(want?.[0]);
      if (want?.[1]) expect(e.field).toBe(want[1]);
    }
    expect(progress.at(-1)).toBe(49_999);
    expect(progress.length).toBeGreaterThan(5);
    const lines = sdb.prepare('SELECT COUNT(*) FROM wf_order_lines').pluck().get();
    expect(lines).toBe(49_999 - bad.size);
    expect(sdb.prepare("SELECT COUNT(*) FROM wf_shipped_serials WHERE gtin = '04012345002225'").pluck().get()).toBeGreaterThan(20_000);

    const before = sdb.prepare('SELECT COUNT(*) AS l, (SELECT COUNT(*) FROM wf_rmas) AS r, (SELECT COUNT(*) FROM wf_shipped_serials) AS s, (SELECT MAX(updated_at) FROM wf_orders) AS u FROM wf_order_lines').get();
    const second = importReturns(sdb.db, { format: 'csv', text }, { maxErrors: 10_000 });
    expect(second).toMatchObject({ rows: 49_999, inserted: 0, updated: 0, unchanged: 49_999 - bad.size });
    expect(second.errors).toHaveLength(bad.size);
    expect(sdb.prepare('SELECT COUNT(*) AS l, (SELECT COUNT(*) FROM wf_rmas) AS r, (SELECT COUNT(*) FROM wf_shipped_serials) AS s, (SELECT MAX(updated_at) FROM wf_orders) AS u FROM wf_order_lines').get()).toEqual(before);
    sdb.close();
  }, 120_000);

  it('the error list is capped, the rest counted', () => {
    const sdb = openStationDb(':memory:');
    const text = [HEADER, ...Array.from({ length: 30 }, (_, i) => `R${i},SO-${i},,,,1,123,,1,1,EA,1,,`)].join('\n');
    const r = importReturns(sdb.db, { format: 'csv', text }, { maxErrors: 10 });
    expect(r.errors).toHaveLength(10);
    expect(r.errorsTruncated).toBe(20);
    expect(r.errors[0]).toMatchObject({ line: 2, code: 'ROW_INVALID', field: 'gtin' });
    sdb.close();
  });

  it('a customer-declared reason the rules do not know ("bogus", "Defective", "sizefit") is refused: FACT_INVALID on field reason', () => {
    const rules = loadRuleSetFile(fixture('rules/default.yaml'));
    if (!rules.ok) throw new Error('default rules must load');
    const rs = rules.ruleSet;
    const sdb = openStationDb(':memory:');
    const text = [
      HEADER,
      `RMA-1,SO-1,,2026-11-01,bogus,1,${GTINS[0]},,1,1,EA,1,,`,
      `RMA-2,SO-2,,2026-11-01,Defective,1,${GTINS[0]},,1,1,EA,1,,`,
      `RMA-3,SO-3,,2026-11-01,sizefit,1,${GTINS[0]},,1,1,EA,1,,`,
      `RMA-4,SO-4,,2026-11-01,size_fit,1,${GTINS[0]},,1,1,EA,1,,`,
      `RMA-5,SO-5,,2026-11-01,,1,${GTINS[0]},,1,1,EA,1,,`,
    ].join('\n');
    const r = importReturns(sdb.db, { format: 'csv', text }, { checkFacts: (f) => rs.checkFacts(f) });
    expect(r).toMatchObject({ rows: 5, inserted: 2 });
    expect(r.errors.map((e) => [e.line, e.code, e.field])).toEqual([
      [2, 'FACT_INVALID', 'reason'],
      [3, 'FACT_INVALID', 'reason'],
      [4, 'FACT_INVALID', 'reason'],
    ]);
    for (const a of ['defective', 'damaged_in_transit', 'wrong_item', 'not_as_described', 'changed_mind', 'size_fit']) expect(r.errors[0]?.message).toContain(a);
    // Nothing of a refused row is stored: no order, no line, no RMA.
    expect(sdb.prepare("SELECT COUNT(*) FROM wf_orders WHERE order_no IN ('SO-1', 'SO-2', 'SO-3')").pluck().get()).toBe(0);
    expect(sdb.prepare("SELECT COUNT(*) FROM wf_rmas WHERE rma IN ('RMA-1', 'RMA-2', 'RMA-3')").pluck().get()).toBe(0);
    expect(sdb.prepare("SELECT customer_reason FROM wf_orders WHERE order_no = 'SO-4'").pluck().get()).toBe('size_fit');
    sdb.close();
  });

  it('products: CSV cells typed, pack GTIN with its base unit, re-import unchanged, the catalog sees them at once', () => {
    const sdb = openStationDb(':memory:');
    const catalog = Catalog.fromFile(fixture('catalog/products.json'));
    const text = 'gtin,name,category,price,hygiene,base_gtin,units_per_pack\n14012345007401,"Shampoo, box of 6",cosmetics_hygiene,41.4,yes,04012345007404,6\n4012345007404,Shampoo 250 ml,cosmetics_hygiene,6.9,true,,\nbad,x,y,1,,,\n';
    const r = importCatalog(sdb.db, { format: 'csv', text }, { catalog });
    expect(r).toMatchObject({ rows: 3, inserted: 2, updated: 0 });
    // The EAN-13 form of an existing product lands on its GTIN-14 (imported once as a change of the file's row).
    expect(r.unchanged + r.inserted + r.updated + r.errors.length).toBe(3);
    expect(r.errors[0]).toMatchObject({ line: 4, code: 'ROW_INVALID' });
    expect(catalog.baseOf('14012345007401')).toEqual({ gtin: '04012345007404', units: 6 });
    expect(catalog.get('14012345007401')?.name).toBe('Shampoo, box of 6');
    expect(importCatalog(sdb.db, { format: 'csv', text }, { catalog })).toMatchObject({ inserted: 0, updated: 0 });
    sdb.close();
  });

  it('JSON expected returns: serials, lots, packaging and reasons land; a bad row is reported by its position; re-import changes nothing', () => {
    const sdb = openStationDb(':memory:');
    const rows = [
      { rma: 'RMA-J1', orderNo: 'SO-J1', tracking: '1ZJ1', deliveredAt: '2026-11-20', reason: 'defective', lineNo: 1, gtin: '04012345002225', qtyOrdered: 2, qtyShipped: 2, serials: ['ABC1', 'ABC2'] },
      { rma: 'RMA-J1', orderNo: 'SO-J1', lineNo: 2, gtin: '00614141009251', qtyShipped: 2, lots: ['L-100'] },
      { rma: 'RMA-J2', orderNo: 'SO-J2', lineNo: 1, gtin: '04012345007404', qtyShipped: 1, uom: 'BOX', unitsPerUom: 6 },
      { rma: 'RMA-J3', orderNo: 'SO-J3', lineNo: 1, gtin: '00614141000372', qtyShipped: 1 }, // check digit wrong
    ];
    const first = importReturns(sdb.db, { format: 'json', rows });
    expect(first).toMatchObject({ rows: 4, inserted: 3, errors: [{ line: 4, code: 'ROW_INVALID', field: 'gtin' }] });
    expect(sdb.prepare("SELECT serial FROM wf_shipped_serials WHERE order_no = 'SO-J1' ORDER BY serial").pluck().all()).toEqual(['ABC1', 'ABC2']);
    expect(sdb.prepare("SELECT lots FROM wf_order_lines WHERE order_no = 'SO-J1' AND line_no = 2").pluck().get()).toBe('["L-100"]');
    // A box of 6 shipped once is 6 base units.
    expect(sdb.prepare("SELECT qty_shipped, uom, units_per_uom FROM wf_order_lines WHERE order_no = 'SO-J2'").get()).toEqual({ qty_shipped: 6, uom: 'BOX', units_per_uom: 6 });
    expect(sdb.prepare("SELECT tracking, customer_reason FROM wf_orders WHERE order_no = 'SO-J1'").get()).toEqual({ tracking: '1ZJ1', customer_reason: 'defective' });
    expect(importReturns(sdb.db, { format: 'json', rows })).toMatchObject({ inserted: 0, updated: 0, unchanged: 3 });
    sdb.close();
  });

  it('CLI: a file that cannot be imported at all is one line with a stable code (JSON with --json), exit 2, no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-import-cli-'));
    dirs.push(dir);
    const notRows = join(dir, 'not-rows.json');
    writeFileSync(notRows, '{"x":1}');
    const run = (...args: string[]): { code: number; out: string; err: string } => {
      try {
        return { code: 0, out: execFileSync('npx', ['tsx', 'src/cli.ts', 'import', 'returns', ...args, '--data-dir', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }), err: '' };
      } catch (e) {
        const x = e as { status: number; stdout: string; stderr: string };
        return { code: x.status, out: x.stdout, err: x.stderr };
      }
    };
    const missing = run(join(dir, 'missing.csv'));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^returns-station: error IMPORT_UNREADABLE: /m);
    expect(missing.err).not.toMatch(/\n\s+at /);
    const json = run(notRows, '--json');
    expect(json.code).toBe(2);
    expect(JSON.parse(json.out)).toMatchObject({ ok: false, error: { code: 'IMPORT_BAD_JSON' } });
    const xml = run(notRows, '--format', 'xml', '--json');
    expect(xml.code).toBe(2);
    expect(JSON.parse(xml.out)).toMatchObject({ ok: false, error: { code: 'CLI_BAD_OPTION', details: { option: '--format', value: 'xml' } } });
  }, 60_000);

  it('CSV reader: quotes, doubled quotes, line breaks inside quotes, CRLF, BOM; never throws on an open quote', () => {
    const recs = [...readCsv('\ufeffa,b\r\n"x, y","he said ""hi"""\n"multi\nline",z\n"open')];
    expect(recs).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x, y', 'he said "hi"'] },
      { line: 3, fields: ['multi\nline', 'z'] },
      { line: 5, fields: ['open'], unterminated: true },
    ]);
    expect(csvField('a,"b"')).toBe('"a,""b"""');
  });

  it('CLI: import returns prints a JSON report, exits 1 when rows were refused, 0 on an unchanged re-import', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-import-cli-'));
    dirs.push(dir);
    const run = (file: string): { code: number; out: string } => {
      try {
        return { code: 0, out: execFileSync('npx', ['tsx', 'src/cli.ts', 'import', 'returns', file, '--data-dir', dir, '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }) };
      } catch (e) {
        const err = e as { status: number; stdout: string };
        return { code: err.status, out: err.stdout };
      }
    };
    const good = run(fixture('returns/expected-returns.csv'));
    expect(good.code).toBe(0);
    expect(JSON.parse(good.out)).toMatchObject({ kind: 'returns', rows: 12, errors: [] });
    expect(JSON.parse(run(fixture('returns/expected-returns.csv')).out)).toMatchObject({ unchanged: 12, inserted: 0, updated: 0 });
    const badFile = join(dir, 'bad.csv');
    writeFileSync(badFile, `${HEADER}\nR1,SO-9,,,,1,00614141000372,,1,1,EA,1,,\n`);
    const bad = run(badFile);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out).errors[0]).toMatchObject({ line: 2, code: 'ROW_INVALID', field: 'gtin' });
    // The customer's reason is checked against the station's rule set (here the built-in one).
    const bogusFile = join(dir, 'bogus.csv');
    writeFileSync(bogusFile, `${HEADER}\nR2,SO-10,,2026-11-01,bogus,1,${GTINS[0]},,1,1,EA,1,,\nR3,SO-11,,2026-11-01,defective,1,${GTINS[0]},,1,1,EA,1,,\n`);
    const bogus = run(bogusFile);
    expect(bogus.code).toBe(1);
    expect(JSON.parse(bogus.out)).toMatchObject({ rows: 2, inserted: 1, errors: [{ line: 2, code: 'FACT_INVALID', field: 'reason' }] });
    // Every row refused with FACT_INVALID: nothing imported, exit 1 like any other refusal.
    const allBogusFile = join(dir, 'all-bogus.csv');
    writeFileSync(allBogusFile, `${HEADER}\nR4,SO-12,,2026-11-01,bogus,1,${GTINS[0]},,1,1,EA,1,,\nR5,SO-13,,2026-11-01,Defective,1,${GTINS[0]},,1,1,EA,1,,\n`);
    const allBogus = run(allBogusFile);
    expect(allBogus.code).toBe(1);
    expect(JSON.parse(allBogus.out)).toMatchObject({ rows: 2, inserted: 0, updated: 0, errors: [{ line: 2, code: 'FACT_INVALID' }, { line: 3, code: 'FACT_INVALID' }] });
  }, 60_000);
});
