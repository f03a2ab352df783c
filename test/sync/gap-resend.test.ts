/**
 * A gap HQ reports must be re-sent even while the station is a full window ahead of HQ's receipt: the receipt
 * cannot move until the gap is filled, so a re-send queued behind the window would wait for ever (seen in the
 * drain benchmark with a wider window: the drain never finished).
 */
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { outboxStats } from '../../src/store/index.js';
import { eventsInMessage } from '../../src/sync/epcis/index.js';
import { OutboxPublisher, startEmbeddedBroker, topics } from '../../src/sync/index.js';
import { freePort } from '../support/services.js';
import { openTemp, recordReturns, tempDir, waitFor } from './helpers.js';

/** A minimal HQ keeping the receipt contract (contiguous + missing), which loses `lose` the first time it arrives. */
async function lossyHq(url: string, lose: Set<number>): Promise<{ stored: Set<number>; copies: Map<number, number>; close: () => Promise<void> }> {
  const client = mqtt.connect(url, { protocolVersion: 4, clientId: `lossy-hq-${process.pid}` });
  await new Promise<void>((r) => client.once('connect', () => r()));
  await client.subscribeAsync(topics.events('dc-test', 'st-01'), { qos: 1 });
  const stored = new Set<number>();
  const copies = new Map<number, number>();
  let contiguous = 0;
  let receiptDue: NodeJS.Timeout | undefined;
  const sendReceipt = (): void => {
    receiptDue = undefined;
    while (stored.has(contiguous + 1)) contiguous++;
    const highest = Math.max(contiguous, ...stored);
    const missing: Array<[number, number]> = [];
    for (let s = contiguous + 1; s <= highest; s++) if (!stored.has(s)) missing.push([s, s]);
    void client.publishAsync(topics.ack('dc-test', 'st-01'), JSON.stringify({ contiguous, missing, highest, at: Date.now() }), { qos: 1, retain: true });
  };
  client.on('message', (_t, payload) => {
    const m = eventsInMessage(JSON.parse(payload.toString()));
    if (!m.ok) throw new Error(m.reason);
    for (const { value } of m.events) {
      const seq = (value as { 'rs:stationSeq': number })['rs:stationSeq'];
      copies.set(seq, (copies.get(seq) ?? 0) + 1);
      if (lose.delete(seq)) continue;
      stored.add(seq);
    }
    receiptDue ??= setTimeout(sendReceipt, 20);
  });
  return { stored, copies, close: async () => void (await client.endAsync()) };
}

describe('gap re-send while the window is full', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c();
    cleanup.length = 0;
  });

  it('HQ loses seq 50 of 1,200 while the station is 10 messages of 20 events ahead: the gap is re-sent and every event is confirmed once stored', async () => {
    const dir = tempDir();
    const broker = await startEmbeddedBroker({ port: await freePort() });
    cleanup.push(() => broker.close());
    const hq = await lossyHq(broker.url, new Set([50, 700]));
    cleanup.push(() => hq.close());
    const sdb = openTemp(dir);
    cleanup.push(() => sdb.close());
    recordReturns(sdb, 1200);
    // The time-out fallback is pushed out of reach: only the reported gap can bring the lost events back.
    const pub = new OutboxPublisher({ db: sdb, url: broker.url, site: 'dc-test', station: 'st-01', mqtt: { protocolVersion: 4 }, inflight: 5, maxUnconfirmed: 10, batchEvents: 20, gapGraceMs: 200, confirmTimeoutMs: 600_000 });
    cleanup.push(() => pub.stop());
    await pub.start();
    await waitFor(() => outboxStats(sdb).depth === 0, 20_000, 'HQ to confirm all 1,200 events');
    expect(hq.stored.size).toBe(1200);
    expect(pub.status().confirmedSeq).toBe(1200);
    expect(hq.copies.get(50)).toBe(2);
    expect(hq.copies.get(700)).toBe(2);
  }, 40_000);
});
