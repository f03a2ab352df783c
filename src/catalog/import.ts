import type BetterSqlite3 from 'better-sqlite3';
import { z } from 'zod';
import { normalizeGtin } from '../identity/index.js';
import type { ImportReport, ImportRowError } from '../server/api/workflow-types.js';
import { productRowSchema, type Catalog, type Product } from './catalog.js';
import { readCsv } from './csv.js';
import type { ReturnLine } from './expected.js';

/**
 * Imports of expected returns (order lines with serials and lots) and products, from CSV or JSON. Each row is checked
 * on its own: good rows land, bad rows are reported with their line and reason. Idempotent: a row identical to what
 * is stored changes nothing, so importing the same file twice reports every row as unchanged.
 */
export type ImportSource = { format: 'csv'; text: string } | { format: 'json'; rows: unknown[] };
export interface ImportOptions {
  /** Called every `progressEvery` rows with rows done so far. */
  onProgress?: (done: number) => void;
  progressEvery?: number;
  /** How many row errors are listed (the rest are counted). */
  maxErrors?: number;
  source?: string;
  now?: number;
  /**
   * The station rule set's fact check (`CompiledRuleSet.checkFacts`). Returns: the customer's declared reason must be a
   * value the rules know, or the row is refused (FACT_INVALID, field `reason`); "bogus" would otherwise be stored and
   * decided as some other reason at the dock. Without it rows are checked for shape only.
   */
  checkFacts?: (facts: Record<string, string>) => { ok: true } | { ok: false; error: { code: string; message: string } };
}

const MAX_ERRORS = 1000;

const gtin = z.string().transform((v, ctx) => {
  const n = normalizeGtin(v.trim());
  if (!n.ok) {
    ctx.addIssue({ code: 'custom', message: n.error.message });
    return z.NEVER;
  }
  return n.value;
});
const list = z.union([z.array(z.string()), z.string()]).optional().transform((v) => (v === undefined ? [] : (Array.isArray(v) ? v : v.split(/[;|]/)).map((s) => s.trim()).filter((s) => s !== '')));
const intFromText = (min: number) => z.union([z.number(), z.string().trim().min(1).regex(/^-?\d+$/, 'a whole number').transform(Number)]).pipe(z.number().int().min(min));
const time = z
  .union([z.number(), z.string().trim()])
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v === '') return undefined;
    const ms = typeof v === 'number' ? v : /^\d+$/.test(v) ? Number(v) : Date.parse(v);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: `not a date: "${String(v)}" (use YYYY-MM-DD or ISO 8601)` });
      return z.NEVER;
    }
    return ms;
  });
const optText = z.string().trim().optional().transform((v) => (v === '' ? undefined : v));

const returnRowSchema = z
  .object({
    rma: optText,
    orderNo: z.string().trim().min(1, 'order number is empty'),
    tracking: optText,
    deliveredAt: time,
    reason: optText,
    lineNo: intFromText(1),
    gtin,
    sku: optText,
    qtyOrdered: intFromText(0).optional(),
    qtyShipped: intFromText(0),
    uom: optText,
    unitsPerUom: intFromText(1).optional(),
    serials: list,
    lots: list,
  })
  .strict()
  .transform(
    (r): ReturnLine => ({
      rma: r.rma,
      orderNo: r.orderNo,
      tracking: r.tracking,
      deliveredAt: r.deliveredAt,
      reason: r.reason,
      lineNo: r.lineNo,
      gtin: r.gtin,
      sku: r.sku,
      qtyOrdered: r.qtyOrdered ?? r.qtyShipped,
      qtyShipped: r.qtyShipped,
      uom: r.uom ?? 'EA',
      unitsPerUom: r.unitsPerUom ?? 1,
      serials: [...new Set(r.serials)],
      lots: [...new Set(r.lots)],
    }),
  )
  .refine((r) => r.serials.length === 0 || r.serials.length <= r.qtyShipped * r.unitsPerUom, { message: 'more serials than units shipped', path: ['serials'] })
  .refine((r) => r.qtyShipped <= r.qtyOrdered, { message: 'shipped more than ordered', path: ['qtyShipped'] });

/** Fields every expected-returns row needs → the CSV column that gives each (docs/imports.md). */
const REQUIRED_COLUMNS: Record<string, string> = { orderNo: 'order', lineNo: 'line', gtin: 'gtin', qtyShipped: 'qty_shipped' };

/** CSV header names (and common spellings) → field names. */
const ALIASES: Record<string, string> = {
  rma: 'rma', return_authorisation: 'rma', return_authorization: 'rma',
  order: 'orderNo', order_no: 'orderNo', orderno: 'orderNo', order_number: 'orderNo', delivery: 'orderNo',
  tracking: 'tracking', tracking_number: 'tracking',
  delivered_at: 'deliveredAt', deliveredat: 'deliveredAt', delivery_date: 'deliveredAt',
  reason: 'reason', customer_reason: 'reason',
  line: 'lineNo', line_no: 'lineNo', lineno: 'lineNo',
  gtin: 'gtin', sku: 'sku',
  qty_ordered: 'qtyOrdered', qtyordered: 'qtyOrdered', qty_shipped: 'qtyShipped', qtyshipped: 'qtyShipped',
  uom: 'uom', units_per_uom: 'unitsPerUom', unitsperuom: 'unitsPerUom',
  serials: 'serials', lots: 'lots',
};

function fieldName(header: string, known: Record<string, string>): string {
  const k = header.trim().replace(/[\s-]+/g, '_');
  // Own keys only: a column headed "__proto__" or "constructor" must not resolve to Object.prototype's members.
  const own = (x: string): string | undefined => (Object.hasOwn(known, x) ? known[x] : undefined);
  return own(k.toLowerCase()) ?? own(k.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase()) ?? header.trim();
}

/**
 * Rows as field-name objects. `strictColumns` (expected returns): JSON keys are taken by the same names as CSV
 * columns (`order`, `line`, `qty_ordered` as well as `orderNo` …), and a CSV column that names no field is left
 * out and reported through `warn` once, instead of failing every row.
 */
function* rowsOf(src: ImportSource, aliases: Record<string, string>, strictColumns?: { warn: (w: string) => void; required?: Record<string, string> }): Generator<{ line: number; row: unknown; error?: string }> {
  const fields = new Set(Object.values(aliases));
  if (src.format === 'json') {
    let i = 0;
    for (const row of src.rows) {
      ++i;
      if (!strictColumns || row === null || typeof row !== 'object' || Array.isArray(row)) {
        yield { line: i, row };
        continue;
      }
      const named: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(row as Record<string, unknown>)) {
        const f = fieldName(k, aliases);
        if (!Object.hasOwn(named, f)) named[f] = v;
      }
      yield { line: i, row: named };
    }
    return;
  }
  let header: string[] | undefined;
  let unknown = new Set<number>();
  for (const rec of readCsv(src.text)) {
    if (!header) {
      header = rec.fields.map((h) => fieldName(h, aliases));
      if (strictColumns) {
        unknown = new Set(header.flatMap((h, i) => (fields.has(h) ? [] : [i])));
        const names = [...unknown].map((i) => `"${rec.fields[i]?.trim() ?? ''}"`);
        if (names.length) strictColumns.warn(`Column${names.length > 1 ? 's' : ''} ${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} not part of the expected-returns format and ${names.length > 1 ? 'were' : 'was'} ignored (see docs/imports.md).`);
        // A file without the columns every row needs is some other file (an export, a catalog): one clear refusal
        // for the header, not "0 rows" (or one ROW_INVALID per line) and exit 0.
        const missing = Object.entries(strictColumns.required ?? {}).filter(([f]) => !header?.includes(f)).map(([, column]) => column);
        if (missing.length) {
          yield { line: rec.line, row: null, error: `not an expected-returns file: the header has no ${missing.join(', ')} column${missing.length > 1 ? 's' : ''} (see docs/imports.md)` };
          return;
        }
      }
      continue;
    }
    if (rec.unterminated) {
      yield { line: rec.line, row: null, error: 'a quoted field is never closed' };
      continue;
    }
    if (rec.fields.length !== header.length) {
      yield { line: rec.line, row: null, error: `${rec.fields.length} fields, the header has ${header.length}` };
      continue;
    }
    const row: Record<string, string> = {};
    header.forEach((h, i) => {
      const v = rec.fields[i] ?? '';
      if (v !== '' && !unknown.has(i)) row[h] = v;
    });
    yield { line: rec.line, row };
  }
}

/** Field → its column in the expected-returns CSV (docs/imports.md), to say what a row left out in both spellings. */
const CSV_COLUMN: Record<string, string> = { orderNo: 'order', lineNo: 'line', gtin: 'gtin', qtyShipped: 'qty_shipped' };

function issueOf(e: z.ZodError): { field?: string; message: string } {
  const i = e.issues[0];
  const field = i?.path.join('.') || undefined;
  const missing = i?.code === 'invalid_type' && field !== undefined && (i as { input?: unknown }).input === undefined;
  const text = missing ? `missing: give the JSON key "${field}"${CSV_COLUMN[field] ? ` (or "${CSV_COLUMN[field]}", its CSV column name)` : ''}` : i?.message;
  return { ...(field ? { field } : {}), message: i ? `${field ? `${field}: ` : ''}${text ?? ''}` : 'invalid row' };
}

// The canonical content itself is the row's fingerprint: short rows, and far cheaper than hashing 50,000 of them.
const hash = (v: unknown): string => JSON.stringify(v);

class Tally {
  readonly report: ImportReport;
  constructor(kind: ImportReport['kind'], private readonly max: number) {
    this.report = { kind, rows: 0, inserted: 0, updated: 0, unchanged: 0, errors: [], errorsTruncated: 0, durationMs: 0 };
  }
  error(e: ImportRowError): void {
    if (this.report.errors.length < this.max) this.report.errors.push(e);
    else this.report.errorsTruncated++;
  }
}

export function importReturns(db: BetterSqlite3.Database, src: ImportSource, opts: ImportOptions = {}): ImportReport {
  const t0 = performance.now();
  const now = opts.now ?? Date.now();
  const tally = new Tally('returns', opts.maxErrors ?? MAX_ERRORS);
  const getLine = db.prepare('SELECT row_hash FROM wf_order_lines WHERE order_no = ? AND line_no = ?').pluck();
  const putLine = db.prepare(`INSERT INTO wf_order_lines (order_no, line_no, gtin, sku, qty_ordered, qty_shipped, uom, units_per_uom, lots, row_hash)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(order_no, line_no) DO UPDATE SET gtin = excluded.gtin, sku = excluded.sku,
    qty_ordered = excluded.qty_ordered, qty_shipped = excluded.qty_shipped, uom = excluded.uom, units_per_uom = excluded.units_per_uom,
    lots = excluded.lots, row_hash = excluded.row_hash`);
  const dropSerials = db.prepare('DELETE FROM wf_shipped_serials WHERE order_no = ? AND line_no = ?');
  const putSerial = db.prepare('INSERT OR REPLACE INTO wf_shipped_serials (order_no, line_no, gtin, serial, shipped_at) VALUES (?, ?, ?, ?, ?)');
  const getOrder = db.prepare('SELECT row_hash, tracking, delivered_at, customer_reason FROM wf_orders WHERE order_no = ?');
  const putOrder = db.prepare(`INSERT INTO wf_orders (order_no, tracking, delivered_at, customer_reason, source, row_hash, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT(order_no) DO UPDATE SET tracking = excluded.tracking, delivered_at = excluded.delivered_at, customer_reason = excluded.customer_reason,
    source = excluded.source, row_hash = excluded.row_hash, updated_at = excluded.updated_at`);
  const getRma = db.prepare('SELECT order_no, tracking, reason FROM wf_rmas WHERE rma = ?');
  const putRma = db.prepare(`INSERT INTO wf_rmas (rma, order_no, tracking, reason, updated_at) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT(rma) DO UPDATE SET order_no = excluded.order_no, tracking = excluded.tracking, reason = excluded.reason, updated_at = excluded.updated_at`);
  const every = opts.progressEvery ?? 5000;

  db.transaction(() => {
    for (const { line, row, error } of rowsOf(src, ALIASES, { warn: (w) => (tally.report.warnings ??= []).push(w), required: REQUIRED_COLUMNS })) {
      tally.report.rows++;
      if (tally.report.rows % every === 0) opts.onProgress?.(tally.report.rows);
      if (error) {
        tally.error({ line, code: 'ROW_MALFORMED', message: error });
        continue;
      }
      const parsed = returnRowSchema.safeParse(row);
      if (!parsed.success) {
        tally.error({ line, code: 'ROW_INVALID', ...issueOf(parsed.error) });
        continue;
      }
      const r = parsed.data;
      const checked = r.reason !== undefined && opts.checkFacts ? opts.checkFacts({ reason: r.reason }) : undefined;
      if (checked && !checked.ok) {
        tally.error({ line, code: checked.error.code, field: 'reason', message: checked.error.message });
        continue;
      }
      let changed = false;
      let inserted = false;
      // Order-level fields are often given on an order's first line only (JSON, ERP exports): a line that leaves
      // them out keeps what is stored, or the order's tracking number and reason would depend on the line order
      // and every re-import would rewrite them back and forth.
      const cur = getOrder.get(r.orderNo) as { row_hash: string; tracking: string | null; delivered_at: number | null; customer_reason: string | null } | undefined;
      const tracking = r.tracking ?? cur?.tracking ?? undefined;
      const deliveredAt = r.deliveredAt ?? cur?.delivered_at ?? undefined;
      const reason = r.reason ?? cur?.customer_reason ?? undefined;
      const orderHash = hash([tracking, deliveredAt, reason]);
      if (cur?.row_hash !== orderHash) {
        putOrder.run(r.orderNo, tracking ?? null, deliveredAt ?? null, reason ?? null, opts.source ?? null, orderHash, now);
        changed = true;
      }
      const lineHash = hash([r.gtin, r.sku, r.qtyOrdered, r.qtyShipped, r.uom, r.unitsPerUom, r.serials, r.lots, deliveredAt]);
      const lh = getLine.get(r.orderNo, r.lineNo) as string | undefined;
      if (lh !== lineHash) {
        inserted = lh === undefined;
        putLine.run(r.orderNo, r.lineNo, r.gtin, r.sku ?? null, r.qtyOrdered * r.unitsPerUom, r.qtyShipped * r.unitsPerUom, r.uom, r.unitsPerUom, r.lots.length ? JSON.stringify(r.lots) : null, lineHash);
        dropSerials.run(r.orderNo, r.lineNo);
        for (const s of r.serials) putSerial.run(r.orderNo, r.lineNo, r.gtin, s, deliveredAt ?? null);
        changed = true;
      }
      if (r.rma) {
        const rc = getRma.get(r.rma) as { order_no: string; tracking: string | null; reason: string | null } | undefined;
        if (!rc || rc.order_no !== r.orderNo || rc.tracking !== (tracking ?? null) || rc.reason !== (reason ?? null)) {
          putRma.run(r.rma, r.orderNo, tracking ?? null, reason ?? null, now);
          changed = true;
          if (!rc) inserted = true;
        }
      }
      if (inserted) tally.report.inserted++;
      else if (changed) tally.report.updated++;
      else tally.report.unchanged++;
    }
  }).immediate();
  opts.onProgress?.(tally.report.rows);
  tally.report.durationMs = Math.round(performance.now() - t0);
  return tally.report;
}

const CATALOG_ALIASES: Record<string, string> = {
  gtin: 'gtin', name: 'name', category: 'category', brand: 'brand', price: 'price', currency: 'currency', vendor: 'vendor',
  rtv_allowed: 'rtvAllowed', serial_tracked: 'serialTracked', lot_tracked: 'lotTracked', hazmat: 'hazmat', hygiene: 'hygiene',
  sku: 'sku', base_gtin: 'baseGtin', units_per_pack: 'unitsPerPack',
};

const BOOLS = new Set(['rtvAllowed', 'serialTracked', 'lotTracked', 'hazmat', 'hygiene']);
const NUMS = new Set(['price', 'unitsPerPack']);

/** CSV cells are text; the product schema wants booleans and numbers. */
function typedCatalogRow(row: unknown): unknown {
  if (typeof row !== 'object' || row === null) return row;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (typeof v !== 'string') out[k] = v;
    else if (BOOLS.has(k)) out[k] = /^(true|yes|1|y)$/i.test(v) ? true : /^(false|no|0|n)$/i.test(v) ? false : v;
    else if (NUMS.has(k)) out[k] = v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
    else if (k === 'gtin' || k === 'baseGtin') {
      const n = normalizeGtin(v);
      out[k] = n.ok ? n.value : v;
    } else out[k] = v;
  }
  return out;
}

export function importCatalog(db: BetterSqlite3.Database, src: ImportSource, opts: ImportOptions & { catalog?: Catalog } = {}): ImportReport {
  const t0 = performance.now();
  const now = opts.now ?? Date.now();
  const tally = new Tally('catalog', opts.maxErrors ?? MAX_ERRORS);
  const get = db.prepare('SELECT row_hash FROM wf_products WHERE gtin = ?').pluck();
  const put = db.prepare('INSERT INTO wf_products (gtin, json, row_hash, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(gtin) DO UPDATE SET json = excluded.json, row_hash = excluded.row_hash, updated_at = excluded.updated_at');
  const changed: Product[] = [];
  db.transaction(() => {
    for (const { line, row, error } of rowsOf(src, CATALOG_ALIASES)) {
      tally.report.rows++;
      if (tally.report.rows % (opts.progressEvery ?? 5000) === 0) opts.onProgress?.(tally.report.rows);
      if (error) {
        tally.error({ line, code: 'ROW_MALFORMED', message: error });
        continue;
      }
      const parsed = productRowSchema.safeParse(typedCatalogRow(row));
      if (!parsed.success) {
        tally.error({ line, code: 'ROW_INVALID', ...issueOf(parsed.error) });
        continue;
      }
      const p = parsed.data;
      const h = hash(p);
      const cur = get.get(p.gtin) as string | undefined;
      if (cur === h) {
        tally.report.unchanged++;
        continue;
      }
      put.run(p.gtin, JSON.stringify(p), h, now);
      changed.push(p);
      if (cur === undefined) tally.report.inserted++;
      else tally.report.updated++;
    }
  }).immediate();
  opts.catalog?.put(changed);
  opts.onProgress?.(tally.report.rows);
  tally.report.durationMs = Math.round(performance.now() - t0);
  return tally.report;
}
