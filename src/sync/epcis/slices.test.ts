import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventsInMessage, eventsInText } from './document.js';
import { splitEventList } from './slices.js';

const ctx = ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld'];
const doc = (events: unknown[], indent?: number): string =>
  JSON.stringify({ '@context': ctx, type: 'EPCISDocument', schemaVersion: '2.0', creationDate: '2026-12-04T09:00:00.000Z', epcisBody: { eventList: events } }, null, indent);

// Strings full of what a scanner trips over: quotes, backslashes, brackets, commas, the key names themselves.
const tricky = fc.oneof(fc.string(), fc.constantFrom('"', '\\', '\\"', '}', ']', ',', '{"eventList":[', '"epcisBody"', '\\\\"', '\u2028', '😀'));
const value = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, tricky, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(tricky, tie('v'), { maxKeys: 3 })),
})).v;
const event = fc.dictionary(tricky, value, { maxKeys: 5 });

describe('splitEventList: the exact text of each event in a document', () => {
  it('gives back every element of eventList as it stands in the text, for any events and any formatting', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 6 }), fc.constantFrom(undefined, 0, 2, 4), (events, indent) => {
        const text = doc(events, indent);
        const s = splitEventList(text);
        expect(s).toBeDefined();
        // As the JSON carries them (-0 is written as 0).
        expect(s?.events.map((e) => JSON.parse(e) as unknown)).toEqual(JSON.parse(JSON.stringify(events)));
        for (const e of s?.events ?? []) expect(text.includes(e)).toBe(true);
        // Where each one lies: HQ keeps an event's bytes by these offsets.
        expect(s?.events.map((_, i) => text.slice(s.starts[i], s.ends[i]))).toEqual(s?.events);
        expect((JSON.parse(s?.outer ?? '') as { epcisBody: { eventList: unknown[] } }).epcisBody.eventList).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('eventsInText reads a document exactly as parsing it whole would', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 6 }), fc.constantFrom(undefined, 2), (events, indent) => {
        const text = doc(events, indent);
        const fast = eventsInText(text);
        const slow = eventsInMessage(JSON.parse(text));
        expect(fast.ok && slow.ok).toBe(true);
        if (!fast.ok || !slow.ok) return;
        expect(fast.events.map((e) => e.value)).toEqual(slow.events.map((e) => e.value));
        expect(fast.events.map((e) => JSON.parse(e.payload ?? 'null') as unknown)).toEqual(slow.events.map((e) => JSON.parse(e.payload ?? 'null') as unknown));
      }),
      { numRuns: 200 },
    );
  });

  it('finds nothing where the text is not a well-formed document, so the message is parsed whole (and refused if it is not JSON)', () => {
    const good = doc([{ a: 1 }, { b: 2 }]);
    const broken = [
      good.replace('},{', '} {'), // no comma between events
      good.replace('}]', '},]'), // trailing comma
      good.replace('[{', '[,{'), // leading comma
      good.slice(0, -2), // truncated
      good.replace('"eventList"', '"event\\u004cist"'), // escaped key: valid JSON, not recognised, parsed whole
      good.replace('"epcisBody":{', '"epcisBody":{"eventList":[],'), // two lists
    ];
    for (const text of broken) {
      const s = splitEventList(text);
      let valid = true;
      try {
        JSON.parse(text);
      } catch {
        valid = false;
      }
      const r = eventsInText(text);
      if (!valid) expect(r).toMatchObject({ ok: false, code: 'EPCIS_NOT_JSON' });
      else expect(r).toEqual(eventsInMessage(JSON.parse(text)));
      if (s) expect(() => s.events.forEach((e) => JSON.parse(e))).toThrow();
    }
  });

  it('an empty list is a document of no events', () => {
    expect(splitEventList(doc([]))?.events).toEqual([]);
    expect(eventsInText(doc([]))).toEqual({ ok: true, document: true, events: [] });
  });
});
