import type BetterSqlite3 from 'better-sqlite3';

/**
 * Reference numbers printed on labels — RMA, order and tracking numbers — are found whatever letter case they arrive
 * in (BUG-15 kind: Caps Lock on, or a scanner that sends no Shift, turns `RMA-2001` into `rma-2001`). Case is folded
 * for ASCII letters only, as SQLite's NOCASE does; references are ASCII. The station's own labels (operator badges,
 * tote labels) are found the same way (foldedIndexMatches); serial numbers stay exact: they are never looked up here.
 *
 * The tables keep their binary (case-sensitive) indexes, so a folded match walks the index letter by letter: at each
 * letter of the code both cases are tried, and a branch goes on only while some stored value starts with it. A code
 * that is no reference (an item's GTIN or GS1 string, an EPC URI) ends after a probe or two, a reference costs about
 * two index probes per letter; a full scan of 50,000 expected returns would cost milliseconds on every item scan.
 */

type Db = BetterSqlite3.Database;

/** Where references live: [table, column]. Fixed names only: they are put into SQL text. */
export const REF_COLUMNS = {
  rma: ['wf_rmas', 'rma'],
  order: ['wf_orders', 'order_no'],
  orderTracking: ['wf_orders', 'tracking'],
  rmaTracking: ['wf_rmas', 'tracking'],
} as const;

export type RefColumn = keyof typeof REF_COLUMNS;

/** Above this many index probes for one code (many stored values differing only in case) the walk gives way to a scan. */
const MAX_PROBES = 256;
/** The highest code point: `p + HIGH` is above every stored string that starts with `p`. */
const HIGH = '\u{10FFFF}';
const LETTER = /^[A-Za-z]$/;

interface Stmts {
  prefix: BetterSqlite3.Statement;
  exact: BetterSqlite3.Statement;
  scan: BetterSqlite3.Statement;
}

const cache = new WeakMap<Db, Map<string, Stmts>>();
/** Table and column names go into SQL text: plain identifiers only, always fixed names from the code. */
const IDENT = /^[a-z_][a-z0-9_]*$/;

function stmts(db: Db, table: string, column: string): Stmts {
  let m = cache.get(db);
  if (!m) cache.set(db, (m = new Map()));
  const name = `${table}.${column}`;
  let s = m.get(name);
  if (!s) {
    if (!IDENT.test(table) || !IDENT.test(column)) throw new Error(`not a plain identifier: ${table}.${column}`);
    s = {
      prefix: db.prepare(`SELECT 1 FROM ${table} WHERE ${column} >= ? AND ${column} < ? LIMIT 1`).pluck(),
      exact: db.prepare(`SELECT 1 FROM ${table} WHERE ${column} = ? LIMIT 1`).pluck(),
      scan: db.prepare(`SELECT DISTINCT ${column} FROM ${table} WHERE ${column} = ? COLLATE NOCASE`).pluck(),
    };
    m.set(name, s);
  }
  return s;
}

/** The distinct stored values of `col` equal to `code` when ASCII letter case is ignored (the exact one included). */
export function foldedMatches(db: Db, col: RefColumn, code: string): string[] {
  const [table, column] = REF_COLUMNS[col];
  return foldedIndexMatches(db, table, column, code);
}

/**
 * The same walk on any indexed text column (the station's badges and tote labels, src/station/labels.ts). `table`
 * and `column` are fixed names from the code, never input; the column needs a binary index (UNIQUE, PRIMARY KEY or
 * its own), or every probe is a scan.
 */
export function foldedIndexMatches(db: Db, table: string, column: string, code: string): string[] {
  const s = stmts(db, table, column);
  let prefixes = [''];
  let probes = 0;
  for (const ch of code) {
    if (!LETTER.test(ch)) {
      prefixes = prefixes.map((p) => p + ch);
      continue;
    }
    const next: string[] = [];
    for (const p of prefixes) {
      for (const c of [ch.toLowerCase(), ch.toUpperCase()]) {
        const q = p + c;
        probes++;
        if (s.prefix.get(q, q + HIGH) !== undefined) next.push(q);
      }
    }
    if (next.length === 0) return [];
    if (probes > MAX_PROBES) return s.scan.all(code) as string[];
    prefixes = next;
  }
  return prefixes.filter((p) => s.exact.get(p) !== undefined);
}
