/**
 * BUG-45 (two stations cloned from one disk image) and its kin, a fresh database started under an old station name:
 * the second copy sends events under numbers HQ already holds for the first one's events. HQ must keep both (they
 * are returns that happened), say so in its receipt and its stations view, and the station must raise the alarm;
 * before, HQ's receipt covered the numbers and the second copy's events were marked confirmed and lost.
 */
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LinkAlarm } from '../../src/app/link-alarm.js';
import { HqIngest, PgHqStore, SqliteHqStore, type HqStore } from '../../src/hq/index.js';
import { OutboxPublisher } from '../../src/sync/publisher.js';
import { startEmbeddedBroker } from '../../src/sync/index.js';
import { freePort, portOpen, serviceGate } from '../support/services.js';
import { openTemp, recordReturns, tempDir, waitFor } from './helpers.js';

const PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

describe('BUG-45: one station name, two databases (cloned disk, fresh database): HQ keeps both and says so', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  let havePg = false;
  const schema = `seqconf_${process.pid}_${Date.now()}`;
  beforeAll(async () => {
    havePg = serviceGate('postgresql', await portOpen(5432));
  });
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c();
    cleanup.length = 0;
  });
  afterAll(async () => {
    if (!havePg) return;
    const c = new pg.Client(PG_URL);
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  });

  async function run(store: HqStore): Promise<void> {
    const dir = tempDir();
    const broker = await startEmbeddedBroker({ port: await freePort() });
    cleanup.push(() => broker.close());
    const hq = new HqIngest({ url: broker.url, store, mqtt: { protocolVersion: 4 } });
    await hq.start();
    cleanup.push(() => hq.stop());
    const station = (name: string): { sdb: ReturnType<typeof openTemp>; pub: OutboxPublisher } => {
      const sdb = openTemp(dir, name);
      const pub = new OutboxPublisher({ db: sdb, url: broker.url, site: 'dc-test', station: 'st-01', mqtt: { protocolVersion: 4 } });
      cleanup.push(async () => {
        await pub.stop();
        sdb.close();
      });
      return { sdb, pub };
    };
    const a = station('a.db');
    const aIds = recordReturns(a.sdb, 5, { start: 0 });
    await a.pub.start();
    await waitFor(() => a.pub.status().confirmedSeq === 5, 10_000, 'A confirmed through 5');
    await a.pub.stop();

    // B: another database under the same station name, numbering from 1 again; its returns are different ones.
    const b = station('b.db');
    const bIds = recordReturns(b.sdb, 3, { start: 100 });
    const alarms: Array<{ code: string }> = [];
    b.pub.on('alarm', (x: { code: string }) => alarms.push(x));
    await b.pub.start();
    await waitFor(() => b.pub.status().hqConflict !== undefined, 10_000, 'the conflict alarm at B');
    expect(b.pub.status().hqConflict).toMatchObject({ code: 'HQ_SEQ_CONFLICT', seqs: [[1, 3]], total: 3 });
    expect(b.pub.status().hqConflict?.message).toMatch(/nothing is lost/);
    expect(alarms.map((x) => x.code)).toContain('HQ_SEQ_CONFLICT');
    // What /api/health and the HQ-link pill show (the station's LinkAlarm).
    expect(new LinkAlarm(b.pub).current()).toMatchObject({ code: 'HQ_SEQ_CONFLICT', details: { seqs: [[1, 3]], total: 3 } });
    // Every return of both databases is at HQ, once.
    await waitFor(async () => (await store.countEvents('dc-test', 'st-01')) === 8, 10_000, 'all 8 events at HQ');
    if (!store.eventsAfter) throw new Error('store without eventsAfter');
    const held = await store.eventsAfter('dc-test', 'st-01', 0, 100);
    expect(new Set(held.events.map((e) => (JSON.parse(e.payload) as { eventID: string }).eventID))).toEqual(new Set([...aIds, ...bIds]));
    const [view] = await store.stations();
    expect(view).toMatchObject({ site: 'dc-test', station: 'st-01', contiguous: 5, conflicts: 3, events: 8 });
    // HQ's own status is not a station (its will and `online` go to returns/v1/_hq/…).
    expect((await store.stations()).map((s) => s.site)).toEqual(['dc-test']);
  }

  it('SQLite HQ', async () => {
    await run(new SqliteHqStore(join(tempDir(), 'hq.db')));
  });

  it('PostgreSQL HQ', async (t) => {
    if (!havePg) return t.skip();
    await run(new PgHqStore(PG_URL, { schema }));
  });
});
