/**
 * HQ's database is replaced (a new HQ, a restore from an older backup): HQ now holds less than it once confirmed.
 * Found by a first user: the station kept its old "confirmed" and never sent those events again. Now it follows HQ's
 * receipt down, sends again what it still holds, and announces the numbers it has purged since.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HqIngest, SqliteHqStore } from '../../src/hq/index.js';
import { outboxStats, purgeConfirmed, settleConfirmed } from '../../src/store/index.js';
import { OutboxPublisher, startEmbeddedBroker } from '../../src/sync/index.js';
import { freePort } from '../support/services.js';
import { openTemp, recordReturns, tempDir, waitFor } from './helpers.js';

describe('HQ loses what it had confirmed', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c();
    cleanup.length = 0;
  });

  it('a fresh HQ database gets every event the station still holds, and a skip for each it purged; the station ends with nothing outstanding', async () => {
    const dir = tempDir();
    const broker = await startEmbeddedBroker({ port: await freePort() });
    cleanup.push(() => broker.close());
    const hqA = new HqIngest({ url: broker.url, store: new SqliteHqStore(join(dir, 'hq-a.db')), workerId: 'a', mqtt: { protocolVersion: 4 } });
    await hqA.start();
    const sdb = openTemp(dir);
    cleanup.push(() => sdb.close());
    recordReturns(sdb, 40);
    const pub = new OutboxPublisher({ db: sdb, url: broker.url, site: 'dc-test', station: 'st-01', mqtt: { protocolVersion: 4 }, gapGraceMs: 300, confirmTimeoutMs: 600_000 });
    cleanup.push(() => pub.stop());
    await pub.start();
    await waitFor(() => outboxStats(sdb).depth === 0, 10_000, 'HQ A confirms 40');
    // Retention runs: the oldest confirmed rows are settled and purged (here: all 40 settled, the first 10 purged).
    settleConfirmed(sdb);
    sdb.db.prepare('UPDATE outbox SET confirmed_at = 0 WHERE seq <= 10').run();
    expect(purgeConfirmed(sdb, 1000)).toBe(10);
    await hqA.stop();

    // A new HQ with an empty database; the station records three more returns.
    const storeB = new SqliteHqStore(join(dir, 'hq-b.db'));
    const hqB = new HqIngest({ url: broker.url, store: storeB, workerId: 'b', mqtt: { protocolVersion: 4 } });
    await hqB.start();
    cleanup.push(() => hqB.stop());
    recordReturns(sdb, 3, { start: 40 });
    pub.kick();
    await waitFor(async () => (await storeB.stations()).some((s) => s.contiguous === 43), 20_000, 'HQ B holds or skips 1..43');
    expect(await storeB.countEvents('dc-test', 'st-01')).toBe(33);
    const skips = storeB.database.prepare("SELECT seq, reason FROM hq_skips ORDER BY seq").all() as Array<{ seq: number; reason: string }>;
    expect(skips).toEqual(Array.from({ length: 10 }, (_, i) => ({ seq: i + 1, reason: 'purged_after_confirmation' })));
    await waitFor(() => outboxStats(sdb).depth === 0 && pub.status().confirmedSeq === 43, 10_000, 'station sees 43 confirmed');
    // Rows HQ B now confirmed again were kept, not purged, while HQ lacked them.
    expect((sdb.db.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n).toBe(33);
  }, 40_000);
});
