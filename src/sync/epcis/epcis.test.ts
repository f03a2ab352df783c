import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  acknowledgedEvent, binnedEvent, checkEvent, correctionEvent, dispositionEvent, epcisDocument, handoffEvent, inspectingEvent,
  packedEvent, receivingEvent, type EpcisEvent, type StationPlace,
} from './index.js';

const root = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'epcis');
const schema = JSON.parse(readFileSync(join(root, 'EPCIS-JSON-Schema.json'), 'utf8')) as object;
// ajv-formats is CommonJS; its default export arrives wrapped depending on the loader.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv) => Ajv;
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const validate = ajv.compile(schema);

function valid(doc: unknown): string {
  return validate(doc) ? 'ok' : JSON.stringify(validate.errors?.slice(0, 5));
}

const place: StationPlace = { site: 'dc-berlin', station: 'st-01', readPointSgln: 'urn:epc:id:sgln:4012345.00001.dock1', bizLocationSgln: 'urn:epc:id:sgln:4012345.00001.0', tzMinutesWest: -60 };
const at = Date.UTC(2025, 9, 1, 8, 30, 0);
const common = { place, at, rma: 'RMA-2025-0042', caseId: 'case-1', operator: 'op-7f3a', ruleSet: { version: '2025.10.1', hash: 'sha256:ab12' }, matchedRows: [3, 7] };
const rfidItem = { itemId: 'it-1', epc: 'urn:epc:id:sgtin:4012345.011111.987' };
const barcodeItem = { itemId: 'it-2', gtin: '4012345111118', serial: 'SN-42' };
const classItem = { itemId: 'it-3', gtin: '04012345111118' };

function allEvents(): Record<string, EpcisEvent> {
  const rec = receivingEvent({ ...common, item: rfidItem, source: 'rfid' });
  return {
    receiving: rec,
    receivingBarcode: receivingEvent({ ...common, item: barcodeItem, source: 'barcode' }),
    receivingClassLevel: receivingEvent({ ...common, item: classItem, source: 'camera' }),
    receivingUnidentified: receivingEvent({ ...common, item: { itemId: 'it-4' } }),
    inspecting: inspectingEvent({ ...common, item: rfidItem, grade: 'B', conformant: false, answers: { powersOn: true } }),
    disposition: dispositionEvent({ ...common, item: rfidItem, disposition: 'restock', bin: 'A-03', nextDepartment: 'resale' }),
    binned: binnedEvent({ ...common, item: rfidItem, bin: 'A-03', disposition: 'restock', confirmedBy: 'scan' }),
    packed: packedEvent({ place, at, tote: 'T-0099', items: [rfidItem, barcodeItem, classItem], operator: 'op-7f3a' }),
    packedSscc: packedEvent({ place, at, tote: 'urn:epc:id:sscc:4012345.0000000001', items: [rfidItem] }),
    handoff: handoffEvent({ place, at, tote: 'T-0099', department: 'refurbishment', handoffId: 'h-1', operator: 'op-7f3a' }),
    acknowledged: acknowledgedEvent({ place, at: at + 60_000, tote: 'T-0099', department: 'refurbishment', handoffId: 'h-1', receivedBy: 'op-11aa' }),
    corrected: correctionEvent(rec, { at: at + 120_000, correctiveEventIDs: ['urn:uuid:404d95fc-9457-4a51-bd6a-0bba133845a8'], operator: 'op-7f3a' }),
  };
}

describe('EPCIS 2.0 events validate against GS1 schema', () => {
  it('the GS1 example documents validate (the validator itself is right)', () => {
    for (const f of readdirSync(join(root, 'examples'))) {
      expect(valid(JSON.parse(readFileSync(join(root, 'examples', f), 'utf8'))), f).toBe('ok');
    }
  });

  for (const [name, ev] of Object.entries(allEvents())) {
    it(`${name}: standalone event and inside an EPCISDocument`, () => {
      expect(valid(ev)).toBe('ok');
      expect(valid(epcisDocument([ev], { createdAt: at }))).toBe('ok');
      expect(checkEvent({ ...ev, 'rs:stationSeq': 1 }).ok).toBe(true);
    });
  }

  it('all step types together form one valid document', () => {
    expect(valid(epcisDocument(Object.values(allEvents()), { createdAt: at, sender: 'urn:returns-station:dc-berlin:st-01' }))).toBe('ok');
  });

  it('uses CBV vocabulary, the rma bizTransaction and possessing_party source/destination', () => {
    const e = allEvents();
    expect(e.receiving).toMatchObject({ bizStep: 'receiving', disposition: 'returned', epcList: [rfidItem.epc], bizTransactionList: [{ type: 'rma' }] });
    expect(e.receivingBarcode?.epcList).toEqual(['https://id.gs1.org/01/04012345111118/21/SN-42']);
    expect(e.receivingClassLevel?.quantityList).toEqual([{ epcClass: 'https://id.gs1.org/01/04012345111118', quantity: 1 }]);
    expect(e.disposition).toMatchObject({ disposition: 'sellable_accessible', 'rs:ruleSet': { version: '2025.10.1', hash: 'sha256:ab12' }, 'rs:matchedRows': [3, 7] });
    expect(e.packed).toMatchObject({ type: 'AggregationEvent', action: 'ADD', bizStep: 'packing' });
    expect(e.handoff?.sourceList).toEqual([{ type: 'possessing_party', source: 'urn:returns-station:dc-berlin:st-01' }]);
    expect(e.handoff?.destinationList).toEqual([{ type: 'possessing_party', destination: 'urn:returns-station:dc-berlin:dept:refurbishment' }]);
    expect(e.corrected?.eventID).toBe(e.receiving?.eventID);
    expect(e.corrected?.errorDeclaration).toMatchObject({ reason: 'incorrect_data' });
    expect(e.receiving?.eventTimeZoneOffset).toBe('+01:00');
  });

  it('eventID is stable for the same step and differs across steps and items', () => {
    const a = receivingEvent({ ...common, item: rfidItem });
    const b = receivingEvent({ ...common, item: rfidItem });
    const c = receivingEvent({ ...common, item: barcodeItem });
    const d = inspectingEvent({ ...common, item: rfidItem, grade: 'A' });
    expect(a.eventID).toBe(b.eventID);
    expect(new Set([a.eventID, c.eventID, d.eventID]).size).toBe(3);
    // RFC 9562 version 8 (custom) with the variant bits of RFC 9562, and its first 48 bits are the event's time.
    expect(a.eventID).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // 2025-10-01T08:30:00Z = 1,759,307,400,000 ms = 0x01999EE48340
    expect(a.eventID.slice('urn:uuid:'.length, 'urn:uuid:'.length + 13)).toBe('01999ee4-8340');
  });

  it('eventIDs sort as their events happened, so the outbox and HQ indexes grow at one end', () => {
    const ids = [0, 1, 1000, 60_000, 86_400_000].map((dt) => receivingEvent({ ...common, at: at + dt, item: { itemId: `it-${dt}` } }).eventID);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('a disposition or bin named like an Object.prototype member stays a plain string (found by the property below)', () => {
    const p: StationPlace = { site: 'dc x/1', station: 'st #1', tzMinutesWest: 0 };
    const item = { itemId: 'i', gtin: '4012345111118', serial: 's' };
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const ev = binnedEvent({ place: p, at, item, bin: name, disposition: name });
      expect(typeof ev.disposition).toBe('string');
      expect(valid(ev)).toBe('ok');
    }
  });

  it('property: any serial, RMA, bin and station names still give schema-valid events', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 30 }), fc.string({ minLength: 1, maxLength: 20 }), fc.string({ minLength: 1, maxLength: 10 }), fc.integer({ min: -840, max: 720 }), (serial, rma, bin, tz) => {
        const p: StationPlace = { site: 'dc x/1', station: 'st #1', tzMinutesWest: tz };
        const item = { itemId: serial, gtin: '4012345111118', serial };
        for (const ev of [receivingEvent({ place: p, at, item, rma }), binnedEvent({ place: p, at, item, bin, disposition: bin })]) {
          if (valid(ev) !== 'ok') return false;
        }
        return true;
      }),
      { numRuns: 200 },
    );
  });

  it('checkEvent refuses bad input without throwing', () => {
    for (const bad of [null, 3, 'x', [], {}, { eventID: 'not a uri' }, { ...allEvents().receiving, 'rs:stationSeq': 0 }]) {
      expect(checkEvent(bad).ok).toBe(false);
    }
  });
});
