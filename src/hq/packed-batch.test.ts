import { describe, expect, it } from 'vitest';
import { packEvents, unpackEvents } from './packed-batch.js';
import { payloadText, type IncomingEvent } from './types.js';

const ev = (seq: number, payload: string | Uint8Array): IncomingEvent => ({
  key: `urn:uuid:k-${seq}`, eventID: `urn:uuid:k-${seq}`, site: 'dc-x', station: 'st-a', seq, type: 'ObjectEvent', eventTime: '2026-12-04T09:00:00.000Z', payload, receivedAt: 1_796_400_000_000 + seq,
});

describe('a batch packed for the store thread', () => {
  it('comes back field for field, each payload the same UTF-8 bytes whether it was sent as text or as bytes, in one transferable buffer', () => {
    const texts = ['{"a":1}', '{"note":"Größe passt nicht"}', '{"note":"尺码不合适"}', '', '{"b":[1,2,3]}'];
    // Bytes as HQ keeps them: a view into a larger message buffer, not starting at 0.
    const message = Buffer.from(`xx${texts[4] ?? ''}yy`);
    const events = [ev(1, texts[0] ?? ''), ev(2, texts[1] ?? ''), ev(3, texts[2] ?? ''), ev(4, texts[3] ?? ''), ev(5, message.subarray(2, message.length - 2))];
    const { packed, transfer } = packEvents(events);
    expect(transfer).toEqual([packed.bytes]);
    expect(packed.bytes.byteLength).toBe(texts.reduce((n, t) => n + Buffer.byteLength(t), 0));
    const back = structuredClone(packed, { transfer });
    const out = unpackEvents(back);
    expect(out.map(payloadText)).toEqual(texts);
    expect(out.map(({ payload: _p, ...rest }) => rest)).toEqual(events.map(({ payload: _p, ...rest }) => rest));
    expect(Buffer.from((out[2]?.payload as Uint8Array) ?? []).equals(Buffer.from('{"note":"尺码不合适"}'))).toBe(true);
  });

  it('an empty batch packs to nothing', () => {
    const { packed } = packEvents([]);
    expect(unpackEvents(packed)).toEqual([]);
    expect(packed.bytes.byteLength).toBe(0);
  });
});
