import { describe, expect, it } from 'vitest';
import { identify, type IdentifyResult } from '../identity/index.js';
import { buildFacts, exceptionFor } from './facts.js';
import { confirmReading, openReading, readingQuestion, scanWarnings, withoutUnconfirmed } from './readings.js';

function ok(r: IdentifyResult): Extract<IdentifyResult, { ok: true }> {
  if (!r.ok) throw new Error(r.error.code);
  return r;
}

describe('uncertain readings', () => {
  it('BUG-27 (b): 21G0073JZ2023 is read as the lot as sent or 21G0073JZ + (20) 23; the split reading re-parses AI 20', () => {
    const r = ok(identify('0110884521761599112107011021G0073JZ2023'));
    const warnings = scanWarnings(r.identity, r.warnings);
    const reading = openReading(warnings);
    expect(reading).toMatchObject({ ai: '10', field: 'lot', asRead: '21G0073JZ2023', split: { value: '21G0073JZ', ais: { '20': '23' } }, code: 'LOT_UNCONFIRMED' });
    if (!reading) return;
    expect(readingQuestion(reading).text.en).toBe('Lot reads 21G0073JZ2023 — is that the whole lot, or is it 21G0073JZ + 2023 (AI 20)?');
    // Until confirmed the lot is not there for matching or events, and the rules see lotConfirmed=false.
    expect(withoutUnconfirmed(r.identity, warnings).lot).toBeUndefined();
    expect(buildFacts(r.identity, undefined, {}, warnings)).toMatchObject({ lot: '21G0073JZ2023', lotConfirmed: false });
    expect(exceptionFor(undefined, warnings)?.code).toBe('LOT_UNCONFIRMED');
    const split = confirmReading(r.identity, reading, 'split', { operator: 'op-1', at: 1 });
    expect(split?.identity).toMatchObject({ gtin: '10884521761599', lot: '21G0073JZ', raw: '0110884521761599112107011021G0073JZ2023' });
    expect(split?.identity.ais).toEqual({ '01': '10884521761599', '11': '210701', '10': '21G0073JZ', '20': '23' });
    expect(split?.reading).toMatchObject({ status: 'confirmed', choice: 'split', value: '21G0073JZ', by: 'op-1' });
    expect(confirmReading(r.identity, reading, 'as_read', { operator: null, at: 1 })?.identity.lot).toBe('21G0073JZ2023');
    expect(confirmReading(r.identity, reading, 'maybe', { operator: null, at: 1 })).toBeUndefined();
  });

  it('BUG-27 (a): with its separator nothing is uncertain and the lot counts as confirmed', () => {
    const r = ok(identify('0110884521761599112107011021G0073JZ<GS>2023'));
    const warnings = scanWarnings(r.identity, r.warnings);
    expect(openReading(warnings)).toBeUndefined();
    expect(buildFacts(r.identity, undefined, {}, warnings)).toMatchObject({ lot: '21G0073JZ', lotConfirmed: true });
  });

  it('BUG-19 (d): xyz3040 → xyz + count (30) 40', () => {
    const r = ok(identify('011111111111111310xyz3040'));
    const reading = openReading(scanWarnings(r.identity, r.warnings));
    expect(reading).toMatchObject({ asRead: 'xyz3040', split: { value: 'xyz', ais: { '30': '40' } } });
    if (!reading) return;
    const split = confirmReading(r.identity, reading, 'split', { operator: null, at: 1 });
    expect(split?.identity.ais?.['30']).toBe('40');
    expect(buildFacts(split?.identity ?? r.identity, undefined, {}, [{ code: 'possibleMissingSeparator', message: '', ...(split ? { reading: split.reading } : {}) }])).toMatchObject({ lot: 'xyz', lotConfirmed: true, countConfirmed: true });
  });

  it('the same for a serial: SN5010LOT010 may be serial SN50 followed by lot (10) LOT010', () => {
    const r = ok(identify('010401234500074021SN5010LOT010'));
    const warnings = scanWarnings(r.identity, r.warnings);
    const reading = openReading(warnings);
    expect(reading).toMatchObject({ ai: '21', field: 'serial', code: 'SERIAL_UNCONFIRMED', split: { value: 'SN50', ais: { '10': 'LOT010' } } });
    expect(withoutUnconfirmed(r.identity, warnings).serial).toBeUndefined();
    expect(buildFacts(r.identity, undefined, {}, warnings)).toMatchObject({ serialConfirmed: false });
    if (reading) expect(readingQuestion(reading).text.en).toBe('Serial reads SN5010LOT010 — is that the whole serial, or is it SN50 + 10LOT010 (AI 10)?');
  });

  it('a tail that would repeat the field\'s own AI is no reading: L-1002023 → L-100 + (20) 23', () => {
    const r = ok(identify('010061414100925110L-1002023'));
    expect(openReading(scanWarnings(r.identity, r.warnings))?.split).toEqual({ value: 'L-100', ais: { '20': '23' } });
  });

  it('other identity warnings are kept as they are, with no reading', () => {
    // A store-internal EAN-13 (prefix 20): GS1_RESTRICTED_CIRCULATION.
    const r = ok(identify('2001234567893'));
    expect(r.warnings.map((w) => w.code)).toEqual(['GS1_RESTRICTED_CIRCULATION']);
    expect(scanWarnings(r.identity, r.warnings)).toEqual(r.warnings.map((w) => ({ code: w.code, message: w.message })));
  });
});
