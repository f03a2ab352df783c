import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEpcHex, encodeEpcDetailed, gs1CheckDigit, identify, identifyEpcHex, parsePureIdentityUri, type IdentifyResult } from './index.js';
import { SCHEMES, type SchemeDef } from './epc/schemes.js';
import { pureIdentityUri, tagUri, type EpcFields } from './epc/uri.js';

function typed(r: IdentifyResult): void {
  expect(typeof r.ok).toBe('boolean');
  if (r.ok) {
    expect(typeof r.identity.raw).toBe('string');
    expect(Array.isArray(r.warnings)).toBe(true);
    if (r.identity.gtin !== undefined) expect(r.identity.gtin).toMatch(/^[0-9]{14}$/);
    if (r.identity.expiry !== undefined) expect(r.identity.expiry).toMatch(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/);
  } else {
    expect(r.error.code).toMatch(/^[A-Z0-9_]+$/);
    expect(r.error.code).not.toBe('IDENTITY_INTERNAL');
    expect(r.error.message.length).toBeGreaterThan(0);
  }
}

const gs1ish = fc.string({ unit: fc.constantFrom(...'0123456789'.split(''), '\x1d', '(', ')', 'A', 'x', '^', '|', ']', 'C', 'd', '/', '%', '<GS>'), maxLength: 60 });
const hexChars = fc.string({ unit: fc.constantFrom(...'0123456789ABCDEF'.split('')), maxLength: 80 });

describe('properties: never throws, always typed', () => {
  it('arbitrary unicode strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 120 }), (s) => typed(identify(s))), { numRuns: 3000 });
  });
  it('GS1-looking strings (digits, GS, brackets, AIM, caret)', () => {
    fc.assert(fc.property(gs1ish, (s) => typed(identify(s))), { numRuns: 5000 });
  });
  it('Digital-Link-looking strings', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.constantFrom('01', '09520123456788', '10', '21', '00', '99', '414', '254'), gs1ish), { maxLength: 8 }), fc.string({ maxLength: 20 }), (segs, q) => typed(identify(`https://id.example/${segs.join('/')}?${q}`))), { numRuns: 2000 });
  });
  it('random bytes as EPC hex (with and without PC word, any length)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const hex = Buffer.from(bytes).toString('hex');
        typed(identifyEpcHex(hex));
        typed(identify(`epc:${hex}`));
      }),
      { numRuns: 5000 },
    );
  });
  it('random hex strings with a GS1 header byte', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SCHEMES.map((s) => s.header)), hexChars, (h, rest) => {
        const r = identifyEpcHex(h.toString(16) + rest);
        typed(r);
        // A decoded EPC always has URIs; anything else is raw/invalid with a reason.
        if (r.ok && r.identity.epc?.kind === 'decoded') expect(r.identity.epc.tagUri).toMatch(/^urn:epc:tag:/);
        if (r.ok && r.identity.epc?.kind !== 'decoded') expect(r.identity.epc?.reason?.code).toBeDefined();
      }),
      { numRuns: 5000 },
    );
  });
  it('GTIN bodies with their check digit identify to the same GTIN-14', () => {
    fc.assert(
      fc.property(fc.constantFrom(7, 11, 12, 13), fc.string({ unit: fc.constantFrom(...'0123456789'.split('')), minLength: 13, maxLength: 13 }), (len, digits) => {
        const body = digits.slice(0, len);
        const gtin = body + gs1CheckDigit(body);
        const r = identify(gtin);
        expect(r.ok && r.identity.gtin).toBe(gtin.padStart(14, '0'));
      }),
    );
  });
});

const digits = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789'.split('')), minLength: n, maxLength: n });
const cset82 = fc.string({ unit: fc.constantFrom(...`!"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz`.split('')), minLength: 1, maxLength: 30 });
const intString = (bits: number) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n }).map(String);

function arbFields(def: SchemeDef): fc.Arbitrary<EpcFields> {
  if (def.type === 'gid') {
    return fc.tuple(intString(28), intString(24), intString(36)).map(([m, c, s]) => ({ type: 'gid', companyPrefix: m, reference: c, serial: s }));
  }
  return fc.integer({ min: 0, max: 6 }).chain((p) => {
    const row = def.partition?.[p] ?? [40, 12, 4, 1];
    const [, cpDigits, refBits, refDigits] = row;
    const cp = digits(cpDigits);
    if (def.type === 'giai') {
      const ref = def.bits === 96 ? intString(refBits) : cset82.map((s) => s.slice(0, refDigits));
      return fc.tuple(cp, ref).map(([c, r]) => ({ type: 'giai' as const, companyPrefix: c, reference: r }));
    }
    const tail = def.tail;
    const serial =
      tail?.kind === 'int' ? intString(tail.bits) : tail?.kind === 'string' ? cset82.map((s) => s.slice(0, tail.maxChars ?? 20)) : fc.constant(undefined);
    // SGTIN: keep clear of restricted-circulation prefixes, which cannot be SGTINs by design.
    const cpOk = def.type === 'sgtin' ? cp.map((c) => '5' + c.slice(1)) : cp;
    return fc.tuple(cpOk, digits(refDigits), serial).map(([c, r, s]) => {
      const f: EpcFields = { type: def.type, companyPrefix: c, reference: r };
      if (s !== undefined) f.serial = s;
      return f;
    });
  });
}

describe('properties: encode → decode round-trips for every EPC scheme', () => {
  for (const def of SCHEMES) {
    it(def.name, () => {
      fc.assert(
        fc.property(arbFields(def), fc.integer({ min: 0, max: 7 }), (f, filter) => {
          const filt = def.type === 'gid' ? undefined : filter;
          const uri = tagUri(def.name, filt, f);
          const enc = encodeEpcDetailed(uri);
          expect(enc.ok, enc.ok ? '' : `${uri}: ${enc.error.message}`).toBe(true);
          if (!enc.ok) return;
          const dec = decodeEpcHex(enc.value.hex);
          expect(dec.ok && dec.value.kind, uri).toBe('decoded');
          if (!dec.ok) return;
          expect(dec.value.tagUri).toBe(uri);
          expect(dec.value.pureIdentityUri).toBe(pureIdentityUri(f));
          expect(parsePureIdentityUri(pureIdentityUri(f)).ok).toBe(true);
        }),
        { numRuns: 300 },
      );
    });
  }
});
