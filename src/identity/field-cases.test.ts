/** Field cases from fixtures/field-cases.md; each test is named after its case id. */
import { describe, expect, it } from 'vitest';
import {
  AI_TABLE,
  decodeEpcHex,
  encodeEpc,
  encodeEpcForGtin,
  gs1Date,
  gtinShortForm,
  identify,
  identifyEpcHex,
  interpretAi,
  normalizeGtin,
  type IdentifyResult,
} from './index.js';

function okId(r: IdentifyResult) {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r;
}

describe('field cases', () => {
  it('BUG-19: group separator in any form a wedge delivers; missing separator is flagged, not guessed', () => {
    // (a) Alt+0,2,9 and (b) Ctrl+] both reach us as the GS byte from the wedge layer; (c) literal text.
    for (const sep of ['\x1d', '{GS}', '<GS>', '\\x1d']) {
      const r = okId(identify(`0111111111111113` + `10xyz` + sep + `3040\r`));
      expect(r.identity.gtin).toBe('11111111111113');
      expect(r.identity.lot).toBe('xyz');
      expect(r.identity.ais?.['30']).toBe('40');
      expect(interpretAi('30', r.identity.ais?.['30'] ?? '')).toBe(40);
      expect(r.warnings.map((w) => w.code)).not.toContain('possibleMissingSeparator');
    }
    // (d) nothing: the lot swallows "3040" — kept as sent, but warned.
    const d = okId(identify('011111111111111310xyz3040\n'));
    expect(d.identity.lot).toBe('xyz3040');
    expect(d.identity.ais?.['30']).toBeUndefined();
    expect(d.warnings.map((w) => w.code)).toContain('possibleMissingSeparator');
  });

  it('BUG-21: a misread check digit is rejected, never looked up', () => {
    const bad = identify('4311501062448');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.code).toBe('GS1_BAD_CHECK_DIGIT');
    expect(okId(identify('4311501062449')).identity.gtin).toBe('04311501062449');
    // same kind: UPC-A, EAN-8, GTIN-14 and GS1 AI data
    for (const s of ['036000291453', '73513538', '24012345678909', '0124012345678909']) {
      const r = identify(s);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('GS1_BAD_CHECK_DIGIT');
    }
  });

  it('BUG-23: EAN-13 with leading 0 and UPC-A are one GTIN-14', () => {
    const gtins = ['0036000291452', '036000291452', ']E00036000291452', '(01)00036000291452'].map((s) => okId(identify(s)).identity.gtin);
    expect(new Set(gtins)).toEqual(new Set(['00036000291452']));
    expect(normalizeGtin('036000291452')).toEqual({ ok: true, value: '00036000291452' });
  });

  it('BUG-27: variable-length lot without closing FNC1', () => {
    const a = okId(identify('0110884521761599112107011021G0073JZ\x1d2023'));
    expect(a.identity.gtin).toBe('10884521761599');
    expect(interpretAi('11', a.identity.ais?.['11'] ?? '')).toBe('2021-07-01');
    expect(a.identity.lot).toBe('21G0073JZ');
    expect(a.identity.ais?.['20']).toBe('23');
    expect(a.warnings).toEqual([]);
    const b = okId(identify('0110884521761599112107011021G0073JZ2023'));
    expect(b.identity.lot).toBe('21G0073JZ2023');
    expect(b.warnings.map((w) => w.code)).toContain('possibleMissingSeparator');
  });

  it('BUG-29: day 00 is the last day of the stated month, leap years included', () => {
    const cases: Array<[string, string]> = [
      ['190700', '2019-07-31'],
      ['160200', '2016-02-29'],
      ['130200', '2013-02-28'],
      ['260400', '2026-04-30'],
    ];
    for (const [v, iso] of cases) {
      expect(okId(identify(`(01)09520123456788(17)${v}`)).identity.expiry).toBe(iso);
      expect(gs1Date(v, true)).toEqual({ ok: true, iso });
    }
    // same kind, other date AIs: best-before (15) also allows day 00; a harvest date (7006) does not.
    expect(interpretAi('15', '240200')).toBe('2024-02-29');
    const bad = identify('(01)09520123456788(7006)240200');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.code).toBe('GS1_INVALID_DATE');
    const month13 = identify('(01)09520123456788(17)191300');
    expect(month13.ok).toBe(false);
  });

  it('BUG-31: 310n is a 4-digit AI with implied decimals', () => {
    const r = okId(identify('01984567890145333103000035'));
    expect(r.identity.gtin).toBe('98456789014533');
    expect(r.identity.ais?.['3103']).toBe('000035');
    expect(interpretAi('3103', '000035')).toBe('0.035');
    expect(interpretAi('3102', '001250')).toBe('12.50');
    expect(interpretAi('3202', '001250')).toBe('12.50');
    expect(okId(identify('(01)98456789014533(3102)001250')).identity.ais?.['3102']).toBe('001250');
    expect(AI_TABLE.has('310')).toBe(false);
    for (const [ai, def] of AI_TABLE) if (/^3[1-6][0-9]/.test(ai)) expect(def.maxLength).toBe(6);
    // a 7-digit value is not silently accepted
    expect(identify('(3103)0000350').ok).toBe(false);
  });

  it('BUG-32: 3- and 4-digit AIs are never split as 2-digit', () => {
    const a = okId(identify('241ABC1234\x1d100815'));
    expect(a.identity.ais).toEqual({ '241': 'ABC1234', '10': '0815' });
    const b = okId(identify('4145412345000013'));
    expect(b.identity.ais).toEqual({ '414': '5412345000013' });
    expect(b.identity.gln).toBe('5412345000013');
    const badGln = identify('(414)5412345000014');
    expect(badGln.ok).toBe(false);
    if (!badGln.ok) expect(badGln.error.code).toBe('GS1_BAD_CHECK_DIGIT');
    for (const s of [']C1239ABC', '(89)1234', '^891234']) {
      const r = identify(s);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('GS1_UNKNOWN_AI');
    }
  });

  it('BUG-34: GTIN-14 with indicator digit keeps all 14 digits and its own check digit', () => {
    expect(okId(identify('0110333332112101')).identity.gtin).toBe('10333332112101');
    expect(okId(identify('0100367457153032')).identity.gtin).toBe('00367457153032');
    expect(okId(identify('10333332112101')).identity.gtin).toBe('10333332112101');
  });

  it('BUG-35: SGTIN GTIN with check digit 0 is 14 digits', () => {
    const r = decodeEpcHex('3036142C8C008F8000053244');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.filter).toBe(1);
    expect(r.value.partition).toBe(5);
    expect(r.value.fields).toEqual({ type: 'sgtin', companyPrefix: '8719139', reference: '000574', serial: '340548' });
    const id = okId(identifyEpcHex('3036142C8C008F8000053244'));
    expect(id.identity.gtin).toBe('08719139005740');
    expect(id.identity.gtin).toHaveLength(14);
  });

  it('BUG-36: the indicator digit goes in front of the company prefix', () => {
    const r = decodeEpcHex('303403332C121B2F276CB8E8');
    expect(r.ok && r.value.partition).toBe(5);
    expect(r.ok && r.value.fields).toEqual({ type: 'sgtin', companyPrefix: '0052427', reference: '018540', serial: '202524899560' });
    const id = okId(identifyEpcHex('303403332C121B2F276CB8E8'));
    expect(id.identity.gtin).toBe('00052427185402');
    expect(gtinShortForm(id.identity.gtin ?? '')).toEqual({ kind: 'GTIN-12', value: '052427185402' });
    expect(id.identity.gtin).not.toContain('052427018540');
  });

  it('BUG-38: non-GS1 and malformed EPCs stay raw identities with a reason', () => {
    const cases: Array<[string, string, string]> = [
      ['C310821E1A27B82D49F00003', 'raw', 'EPC_UNKNOWN_HEADER'],
      ['4453490063370A451349BB6E', 'raw', 'EPC_UNKNOWN_HEADER'],
      ['303C00000000000000000001', 'invalid', 'EPC_INVALID_PARTITION'],
      ['3034257BF7194E40', 'invalid', 'EPC_TOO_SHORT'],
    ];
    for (const [hex, kind, code] of cases) {
      const r = okId(identifyEpcHex(hex));
      expect(r.identity.epc?.kind).toBe(kind);
      expect(r.identity.epc?.hex).toBe(hex);
      expect(r.identity.epc?.reason?.code).toBe(code);
      expect(r.identity.epc?.tagUri).toBe(`urn:epc:raw:${hex.length * 4}.x${hex}`);
      expect(r.identity.gtin).toBeUndefined();
      expect(r.warnings.map((w) => w.code)).toContain(code);
      expect(okId(identify(`epc:${hex}`)).identity.epc?.kind).toBe(kind);
    }
    const guard = okId(identifyEpcHex('3074257BF7194E4000001A85'));
    expect(guard.identity.gtin).toBe('80614141123458');
    expect(guard.identity.serial).toBe('6789');
    // with the Gen2 PC word a reader puts in front
    expect(okId(identifyEpcHex('30003074257BF7194E4000001A85')).identity.gtin).toBe('80614141123458');
    // not hex at all is an error, not a raw identity
    const junk = identifyEpcHex('ZZ-not-hex');
    expect(junk.ok).toBe(false);
    if (!junk.ok) expect(junk.error.code).toBe('EPC_INVALID_HEX');
  });

  it('BUG-39: short GTINs are padded before comparing; RCNs are named, not failed generically', () => {
    const catalog = normalizeGtin('60573421');
    expect(catalog).toEqual({ ok: true, value: '00000060573421' });
    const tag = encodeEpcForGtin('60573421', '1234', 8, 'sgtin-96', 1);
    expect(tag.ok).toBe(true);
    if (tag.ok) expect(okId(identifyEpcHex(tag.value.hex)).identity.gtin).toBe('00000060573421');
    const rcn = okId(identify('2100000109869'));
    expect(rcn.identity.gtin).toBe('02100000109869');
    expect(rcn.warnings.map((w) => w.code)).toContain('GS1_RESTRICTED_CIRCULATION');
    const enc = encodeEpcForGtin('2100000109869', '1', 7);
    expect(enc.ok).toBe(false);
    if (!enc.ok) {
      expect(enc.error.code).toBe('EPC_RESTRICTED_CIRCULATION');
      expect(enc.error.message).toMatch(/restricted circulation number.*no GS1 company prefix/);
    }
    const viaUri = encodeEpc('urn:epc:id:sgtin:2100000.010986.1', 'sgtin-96');
    expect(viaUri.ok).toBe(false);
    if (!viaUri.ok) expect(viaUri.error.code).toBe('EPC_RESTRICTED_CIRCULATION');
  });
});

describe('internal labels', () => {
  it('non-GS1 text is NOT_GS1 so the station can treat it as an internal label', () => {
    for (const s of ['RMA-10023', 'BIN-A01', 'RMA-12', '1510538', '345', 'hello world']) {
      const r = identify(s);
      expect(r.ok, s).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('NOT_GS1');
    }
    const empty = identify('  \r\n');
    expect(!empty.ok && empty.error.code).toBe('EMPTY_INPUT');
  });
});
