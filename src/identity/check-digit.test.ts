import { describe, expect, it } from 'vitest';
import { gs1CheckDigit, identify, validateGs1Number, type Gs1NumberKind } from './index.js';
import { loadVectors } from './test/vectors.js';

const KIND: Record<string, Gs1NumberKind> = {
  'GTIN-14': 'GTIN-14',
  'GTIN-13/EAN-13': 'GTIN-13',
  'GTIN-12/UPC-A': 'GTIN-12',
  'GTIN-8/EAN-8': 'GTIN-8',
  'SSCC-18': 'SSCC',
  'GLN-13': 'GLN',
  'EAN (non-digit)': 'GTIN-13',
};

describe('check-digits.json vectors', () => {
  for (const v of loadVectors('check-digits')) {
    it(`${v.id} ${v.type} ${String(v.input)}`, () => {
      const input = v.input as string;
      expect(v.source).toBeTruthy();
      if (v.type?.endsWith('(compute)')) {
        expect(String(gs1CheckDigit(input))).toBe(v.expectedCheckDigit);
        return;
      }
      const kind = KIND[v.type ?? ''];
      expect(kind, `unmapped type ${v.type}`).toBeDefined();
      const r = validateGs1Number(input, kind as Gs1NumberKind);
      expect(r.ok).toBe(v.valid);
      if (v.expectedCheckDigit !== undefined) expect(String(gs1CheckDigit(input.slice(0, -1)))).toBe(v.expectedCheckDigit);
      if (kind?.startsWith('GTIN') === true) {
        const id = identify(input);
        expect(id.ok).toBe(v.valid);
        if (id.ok) expect(id.identity.gtin).toBe(input.padStart(14, '0'));
        else if (/^[0-9]+$/.test(input)) expect(id.error.code).toBe('GS1_BAD_CHECK_DIGIT');
      }
    });
  }
});
