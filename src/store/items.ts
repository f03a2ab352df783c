import type { StationDb } from './db.js';

/** One returned item as the station decided it. JSON columns are stored as given (objects are stringified). */
export interface ItemRecord {
  id: string;
  caseId?: string | null;
  createdAt?: number;
  source?: 'rfid' | 'barcode' | 'camera' | string | null;
  raw?: string | null;
  gtin?: string | null;
  serial?: string | null;
  epc?: string | null;
  identity?: unknown;
  facts?: unknown;
  decision?: unknown;
  disposition?: string | null;
  bin?: string | null;
  nextDepartment?: string | null;
  status?: string;
  exceptionCode?: string | null;
  operator?: string | null;
  rma?: string | null;
}

export interface ItemRow {
  id: string;
  case_id: string | null;
  created_at: number;
  updated_at: number;
  source: string | null;
  raw: string | null;
  gtin: string | null;
  serial: string | null;
  epc: string | null;
  identity_json: string | null;
  facts_json: string | null;
  decision_json: string | null;
  disposition: string | null;
  bin: string | null;
  next_department: string | null;
  status: string;
  exception_code: string | null;
  operator: string | null;
  rma: string | null;
}

const json = (v: unknown): string | null => (v === undefined || v === null ? null : typeof v === 'string' ? v : JSON.stringify(v));

export const UPSERT_ITEM_SQL = `INSERT INTO items (id, case_id, created_at, updated_at, source, raw, gtin, serial, epc,
  identity_json, facts_json, decision_json, disposition, bin, next_department, status, exception_code, operator, rma)
  VALUES (@id, @case_id, @created_at, @updated_at, @source, @raw, @gtin, @serial, @epc, @identity_json, @facts_json,
  @decision_json, @disposition, @bin, @next_department, @status, @exception_code, @operator, @rma)
  ON CONFLICT(id) DO UPDATE SET case_id=excluded.case_id, updated_at=excluded.updated_at, source=excluded.source,
  raw=excluded.raw, gtin=excluded.gtin, serial=excluded.serial, epc=excluded.epc, identity_json=excluded.identity_json,
  facts_json=excluded.facts_json, decision_json=excluded.decision_json, disposition=excluded.disposition,
  bin=excluded.bin, next_department=excluded.next_department, status=excluded.status,
  exception_code=excluded.exception_code, operator=excluded.operator, rma=excluded.rma`;

export function itemParams(item: ItemRecord, now: number): Record<string, unknown> {
  return {
    id: item.id,
    case_id: item.caseId ?? null,
    created_at: item.createdAt ?? now,
    updated_at: now,
    source: item.source ?? null,
    raw: item.raw ?? null,
    gtin: item.gtin ?? null,
    serial: item.serial ?? null,
    epc: item.epc ?? null,
    identity_json: json(item.identity),
    facts_json: json(item.facts),
    decision_json: json(item.decision),
    disposition: item.disposition ?? null,
    bin: item.bin ?? null,
    next_department: item.nextDepartment ?? null,
    status: item.status ?? 'decided',
    exception_code: item.exceptionCode ?? null,
    operator: item.operator ?? null,
    rma: item.rma ?? null,
  };
}

export function getItem(sdb: StationDb, id: string): ItemRow | undefined {
  return sdb.prepare('SELECT * FROM items WHERE id = ?').get(id) as ItemRow | undefined;
}

export function listItems(sdb: StationDb, opts: { caseId?: string; status?: string; limit?: number; sinceMs?: number } = {}): ItemRow[] {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, v: unknown): void => {
    where.push(clause);
    params.push(v);
  };
  if (opts.caseId !== undefined) add('case_id = ?', opts.caseId);
  if (opts.status !== undefined) add('status = ?', opts.status);
  if (opts.sinceMs !== undefined) add('created_at >= ?', opts.sinceMs);
  const sql = `SELECT * FROM items ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY created_at DESC, id LIMIT ?`;
  return sdb.prepare(sql).all(...params, opts.limit ?? 1000) as ItemRow[];
}
