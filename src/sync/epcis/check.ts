/**
 * A fast structural check of one incoming event, for HQ's hot path (tens of thousands per second). Tests
 * validate every event type against GS1's full JSON Schema; this catches what would break HQ's tables or
 * dedupe: missing/odd eventID, time, type, station sequence. Never throws.
 */
export type EventCheck =
  | { ok: true; eventID: string; key: string; type: string; eventTime: string; seq: number; station: string; site: string; correction: boolean }
  | { ok: false; code: string; reason: string; eventID?: string };

/**
 * The highest station sequence number HQ takes: a station writing a thousand events a second for thirty years stays
 * far below it. A larger number is refused and not recorded, so one bogus event cannot leave a gap of 10^15 numbers
 * that the station's receipt would wait on for ever.
 */
export const MAX_STATION_SEQ = 2 ** 40;
/** The largest single event HQ stores (the station refuses bigger ones before sending: docs/sync.md). */
export const MAX_EVENT_BYTES = 256 * 1024;

const URI = /^[a-z][a-z0-9+.-]*:\S+$/i;
const TZ = /^[+-]((0\d|1[0-3]):[0-5]\d|14:00)$/;
const TYPES = new Set(['ObjectEvent', 'AggregationEvent', 'TransformationEvent', 'TransactionEvent', 'AssociationEvent']);

export function checkEvent(v: unknown): EventCheck {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, code: 'EPCIS_NOT_OBJECT', reason: 'payload is not a JSON object' };
  const e = v as Record<string, unknown>;
  const id = e.eventID;
  if (typeof id !== 'string' || !URI.test(id)) return { ok: false, code: 'EPCIS_BAD_EVENT_ID', reason: 'eventID missing or not a URI' };
  const fail = (code: string, reason: string): EventCheck => ({ ok: false, code, reason, eventID: id });
  if (typeof e.type !== 'string' || !TYPES.has(e.type)) return fail('EPCIS_BAD_TYPE', `unknown event type ${String(e.type)}`);
  if (e['@context'] === undefined) return fail('EPCIS_NO_CONTEXT', '@context missing');
  if (typeof e.eventTime !== 'string' || Number.isNaN(Date.parse(e.eventTime))) return fail('EPCIS_BAD_TIME', 'eventTime missing or not a date-time');
  if (typeof e.eventTimeZoneOffset !== 'string' || !TZ.test(e.eventTimeZoneOffset)) return fail('EPCIS_BAD_TZ', 'eventTimeZoneOffset missing or malformed');
  if (e.type !== 'TransformationEvent' && e.action !== 'ADD' && e.action !== 'OBSERVE' && e.action !== 'DELETE') return fail('EPCIS_BAD_ACTION', 'action must be ADD, OBSERVE or DELETE');
  const seq = e['rs:stationSeq'];
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return fail('EPCIS_NO_SEQ', 'rs:stationSeq missing or not a positive integer');
  if (seq > MAX_STATION_SEQ) return fail('EPCIS_BAD_SEQ', `rs:stationSeq ${seq} is beyond any station's numbering (at most ${MAX_STATION_SEQ})`);
  const station = e['rs:station'];
  const site = e['rs:site'];
  if (typeof station !== 'string' || typeof site !== 'string') return fail('EPCIS_NO_STATION', 'rs:site / rs:station missing');
  const correction = e.errorDeclaration !== undefined;
  if (correction && (typeof e.errorDeclaration !== 'object' || e.errorDeclaration === null)) return fail('EPCIS_BAD_ERROR_DECL', 'errorDeclaration must be an object');
  return { ok: true, eventID: id, key: correction ? `${id}#errorDeclaration` : id, type: e.type, eventTime: e.eventTime, seq, station, site, correction };
}
