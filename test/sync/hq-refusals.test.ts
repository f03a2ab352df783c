/**
 * What HQ refuses on an events topic, found by a first user publishing by hand: numbers no station uses, oversize
 * events, documents far beyond what a station packs. Refused, said why, and never a gap the receipt waits on.
 */
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { HqIngest, SqliteHqStore } from '../../src/hq/index.js';
import { epcisDocument, receivingEvent } from '../../src/sync/epcis/index.js';
import { startEmbeddedBroker, topics } from '../../src/sync/index.js';
import { freePort } from '../support/services.js';
import { place, tempDir, waitFor } from './helpers.js';

describe('HQ refuses what no station sends', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c();
    cleanup.length = 0;
  });

  it('a number beyond any station, an event over 256 KiB, a document of 1,001 events: each refused with its code; good events around them stored and confirmed', async () => {
    const dir = tempDir();
    const broker = await startEmbeddedBroker({ port: await freePort() });
    cleanup.push(() => broker.close());
    const store = new SqliteHqStore(join(dir, 'hq.db'));
    const hq = new HqIngest({ url: broker.url, store, mqtt: { protocolVersion: 4 } });
    await hq.start();
    cleanup.push(() => hq.stop());
    const rejected: Array<{ code: string; seq?: number }> = [];
    hq.on('rejected', (r: { code: string; seq?: number }) => rejected.push({ code: r.code, ...(r.seq !== undefined ? { seq: r.seq } : {}) }));
    const c = mqtt.connect(broker.url, { protocolVersion: 4 });
    cleanup.push(async () => void (await c.endAsync()));
    await new Promise<void>((r) => c.once('connect', () => r()));
    const p = place();
    const ev = (seq: number, extra?: Record<string, unknown>): Record<string, unknown> => ({
      ...receivingEvent({ place: p, item: { itemId: `item-${seq}`, gtin: '04012345111118', serial: `S${seq}` }, at: 1_760_000_000_000 + seq, operator: 'op-7f3a', ...(extra ? { extra } : {}) }),
      'rs:stationSeq': seq,
    });
    const topic = topics.events('dc-test', 'st-01');
    const send = async (body: unknown): Promise<void> => void (await c.publishAsync(topic, JSON.stringify(body), { qos: 1 }));

    await send(ev(1));
    await send(ev(1_000_000_000_000_000));
    await send(ev(2, { note: 'x'.repeat(300_000) }));
    await send(epcisDocument(Array.from({ length: 1001 }, (_, i) => ev(10_000 + i)) as never));
    // The same event again under another number: stored once, the number accounted for.
    await send({ ...ev(1), 'rs:stationSeq': 3 });
    await send(ev(4));
    await waitFor(async () => (await store.stations()).some((s) => s.contiguous === 4), 10_000, 'receipt through 4');
    expect(rejected).toEqual([{ code: 'EPCIS_BAD_SEQ', seq: 1_000_000_000_000_000 }, { code: 'EPCIS_TOO_LARGE', seq: 2 }, { code: 'EPCIS_BAD_DOCUMENT' }]);
    const [st] = await store.stations();
    expect(st).toMatchObject({ contiguous: 4, highest: 4, backlog: 0, events: 2 });
    expect(await store.countEvents()).toBe(2);
  });

  it('skip notices: beyond any number the station sent, or not a number, refused (EPCIS_BAD_SEQ, no gap for ever); one for a number holding an event leaves the event alone; a status that is not JSON is not stored', async () => {
    const dir = tempDir();
    const broker = await startEmbeddedBroker({ port: await freePort() });
    cleanup.push(() => broker.close());
    const store = new SqliteHqStore(join(dir, 'hq.db'));
    const hq = new HqIngest({ url: broker.url, store, mqtt: { protocolVersion: 4 } });
    await hq.start();
    cleanup.push(() => hq.stop());
    const rejected: Array<{ code: string; seq?: number }> = [];
    hq.on('rejected', (r: { code: string; seq?: number }) => rejected.push({ code: r.code, ...(r.seq !== undefined ? { seq: r.seq } : {}) }));
    const c = mqtt.connect(broker.url, { protocolVersion: 4 });
    cleanup.push(async () => void (await c.endAsync()));
    await new Promise<void>((r) => c.once('connect', () => r()));
    const p = place();
    const ev = (seq: number): Record<string, unknown> => ({ ...receivingEvent({ place: p, item: { itemId: `item-${seq}`, gtin: '04012345111118', serial: `S${seq}` }, at: 1_760_000_000_000 + seq, operator: 'op-7f3a' }), 'rs:stationSeq': seq });
    for (const seq of [1, 2, 3]) await c.publishAsync(topics.events('dc-test', 'st-01'), JSON.stringify(ev(seq)), { qos: 1 });
    await waitFor(async () => (await store.stations()).some((s) => s.contiguous === 3), 10_000, 'receipt through 3');
    const skip = async (body: unknown): Promise<void> => void (await c.publishAsync(topics.skips('dc-test', 'st-01'), JSON.stringify(body), { qos: 1 }));
    // The tester's forged notice: a number a trillion beyond the station's 3.
    await skip({ seq: 1e12, eventID: 'urn:uuid:x', reason: 'blocked_oversize' });
    await skip({ seq: 'seven', reason: 'blocked_oversize' });
    await skip({ seq: 2, eventID: 'urn:uuid:y', reason: 'blocked_oversize' });
    await c.publishAsync(topics.status('dc-test', 'st-01'), 'garbage', { qos: 1 });
    await c.publishAsync(topics.events('dc-test', 'st-01'), JSON.stringify(ev(4)), { qos: 1 });
    await waitFor(async () => (await store.stations()).some((s) => s.contiguous === 4), 10_000, 'receipt through 4');
    await waitFor(() => rejected.length >= 2, 5000, 'two refusals');
    expect(rejected).toEqual(expect.arrayContaining([{ code: 'EPCIS_BAD_SEQ', seq: 1e12 }, { code: 'EPCIS_BAD_SEQ' }]));
    const [st] = await store.stations();
    // No gap up to a trillion, the event at 2 kept (no skip row over it), the garbage status not stored.
    expect(st).toMatchObject({ contiguous: 4, highest: 4, backlog: 0, events: 4, status: null });
    expect(store.database.prepare('SELECT COUNT(*) FROM hq_skips').pluck().get()).toBe(0);
  });
});
