import { type EpcisEvent, type StationPlace, isFullUri, isoTime, whatOf, type ItemKeys } from './events.js';
import { EPCIS_CONTEXT, siteUri, stableEventId, stationUri, tzOffset } from './vocab.js';

/** A tote: an SSCC (urn:epc:id:sscc:…) when labelled with one, otherwise our tote id. */
export function toteUri(place: StationPlace, tote: string): string {
  return /^urn:epc:id:sscc:/.test(tote) || /^https:\/\/id\.gs1\.org\/00\//.test(tote) ? tote : stationUri(place.site, place.station, 'tote', tote);
}

/** A department of the site (the party that takes possession at a handoff). */
export function departmentUri(site: string, department: string): string {
  return isFullUri(department) ? department : siteUri(site, 'dept', department);
}

interface ContainerCommon {
  place: StationPlace;
  tote: string;
  at: number;
  operator?: string | null;
  eventId?: string;
  extra?: Record<string, unknown>;
}

function head(kind: string, c: ContainerCommon, type: EpcisEvent['type'], action: EpcisEvent['action'], disc = ''): EpcisEvent {
  return {
    '@context': EPCIS_CONTEXT,
    type,
    eventID: c.eventId ?? stableEventId(c.at, c.place.site, c.place.station, kind, c.tote, disc, c.at),
    eventTime: isoTime(c.at),
    eventTimeZoneOffset: tzOffset(c.place.tzMinutesWest ?? new Date(c.at).getTimezoneOffset()),
    action,
  };
}

function ext(c: ContainerCommon, step: string, more: Record<string, unknown>): Record<string, unknown> {
  const f: Record<string, unknown> = { step, station: c.place.station, site: c.place.site, tote: c.tote, operator: c.operator, ...more, ...c.extra };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(f)) if (v !== undefined && v !== null) out[`rs:${k}`] = v;
  return out;
}

const here = (p: StationPlace): { readPoint: { id: string }; bizLocation: { id: string } } => ({
  readPoint: { id: p.readPointSgln ?? stationUri(p.site, p.station) },
  bizLocation: { id: p.bizLocationSgln ?? stationUri(p.site, p.station) },
});

/** Items packed into a tote: AggregationEvent ADD, parent = tote. */
export function packedEvent(c: ContainerCommon & { items: readonly ItemKeys[]; disposition?: string }): EpcisEvent {
  const childEPCs: string[] = [];
  const childQuantityList: Array<{ epcClass: string; quantity: number }> = [];
  for (const it of c.items) {
    const w = whatOf(it, c.place);
    if ('epcList' in w) childEPCs.push(...w.epcList);
    else childQuantityList.push(...w.quantityList);
  }
  return {
    ...head('packed', c, 'AggregationEvent', 'ADD', c.items.map((i) => i.itemId).join(',')),
    parentID: toteUri(c.place, c.tote),
    ...(childEPCs.length ? { childEPCs: [...new Set(childEPCs)] } : {}),
    ...(childQuantityList.length ? { childQuantityList } : {}),
    bizStep: 'packing',
    disposition: c.disposition ?? 'container_closed',
    ...here(c.place),
    ...ext(c, 'packed', { itemIds: c.items.map((i) => i.itemId) }),
  };
}

/** A full tote handed to the next department: possession moves from the station to the department. */
export function handoffEvent(c: ContainerCommon & { department: string; handoffId: string }): EpcisEvent {
  return {
    ...head('handoff', c, 'ObjectEvent', 'OBSERVE', c.handoffId),
    epcList: [toteUri(c.place, c.tote)],
    bizStep: 'departing',
    disposition: 'in_transit',
    ...here(c.place),
    sourceList: [{ type: 'possessing_party', source: stationUri(c.place.site, c.place.station) }],
    destinationList: [{ type: 'possessing_party', destination: departmentUri(c.place.site, c.department) }],
    ...ext(c, 'handed_off', { department: c.department, handoffId: c.handoffId }),
  };
}

/** The receiving department acknowledged the tote (bizStep accepting, at the department). */
export function acknowledgedEvent(c: ContainerCommon & { department: string; handoffId: string; receivedBy?: string | null }): EpcisEvent {
  const dept = departmentUri(c.place.site, c.department);
  return {
    ...head('acknowledged', c, 'ObjectEvent', 'OBSERVE', c.handoffId),
    epcList: [toteUri(c.place, c.tote)],
    bizStep: 'accepting',
    disposition: 'in_progress',
    readPoint: { id: dept },
    bizLocation: { id: dept },
    sourceList: [{ type: 'possessing_party', source: stationUri(c.place.site, c.place.station) }],
    destinationList: [{ type: 'possessing_party', destination: dept }],
    ...ext(c, 'acknowledged', { department: c.department, handoffId: c.handoffId, receivedBy: c.receivedBy }),
  };
}

/**
 * Correction: EPCIS error declaration = the original event repeated with `errorDeclaration`, pointing at the
 * corrective events (if any). The eventID stays the original's, as the standard asks.
 */
export function correctionEvent(original: EpcisEvent, c: { at: number; reason?: 'incorrect_data' | 'did_not_occur'; correctiveEventIDs?: string[]; operator?: string | null; note?: string }): EpcisEvent {
  const decl: Record<string, unknown> = { declarationTime: isoTime(c.at), reason: c.reason ?? 'incorrect_data' };
  if (c.correctiveEventIDs?.length) decl.correctiveEventIDs = c.correctiveEventIDs;
  if (c.operator) decl['rs:operator'] = c.operator;
  if (c.note) decl['rs:note'] = c.note;
  const copy: EpcisEvent = { ...original, errorDeclaration: decl };
  // The station sequence belongs to the outbox row, not to the event; a copy gets its own.
  delete copy['rs:stationSeq'];
  return copy;
}
