/**
 * possibleMissingSeparator fires only when the end of a lot/serial reads as plausible AI data of its own
 * (element-string.ts separatorTail). Codes: GTIN 00614141009251 (GS1 General Specifications example) and the
 * field cases BUG-19 (d) and BUG-27 (b) from fixtures/field-cases.md.
 */
import { describe, expect, it } from 'vitest';
import { identify, type IdentifyResult } from './index.js';

function warningCodes(r: IdentifyResult): string[] {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.warnings.map((w) => w.code);
}

describe('possibleMissingSeparator', () => {
  it('BUG-64: lot L-999 is an ordinary lot, not L- + (99) 9 (company-internal AIs 90–99 take anything)', () => {
    const r = identify('010061414100925110L-999');
    expect(r.ok && r.identity.lot).toBe('L-999');
    expect(warningCodes(r)).not.toContain('possibleMissingSeparator');
  });

  it('tails into AI 9x do not warn: ABC99123 is not ABC + (99) 123 or ABC9 + (91) 23', () => {
    for (const lot of ['ABC99123', 'ABC9123', 'X90ABC', 'LOT-97XYZ']) {
      expect(warningCodes(identify(`010061414100925110${lot}`)), lot).not.toContain('possibleMissingSeparator');
    }
  });

  it('tails into other free-text AIs (240, 400, 7020) do not warn either', () => {
    for (const lot of ['A240XYZ', 'A400PO123', 'A7020R1']) {
      expect(warningCodes(identify(`010061414100925110${lot}`)), lot).not.toContain('possibleMissingSeparator');
    }
  });

  it('a tail whose AI needs a key the label does not carry does not warn: (30) without (01)/(02)', () => {
    // SSCC label: a count (30) needs a GTIN (01) or content (02), so "3040" at the end of the lot is no evidence.
    expect(warningCodes(identify('00106141411234567897' + '10xyz3040'))).not.toContain('possibleMissingSeparator');
  });

  it('BUG-27 (b): 21G0073JZ2023 still warns, the tail being (20) 23', () => {
    const r = identify('0110884521761599112107011021G0073JZ2023');
    expect(warningCodes(r)).toContain('possibleMissingSeparator');
    expect(r.ok && r.warnings[0]?.message).toContain('"2023" reads as (20)23');
  });

  it('BUG-19 (d): xyz3040 still warns, the tail being count (30) 40', () => {
    const r = identify('011111111111111310xyz3040');
    expect(warningCodes(r)).toContain('possibleMissingSeparator');
    expect(r.ok && r.warnings[0]?.message).toContain('"3040" reads as (30)40');
  });

  it('lot and serial follow each other: a serial running into (10) still warns', () => {
    expect(warningCodes(identify('010401234500074021SN5010LOT010'))).toContain('possibleMissingSeparator');
  });

  it('with a GS anywhere in the data nothing is suspect', () => {
    expect(warningCodes(identify('011111111111111310xyz\x1d3040'))).not.toContain('possibleMissingSeparator');
  });
});
