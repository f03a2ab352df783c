import { sha1Of } from '../../core/hash.js';

/** The JSON-LD context GS1 publishes for EPCIS 2.0 (a copy is in fixtures/epcis/epcis-context.jsonld). */
export const EPCIS_CONTEXT_URL = 'https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld';
/** Our extension namespace; every field of ours is prefixed `rs:`. */
export const RS_NS = 'https://ns.returns-station.org/epcis/';
export const EPCIS_CONTEXT: readonly [string, { rs: string }] = [EPCIS_CONTEXT_URL, { rs: RS_NS }];

/** CBV 2.0 dispositions we emit; anything else must be a full URI of its own vocabulary. */
export const CBV_DISPOSITIONS = [
  'active', 'container_closed', 'damaged', 'destroyed', 'dispensed', 'disposed', 'encoded', 'expired', 'in_progress',
  'in_transit', 'inactive', 'no_pedigree_match', 'non_sellable_other', 'partially_dispensed', 'recalled', 'reserved',
  'retail_sold', 'returned', 'sellable_accessible', 'sellable_not_accessible', 'stolen', 'unknown', 'available',
  'completeness_verified', 'completeness_inferred', 'conformant', 'container_open', 'mismatch_instance', 'mismatch_class',
  'mismatch_quantity', 'needs_replacement', 'non_conformant', 'unavailable',
] as const;

/** Our return dispositions (rules output) → CBV; the rules module may pass a CBV value directly. */
export const DISPOSITION_TO_CBV: Readonly<Record<string, string>> = {
  restock: 'sellable_accessible',
  resell: 'sellable_accessible',
  refurbish: 'needs_replacement',
  repair: 'needs_replacement',
  quarantine: 'non_sellable_other',
  damaged: 'damaged',
  rtv: 'returned',
  return_to_vendor: 'returned',
  recycle: 'disposed',
  dispose: 'disposed',
  destroy: 'destroyed',
  recalled: 'recalled',
  expired: 'expired',
};

export function toCbvDisposition(d: string): string {
  if ((CBV_DISPOSITIONS as readonly string[]).includes(d)) return d;
  // Own keys only: a disposition named like an Object.prototype member ("__proto__", "constructor") is not a mapping.
  const key = d.toLowerCase();
  const mapped = Object.hasOwn(DISPOSITION_TO_CBV, key) ? DISPOSITION_TO_CBV[key] : undefined;
  if (mapped) return mapped;
  // Unknown words become our own vocabulary URI rather than a fake CBV value.
  return `${RS_NS}disp/${encodeURIComponent(d)}`;
}

const NS_UUID = Buffer.from('6f1c2b0e9d4a4e57a3f8c1d2e3f40517', 'hex');

const MAX_MS = 2 ** 48 - 1;

/**
 * Name-based and time-ordered UUID (RFC 9562 version 8 layout): the first 48 bits are the event's time in ms since
 * the epoch, as in version 7, the other 74 bits come from SHA-1 over a namespace and `parts`. The same step of the same
 * item at the same time always gets the same eventID, so re-emitting after a crash or a retry is harmless at HQ;
 * and IDs made one after the other sort one after the other, so the unique index on eventID (station outbox, HQ)
 * grows at its end instead of rewriting pages all over it at every commit (RFC 9562 §6.10 on index locality).
 */
export function stableEventId(atMs: number, ...parts: Array<string | number>): string {
  const h = sha1Of(NS_UUID, parts.join('\u001f'));
  const t = Math.max(0, Math.min(MAX_MS, Math.floor(Number.isFinite(atMs) ? atMs : 0)));
  h.writeUIntBE(t, 0, 6);
  h[6] = ((h[6] ?? 0) & 0x0f) | 0x80;
  h[8] = ((h[8] ?? 0) & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `urn:uuid:${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** "+02:00" style offset for `eventTimeZoneOffset`; minutes as Date.getTimezoneOffset() gives them. */
export function tzOffset(minutesWestOfUtc: number): string {
  const east = -minutesWestOfUtc;
  const sign = east >= 0 ? '+' : '-';
  const a = Math.abs(east);
  return `${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/** Station-scoped URI for things that have no GS1 key (a station, a bin, a tote without SSCC, a department). */
export function stationUri(site: string, station: string, ...rest: string[]): string {
  return siteUri(site, station, ...rest);
}

export function siteUri(site: string, ...rest: string[]): string {
  return ['urn:returns-station', ...[site, ...rest].map(encodeURIComponent)].join(':');
}
