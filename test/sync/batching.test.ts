/**
 * A backlog goes out as EPCISDocuments of consecutive events (one broker message per hundred events instead of one
 * each); HQ stores every event of a document alone, exactly as the station stored it.
 */
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { HqIngest, SqliteHqStore } from '../../src/hq/index.js';
import { outboxStats, recordItem, rowsFrom } from '../../src/store/index.js';
import { epcisDocument, eventsInMessage, receivingEvent } from '../../src/sync/epcis/index.js';
import { OutboxPublisher, startEmbeddedBroker, topics, type EmbeddedBroker } from '../../src/sync/index.js';
import { epcisValidator } from '../support/epcis-schema.js';
import { freePort } from '../support/services.js';
import { openTemp, place, recordReturns, tempDir, waitFor } from './helpers.js';

interface Seen {
  topic: string;
  json: unknown;
}

async function watcher(url: string): Promise<{ seen: Seen[]; close: () => Promise<void> }> {
  const c = mqtt.connect(url, { protocolVersion: 4, clientId: `watch-${process.pid}-${Math.random()}` });
  await new Promise<void>((r) => c.once('connect', () => r()));
  await c.subscribeAsync([topics.events('dc-test', 'st-01'), topics.skips('dc-test', 'st-01')], { qos: 1 });
  const seen: Seen[] = [];
  c.on('message', (topic, p) => seen.push({ topic, json: JSON.parse(p.toString('utf8')) }));
  return { seen, close: async () => void (await c.endAsync()) };
}

const seqOf = (v: unknown): number => (v as { 'rs:stationSeq': number })['rs:stationSeq'];

describe('backlog drained in EPCISDocuments', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c();
    cleanup.length = 0;
  });

  async function broker(): Promise<EmbeddedBroker> {
    const b = await startEmbeddedBroker({ port: await freePort() });
    cleanup.push(() => b.close());
    return b;
  }

  /** A broker of its own and an HQ (SQLite) on it. */
  async function brokerAndHq(): Promise<{ dir: string; b: EmbeddedBroker; hq: HqIngest; hqStore: SqliteHqStore }> {
    const dir = tempDir();
    const b = await broker();
    const hqStore = new SqliteHqStore(join(dir, 'hq.db'));
    const hq = new HqIngest({ url: b.url, store: hqStore, mqtt: { protocolVersion: 4 } });
    await hq.start();
    cleanup.push(() => hq.stop());
    return { dir, b, hq, hqStore };
  }

  /** A station database and a watcher on its events and skips, on a broker of its own; `fill` writes the outbox. */
  async function stationAndWatcher(fill: (sdb: ReturnType<typeof openTemp>) => void): Promise<{ w: Awaited<ReturnType<typeof watcher>>; sdb: ReturnType<typeof openTemp>; pub: OutboxPublisher }> {
    const b = await broker();
    const w = await watcher(b.url);
    cleanup.push(() => w.close());
    const sdb = openTemp(tempDir());
    cleanup.push(() => sdb.close());
    fill(sdb);
    const pub = new OutboxPublisher({ db: sdb, url: b.url, site: 'dc-test', station: 'st-01', mqtt: { protocolVersion: 4 } });
    cleanup.push(() => pub.stop());
    return { w, sdb, pub };
  }

  it('250 waiting events go out as documents of at most 100, valid against GS1 schema, each event once, in order, byte for byte', async () => {
    const { w, sdb, pub } = await stationAndWatcher((db) => recordReturns(db, 250));
    const stored = rowsFrom(sdb, 0, 1000).map((r) => r.payload);
    await pub.start();
    await waitFor(() => pub.status().sentThrough === 250, 10_000, 'PUBACKs for all 250');

    const valid = epcisValidator();
    const sent: unknown[] = [];
    for (const m of w.seen) {
      expect(m.topic).toBe(topics.events('dc-test', 'st-01'));
      const doc = m.json as { type: string; epcisBody: { eventList: unknown[] } };
      expect(doc.type).toBe('EPCISDocument');
      expect(valid(doc), JSON.stringify(valid.errors?.slice(0, 3))).toBe(true);
      expect(doc.epcisBody.eventList.length).toBeLessThanOrEqual(100);
      sent.push(...doc.epcisBody.eventList);
    }
    expect(w.seen.length).toBe(3);
    expect(sent.map(seqOf)).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    expect(sent.map((e) => JSON.stringify(e))).toEqual(stored);

    // A single new event, once the backlog is gone, goes out on its own, as before.
    const before = w.seen.length;
    recordReturns(sdb, 1, { start: 250 });
    pub.kick();
    await waitFor(() => w.seen.length === before + 1, 10_000, 'the lone event');
    expect(seqOf(w.seen[before]?.json)).toBe(251);
  });

  it('an event too large to send, in the middle of a backlog, is skipped alone; the events around it still go out packed', async () => {
    const { w, sdb, pub } = await stationAndWatcher((db) => {
      recordReturns(db, 30);
      recordReturns(db, 1, { start: 30, padTo: 300_000 }); // seq 31: over the 256 KiB default
      recordReturns(db, 30, { start: 31 });
    });
    await pub.start();
    await waitFor(() => pub.status().sentThrough === 61, 10_000, 'PUBACKs for all 61');
    const skips = w.seen.filter((m) => m.topic === topics.skips('dc-test', 'st-01'));
    expect(skips.map((m) => (m.json as { seq: number; reason: string }).reason)).toEqual(['blocked_oversize']);
    expect(skips.map((m) => (m.json as { seq: number }).seq)).toEqual([31]);
    const docs = w.seen.filter((m) => m.topic === topics.events('dc-test', 'st-01')).map((m) => (m.json as { epcisBody: { eventList: unknown[] } }).epcisBody.eventList.map(seqOf));
    expect(docs).toEqual([Array.from({ length: 30 }, (_, i) => i + 1), Array.from({ length: 30 }, (_, i) => i + 32)]);
    expect(outboxStats(sdb).blockedOversize).toBe(1);
  });

  it('HQ stores each event of a document alone, as the station stored it; a bad event inside is refused alone and the receipt moves past it', async () => {
    const { b, hq, hqStore } = await brokerAndHq();
    const p = place();
    const ev = (k: number): Record<string, unknown> => ({
      ...receivingEvent({ place: p, item: { itemId: `item-${k}`, gtin: '04012345111118', serial: `S${k}` }, at: 1_760_000_000_000 + k, rma: `RMA-${k}`, operator: 'op-7f3a' }),
      'rs:stationSeq': k,
    });
    const good = [ev(1), ev(2), ev(4)];
    const { eventTime: _dropped, ...bad } = ev(3);
    void _dropped;
    // The document's own @context; events 2 and 4 leave theirs out and inherit it (GS1's document form).
    const doc = epcisDocument([good[0], good[1], bad, good[2]] as never, { createdAt: 1_760_000_000_000 });
    const list = (doc.epcisBody as { eventList: Array<Record<string, unknown>> }).eventList;
    list[0] = good[0] as Record<string, unknown>; // event 1 keeps its own @context
    const rejected: Array<{ code: string; seq?: number }> = [];
    hq.on('rejected', (r: { code: string; seq?: number }) => rejected.push(r));
    const c = mqtt.connect(b.url, { protocolVersion: 4 });
    cleanup.push(async () => void (await c.endAsync()));
    await new Promise<void>((r) => c.once('connect', () => r()));
    await c.publishAsync(topics.events('dc-test', 'st-01'), JSON.stringify(doc), { qos: 1 });
    await waitFor(async () => (await hqStore.stations()).some((s) => s.contiguous === 4), 10_000, 'HQ receipt through 4');
    expect(rejected).toEqual([expect.objectContaining({ code: 'EPCIS_BAD_TIME', seq: 3 })]);
    const page = await hqStore.eventsAfter('dc-test', 'st-01', 0, 10);
    expect(page.events.map((e) => e.seq)).toEqual([1, 2, 4]);
    expect(page.events.map((e) => JSON.parse(e.payload) as unknown)).toEqual(good);
    expect(page.events[0]?.payload).toBe(JSON.stringify(good[0]));
  });

  it('a document without an event list is refused whole with EPCIS_BAD_DOCUMENT', () => {
    expect(eventsInMessage({ type: 'EPCISDocument', '@context': [], epcisBody: {} })).toMatchObject({ ok: false, code: 'EPCIS_BAD_DOCUMENT' });
    expect(eventsInMessage({ type: 'EPCISDocument', '@context': [], epcisBody: { eventList: 'x' } })).toMatchObject({ ok: false, code: 'EPCIS_BAD_DOCUMENT' });
    const one = { type: 'ObjectEvent', eventID: 'urn:uuid:1' };
    expect(eventsInMessage(one)).toEqual({ ok: true, document: false, events: [{ value: one }] });
  });

  it('one item with five events recorded while offline reaches HQ packed, and HQ confirms all five', async () => {
    const { dir, b, hqStore } = await brokerAndHq();
    const sdb = openTemp(dir);
    cleanup.push(() => sdb.close());
    const p = place();
    const evs = [0, 1, 2, 3, 4].map((k) => receivingEvent({ place: p, item: { itemId: 'item-5', gtin: '04012345111118', serial: `S5-${k}` }, at: 1_760_000_000_000 + k, rma: 'RMA-5', operator: 'op-7f3a' }));
    recordItem(sdb, { id: 'item-5', caseId: 'case-5', source: 'barcode', gtin: '04012345111118', serial: 'S5', status: 'decided' }, evs);
    const pub = new OutboxPublisher({ db: sdb, url: b.url, site: 'dc-test', station: 'st-01', mqtt: { protocolVersion: 4 } });
    cleanup.push(() => pub.stop());
    await pub.start();
    await waitFor(() => outboxStats(sdb).depth === 0, 10_000, 'all five confirmed');
    expect(await hqStore.countEvents('dc-test', 'st-01')).toBe(5);
    const page = await hqStore.eventsAfter('dc-test', 'st-01', 0, 10);
    expect(page.events.map((e) => e.payload)).toEqual(rowsFrom(sdb, 0, 10).map((r) => r.payload));
  });

  it('HQ on its own store thread keeps every event text exactly as sent: a pure ASCII document (kept as bytes), one with a German and a Chinese customer note (kept as text), and a lone event', async () => {
    const dir = tempDir();
    const b = await broker();
    const hq = new HqIngest({ url: b.url, dbPath: join(dir, 'hq.db'), mqtt: { protocolVersion: 4 } });
    await hq.start();
    cleanup.push(() => hq.stop());
    const p = place();
    const ev = (k: number, note?: string): string =>
      JSON.stringify({
        ...receivingEvent({ place: p, item: { itemId: `item-${k}`, gtin: '04012345111118', serial: `S${k}` }, at: 1_760_000_000_000 + k, rma: `RMA-${k}`, operator: 'op-7f3a' }),
        ...(note ? { 'rs:note': note } : {}),
        'rs:stationSeq': k,
      });
    const texts = [ev(1), ev(2), ev(3, 'Größe passt nicht'), ev(4, '尺码不合适，包装完好'), ev(5)];
    const docText = (events: string[]): string => `{"@context":["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-12-04T09:00:00.000Z","epcisBody":{"eventList":[${events.join(',')}]}}`;
    const c = mqtt.connect(b.url, { protocolVersion: 4 });
    cleanup.push(async () => void (await c.endAsync()));
    await new Promise<void>((r) => c.once('connect', () => r()));
    await c.publishAsync(topics.events('dc-test', 'st-01'), docText(texts.slice(0, 2)), { qos: 1 });
    await c.publishAsync(topics.events('dc-test', 'st-01'), docText(texts.slice(2, 4)), { qos: 1 });
    await c.publishAsync(topics.events('dc-test', 'st-01'), texts[4] ?? '', { qos: 1 });
    await waitFor(() => hq.stats().byStation['dc-test/st-01']?.contiguous === 5, 10_000, 'HQ receipt through 5');
    const page = await hq.store.eventsAfter?.('dc-test', 'st-01', 0, 10);
    expect(page?.events.map((e) => e.payload)).toEqual(texts);
  });
});
