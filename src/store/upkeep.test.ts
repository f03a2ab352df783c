import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { confirmUpTo, markSentThrough, openStationDb, outboxStats, recordItem, type StationDb } from './index.js';
import { StoreUpkeep } from './upkeep.js';

const ev = (id: string): { eventID: string; type: string } => ({ eventID: `urn:uuid:${id}`, type: 'ObjectEvent' });
const open: StationDb[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

describe('store upkeep: retention of delivered rows, bounded WAL, scheduled online backups', () => {
  it('only when idle: stamps and later deletes rows HQ confirmed, checkpoints, backs up and keeps the newest backups', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-upkeep-'));
    const sdb = openStationDb(join(dir, 'station.db'));
    open.push(sdb);
    const clock = { t: Date.parse('2026-12-03T09:00:00Z') };
    for (let i = 0; i < 10; i++) recordItem(sdb, { id: `i${i}`, raw: 'x'.repeat(4000) }, [ev(String(i))]);
    markSentThrough(sdb, 10, clock.t);
    confirmUpTo(sdb, 6, clock.t); // HQ's receipt: 1..6 stored at HQ
    const up = new StoreUpkeep(sdb, { retentionMs: 3600_000, idleMs: 5000, backupEveryMs: 3600_000, keepBackups: 1, walTruncateBytes: 1 }, () => clock.t);

    expect(await up.round()).toEqual({ idle: false, settled: 0, purged: 0 }); // just written: not idle yet
    clock.t += 6000;
    const r = await up.round();
    expect(r).toMatchObject({ idle: true, settled: 6, purged: 0, checkpoint: 'TRUNCATE' });
    expect(statSync(join(dir, 'station.db-wal')).size).toBe(0);
    expect(r.backup && existsSync(r.backup)).toBe(true);
    const b = new Database(r.backup ?? '', { readonly: true });
    expect(b.prepare('SELECT COUNT(*) FROM outbox').pluck().get()).toBe(10);
    b.close();
    // Nothing HQ has not confirmed is ever deleted, however old.
    clock.t += 2 * 3600_000;
    expect(await up.round()).toMatchObject({ idle: true, purged: 6 });
    expect(sdb.db.prepare('SELECT MIN(seq) AS lo, MAX(seq) AS hi, COUNT(*) AS n FROM outbox').get()).toEqual({ lo: 7, hi: 10, n: 4 });
    expect(outboxStats(sdb)).toMatchObject({ depth: 4, lastSeq: 10, lastConfirmedSeq: 6 });
    expect(readdirSync(join(dir, 'backups')).filter((f) => f.endsWith('.db'))).toHaveLength(1);

    // A new scan makes the station busy again: no housekeeping until it has been quiet for idleMs.
    recordItem(sdb, { id: 'new' }, [ev('new')]);
    clock.t += 1000;
    expect(await up.round()).toEqual({ idle: false, settled: 0, purged: 0 });
    await up.stop();
  });

  it('a restart does not take a fresh backup when the newest one is recent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-upkeep-'));
    const sdb = openStationDb(join(dir, 'station.db'));
    open.push(sdb);
    const clock = { t: Date.now() };
    const first = new StoreUpkeep(sdb, { idleMs: 0, backupEveryMs: 3600_000 }, () => clock.t);
    expect((await first.round()).backup).toBeDefined();
    const again = new StoreUpkeep(sdb, { idleMs: 0, backupEveryMs: 3600_000 }, () => clock.t + 60_000);
    expect((await again.round()).backup).toBeUndefined();
  });
});
