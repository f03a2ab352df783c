import { describe, expect, it } from 'vitest';
import {
  decodeEpcHex,
  encodeEpc,
  encodeEpcDetailed,
  encodeEpcForGtin,
  gen2PcWord,
  gs1ToPureIdentityUri,
  parsePureIdentityUri,
  parseTagUri,
  pureIdentityToGs1,
  type EpcDecoded,
} from './index.js';
import { loadVectors } from './test/vectors.js';

type In = Record<string, string | number | undefined>;

const FIELD_MAP: Record<string, (d: EpcDecoded) => unknown> = {
  filter: (d) => d.filter,
  partition: (d) => d.partition,
  companyPrefix: (d) => d.fields?.companyPrefix,
  itemReference: (d) => d.fields?.reference,
  locationReference: (d) => d.fields?.reference,
  individualAssetReference: (d) => d.fields?.reference,
  serial: (d) => d.fields?.serial,
  extension: (d) => d.fields?.serial,
};

function bracketed(d: EpcDecoded): string {
  return (d.elements ?? []).map((e) => `(${e.ai})${e.value}`).join('');
}

function wordPadded(hex: string, bits: number): string {
  return hex.padEnd(Math.ceil(bits / 16) * 4, '0').slice(0, Math.ceil(bits / 16) * 4);
}

describe('epc-tds.json vectors', () => {
  for (const v of loadVectors('epc-tds')) {
    const i = v.input as In;
    const e = (v.expected ?? {}) as Record<string, unknown>;
    it(`${v.id} (${v.category})`, () => {
      expect(v.source).toBeTruthy();
      switch (v.category) {
        case 'decode':
        case 'decode+encode': {
          if (typeof i.hex === 'string') {
            const r = decodeEpcHex(i.hex);
            expect(r.ok).toBe(true);
            if (!r.ok) return;
            const d = r.value;
            expect(d.kind, d.reason?.message).toBe('decoded');
            expect(d.scheme).toBe(v.scheme);
            expect(d.tagUri).toBe(e.tagUri);
            if (e.pureIdentityUri !== undefined) expect(d.pureIdentityUri).toBe(e.pureIdentityUri);
            if (e.gs1ElementString !== undefined) expect(bracketed(d)).toBe(e.gs1ElementString);
            if (e.gtin !== undefined) expect(d.elements?.find((x) => x.ai === '01')?.value).toBe(e.gtin);
            if (e.sscc !== undefined) expect(d.elements?.find((x) => x.ai === '00')?.value).toBe(e.sscc);
            for (const [k, want] of Object.entries((e.fields as Record<string, unknown> | undefined) ?? {})) {
              expect(FIELD_MAP[k]?.(d), k).toEqual(want);
            }
            if (v.category === 'decode+encode') {
              const enc = encodeEpcDetailed(String(e.tagUri));
              expect(enc.ok).toBe(true);
              if (enc.ok) expect(enc.value.hex).toBe(wordPadded(i.hex.toUpperCase(), enc.value.bits));
            }
          } else {
            const enc = encodeEpcDetailed(String(i.tagUri));
            expect(enc.ok).toBe(true);
            if (!enc.ok) return;
            if (e.binary !== undefined) expect(enc.value.binary).toBe(e.binary);
            const d = decodeEpcHex(enc.value.hex);
            expect(d.ok && d.value.tagUri).toBe(i.tagUri);
            if (e.pureIdentityUri !== undefined) expect(d.ok && d.value.pureIdentityUri).toBe(e.pureIdentityUri);
          }
          break;
        }
        case 'encode': {
          if (typeof i.tagUri === 'string') {
            const enc = encodeEpcDetailed(i.tagUri);
            expect(enc.ok).toBe(true);
            if (!enc.ok) return;
            if (e.binary !== undefined) expect(enc.value.binary).toBe(e.binary);
            if (e.hex !== undefined) expect(enc.value.hex).toBe(e.hex);
            const back = decodeEpcHex(enc.value.hex);
            expect(back.ok && back.value.tagUri).toBe(i.tagUri);
          } else if (typeof i.gs1ElementString === 'string') {
            const pure = gs1ToPureIdentityUri(i.gs1ElementString, Number(i.companyPrefixLength));
            expect(pure.ok && pure.value).toBe(e.pureIdentityUri);
            if (!pure.ok) return;
            const enc = encodeEpcDetailed(pure.value, v.scheme, Number(i.filter));
            expect(enc.ok).toBe(true);
            if (!enc.ok) return;
            const d = decodeEpcHex(enc.value.hex);
            expect(d.ok && d.value.tagUri).toBe(e.tagUri);
            const f = e.fields as Record<string, string>;
            const b = enc.value.binary;
            expect(b.slice(0, 8)).toBe(f.header);
            expect(b.slice(8, 11)).toBe(f.filter);
            expect(b.slice(11, 14)).toBe(f.partition);
            expect(b.slice(14, 14 + (f.companyPrefixBits ?? '').length)).toBe(f.companyPrefixBits);
            const irStart = 14 + (f.companyPrefixBits ?? '').length;
            expect(b.slice(irStart, irStart + (f.indicatorItemRefBits ?? '').length)).toBe(f.indicatorItemRefBits);
            expect(String(parseInt(b.slice(58), 2))).toBe(f.serialDecimal);
            expect(gen2PcWord(enc.value.bits)).toBe(e.gen2PcWord);
          } else if (typeof i.gtin === 'string') {
            const r = encodeEpcForGtin(i.gtin, String(i.serial), Number(i.companyPrefixLength), v.scheme, Number(i.filter));
            expect(r.ok && r.value.hex).toBe(e.hex);
          } else {
            const r = encodeEpc(`urn:epc:id:sscc:${String(i.companyPrefix)}.${String(i.serialReference)}`, String(v.scheme), Number(i.filter));
            expect(r.ok && r.hex).toBe(e.hex);
          }
          break;
        }
        case 'uri-escaping': {
          const t = parseTagUri(String(i.tagUri));
          expect(t.ok && t.value.fields.serial).toBe((e.fields as Record<string, string>).serial);
          break;
        }
        case 'pure-uri<->element-string': {
          const r = pureIdentityToGs1(String(i.pureIdentityUri));
          expect(r.ok && r.value.bracketed).toBe(e.gs1ElementString);
          expect(r.ok && r.value.companyPrefixLength).toBe(e.companyPrefixLength);
          const back = gs1ToPureIdentityUri(String(e.gs1ElementString), Number(e.companyPrefixLength));
          expect(back.ok && back.value).toBe(i.pureIdentityUri);
          break;
        }
        case 'invalid-uri':
          expect(parsePureIdentityUri(String(i.pureIdentityUri)).ok).toBe(false);
          break;
        case 'invalid-encode': {
          if (typeof i.targetScheme === 'string') {
            const r = encodeEpc(String(i.pureIdentityUri), i.targetScheme, 0);
            expect(r.ok).toBe(false);
            if (!r.ok) expect(r.error.code).toBe('EPC_VALUE_DOES_NOT_FIT');
          } else {
            const bad = encodeEpc(String(i.pureIdentityUri), 'sgtin-96', Number(i.filter));
            expect(bad.ok).toBe(false);
            const good = encodeEpc(String(i.pureIdentityUri), 'sgtin-198', Number(i.filter));
            expect(good.ok).toBe(true);
            if (good.ok) {
              const d = decodeEpcHex(good.hex);
              expect(d.ok && d.value.tagUri).toBe(e.sgtin198TagUri);
            }
          }
          break;
        }
        default:
          throw new Error(`unhandled category ${v.category}`);
      }
    });
  }
});
