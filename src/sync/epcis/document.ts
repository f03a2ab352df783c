import type { EpcisEvent } from './events.js';
import { splitEventList } from './slices.js';
import { EPCIS_CONTEXT, stableEventId } from './vocab.js';

/** Wraps events in an EPCISDocument (the form GS1's schema and EPCIS repositories accept). */
export function epcisDocument(events: readonly EpcisEvent[], opts: { sender?: string; createdAt?: number; id?: string } = {}): Record<string, unknown> {
  const created = opts.createdAt ?? Date.now();
  const doc: Record<string, unknown> = {
    '@context': EPCIS_CONTEXT,
    type: 'EPCISDocument',
    schemaVersion: '2.0',
    creationDate: new Date(created).toISOString(),
    id: opts.id ?? stableEventId(created, 'document', ...events.map((e) => e.eventID)),
    epcisBody: {
      // Inside a document the events inherit the document's @context.
      eventList: events.map((e) => {
        const { '@context': _ctx, ...rest } = e;
        void _ctx;
        return rest;
      }),
    },
  };
  if (opts.sender) doc.sender = opts.sender;
  return doc;
}

const DOCUMENT_HEAD = `{"@context":${JSON.stringify(EPCIS_CONTEXT)},"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"`;
const BODY_OPEN = '","epcisBody":{"eventList":[';
const DOCUMENT_TAIL = ']}}';

/**
 * The same document, built from events already serialised in the outbox, written as UTF-8 into `target` (which
 * must hold DOCUMENT_OVERHEAD_BYTES + the events' bytes + one per event); returns the bytes written.
 * Concatenation, not re-serialising: draining a backlog must not parse and re-encode every stored event, and a
 * reused buffer leaves no garbage behind. Each event keeps its own `@context` (GS1's schema allows it on an
 * event), so HQ can store every event exactly as the station stored it.
 */
export function writeEpcisDocument(target: Buffer, payloads: readonly string[], createdAt = Date.now()): number {
  let at = target.write(DOCUMENT_HEAD, 0, 'latin1');
  at += target.write(new Date(createdAt).toISOString(), at, 'latin1');
  at += target.write(BODY_OPEN, at, 'latin1');
  payloads.forEach((p, i) => {
    if (i > 0) at += target.write(',', at, 'latin1');
    at += target.write(p, at, 'utf8');
  });
  at += target.write(DOCUMENT_TAIL, at, 'latin1');
  return at;
}

/** Bytes `writeEpcisDocument` adds around the events (the commas between them come on top: one per event). */
export const DOCUMENT_OVERHEAD_BYTES = Buffer.byteLength(DOCUMENT_HEAD + '2026-01-01T00:00:00.000Z' + BODY_OPEN + DOCUMENT_TAIL);

/**
 * What one message on an events topic carries: one event, or an EPCISDocument with several. Events inside a
 * document that leave out `@context` inherit the document's, and get it written in so each stands alone at HQ.
 */
export type MessageEvents =
  | { ok: true; document: boolean; events: Array<{ value: unknown; payload?: string; span?: [number, number] }> }
  | { ok: false; code: 'EPCIS_BAD_DOCUMENT' | 'EPCIS_NOT_JSON' | 'EPCIS_TOO_LARGE'; reason: string };

/** A station packs at most 100 events (128 KiB) into a message; anything far beyond that is not one of ours. */
export const MAX_DOCUMENT_EVENTS = 1000;
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

/**
 * `eventsInMessage` from the message text. A document's events keep the exact text they came in (found by
 * `splitEventList`, then each parsed on its own), so HQ neither re-serialises them nor stores anything but what the
 * station sent; anything the scan does not recognise is parsed whole.
 */
export function eventsInText(text: string): MessageEvents {
  if (text.length > MAX_MESSAGE_BYTES) return { ok: false, code: 'EPCIS_TOO_LARGE', reason: `message of ${text.length} characters; at most ${MAX_MESSAGE_BYTES}` };
  const fast = text.charCodeAt(0) === 0x7b && text.includes('"EPCISDocument"') ? fromSlices(text) : undefined;
  if (fast) return fast;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, code: 'EPCIS_NOT_JSON', reason: 'payload is not JSON' };
  }
  return eventsInMessage(json);
}

const tooMany = (n: number): MessageEvents => ({ ok: false, code: 'EPCIS_BAD_DOCUMENT', reason: `EPCISDocument with ${n} events; at most ${MAX_DOCUMENT_EVENTS}` });

function fromSlices(text: string): MessageEvents | undefined {
  const s = splitEventList(text);
  if (!s) return undefined;
  let outer: { type?: unknown; '@context'?: unknown; epcisBody?: { eventList?: unknown } };
  let values: unknown[];
  try {
    outer = JSON.parse(s.outer) as typeof outer;
    values = s.events.map((e) => JSON.parse(e) as unknown);
  } catch {
    return undefined;
  }
  const list = outer?.epcisBody?.eventList;
  if (outer?.type !== 'EPCISDocument' || !Array.isArray(list) || list.length !== 0) return undefined;
  if (values.length > MAX_DOCUMENT_EVENTS) return tooMany(values.length);
  const ctx = outer['@context'];
  return {
    ok: true,
    document: true,
    events: values.map((value, i) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return { value };
      const e = value as Record<string, unknown>;
      // `span`: where the event's own text lies in the message, so HQ can keep its bytes instead of the text.
      if (e['@context'] !== undefined || ctx === undefined) return { value, payload: s.events[i] ?? '', span: [s.starts[i] ?? 0, s.ends[i] ?? 0] };
      const full = { '@context': ctx, ...e };
      return { value: full, payload: JSON.stringify(full) };
    }),
  };
}

export function eventsInMessage(json: unknown): MessageEvents {
  if (typeof json !== 'object' || json === null || (json as { type?: unknown }).type !== 'EPCISDocument') {
    return { ok: true, document: false, events: [{ value: json }] };
  }
  const doc = json as { '@context'?: unknown; epcisBody?: { eventList?: unknown } };
  const list = doc.epcisBody?.eventList;
  if (!Array.isArray(list)) return { ok: false, code: 'EPCIS_BAD_DOCUMENT', reason: 'EPCISDocument without epcisBody.eventList' };
  if (list.length > MAX_DOCUMENT_EVENTS) return tooMany(list.length);
  const ctx = doc['@context'];
  return {
    ok: true,
    document: true,
    events: list.map((value: unknown) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return { value };
      const e = value as Record<string, unknown>;
      const full = e['@context'] === undefined && ctx !== undefined ? { '@context': ctx, ...e } : e;
      return { value: full, payload: JSON.stringify(full) };
    }),
  };
}
