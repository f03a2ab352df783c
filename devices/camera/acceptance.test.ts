import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AcceptanceTracker, dropWeakTwins, readKey, validateRead, type RawRead } from './acceptance.js';
import { canonical, checkDigitOk, compressUpcA, expandUpcE, mod10Valid, toGtin14 } from './formats.js';

const q = (text: string, format: RawRead['format'] = 'EAN-13'): RawRead => ({ format, text, decoder: 'quagga2', error: 0.05 });

describe('camera acceptance field cases', () => {
  it('BUG-21: a misread check digit is never a scan; two identical valid reads are accepted once', () => {
    const t = new AcceptanceTracker();
    expect(t.frame([q('4311501062448')], 0)).toEqual([]);
    expect(t.rejected).toEqual([{ read: q('4311501062448'), reason: 'CHECK_DIGIT' }]);
    expect(t.frame([q('4311501062449')], 40)).toEqual([]);
    const second = t.frame([q('4311501062449')], 80);
    expect(second).toEqual([expect.objectContaining({ format: 'EAN-13', text: '4311501062449', decoder: 'quagga2', gtin14: '04311501062449' })]);
    expect(t.frame([q('4311501062449')], 120)).toEqual([]); // still in view: not booked again
    expect(t.frame([q('4311501062449')], 5000)).toHaveLength(0); // first read of a new presentation
    expect(t.frame([q('4311501062449')], 5040)).toHaveLength(1);
  });

  it('BUG-23: EAN-13 with leading 0, UPC-A and the wedge form normalise to one GTIN-14 and agree across frames', () => {
    expect(toGtin14('0036000291452')).toBe('00036000291452');
    expect(toGtin14('036000291452')).toBe('00036000291452');
    expect(canonical('EAN-13', '0036000291452')).toEqual({ format: 'UPC-A', text: '036000291452' });
    expect(readKey({ format: 'EAN-13', text: '0036000291452' })).toBe(readKey({ format: 'UPC-A', text: '036000291452' }));
    const t = new AcceptanceTracker();
    t.frame([q('0036000291452', 'EAN-13')], 0);
    expect(t.frame([q('036000291452', 'UPC-A')], 50)).toEqual([expect.objectContaining({ format: 'UPC-A', text: '036000291452', gtin14: '00036000291452' })]);
  });

  it('BUG-25: truncated RMA (Code 128) and bin (Code 39) labels are rejected; full ones accepted', () => {
    expect(validateRead(q('151053', 'Code128'))).toEqual({ ok: false, reason: 'LABEL_PATTERN' });
    expect(validateRead(q('34', 'Code39'))).toEqual({ ok: false, reason: 'LABEL_PATTERN' });
    expect(validateRead(q('1510538', 'Code128'))).toMatchObject({ ok: true, label: 'RMA' });
    expect(validateRead(q('345', 'Code39'))).toMatchObject({ ok: true, label: 'bin' });
    const t = new AcceptanceTracker();
    expect([...t.frame([q('151053', 'Code128')], 0), ...t.frame([q('151053', 'Code128')], 40)]).toEqual([]);
    t.frame([q('1510538', 'Code128')], 80);
    expect(t.frame([q('1510538', 'Code128')], 120)).toEqual([expect.objectContaining({ text: '1510538', label: 'RMA' })]);
  });

  it('patterns come from config', () => {
    const labels = [{ name: 'bin', formats: ['Code39' as const], pattern: /^B-\d{2}-\d{2}$/, near: /^B-/ }];
    expect(validateRead(q('B-12-0', 'Code39'), { labels })).toEqual({ ok: false, reason: 'LABEL_PATTERN' });
    expect(validateRead(q('B-12-04', 'Code39'), { labels })).toMatchObject({ ok: true, label: 'bin' });
  });

  it('quagga2 reads with a high bar-width error are dropped', () => {
    expect(validateRead({ ...q('42152118', 'EAN-8'), error: 0.171 })).toEqual({ ok: false, reason: 'LOW_QUALITY' });
  });

  it('a weak second zxing read of the same format in one frame is dropped (fixture zxing__ean13-1__35)', () => {
    const z = (text: string, lines: number): RawRead => ({ format: 'EAN-13', text, decoder: 'zxing-wasm', lines });
    expect(dropWeakTwins([z('7034759003930', 3), z('5030159003930', 8)])).toEqual([z('5030159003930', 8)]);
  });

  it('a different read in between breaks the agreement streak', () => {
    const t = new AcceptanceTracker();
    t.frame([q('4311501062449')], 0);
    t.frame([q('4006381333931')], 30);
    expect(t.frame([q('4311501062449')], 60)).toEqual([]);
  });
});

describe('formats', () => {
  it('UPC-E expands and compresses back', () => {
    expect(expandUpcE('04965802')).toBe('049000006582');
    expect(compressUpcA('049000006582')).toBe('04965802');
    expect(canonical('UPC-E', '0038200009745')).toEqual({ format: 'UPC-E', text: '03897425' });
    fc.assert(
      fc.property(fc.constantFrom('0', '1'), fc.stringMatching(/^\d{6}$/), (ns, six) => {
        const body = expandUpcE(`${ns}${six}0`)!.slice(0, 11);
        let sum = 0;
        for (let i = 0; i < 11; i++) sum += (body.charCodeAt(i) - 48) * (i % 2 === 0 ? 3 : 1);
        const upce = `${ns}${six}${(10 - (sum % 10)) % 10}`;
        expect(checkDigitOk('UPC-E', upce)).toBe(true);
        expect(compressUpcA(expandUpcE(upce)!)).toBeDefined();
        expect(expandUpcE(compressUpcA(expandUpcE(upce)!)!)).toBe(expandUpcE(upce));
      }),
    );
  });
  it('mod-10 detects every single-digit error', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{12}$/), fc.nat(12), fc.integer({ min: 1, max: 9 }), (body, pos, delta) => {
        let sum = 0;
        for (let i = 0; i < 12; i++) sum += (body.charCodeAt(11 - i) - 48) * (i % 2 === 0 ? 3 : 1);
        const good = body + String((10 - (sum % 10)) % 10);
        expect(mod10Valid(good)).toBe(true);
        const d = (good.charCodeAt(pos) - 48 + delta) % 10;
        expect(mod10Valid(good.slice(0, pos) + d + good.slice(pos + 1))).toBe(false);
      }),
    );
  });
  it('never throws on arbitrary reads', () => {
    const t = new AcceptanceTracker();
    fc.assert(
      fc.property(fc.constantFrom('EAN-13', 'EAN-8', 'UPC-A', 'UPC-E', 'ITF', 'Code128', 'Code39', 'QR') , fc.string(), (format, text) => {
        t.frame([{ format, text, decoder: 'zxing-wasm' }], 0);
      }),
    );
  });
});
