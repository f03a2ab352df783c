import { RS_NS, EPCIS_CONTEXT, stableEventId, stationUri, toCbvDisposition, tzOffset } from './vocab.js';

/** An EPCIS 2.0 event as JSON-LD. `rs:*` keys are our extension fields. */
export interface EpcisEvent {
  '@context': unknown;
  type: 'ObjectEvent' | 'AggregationEvent';
  eventID: string;
  eventTime: string;
  eventTimeZoneOffset: string;
  action: 'ADD' | 'OBSERVE' | 'DELETE';
  [key: string]: unknown;
}

/** Where the station is. SGLNs when the site has them, station URIs otherwise. */
export interface StationPlace {
  site: string;
  station: string;
  /** e.g. urn:epc:id:sgln:4012345.00001.dock1 */
  readPointSgln?: string;
  /** e.g. urn:epc:id:sgln:4012345.00001.0 */
  bizLocationSgln?: string;
  /** minutes west of UTC (Date.getTimezoneOffset()); default: this machine's */
  tzMinutesWest?: number;
}

/** What the item is, as identity found it. */
export interface ItemKeys {
  /** our item id; part of the stable eventID */
  itemId: string;
  /** EPC pure identity URI (urn:epc:id:sgtin:…) from an RFID tag */
  epc?: string | null;
  gtin?: string | null;
  serial?: string | null;
  lot?: string | null;
  quantity?: number;
}

export interface StepCommon {
  place: StationPlace;
  item: ItemKeys;
  /** when it happened, ms since epoch */
  at: number;
  rma?: string | null;
  caseId?: string | null;
  /** operator pseudonym, never a name */
  operator?: string | null;
  ruleSet?: { version: string; hash: string } | null;
  matchedRows?: ReadonlyArray<string | number> | null;
  /** extra `rs:` fields (keys without prefix) */
  extra?: Record<string, unknown>;
  /** override the derived eventID (e.g. an idempotency key the caller already has) */
  eventId?: string;
}

/** Only unmistakable URIs pass through; anything else (an RMA like "RMA: 12") is wrapped in our namespace. */
export function isFullUri(s: string): boolean {
  return /^(https?:\/\/[^\s/]+\/\S*|urn:[a-z0-9][a-z0-9-]{0,31}:\S+)$/i.test(s);
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

function base(kind: string, c: Pick<StepCommon, 'place' | 'at' | 'eventId'>, idPart: string, type: EpcisEvent['type'], action: EpcisEvent['action']): EpcisEvent {
  return {
    '@context': EPCIS_CONTEXT,
    type,
    eventID: c.eventId ?? stableEventId(c.place.site, c.place.station, kind, idPart, c.at),
    eventTime: isoTime(c.at),
    eventTimeZoneOffset: tzOffset(c.place.tzMinutesWest ?? new Date(c.at).getTimezoneOffset()),
    action,
  };
}

/** The item's identifier for EPCIS: instance-level goes to epcList, class-level to quantityList. */
export function whatOf(item: ItemKeys, place: StationPlace): { epcList: string[] } | { quantityList: Array<{ epcClass: string; quantity: number }> } {
  if (item.epc && /^urn:epc:id:/.test(item.epc)) return { epcList: [item.epc] };
  if (item.gtin && item.serial) {
    return { epcList: [`https://id.gs1.org/01/${item.gtin.padStart(14, '0')}/21/${encodeURIComponent(item.serial)}`] };
  }
  if (item.gtin) {
    const lot = item.lot ? `/10/${encodeURIComponent(item.lot)}` : '';
    return { quantityList: [{ epcClass: `https://id.gs1.org/01/${item.gtin.padStart(14, '0')}${lot}`, quantity: item.quantity ?? 1 }] };
  }
  // Unidentified: the station's own item URI, so the step is still recorded and traceable.
  return { epcList: [stationUri(place.site, place.station, 'item', item.itemId)] };
}

function where(place: StationPlace, binOrArea?: string): { readPoint: { id: string }; bizLocation: { id: string } } {
  return {
    readPoint: { id: place.readPointSgln ?? stationUri(place.site, place.station) },
    bizLocation: { id: binOrArea ? stationUri(place.site, place.station, 'bin', binOrArea) : (place.bizLocationSgln ?? stationUri(place.site, place.station)) },
  };
}

function rma(r: string | null | undefined): { bizTransactionList?: Array<{ type: string; bizTransaction: string }> } {
  if (!r) return {};
  const uri = isFullUri(r) ? r : `${RS_NS}rma/${encodeURIComponent(r)}`;
  return { bizTransactionList: [{ type: 'rma', bizTransaction: uri }] };
}

/** Our extension fields. Undefined/null values are left out so events stay small. */
function ours(c: StepCommon, step: string, more: Record<string, unknown> = {}): Record<string, unknown> {
  const f: Record<string, unknown> = { step, station: c.place.station, site: c.place.site, itemId: c.item.itemId, caseId: c.caseId, operator: c.operator, ...more, ...c.extra };
  if (c.ruleSet) f.ruleSet = { version: c.ruleSet.version, hash: c.ruleSet.hash };
  if (c.matchedRows) f.matchedRows = [...c.matchedRows];
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(f)) if (v !== undefined && v !== null) out[`rs:${k}`] = v;
  return out;
}

/** Item received at the dock (bizStep receiving, disposition returned). */
export function receivingEvent(c: StepCommon & { source?: string }): EpcisEvent {
  return {
    ...base('receiving', c, c.item.itemId, 'ObjectEvent', 'OBSERVE'),
    ...whatOf(c.item, c.place),
    bizStep: 'receiving',
    disposition: 'returned',
    ...where(c.place),
    ...rma(c.rma),
    ...ours(c, 'received', { source: c.source }),
  };
}

/** Item inspected and graded (bizStep inspecting; conformant unless the grade says otherwise). */
export function inspectingEvent(c: StepCommon & { grade: string; conformant?: boolean; answers?: Record<string, unknown> }): EpcisEvent {
  return {
    ...base('inspecting', c, c.item.itemId, 'ObjectEvent', 'OBSERVE'),
    ...whatOf(c.item, c.place),
    bizStep: 'inspecting',
    disposition: c.conformant === false ? 'non_conformant' : 'conformant',
    ...where(c.place),
    ...rma(c.rma),
    ...ours(c, 'inspected', { grade: c.grade, answers: c.answers }),
  };
}

/** The rules decided a disposition; the CBV disposition is the decision, `rs:` keeps the rule trail. */
export function dispositionEvent(c: StepCommon & { disposition: string; bin?: string | null; nextDepartment?: string | null }): EpcisEvent {
  return {
    ...base('disposition', c, c.item.itemId, 'ObjectEvent', 'OBSERVE'),
    ...whatOf(c.item, c.place),
    bizStep: 'inspecting',
    disposition: toCbvDisposition(c.disposition),
    ...where(c.place),
    ...rma(c.rma),
    ...ours(c, 'decided', { decision: c.disposition, bin: c.bin, nextDepartment: c.nextDepartment }),
  };
}

/** The operator put the item into the bin the screen showed (bizStep storing at the bin). */
export function binnedEvent(c: StepCommon & { bin: string; disposition: string; confirmedBy?: 'scan' | 'button' | 'rfid' }): EpcisEvent {
  return {
    ...base('binned', c, c.item.itemId, 'ObjectEvent', 'OBSERVE'),
    ...whatOf(c.item, c.place),
    bizStep: 'storing',
    disposition: toCbvDisposition(c.disposition),
    ...where(c.place, c.bin),
    ...rma(c.rma),
    ...ours(c, 'binned', { bin: c.bin, confirmedBy: c.confirmedBy }),
  };
}
