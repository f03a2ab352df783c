import { describe, expect, it } from 'vitest';
import type { ResyncBatch } from '../sync/topics.js';
import { answerResync, parseResyncRequest, RESYNC_BATCH } from './resync.js';
import { SqliteHqStore } from './sqlite-store.js';
import type { IncomingEvent } from './types.js';

const ev = (seq: number, key = `ev-${seq}`): IncomingEvent => ({
  key, eventID: key, site: 's', station: 'st', seq, type: 'ObjectEvent', eventTime: '2026-12-04T07:00:00.000Z', payload: JSON.stringify({ eventID: key, 'rs:stationSeq': seq }), receivedAt: 1,
});

describe('HQ re-sync answer (BUG-54)', () => {
  it('BUG-54: sends every stored event above fromSeq in batches with the store\'s receipt, none lost at a page boundary', async () => {
    const store = new SqliteHqStore(':memory:');
    await store.init();
    const events = Array.from({ length: 250 }, (_, i) => ev(i + 1));
    // Number 110 held twice (a conflict an older station caused); both must come back.
    events.push(ev(110, 'ev-110-other'));
    await store.storeBatch(events, [], 1);
    const sent: ResyncBatch[] = [];
    const r = await answerResync(store, async (_t, p) => void sent.push(JSON.parse(p) as ResyncBatch), 's', 'st', { fromSeq: 10, requestId: 'r1' });
    const keys = new Set(sent.flatMap((b) => b.events.map((e) => e.key)));
    expect(keys.size).toBe(241);
    expect(keys.has('ev-110-other')).toBe(true);
    expect(keys.has('ev-10')).toBe(false);
    expect(sent.at(-1)?.last).toBe(true);
    expect(sent.every((b) => b.requestId === 'r1' && b.receipt.highest === 250 && b.events.length <= RESYNC_BATCH)).toBe(true);
    expect(r.batches).toBe(sent.length);
    await store.close();
  });

  it('BUG-54: a station HQ never heard of gets one empty last batch (highest 0); a malformed request is refused', async () => {
    const store = new SqliteHqStore(':memory:');
    await store.init();
    const sent: ResyncBatch[] = [];
    await answerResync(store, async (_t, p) => void sent.push(JSON.parse(p) as ResyncBatch), 's', 'new', { fromSeq: 0, requestId: 'r' });
    expect(sent).toEqual([{ requestId: 'r', receipt: { contiguous: 0, highest: 0 }, events: [], batch: 0, last: true }]);
    expect(parseResyncRequest('{"fromSeq":-1,"requestId":"x"}')).toBeUndefined();
    expect(parseResyncRequest('nope')).toBeUndefined();
    expect(parseResyncRequest('{"fromSeq":5,"requestId":"x"}')).toEqual({ fromSeq: 5, requestId: 'x' });
    await store.close();
  });
});
