import { execFile } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StationApp } from '../../src/app/station-app.js';
import { parseConfig } from '../../src/config/load.js';
import { HqIngest, SqliteHqStore } from '../../src/hq/index.js';
import { backupStationDb, openStationDb, outboxStats, restoreState, type StationDb } from '../../src/store/index.js';
import { receivingEvent } from '../../src/sync/epcis/index.js';
import { topics } from '../../src/sync/topics.js';
import { serviceGate } from '../support/services.js';
import { place, recordReturns, tempDir, waitFor } from './helpers.js';
import { TestMosquitto, haveMosquitto } from './mosquitto.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SITE = 'dc-test';
const STATION = 'st-54';
let haveMq = false;
beforeAll(() => {
  haveMq = serviceGate('mosquitto', haveMosquitto());
});

const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** Overwrites every page after the first with garbage, as a torn write or a failing disk would. */
function corrupt(path: string): void {
  const size = readFileSync(path).length;
  const fd = openSync(path, 'r+');
  for (let off = 4096; off < size; off += 4096) writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, off);
  closeSync(fd);
}

const seqsOf = (sdb: StationDb, ids: string[]): number[] =>
  ids.map((id) => (sdb.db.prepare('SELECT seq AS s FROM outbox WHERE event_id = ?').get(id) as { s: number }).s);

async function hqFor(url: string, dir: string): Promise<{ hq: HqIngest; store: SqliteHqStore }> {
  const store = new SqliteHqStore(join(dir, 'hq.db'));
  const hq = new HqIngest({ url, store, workerId: `bug54-${process.pid}-${Date.now()}`, batchDelayMs: 10 });
  await hq.start();
  cleanup.push(() => hq.stop());
  return { hq, store };
}

const hqSeqs = (store: SqliteHqStore): Array<{ seq: number; event_id: string }> =>
  store.database.prepare('SELECT seq, event_id FROM hq_events WHERE site = ? AND station = ? ORDER BY seq').all(SITE, STATION) as Array<{ seq: number; event_id: string }>;

describe('station database recovery (BUG-54)', () => {
  it('BUG-54: a damaged station db is moved aside, the backup restored, new events continue above HQ\'s highest (no conflicts) and the post-backup events come back from HQ; the next start is normal', async (t) => {
    if (!haveMq) return t.skip();
    const m = new TestMosquitto();
    await m.start();
    cleanup.push(() => m.stop());
    const dir = tempDir('rs-bug54-');
    const { hq, store } = await hqFor(m.url, dir);
    const config = parseConfig({ dataDir: join(dir, 'station'), site: SITE, station: STATION, http: { port: 0 } });
    const start = async (): Promise<StationApp> => {
      const app = new StationApp({ config, brokerUrl: m.url, serveHttp: false });
      await app.start();
      return app;
    };

    // Run 1: 10 returns reach HQ, a backup is taken, 5 more reach HQ; then the file is damaged.
    const app1 = await start();
    const before = recordReturns(app1.sdb, 10, { site: SITE, station: STATION });
    app1.publisher.kick();
    await waitFor(() => outboxStats(app1.sdb).lastConfirmedSeq === 10, 20_000, 'first 10 confirmed');
    const backup = join(dir, 'station', 'backups', 'station-2026-12-01T00-00-00-000Z.db');
    await backupStationDb(app1.sdb, backup);
    const afterBackup = recordReturns(app1.sdb, 5, { site: SITE, station: STATION, start: 10 });
    app1.publisher.kick();
    await waitFor(() => outboxStats(app1.sdb).lastConfirmedSeq === 15, 20_000, 'post-backup 5 confirmed');
    await app1.stop();
    const dbPath = join(dir, 'station', 'station.db');
    corrupt(dbPath);
    expect(() => openStationDb(dbPath).close()).toThrow();

    // Run 2: starts (no crash), on the restored backup, and says so.
    const app2 = await start();
    cleanup.push(() => app2.stop());
    expect(app2.recovery?.recoveredFrom).toBe(backup);
    const aside = readdirSync(join(dir, 'station')).filter((f) => f.startsWith('station.db.corrupt-'));
    expect(aside.length).toBeGreaterThanOrEqual(1);
    expect(aside.every((f) => /^station\.db\.corrupt-\d{4}-\d\d-\d\dT[\d-]+Z(-wal|-shm)?$/.test(f))).toBe(true);
    expect(app2.health().database.recoveredFrom).toBe(backup);
    // New returns are taken at once; they wait in the outbox until HQ's highest is known, then continue above it.
    const fresh = recordReturns(app2.sdb, 3, { site: SITE, station: STATION, start: 100 });
    app2.publisher.kick();
    await waitFor(() => hqSeqs(store).length === 18, 20_000, 'HQ stores the 3 new events');
    expect(seqsOf(app2.sdb, fresh)).toEqual([16, 17, 18]);
    expect(hq.stats().conflicts).toBe(0);
    const atHq = hqSeqs(store);
    expect(atHq.map((r) => r.seq)).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
    expect(atHq.map((r) => r.event_id)).toEqual([...before, ...afterBackup, ...fresh]);
    await waitFor(() => outboxStats(app2.sdb).lastConfirmedSeq === 18, 20_000, 'HQ confirms through 18');
    // The events recorded after the backup come back from HQ as history.
    await waitFor(() => (app2.health().database.resync?.events ?? 0) === 5 && app2.health().database.resync?.pending === false, 20_000, 're-sync');
    const history = app2.sdb.prepare('SELECT key, seq FROM resynced_events ORDER BY seq').all() as Array<{ key: string; seq: number }>;
    expect(history.map((h) => h.key)).toEqual(afterBackup);
    expect(history.map((h) => h.seq)).toEqual([11, 12, 13, 14, 15]);
    expect(app2.health().database.waitingForHq).toBeUndefined();
    await app2.stop();
    cleanup.pop();

    // Run 3: a normal start, no recovery, no waiting; the sequence goes on.
    const app3 = await start();
    cleanup.push(() => app3.stop());
    expect(app3.recovery).toBeUndefined();
    expect(app3.health().database.recoveredFrom).toBeUndefined();
    expect(app3.publisher.holding).toBe(false);
    const more = recordReturns(app3.sdb, 1, { site: SITE, station: STATION, start: 200 });
    app3.publisher.kick();
    await waitFor(() => hqSeqs(store).length === 19, 20_000, 'HQ stores the event of run 3');
    expect(seqsOf(app3.sdb, more)).toEqual([19]);
    expect(hq.stats().conflicts).toBe(0);
  }, 90_000);

  it('BUG-54: with HQ unreachable after a restore, new events are held (not sent) and continue above HQ\'s highest once HQ answers', async (t) => {
    if (!haveMq) return t.skip();
    const m = new TestMosquitto();
    await m.start();
    cleanup.push(() => m.stop());
    const dir = tempDir('rs-bug54h-');
    const { hq, store } = await hqFor(m.url, dir);
    const config = parseConfig({ dataDir: join(dir, 'station'), site: SITE, station: STATION, http: { port: 0 } });
    const app1 = new StationApp({ config, brokerUrl: m.url, serveHttp: false });
    await app1.start();
    recordReturns(app1.sdb, 4, { site: SITE, station: STATION });
    app1.publisher.kick();
    await waitFor(() => outboxStats(app1.sdb).lastConfirmedSeq === 4, 20_000, 'first 4 confirmed');
    await backupStationDb(app1.sdb, join(dir, 'station', 'backups', 'station-2026-12-01T00-00-00-000Z.db'));
    recordReturns(app1.sdb, 6, { site: SITE, station: STATION, start: 4 });
    app1.publisher.kick();
    await waitFor(() => outboxStats(app1.sdb).lastConfirmedSeq === 10, 20_000, '10 confirmed');
    await app1.stop();
    corrupt(join(dir, 'station', 'station.db'));

    hq.pause(); // HQ does not store or answer: the station must not guess
    const app2 = new StationApp({ config, brokerUrl: m.url, serveHttp: false });
    await app2.start();
    cleanup.push(() => app2.stop());
    const held = recordReturns(app2.sdb, 2, { site: SITE, station: STATION, start: 50 });
    app2.publisher.kick();
    await new Promise((r) => setTimeout(r, 1500));
    expect(app2.health().database.waitingForHq).toBe(true);
    expect(app2.publisher.status().lastPubackAt).toBeUndefined();
    expect(outboxStats(app2.sdb).unsent).toBe(2);
    hq.resume();
    await waitFor(() => hqSeqs(store).length === 12, 20_000, 'held events stored at HQ');
    expect(seqsOf(app2.sdb, held)).toEqual([11, 12]);
    expect(hq.stats().conflicts).toBe(0);
    await waitFor(() => outboxStats(app2.sdb).lastConfirmedSeq === 12, 20_000, 'confirmed through 12');
  }, 90_000);

  it('BUG-54: numbers the damaged file had sent but HQ never got (a gap at HQ above the backup) are skipped, so HQ\'s receipt moves past them', async (t) => {
    if (!haveMq) return t.skip();
    const m = new TestMosquitto();
    await m.start();
    cleanup.push(() => m.stop());
    const dir = tempDir('rs-bug54g-');
    const { hq, store } = await hqFor(m.url, dir);
    const config = parseConfig({ dataDir: join(dir, 'station'), site: SITE, station: STATION, http: { port: 0 } });
    const app1 = new StationApp({ config, brokerUrl: m.url, serveHttp: false });
    await app1.start();
    recordReturns(app1.sdb, 4, { site: SITE, station: STATION });
    app1.publisher.kick();
    await waitFor(() => outboxStats(app1.sdb).lastConfirmedSeq === 4, 20_000, 'first 4 confirmed');
    await backupStationDb(app1.sdb, join(dir, 'station', 'backups', 'station-2026-12-01T00-00-00-000Z.db'));
    recordReturns(app1.sdb, 4, { site: SITE, station: STATION, start: 4 });
    app1.publisher.kick();
    await waitFor(() => outboxStats(app1.sdb).lastConfirmedSeq === 8, 20_000, '8 confirmed');
    await app1.stop();
    // Number 11 reached HQ, 9 and 10 never did (in flight when the disk failed): HQ's receipt is stuck at 8.
    const ev = receivingEvent({ place: place(STATION, SITE), item: { itemId: 'lost-11', gtin: '04012345111118', serial: 'L11' }, at: 1_760_000_000_011, rma: 'RMA-11', operator: 'op-7f3a' });
    const raw = await mqtt.connectAsync(m.url, { protocolVersion: 5 });
    await raw.publishAsync(topics.events(SITE, STATION), JSON.stringify({ ...ev, 'rs:stationSeq': 11 }), { qos: 1 });
    await raw.endAsync();
    await waitFor(() => hqSeqs(store).length === 9, 10_000, 'HQ holds 11');
    corrupt(join(dir, 'station', 'station.db'));

    const app2 = new StationApp({ config, brokerUrl: m.url, serveHttp: false });
    await app2.start();
    cleanup.push(() => app2.stop());
    const fresh = recordReturns(app2.sdb, 2, { site: SITE, station: STATION, start: 60 });
    app2.publisher.kick();
    await waitFor(() => outboxStats(app2.sdb).lastConfirmedSeq === 13, 30_000, 'HQ confirms through 13');
    expect(seqsOf(app2.sdb, fresh)).toEqual([12, 13]);
    const skips = store.database.prepare('SELECT seq, reason FROM hq_skips WHERE station = ? ORDER BY seq').all(STATION) as Array<{ seq: number; reason: string }>;
    expect(skips).toEqual([{ seq: 9, reason: 'lost_in_restore' }, { seq: 10, reason: 'lost_in_restore' }]);
    expect(hq.stats().conflicts).toBe(0);
    // The history HQ sent back: 5..8 and 11.
    await waitFor(() => app2.health().database.resync?.pending === false, 20_000, 're-sync');
    expect((app2.sdb.prepare('SELECT seq FROM resynced_events ORDER BY seq').all() as Array<{ seq: number }>).map((r) => r.seq)).toEqual([5, 6, 7, 8, 11]);
  }, 90_000);

  it('BUG-54 a: `db restore` moves a stale -wal/-shm aside with the damaged file; `db backup` and `db check` work from the CLI', async () => {
    const run = promisify(execFile);
    const cli = (...args: string[]): Promise<{ stdout: string }> => run(process.execPath, [join(ROOT, 'bin/returns-station.js'), ...args], { cwd: ROOT });
    const dir = tempDir('rs-bug54a-');
    const p = join(dir, 'station.db');
    const sdb = openStationDb(p);
    recordReturns(sdb, 20, { site: SITE, station: STATION });
    const b = JSON.parse((await cli('db', 'backup', '--data-dir', dir, '--json')).stdout) as { ok: boolean; backup: string };
    expect(b.ok).toBe(true);
    expect(existsSync(b.backup)).toBe(true);
    recordReturns(sdb, 20, { site: SITE, station: STATION, start: 20 });
    // The live WAL of the newer state, as a crashed station leaves it next to the file.
    copyFileSync(`${p}-wal`, join(dir, 'stale-wal'));
    copyFileSync(`${p}-shm`, join(dir, 'stale-shm'));
    sdb.db.close();
    copyFileSync(join(dir, 'stale-wal'), `${p}-wal`);
    copyFileSync(join(dir, 'stale-shm'), `${p}-shm`);
    const r = JSON.parse((await cli('db', 'restore', b.backup, '--data-dir', dir, '--json')).stdout) as { restoredFrom: string; movedAside: string[] };
    expect(r.restoredFrom).toBe(b.backup);
    expect(r.movedAside.map((f) => f.replace(/.*corrupt-[^-]+-[^-]+-[^-]+-[^-]+-[^-]+-[^-]+Z/, ''))).toEqual(['', '-wal', '-shm']);
    expect(existsSync(`${p}-wal`)).toBe(false);
    const c = JSON.parse((await cli('db', 'check', '--data-dir', dir, '--json')).stdout) as { quickCheck: string; backups: string[] };
    expect(c.quickCheck).toBe('ok');
    expect(c.backups).toEqual([b.backup]);
    const again = openStationDb(p);
    cleanup.push(() => again.close());
    expect(outboxStats(again).lastSeq).toBe(20);
    // Marked restored: the publisher will wait for HQ's highest before sending anything.
    expect(restoreState(again).restoredAt).toBeGreaterThan(0);
    expect(restoreState(again).backupSeq).toBe(20);
  }, 60_000);
});
