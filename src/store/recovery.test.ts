import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupStationDb, openStationDb, outboxStats, recordEvents, type StationDb } from './index.js';
import { adoptHqSequence, openStationDbRecovering, restoreState } from './recovery.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'rs-recovery-'));
const ev = (id: string): { eventID: string; type: string } => ({ eventID: `ni:///sha-256;${id}?ver=CBV2.0`, type: 'ObjectEvent' });
const add = (sdb: StationDb, from: number, n: number): void => {
  for (let i = from; i < from + n; i++) recordEvents(sdb, [ev(String(i))]);
};

function corrupt(path: string): void {
  const size = readFileSync(path).length;
  const fd = openSync(path, 'r+');
  for (let off = 4096; off < size; off += 4096) writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, off);
  closeSync(fd);
}

describe('start-up recovery (BUG-54)', () => {
  it('BUG-54: a damaged newest backup is skipped for an older good one; the damaged file is moved aside, never deleted', async () => {
    const dir = tmp();
    const p = join(dir, 'station.db');
    const sdb = openStationDb(p);
    add(sdb, 0, 30);
    await backupStationDb(sdb, join(dir, 'backups', 'station-2026-01-01T00-00-00-000Z.db'));
    add(sdb, 30, 30);
    sdb.close();
    writeFileSync(join(dir, 'backups', 'station-2026-01-02T00-00-00-000Z.db'), Buffer.alloc(8192, 0x41));
    corrupt(p);
    const r = openStationDbRecovering(p, { now: () => Date.UTC(2026, 11, 4, 7, 0, 0) });
    expect(r.recovery?.recoveredFrom).toContain('2026-01-01');
    expect(r.recovery?.refused.map((x) => x.backup)).toEqual([join(dir, 'backups', 'station-2026-01-02T00-00-00-000Z.db')]);
    expect(readdirSync(dir)).toContain('station.db.corrupt-2026-12-04T07-00-00-000Z');
    expect(outboxStats(r.sdb).lastSeq).toBe(30);
    expect(restoreState(r.sdb).backupSeq).toBe(30);
    r.sdb.close();
  });

  it('BUG-54: "file is not a database" and no usable backup: a fresh database, still waiting for HQ before it numbers anything HQ may hold', () => {
    const dir = tmp();
    const p = join(dir, 'station.db');
    writeFileSync(p, Buffer.alloc(16384, 0x20));
    const r = openStationDbRecovering(p);
    expect(r.recovery?.fresh).toBe(true);
    expect(r.recovery?.recoveredFrom).toBeUndefined();
    expect(r.sdb.db.pragma('quick_check', { simple: true })).toBe('ok');
    expect(restoreState(r.sdb).restoredAt).toBeGreaterThan(0);
    // Taken while waiting: numbered 1..3 for now, moved above HQ's highest (41) when it is known.
    add(r.sdb, 0, 3);
    expect(adoptHqSequence(r.sdb, 41)).toEqual({ base: 41, renumbered: 3 });
    const rows = r.sdb.db.prepare('SELECT seq AS s, payload FROM outbox ORDER BY seq').all() as Array<{ s: number; payload: string }>;
    expect(rows.map((x) => x.s)).toEqual([42, 43, 44]);
    expect(rows.map((x) => (JSON.parse(x.payload) as Record<string, unknown>)['rs:stationSeq'])).toEqual([42, 43, 44]);
    add(r.sdb, 10, 1);
    expect(outboxStats(r.sdb).lastSeq).toBe(45);
    expect(restoreState(r.sdb).restoredAt).toBeUndefined();
    r.sdb.close();
    // The next start is a normal one.
    const again = openStationDbRecovering(p);
    expect(again.recovery).toBeUndefined();
    again.sdb.close();
  });

  it('BUG-54: HQ behind the backup (it lost nothing the backup lacks): numbering simply continues', () => {
    const dir = tmp();
    const p = join(dir, 'station.db');
    writeFileSync(p, 'not a database at all, but long enough to have a header'.repeat(200));
    const r = openStationDbRecovering(p);
    add(r.sdb, 0, 2);
    expect(adoptHqSequence(r.sdb, 0)).toEqual({ base: 0, renumbered: 0 });
    add(r.sdb, 5, 1);
    expect(outboxStats(r.sdb).lastSeq).toBe(3);
    r.sdb.close();
  });
});
