import type BetterSqlite3 from 'better-sqlite3';
import { foldedMatches, REF_COLUMNS, type RefColumn } from './case-refs.js';

/**
 * Expected returns: orders (deliveries) with their lines, the serials and lots shipped on each line, and the RMAs
 * (return authorisations) that point at an order. Quantities are base units. Tables: see store migration 2.
 */
export interface ReturnLine {
  rma?: string | undefined;
  orderNo: string;
  tracking?: string | undefined;
  deliveredAt?: number | undefined;
  reason?: string | undefined;
  lineNo: number;
  gtin: string;
  sku?: string | undefined;
  /** in the line's unit of measure */
  qtyOrdered: number;
  /** in the line's unit of measure */
  qtyShipped: number;
  uom: string;
  /** base units per unit of measure (a box of 6 = 6) */
  unitsPerUom: number;
  serials: string[];
  lots: string[];
}

export interface OrderRow {
  order_no: string;
  tracking: string | null;
  delivered_at: number | null;
  customer_reason: string | null;
}

export interface LineRow {
  order_no: string;
  line_no: number;
  gtin: string;
  sku: string | null;
  qty_ordered: number;
  qty_shipped: number;
  uom: string;
  units_per_uom: number;
  lots: string | null;
}

type Db = BetterSqlite3.Database;

const stmts = new WeakMap<Db, Record<string, BetterSqlite3.Statement>>();
function st(db: Db, name: string, sql: string): BetterSqlite3.Statement {
  let m = stmts.get(db);
  if (!m) stmts.set(db, (m = {}));
  return (m[name] ??= db.prepare(sql));
}

export interface CaseRef {
  orderNo: string;
  rma?: string;
}

/**
 * What a scanned case label refers to, whatever its letter case (BUG-15 kind, case-refs.ts): one reference, or
 * several stored references that differ only in letter case — the station does not guess between those.
 */
export type CaseCodeLookup =
  | { kind: 'found'; ref: CaseRef; matched: string }
  | { kind: 'ambiguous'; matches: Array<CaseRef & { code: string }> }
  | { kind: 'none' };

export function findCaseCode(db: Db, code: string): CaseCodeLookup {
  const stored = new Set<string>();
  for (const col of Object.keys(REF_COLUMNS) as RefColumn[]) for (const v of foldedMatches(db, col, code)) stored.add(v);
  const matches: Array<CaseRef & { code: string }> = [];
  for (const v of [...stored].sort()) {
    const ref = exactCaseCode(db, v);
    // Two spellings that lead to the same return (an order's and its RMA's tracking number) are no ambiguity.
    if (ref && !matches.some((m) => m.orderNo === ref.orderNo && m.rma === ref.rma)) matches.push({ code: v, ...ref });
  }
  const [one] = matches;
  if (!one) return { kind: 'none' };
  if (matches.length > 1) return { kind: 'ambiguous', matches };
  const { code: matched, ...ref } = one;
  return { kind: 'found', ref, matched };
}

/** What a scanned case label refers to (an RMA, an order number or a tracking number); undefined when none or ambiguous. */
export function lookupCaseCode(db: Db, code: string): CaseRef | undefined {
  const r = findCaseCode(db, code);
  return r.kind === 'found' ? r.ref : undefined;
}

/** A reference exactly as stored: an RMA first, then an order or its tracking number, then an RMA's tracking number. */
function exactCaseCode(db: Db, code: string): CaseRef | undefined {
  const r = st(db, 'rma', 'SELECT rma, order_no FROM wf_rmas WHERE rma = ?').get(code) as { rma: string; order_no: string } | undefined;
  if (r) return { orderNo: r.order_no, rma: r.rma };
  const o = st(db, 'order', 'SELECT order_no FROM wf_orders WHERE order_no = ? OR tracking = ? LIMIT 1').get(code, code) as { order_no: string } | undefined;
  if (o) {
    // Issue #8: an order (or its tracking number) with exactly one RMA names that return; with several it names none.
    const rma = onlyRmaOf(db, o.order_no);
    return rma ? { orderNo: o.order_no, rma } : { orderNo: o.order_no };
  }
  const t = st(db, 'rmaTrack', 'SELECT rma, order_no FROM wf_rmas WHERE tracking = ? LIMIT 1').get(code) as { rma: string; order_no: string } | undefined;
  return t ? { orderNo: t.order_no, rma: t.rma } : undefined;
}

/** The order's RMA when it has exactly one; undefined when it has none or several (the station does not guess). */
export function onlyRmaOf(db: Db, orderNo: string): string | undefined {
  const rmas = st(db, 'rmasOfOrder', 'SELECT DISTINCT rma FROM wf_rmas WHERE order_no = ? LIMIT 2').pluck().all(orderNo) as string[];
  return rmas.length === 1 ? rmas[0] : undefined;
}

export function getOrder(db: Db, orderNo: string): OrderRow | undefined {
  return st(db, 'getOrder', 'SELECT order_no, tracking, delivered_at, customer_reason FROM wf_orders WHERE order_no = ?').get(orderNo) as OrderRow | undefined;
}

export function orderLines(db: Db, orderNo: string): LineRow[] {
  return st(db, 'lines', 'SELECT order_no, line_no, gtin, sku, qty_ordered, qty_shipped, uom, units_per_uom, lots FROM wf_order_lines WHERE order_no = ? ORDER BY line_no').all(orderNo) as LineRow[];
}

export function serialsOf(db: Db, orderNo: string, lineNo: number): string[] {
  return (st(db, 'serials', 'SELECT serial FROM wf_shipped_serials WHERE order_no = ? AND line_no = ? ORDER BY serial').pluck().all(orderNo, lineNo) as string[]);
}

/** The latest shipment of a serial (BUG-63: a return is only valid against it). */
export function latestShipment(db: Db, gtin: string, serial: string): { orderNo: string; shippedAt: number | null } | undefined {
  const r = st(db, 'latest', 'SELECT order_no, shipped_at FROM wf_shipped_serials WHERE gtin = ? AND serial = ? ORDER BY COALESCE(shipped_at, 0) DESC, order_no DESC LIMIT 1').get(gtin, serial) as
    | { order_no: string; shipped_at: number | null }
    | undefined;
  return r ? { orderNo: r.order_no, shippedAt: r.shipped_at } : undefined;
}

/** The one open-looking order that shipped this GTIN, when exactly one did (scan-first by item). */
export function onlyOrderWithGtin(db: Db, gtin: string): string | undefined {
  const rows = st(db, 'byGtin', 'SELECT DISTINCT order_no FROM wf_order_lines WHERE gtin = ? LIMIT 2').pluck().all(gtin) as string[];
  return rows.length === 1 ? rows[0] : undefined;
}

export function rmasOfOrder(db: Db, orderNo: string): string[] {
  return st(db, 'rmasOf', 'SELECT rma FROM wf_rmas WHERE order_no = ? ORDER BY rma').pluck().all(orderNo) as string[];
}
