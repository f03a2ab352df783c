import type { IncomingEvent } from './types.js';

/**
 * A batch of events as it crosses to the store's thread: the columns as arrays and every payload's bytes in one
 * buffer that is moved, not copied. Sent as IncomingEvent objects, each of thousands of ~1 KB texts was copied
 * once more by the structured clone and again by the other thread's heap.
 */
export interface PackedEvents {
  n: number;
  keys: string[];
  eventIDs: string[];
  sites: string[];
  stations: string[];
  types: string[];
  eventTimes: string[];
  seqs: Float64Array;
  receivedAt: Float64Array;
  /** payload i is bytes[ends[i - 1] ?? 0, ends[i]) */
  ends: Float64Array;
  bytes: ArrayBuffer;
}

export function packEvents(events: readonly IncomingEvent[]): { packed: PackedEvents; transfer: ArrayBuffer[] } {
  const n = events.length;
  let total = 0;
  for (const e of events) total += typeof e.payload === 'string' ? Buffer.byteLength(e.payload) : e.payload.byteLength;
  const bytes = new ArrayBuffer(total);
  const out = Buffer.from(bytes);
  const p: PackedEvents = {
    n, keys: new Array<string>(n), eventIDs: new Array<string>(n), sites: new Array<string>(n), stations: new Array<string>(n), types: new Array<string>(n), eventTimes: new Array<string>(n),
    seqs: new Float64Array(n), receivedAt: new Float64Array(n), ends: new Float64Array(n), bytes,
  };
  let at = 0;
  for (let i = 0; i < n; i++) {
    const e = events[i] as IncomingEvent;
    p.keys[i] = e.key;
    p.eventIDs[i] = e.eventID;
    p.sites[i] = e.site;
    p.stations[i] = e.station;
    p.types[i] = e.type;
    p.eventTimes[i] = e.eventTime;
    p.seqs[i] = e.seq;
    p.receivedAt[i] = e.receivedAt;
    if (typeof e.payload === 'string') at += out.write(e.payload, at, 'utf8');
    else {
      out.set(e.payload, at);
      at += e.payload.byteLength;
    }
    p.ends[i] = at;
  }
  return { packed: p, transfer: [bytes] };
}

/** The events again, each payload a view of the one buffer. */
export function unpackEvents(p: PackedEvents): IncomingEvent[] {
  const events = new Array<IncomingEvent>(p.n);
  let start = 0;
  for (let i = 0; i < p.n; i++) {
    const end = p.ends[i] ?? start;
    events[i] = {
      key: p.keys[i] ?? '', eventID: p.eventIDs[i] ?? '', site: p.sites[i] ?? '', station: p.stations[i] ?? '', seq: p.seqs[i] ?? 0, type: p.types[i] ?? '',
      eventTime: p.eventTimes[i] ?? '', payload: new Uint8Array(p.bytes, start, end - start), receivedAt: p.receivedAt[i] ?? 0,
    };
    start = end;
  }
  return events;
}
