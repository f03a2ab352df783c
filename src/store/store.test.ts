import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, openSync, readFileSync, writeSync, closeSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { isStationError } from '../core/errors.js';
import {
  backupStationDb, checkpoint, confirmUpTo, exportItemsCsv, getItem, markSentThrough, openStationDb, outboxStats, purgeConfirmed,
  recordEvents, recordItem, recoverFromLatestBackup, restoreStationDb, SCHEMA_VERSION, settleConfirmed, type StationDb,
} from './index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const tmp = (): string => mkdtempSync(join(tmpdir(), 'rs-store-'));
const ev = (id: string, extra: Record<string, unknown> = {}): { eventID: string; [k: string]: unknown } => ({ eventID: `urn:uuid:${id}`, type: 'ObjectEvent', ...extra });
const open: StationDb[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});
const openDb = (p: string, o?: Parameters<typeof openStationDb>[1]): StationDb => {
  const s = openStationDb(p, o);
  open.push(s);
  return s;
};
function child(script: string, args: string[]): ChildProcess {
  const c = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'sync', 'children', script), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(c);
  return c;
}
const firstLine = (c: ChildProcess): Promise<string> =>
  new Promise((resolve) => c.stdout?.once('data', (d: Buffer) => resolve(d.toString())));

describe('station database', () => {
  it('creates the file with WAL, synchronous=FULL, foreign keys and the current schema', () => {
    const sdb = openDb(join(tmp(), 'nested', 'dir', 'station.db'));
    expect(sdb.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(sdb.db.pragma('synchronous', { simple: true })).toBe(2);
    expect(sdb.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(sdb.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(sdb.installId).toMatch(/^[0-9a-f-]{36}$/);
    // 4 MiB of page cache, not better-sqlite3's 16 MB that the start-up quick_check would fill with the whole file.
    expect(sdb.db.pragma('cache_size', { simple: true })).toBe(-4096);
  });

  it('keeps savepoint undo pages in memory, and a savepoint rolled back past 64 KiB leaves the rest of its transaction', () => {
    const sdb = openDb(join(tmp(), 'sp.db'));
    expect(sdb.db.pragma('temp_store', { simple: true })).toBe(2);
    sdb.db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    const ins = sdb.db.prepare('INSERT INTO t (v) VALUES (?)');
    const big = 'x'.repeat(2000);
    const inner = sdb.db.transaction(() => {
      for (let i = 0; i < 100; i++) ins.run(big); // ~200 KiB: a sub-journal this size used to spill to a file
      throw new Error('refused');
    });
    sdb.db.transaction(() => {
      ins.run('kept');
      expect(() => inner()).toThrow('refused');
      ins.run('kept too');
    }).immediate();
    expect(sdb.db.prepare('SELECT v FROM t ORDER BY id').pluck().all()).toEqual(['kept', 'kept too']);
  });

  it('keeps the per-install id across restarts (BUG-45: client id from the install, not the hostname)', () => {
    const p = join(tmp(), 's.db');
    const a = openStationDb(p);
    const id = a.installId;
    a.close();
    expect(openDb(p).installId).toBe(id);
  });

  it('refuses a database from newer software', () => {
    const p = join(tmp(), 's.db');
    openStationDb(p).close();
    const raw = new Database(p);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    raw.close();
    expect(() => openStationDb(p)).toThrowError(expect.objectContaining({ code: 'DB_TOO_NEW' }) as Error);
  });

  it('recordItem writes the item and its events in one transaction with consecutive station sequence numbers', () => {
    const sdb = openDb(join(tmp(), 's.db'));
    const r1 = recordItem(sdb, { id: 'i1', caseId: 'c1', source: 'rfid', decision: { bin: 'A' } }, [ev('1'), ev('2')]);
    const r2 = recordItem(sdb, { id: 'i2', caseId: 'c1', source: 'barcode' }, [ev('3')]);
    expect(r1.seqs).toEqual([1, 2]);
    expect(r2.seqs).toEqual([3]);
    expect(getItem(sdb, 'i1')?.decision_json).toBe('{"bin":"A"}');
    const payload = JSON.parse((sdb.db.prepare('SELECT payload FROM outbox WHERE seq = 2').get() as { payload: string }).payload) as Record<string, unknown>;
    expect(payload['rs:stationSeq']).toBe(2);
    expect(outboxStats(sdb)).toMatchObject({ depth: 3, unsent: 3, sentUnconfirmed: 0, lastSeq: 3 });
  });

  it("stores each event as its JSON with the station sequence number added last (GS1's example events)", () => {
    const sdb = openDb(join(tmp(), 's.db'));
    const doc = JSON.parse(readFileSync(join(ROOT, 'fixtures/epcis/examples/object_event_all_possible_fields.jsonld'), 'utf8')) as { epcisBody: { eventList: Array<Record<string, unknown>> } };
    const example = doc.epcisBody.eventList[0] as Record<string, unknown>;
    const events = [
      { ...example, eventID: 'urn:uuid:a' },
      { ...example, eventID: 'urn:uuid:b', 'rs:stationSeq': 99, 'rs:after': true }, // a stale number is replaced where it is
      { eventID: 'urn:uuid:c' },
    ];
    recordEvents(sdb, events);
    const payloads = sdb.db.prepare('SELECT payload FROM outbox ORDER BY seq').pluck().all() as string[];
    expect(payloads).toEqual([
      JSON.stringify({ ...events[0], 'rs:stationSeq': 1 }),
      JSON.stringify({ ...events[1], 'rs:stationSeq': 2 }),
      '{"eventID":"urn:uuid:c","rs:stationSeq":3}',
    ]);
    expect(payloads[1]).toContain('"rs:stationSeq":2,"rs:after":true');
  });

  it('a failing event insert rolls the item back too (nothing half-written)', () => {
    const sdb = openDb(join(tmp(), 's.db'));
    const bad = { eventID: 'urn:uuid:x', toJSON: (): never => { throw new Error('boom'); } };
    expect(() => recordItem(sdb, { id: 'i1' }, [bad as unknown as { eventID: string }])).toThrow('boom');
    expect(getItem(sdb, 'i1')).toBeUndefined();
    expect(outboxStats(sdb).lastSeq).toBe(0);
  });

  it('the same eventID twice yields one outbox row (a retried action is not a second event)', () => {
    const sdb = openDb(join(tmp(), 's.db'));
    expect(recordItem(sdb, { id: 'i1' }, [ev('1')]).seqs).toEqual([1]);
    expect(recordItem(sdb, { id: 'i1', status: 'binned' }, [ev('1')]).seqs).toEqual([1]);
    expect(recordEvents(sdb, [ev('1', { errorDeclaration: { declarationTime: 'x' } })]).seqs).toEqual([2]);
    expect(outboxStats(sdb).lastSeq).toBe(2);
  });

  it('one append with repeats, known events and more events than one insert statement takes: no holes, one row each', () => {
    const sdb = openDb(join(tmp(), 's.db'));
    expect(recordEvents(sdb, [ev('a'), ev('b'), ev('a')]).seqs).toEqual([1, 2, 1]);
    const many = Array.from({ length: 19 }, (_, i) => ev(`m${i}`));
    expect(recordEvents(sdb, [ev('b'), ...many, ev('m3')]).seqs).toEqual([2, ...Array.from({ length: 19 }, (_, i) => i + 3), 6]);
    const rows = sdb.db.prepare('SELECT seq, event_id, payload FROM outbox ORDER BY seq').all() as Array<{ seq: number; event_id: string; payload: string }>;
    expect(rows.map((r) => r.event_id)).toEqual(['urn:uuid:a', 'urn:uuid:b', ...many.map((e) => e.eventID)]);
    expect(rows.every((r) => (JSON.parse(r.payload) as Record<string, unknown>)['rs:stationSeq'] === r.seq)).toBe(true);
    expect(outboxStats(sdb).lastSeq).toBe(21);
  });

  it('watermarks drive sent/confirmed; retention deletes only settled, confirmed, old rows; sequence never reused', () => {
    const sdb = openDb(join(tmp(), 's.db'));
    for (let i = 0; i < 10; i++) recordItem(sdb, { id: `i${i}` }, [ev(String(i))]);
    markSentThrough(sdb, 6, 1000);
    expect(outboxStats(sdb)).toMatchObject({ depth: 10, unsent: 4, sentUnconfirmed: 6 });
    expect(confirmUpTo(sdb, 4, 2000)).toBe(4);
    expect(confirmUpTo(sdb, 3, 2000)).toBe(0);
    expect(outboxStats(sdb)).toMatchObject({ depth: 6, unsent: 4, sentUnconfirmed: 2, lastConfirmedSeq: 4, lastConfirmedAt: 2000 });
    expect(sdb.db.prepare("SELECT COUNT(*) AS n FROM outbox_status WHERE state = 'confirmed'").get()).toEqual({ n: 4 });
    expect(settleConfirmed(sdb)).toBe(4);
    expect(purgeConfirmed(sdb, 1000, 2500)).toBe(0);
    expect(purgeConfirmed(sdb, 1000, 3001)).toBe(4);
    expect(recordItem(sdb, { id: 'new' }, [ev('new')]).seqs).toEqual([11]);
    expect(confirmUpTo(sdb, 999, 4000)).toBe(7); // never beyond what was written
  });

  it('BUG-52: A waits for B holding BEGIN IMMEDIATE for 800 ms and then succeeds', async () => {
    const p = join(tmp(), 's.db');
    const sdb = openDb(p);
    const b = child('hold-lock.ts', [p, '800']);
    expect(await firstLine(b)).toContain('locked');
    const t0 = Date.now();
    expect(recordItem(sdb, { id: 'a1' }, [ev('a1')]).seqs).toEqual([1]);
    expect(Date.now() - t0).toBeGreaterThan(300); // it really waited for B
    // The deferred pattern that fails at once in WAL is exactly what recordItem avoids:
    expect(sdb.db.prepare("SELECT value FROM meta WHERE key = 'lock-holder'").get()).toEqual({ value: 'b' });
  });

  it('BUG-52: still busy after the timeout → retries, then STORAGE_BUSY with a message for the operator', async () => {
    const p = join(tmp(), 's.db');
    const sdb = openDb(p, { busyTimeoutMs: 50 });
    const b = child('hold-lock.ts', [p, '3000']);
    expect(await firstLine(b)).toContain('locked');
    let code = '';
    try {
      recordItem(sdb, { id: 'a1' }, [ev('a1')]);
    } catch (e) {
      code = isStationError(e) ? e.code : String(e);
    }
    expect(code).toBe('STORAGE_BUSY');
    expect(outboxStats(sdb).lastSeq).toBe(0);
  });

  it('BUG-54 a: restore moves stale -wal/-shm aside, so the restored file opens clean with the backup content', async () => {
    const dir = tmp();
    const p = join(dir, 'returns.db');
    const sdb = openStationDb(p);
    for (let i = 0; i < 20; i++) recordItem(sdb, { id: `i${i}` }, [ev(String(i))]);
    await backupStationDb(sdb, join(dir, 'backups', '2025-10-01.db'));
    for (let i = 20; i < 40; i++) recordItem(sdb, { id: `i${i}` }, [ev(String(i))]);
    // Keep the live WAL of the newer state, as a crashed station would leave it.
    copyFileSync(`${p}-wal`, join(dir, 'stale-wal'));
    copyFileSync(`${p}-shm`, join(dir, 'stale-shm'));
    sdb.db.close();
    copyFileSync(join(dir, 'stale-wal'), `${p}-wal`);
    copyFileSync(join(dir, 'stale-shm'), `${p}-shm`);
    const r = restoreStationDb(join(dir, 'backups', '2025-10-01.db'), p);
    expect(r.movedAside.length).toBe(3);
    expect(existsSync(`${p}-wal`)).toBe(false);
    const again = openDb(p);
    expect(again.db.pragma('quick_check', { simple: true })).toBe('ok');
    expect(outboxStats(again).lastSeq).toBe(20);
  });

  it('BUG-54 b: SIGKILL during a burst of writes loses no committed return and leaves the file ok', async () => {
    const p = join(tmp(), 's.db');
    openStationDb(p).close();
    let acknowledged = 0;
    for (let round = 0; round < 3; round++) {
      const c = child('write-burst.ts', [p]);
      let buf = '';
      c.stdout?.on('data', (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        for (const l of lines) acknowledged = Math.max(acknowledged, Number(l));
      });
      // Kill mid-burst: once this round has committed some writes (a loaded machine starts the child slowly).
      const before = acknowledged;
      for (let i = 0; i < 600 && acknowledged < before + 5; i++) await new Promise((r) => setTimeout(r, 25));
      await new Promise((r) => setTimeout(r, 50 + round * 40));
      c.kill('SIGKILL');
      await new Promise((r) => c.once('exit', r));
    }
    expect(acknowledged).toBeGreaterThan(10);
    const sdb = openDb(p);
    expect(sdb.db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(outboxStats(sdb).lastSeq).toBeGreaterThanOrEqual(acknowledged);
  });

  it('BUG-54: a damaged file is refused with DB_CORRUPT and a restore hint; recovery restores the latest backup', async () => {
    const dir = tmp();
    const p = join(dir, 'returns.db');
    const sdb = openStationDb(p);
    for (let i = 0; i < 300; i++) recordItem(sdb, { id: `i${i}`, raw: 'x'.repeat(500) }, [ev(String(i))]);
    await backupStationDb(sdb, join(dir, 'backups', 'a.db'));
    sdb.close();
    const size = readFileSync(p).length;
    const fd = openSync(p, 'r+');
    for (let off = 8192; off < size - 4096; off += 4096) writeSync(fd, Buffer.alloc(64, 0xa5), 0, 64, off + 100);
    closeSync(fd);
    let err: unknown;
    try {
      openStationDb(p);
    } catch (e) {
      err = e;
    }
    expect(isStationError(err) && err.code).toBe('DB_CORRUPT');
    expect(isStationError(err) && err.hint).toContain('restore');
    const r = recoverFromLatestBackup(p, join(dir, 'backups'));
    expect(r.restoredFrom).toContain('a.db');
    expect(outboxStats(openDb(p)).lastSeq).toBe(300);
  });

  it('checkpoints keep the WAL bounded and CSV export quotes what spreadsheets would run', async () => {
    const dir = tmp();
    const sdb = openDb(join(dir, 's.db'), { journalSizeLimit: 1024 * 1024 });
    for (let i = 0; i < 200; i++) recordItem(sdb, { id: `i${i}`, raw: 'y'.repeat(2000), rma: i === 0 ? '=HYPERLINK("x")' : `R${i}`, bin: 'A,1' }, [ev(String(i))]);
    const r = checkpoint(sdb, 'TRUNCATE');
    expect(r.busy).toBe(0);
    expect(readFileSync(`${join(dir, 's.db')}-wal`).length).toBe(0);
    const out = join(dir, 'cases.csv');
    expect((await exportItemsCsv(sdb, out)).rows).toBe(200);
    const csv = readFileSync(out, 'utf8');
    expect(csv.split('\n')[0]).toContain('id,case_id,created_at');
    expect(csv).toContain(`"'=HYPERLINK(""x"")"`);
    expect(csv).toContain('"A,1"');
  });
});
