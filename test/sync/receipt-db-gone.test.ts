import { connectAsync } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { OutboxPublisher, startEmbeddedBroker, topics } from '../../src/sync/index.js';
import { freePort } from '../support/services.js';
import { openTemp, recordReturns, tempDir, waitFor } from './helpers.js';

describe('a receipt that arrives when the database is gone', () => {
  const cleanup: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c();
    cleanup.length = 0;
  });

  it('is reported as the link error instead of crashing the station process', async () => {
    const broker = await startEmbeddedBroker({ port: await freePort() });
    cleanup.push(() => broker.close());
    const sdb = openTemp(tempDir());
    recordReturns(sdb, 5);
    const pub = new OutboxPublisher({ db: sdb, url: broker.url, site: 'dc-test', station: 'st-gone', mqtt: { protocolVersion: 4 } });
    cleanup.push(() => pub.stop());
    await pub.start();
    await waitFor(() => pub.status().state === 'online', 10_000, 'online');
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown): void => void uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    cleanup.push(() => process.off('uncaughtException', onUncaught));
    // The disk or file vanished under the running station (what the kiosk's database-failure screen is for).
    sdb.close();
    const hq = await connectAsync(broker.url, { protocolVersion: 4 });
    cleanup.push(() => hq.endAsync());
    await hq.publishAsync(topics.ack('dc-test', 'st-gone'), JSON.stringify({ contiguous: 5, highest: 5, at: Date.now() }), { qos: 1 });
    // status() reads the closed database too (the health route turns that into its 503), so look at the field.
    const linkError = (): string | undefined => (pub as unknown as { lastError?: string }).lastError;
    await waitFor(() => linkError() !== undefined || uncaught.length > 0, 10_000, 'receipt handled');
    expect(uncaught).toEqual([]);
    expect(linkError()).toMatch(/database|not open/i);
  });
});
