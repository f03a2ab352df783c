import { describe, expect, it } from 'vitest';
import { classifyGtin, expandUpcE, identify, identifyEpcHex, interpretAi, type IdentifyResult } from './index.js';

function ok(r: IdentifyResult) {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r;
}
function code(r: IdentifyResult): string | undefined {
  return r.ok ? undefined : r.error.code;
}

describe('identify: input forms', () => {
  it('accepts every FNC1 form scanners and wedges produce', () => {
    for (const sep of ['\x1d', '<GS>', '{GS}', '[GS]', '<FNC1>', '\\x1d', '\\u001d', '\u241d', '^]']) {
      const r = ok(identify(`0109520123456788${'10'}ABC${sep}21XYZ`));
      expect(r.identity.lot, JSON.stringify(sep)).toBe('ABC');
      expect(r.identity.serial).toBe('XYZ');
    }
    // FNC1 in first position sent as a leading GS
    expect(ok(identify('\x1d0109520123456788')).identity.gtin).toBe('09520123456788');
  });

  it('a textual FNC1 after an AIM id is a separator too, never lot data (issue 3: `<GS>` for FNC1)', () => {
    // Field case BUG-27 (a) as a GS1-128 scan logged with its AIM id and the separator as text.
    for (const sep of ['<GS>', '{GS}', '\\x1d', '\x1d']) {
      const r = ok(identify(`]C10110884521761599112107011021G0073JZ${sep}2023`));
      expect(r.identity, JSON.stringify(sep)).toMatchObject({ symbology: 'GS1_128', gtin: '10884521761599', lot: '21G0073JZ' });
      expect(r.identity.ais?.['20']).toBe('23');
      expect(r.warnings).toEqual([]);
    }
    expect(ok(identify(']d2011231231231233310ABC123<GS>99TESTING')).identity.elementString).toBe('^011231231231233310ABC123^99TESTING');
    // Non-GS1 symbologies keep their text as sent.
    expect(code(identify(']A0RMA<GS>1'))).toBe('NOT_GS1');
  });

  it('an EPC without GS1 keys (GID-96) has no ais and no element string', () => {
    // GID has no GS1 key (TDS §6.3.9: manager.class.serial), so there is nothing to put in ais.
    const r = ok(identify('urn:epc:id:gid:95100000.12345.400'));
    expect(r.identity.epc?.pureIdentityUri).toBe('urn:epc:id:gid:95100000.12345.400');
    expect(r.identity.ais).toBeUndefined();
    expect(r.identity.elementString).toBeUndefined();
    expect(r.identity.gtin).toBeUndefined();
  });

  it('decimal AIs 39xx: amount with implied decimals, ISO 4217 currency in front for 391n/393n', () => {
    // python-stdnum tests/test_gs1_128.doctest: info('(391)3123123456') == {'391': ('123', Decimal('123.456'))}
    expect(interpretAi('3913', '123123456')).toBe('123 123.456');
    expect(interpretAi('3922', '1234')).toBe('12.34');
    expect(interpretAi('3932', '9781234')).toBe('978 12.34');
    expect(ok(identify('(01)09520123456788(3932)9781234')).identity.ais?.['3932']).toBe('9781234');
    // the currency is linted like GS1's syntax engine does (123 is not an ISO 4217 code)
    expect(code(identify('(01)09520123456788(3913)123123456'))).toBe('GS1_INVALID_CURRENCY');
  });

  it('restricted-circulation prefixes 02, 04 and 20-29 are recognised and named (GS1 prefix list: 02, 04, 20-29 = RCN)', () => {
    for (const [gtin, prefix] of [['00204012345672', '02'], ['00412345678903', '04'], ['02100000109869', '21'], ['02912345678906', '29']] as const) {
      const c = classifyGtin(gtin);
      expect(c, gtin).toMatchObject({ restricted: true, prefix });
      expect(c.name).toMatch(/restricted circulation number/);
    }
    expect(classifyGtin('04006381333931')).toMatchObject({ restricted: false });
    for (const g of ['00204012345672', '02912345678906']) expect(ok(identify(g.slice(1))).identity.gtin).toBe(g);
    const r = ok(identify('0412345678903'));
    expect(r.warnings.map((w) => w.code)).toEqual(['GS1_RESTRICTED_CIRCULATION']);
    expect(r.warnings[0]?.message).toMatch(/prefix 04/);
  });

  it('AIM-prefixed scans carry their symbology', () => {
    const r = ok(identify(']d2011231231231233310ABC123\x1d99TESTING'));
    expect(r.identity.symbology).toBe('DataMatrix');
    expect(r.identity.elementString).toBe('^011231231231233310ABC123^99TESTING');
    const ean = ok(identify(']E02112345678900|]e099COMPOSITE\x1d98XYZ'));
    expect(ean.identity.gtin).toBe('02112345678900');
    expect(ean.identity.ais?.['99']).toBe('COMPOSITE');
    expect(code(identify(']E402345674'))).toBe('GS1_BAD_CHECK_DIGIT');
    expect(code(identify(']d1RMA-10023'))).toBe('NOT_GS1');
  });

  it('Digital Link and EPC URIs', () => {
    const dl = ok(identify('https://id.gs1.org/01/09520123456788/10/ABC%2F1/21/12345?17=260400'));
    expect(dl.identity.source).toBe('digital-link');
    expect(dl.identity).toMatchObject({ gtin: '09520123456788', lot: 'ABC/1', serial: '12345', expiry: '2026-04-30' });
    expect(code(identify('https://id.gs1.org/01/2112345678900'))).toBe('GS1_BAD_LENGTH');
    const tag = ok(identify('urn:epc:tag:sgtin-96:3.0614141.812345.6789'));
    expect(tag.identity.epc).toMatchObject({ scheme: 'sgtin-96', hex: '3074257BF7194E4000001A85', filter: 3 });
    expect(tag.identity.gtin).toBe('80614141123458');
    const sscc = ok(identify('urn:epc:id:sscc:0614141.1234567890'));
    expect(sscc.identity.sscc).toBe('106141412345678908');
    const raw = ok(identify('urn:epc:raw:96.x3074257BF7194E4000001A85'));
    expect(raw.identity.serial).toBe('6789');
    expect(code(identify('urn:epc:id:sgtin:50712.11123456..%25:.13%26'))).toBe('EPC_INVALID_URI');
  });

  it('bare EPC hex from a reader is recognised without the epc: prefix', () => {
    const r = ok(identify('3074257BF7194E4000001A85'));
    expect(r.identity.source).toBe('epc');
    expect(r.identity.gtin).toBe('80614141123458');
  });

  it('Gen2 PC word: plain, with XPC, and the ISO toggle bit', () => {
    expect(ok(identifyEpcHex('3000 3074 257B F719 4E40 0000 1A85')).identity.epc?.pcWord).toBe('3000');
    // XI bit set: PC + XPC_W1 in front
    expect(ok(identifyEpcHex('32000000' + '3074257BF7194E4000001A85')).identity.gtin).toBe('80614141123458');
    // T bit set: ISO AFI data, not a GS1 EPC
    const iso = ok(identifyEpcHex('31A2' + '3074257BF7194E4000001A85'));
    expect(iso.identity.epc?.kind).toBe('raw');
    expect(iso.identity.epc?.reason?.code).toBe('EPC_NON_GS1');
    // GSRN-96 starts with a word that looks like a 5-word PC; it must not be stripped
    expect(ok(identifyEpcHex('2D74257BF4499602D2000000')).identity.epc?.pureIdentityUri).toBe('urn:epc:id:gsrn:0614141.1234567890');
  });

  it('UPC-E is expanded when the decoder says UPC-E', () => {
    expect(expandUpcE('01234565')).toBe('012345000065');
    expect(ok(identify('01234565', { symbology: 'upc_e' })).identity.gtin).toBe('00012345000065');
    expect(code(identify('01234566', { symbology: 'upc_e' }))).toBe('GS1_BAD_CHECK_DIGIT');
    // without the hint 8 digits are EAN-8 (this one happens to be a valid EAN-8 too)
    expect(ok(identify('01234565')).identity.gtin).toBe('00000001234565');
  });

  it('conflicting repeats of a key AI are refused; association problems are warnings', () => {
    expect(code(identify('(01)09520123456788(01)12345678901231'))).toBe('GS1_CONFLICTING_AI');
    const r = ok(identify('(21)ABC123'));
    expect(r.warnings.map((w) => w.code)).toEqual(['GS1_MISSING_REQUIRED_AI']);
  });

  it('GS1 errors keep their codes', () => {
    expect(code(identify('(01)12345678901234'))).toBe('GS1_BAD_CHECK_DIGIT');
    expect(code(identify('(10)ABCDEFGHIJKLMNOPQRSTUVWXYZ'))).toBe('GS1_FIELD_TOO_LONG');
    expect(code(identify('(17)191332'))).toBe('GS1_INVALID_DATE');
    expect(code(identify('(99)'))).toBe('GS1_EMPTY_FIELD');
    expect(code(identify('01095201234567881719133210ABC'))).toBe('GS1_INVALID_DATE');
    expect(code(identify('epc:3074257BF7194E4000001A8'))).toBe(undefined);
    expect(code(identify('epc:XYZ'))).toBe('EPC_INVALID_HEX');
  });
});

describe('identify: reader and scanner extras', () => {
  it('PC + EPC + CRC-16 as some readers report it', async () => {
    const { gen2Crc16 } = await import('./epc/codec.js');
    // CRC-16/GENIBUS check value, the Gen2 CRC's published test vector
    expect(gen2Crc16(Buffer.from('123456789').toString('hex'))).toBe(0xd64e);
    const body = '3000' + '3074257BF7194E4000001A85';
    const crc = gen2Crc16(body).toString(16).toUpperCase().padStart(4, '0');
    const r = ok(identifyEpcHex(body + crc));
    expect(r.identity.gtin).toBe('80614141123458');
    // a wrong CRC is not silently dropped
    const wrong = ((gen2Crc16(body) ^ 1) & 0xffff).toString(16).padStart(4, '0');
    expect(ok(identifyEpcHex(body + wrong)).identity.epc?.pcWord).toBeUndefined();
  });

  it('a Digital Link inside a plain QR (]Q1) keeps the scan as raw', () => {
    const r = ok(identify(']Q1https://id.gs1.org/01/09520123456788/21/ABC'));
    expect(r.identity).toMatchObject({ source: 'digital-link', symbology: 'QR', gtin: '09520123456788', serial: 'ABC', raw: ']Q1https://id.gs1.org/01/09520123456788/21/ABC' });
  });

  it('typed bracketed form with spaces', () => {
    expect(ok(identify('(01) 09520123456788 (10) ABC')).identity).toMatchObject({ gtin: '09520123456788', lot: 'ABC' });
  });
});

describe('identify: dropped separator that overflows a field', () => {
  it('is an error that says a separator may be missing, never a guessed split', () => {
    const r = identify('010952012345678810ABCDEFGHIJKLMNOP21123456789');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('GS1_FIELD_TOO_LONG');
      expect(r.error.message).toMatch(/separator \(GS\) may be missing/);
    }
  });
});
