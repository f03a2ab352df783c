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

/**
 * Where a station's events happen, worked out once for the place last used: every item produces three or four
 * events, and the URIs (percent-encoded site and station) and the time-zone offset are the same in each.
 */
interface PlaceParts {
  of: StationPlace;
  site: string;
  station: string;
  readPointSgln: string | undefined;
  bizLocationSgln: string | undefined;
  tzMinutesWest: number | undefined;
  readPoint: string;
  bizLocation: string;
  /** undefined: this machine's offset at each event's own time (summer time moves it) */
  tz: string | undefined;
}
let lastPlace: PlaceParts | undefined;
function partsOf(place: StationPlace): PlaceParts {
  const p = lastPlace;
  // A hit only when nothing changed: a caller may reuse one place object and change its fields.
  if (p && p.of === place && p.site === place.site && p.station === place.station && p.readPointSgln === place.readPointSgln && p.bizLocationSgln === place.bizLocationSgln && p.tzMinutesWest === place.tzMinutesWest) return p;
  const station = stationUri(place.site, place.station);
  lastPlace = {
    of: place, site: place.site, station: place.station, readPointSgln: place.readPointSgln, bizLocationSgln: place.bizLocationSgln, tzMinutesWest: place.tzMinutesWest,
    readPoint: place.readPointSgln ?? station,
    bizLocation: place.bizLocationSgln ?? station,
    tz: place.tzMinutesWest === undefined ? undefined : tzOffset(place.tzMinutesWest),
  };
  return lastPlace;
}

/*
 * The builders below assign fields one by one, in the order the JSON has always had them (the outbox stores the
 * text, HQ de-duplicates on eventID, tests compare with GS1's schema): object spreads cost a copy each, and an item
 * makes four events on the station's hot path.
 */

function base(kind: string, c: Pick<StepCommon, 'place' | 'at' | 'eventId'>, idPart: string, type: EpcisEvent['type'], action: EpcisEvent['action']): EpcisEvent {
  const tz = partsOf(c.place).tz;
  return {
    '@context': EPCIS_CONTEXT,
    type,
    eventID: c.eventId ?? stableEventId(c.at, c.place.site, c.place.station, kind, idPart, c.at),
    eventTime: isoTime(c.at),
    eventTimeZoneOffset: tz ?? tzOffset(new Date(c.at).getTimezoneOffset()),
    action,
  };
}

/** The item's identifier for EPCIS: instance-level goes to epcList, class-level to quantityList. */
export function whatOf(item: ItemKeys, place: StationPlace): { epcList: string[] } | { quantityList: Array<{ epcClass: string; quantity: number }> } {
  if (item.epc && item.epc.startsWith('urn:epc:id:')) return { epcList: [item.epc] };
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

function addWhat(ev: EpcisEvent, item: ItemKeys, place: StationPlace): void {
  const w = whatOf(item, place);
  if ('epcList' in w) ev.epcList = w.epcList;
  else ev.quantityList = w.quantityList;
}

function addWhere(ev: EpcisEvent, place: StationPlace, binOrArea?: string): void {
  const p = partsOf(place);
  ev.readPoint = { id: p.readPoint };
  ev.bizLocation = { id: binOrArea ? stationUri(place.site, place.station, 'bin', binOrArea) : p.bizLocation };
}

function addRma(ev: EpcisEvent, r: string | null | undefined): void {
  if (!r) return;
  const uri = isFullUri(r) ? r : `${RS_NS}rma/${encodeURIComponent(r)}`;
  ev.bizTransactionList = [{ type: 'rma', bizTransaction: uri }];
}

const RS_KEYS = new Map<string, string>();
const rsKey = (k: string): string => {
  let p = RS_KEYS.get(k);
  if (p === undefined) {
    p = `rs:${k}`;
    if (RS_KEYS.size < 1000) RS_KEYS.set(k, p);
  }
  return p;
};

/**
 * Our extension fields, written onto the event. Undefined/null values are left out so events stay small. A key of
 * `more` or `extra` that is also one of the first six keeps that key's place and takes the later value, as a spread
 * would have done.
 */
function addOurs(ev: EpcisEvent, c: StepCommon, step: string, more?: Record<string, unknown>): void {
  const f: Record<string, unknown> = { step, station: c.place.station, site: c.place.site, itemId: c.item.itemId, caseId: c.caseId, operator: c.operator };
  if (more) for (const k of Object.keys(more)) f[k] = more[k];
  if (c.extra) for (const k of Object.keys(c.extra)) f[k] = c.extra[k];
  if (c.ruleSet) f.ruleSet = { version: c.ruleSet.version, hash: c.ruleSet.hash };
  if (c.matchedRows) f.matchedRows = [...c.matchedRows];
  for (const k of Object.keys(f)) {
    const v = f[k];
    if (v !== undefined && v !== null) ev[rsKey(k)] = v;
  }
}

function objectEvent(kind: string, c: StepCommon, bizStep: string, disposition: string, bin?: string): EpcisEvent {
  const ev = base(kind, c, c.item.itemId, 'ObjectEvent', 'OBSERVE');
  addWhat(ev, c.item, c.place);
  ev.bizStep = bizStep;
  ev.disposition = disposition;
  addWhere(ev, c.place, bin);
  addRma(ev, c.rma);
  return ev;
}

/** Item received at the dock (bizStep receiving, disposition returned). */
export function receivingEvent(c: StepCommon & { source?: string }): EpcisEvent {
  const ev = objectEvent('receiving', c, 'receiving', 'returned');
  addOurs(ev, c, 'received', { source: c.source });
  return ev;
}

/** Item inspected and graded (bizStep inspecting; conformant unless the grade says otherwise). */
export function inspectingEvent(c: StepCommon & { grade: string; conformant?: boolean; answers?: Record<string, unknown> }): EpcisEvent {
  const ev = objectEvent('inspecting', c, 'inspecting', c.conformant === false ? 'non_conformant' : 'conformant');
  addOurs(ev, c, 'inspected', { grade: c.grade, answers: c.answers });
  return ev;
}

/** The rules decided a disposition; the CBV disposition is the decision, `rs:` keeps the rule trail. */
export function dispositionEvent(c: StepCommon & { disposition: string; bin?: string | null; nextDepartment?: string | null }): EpcisEvent {
  const ev = objectEvent('disposition', c, 'inspecting', toCbvDisposition(c.disposition));
  addOurs(ev, c, 'decided', { decision: c.disposition, bin: c.bin, nextDepartment: c.nextDepartment });
  return ev;
}

/** The operator put the item into the bin the screen showed (bizStep storing at the bin). */
export function binnedEvent(c: StepCommon & { bin: string; disposition: string; confirmedBy?: 'scan' | 'button' | 'rfid' }): EpcisEvent {
  const ev = objectEvent('binned', c, 'storing', toCbvDisposition(c.disposition), c.bin);
  addOurs(ev, c, 'binned', { bin: c.bin, confirmedBy: c.confirmedBy });
  return ev;
}
