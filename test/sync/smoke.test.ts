import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HqIngest, SqliteHqStore } from '../../src/hq/index.js';
import { outboxStats } from '../../src/store/index.js';
import { OutboxPublisher, startEmbeddedBroker, type EmbeddedBroker } from '../../src/sync/index.js';
import { freePort } from '../support/services.js';
import { openTemp, recordReturns, tempDir, waitFor } from './helpers.js';

describe('station → embedded broker → HQ (SQLite)', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c();
    cleanup.length = 0;
  });

  it('delivers every event once and the station sees HQ confirm them', async () => {
    const dir = tempDir();
    const broker: EmbeddedBroker = await startEmbeddedBroker({ port: await freePort() });
    cleanup.push(() => broker.close());
    const hqStore = new SqliteHqStore(join(dir, 'hq.db'));
    const hq = new HqIngest({ url: broker.url, store: hqStore, mqtt: { protocolVersion: 4 } });
    await hq.start();
    cleanup.push(() => hq.stop());
    const sdb = openTemp(dir);
    cleanup.push(() => sdb.close());
    const ids = recordReturns(sdb, 50);
    const pub = new OutboxPublisher({ db: sdb, url: broker.url, site: 'dc-test', station: 'st-01', mqtt: { protocolVersion: 4 } });
    cleanup.push(() => pub.stop());
    await pub.start();
    await waitFor(() => outboxStats(sdb).depth === 0, 10_000, 'all confirmed');
    expect(await hqStore.countEvents('dc-test', 'st-01')).toBe(ids.length);
    expect(pub.status().confirmedSeq).toBe(50);
    expect(hq.stats().events).toBe(50);
  });
});
