/** BUG-48's other half: the outbox heartbeat on `…/metrics` is sent (QoS 0) while online, from the station's config. */
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { OutboxPublisher, startEmbeddedBroker, topics } from '../../src/sync/index.js';
import { freePort } from '../support/services.js';
import { openTemp, recordReturns, tempDir, waitFor } from './helpers.js';

describe('outbox heartbeat', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c();
    cleanup.length = 0;
  });

  it('is on by default (every 60 s) and carries the outbox depth', async () => {
    expect(parseConfig({}).mqtt.heartbeatSec).toBe(60);
    const broker = await startEmbeddedBroker({ port: await freePort() });
    cleanup.push(() => broker.close());
    const c = mqtt.connect(broker.url, { protocolVersion: 4 });
    cleanup.push(async () => void (await c.endAsync()));
    await new Promise<void>((r) => c.once('connect', () => r()));
    await c.subscribeAsync(topics.metrics('dc-test', 'st-01'), { qos: 0 });
    const seen: Array<{ depth: number; unsent: number; blocked: number }> = [];
    c.on('message', (_t, p) => seen.push(JSON.parse(p.toString('utf8')) as { depth: number; unsent: number; blocked: number }));
    const sdb = openTemp(tempDir());
    cleanup.push(() => sdb.close());
    recordReturns(sdb, 7);
    // Nobody confirms: seven events stay outstanding.
    const pub = new OutboxPublisher({ db: sdb, url: broker.url, site: 'dc-test', station: 'st-01', mqtt: { protocolVersion: 4 }, heartbeatMs: 200 });
    cleanup.push(() => pub.stop());
    await pub.start();
    await waitFor(() => seen.length >= 2, 10_000, 'two heartbeats');
    expect(seen.at(-1)).toMatchObject({ depth: 7, unsent: 0, blocked: 0 });
  });
});
