import { describe, expect, it } from 'vitest';
import {
  associationWarnings,
  buildDigitalLink,
  generateScanData,
  interpretAi,
  parseBracketed,
  parseCaretElementString,
  parseDigitalLink,
  parseScanData,
  toCaretString,
  toHri,
  type ParsedElements,
} from './index.js';
import type { Outcome } from './errors.js';
import { loadVectors } from './test/vectors.js';

type In = Record<string, string | boolean | null | undefined>;

const LINTER_CODES: Record<string, string> = {
  GS1_LINTER_NON_DIGIT_CHARACTER: 'GS1_NON_DIGIT',
  GS1_LINTER_INVALID_CSET82_CHARACTER: 'GS1_INVALID_CHARACTER',
  GS1_LINTER_NOT_ISO3166: 'GS1_INVALID_COUNTRY',
  GS1_LINTER_NOT_ISO4217: 'GS1_INVALID_CURRENCY',
  GS1_LINTER_ILLEGAL_DAY: 'GS1_INVALID_DATE',
  GS1_LINTER_ILLEGAL_MONTH: 'GS1_INVALID_DATE',
  GS1_LINTER_ILLEGAL_HOUR: 'GS1_INVALID_TIME',
  GS1_LINTER_INCORRECT_CHECK_DIGIT: 'GS1_BAD_CHECK_DIGIT',
};

function anyInput(i: In): Outcome<ParsedElements> {
  if (typeof i.uri === 'string') return parseDigitalLink(i.uri);
  if (typeof i.bracketed === 'string') return parseBracketed(i.bracketed);
  const es = String(i.elementString ?? '');
  return es.startsWith('(') ? parseBracketed(es) : parseCaretElementString(es);
}

describe('gs1-element-strings.json vectors', () => {
  for (const v of loadVectors('gs1-element-strings')) {
    const i = v.input as In;
    const e = v.expected ?? {};
    it(`${v.id} (${v.category})`, () => {
      expect(v.source).toBeTruthy();
      switch (v.category) {
        case 'bracketed-parse': {
          const r = parseBracketed(String(i.bracketed));
          expect(r.ok).toBe(v.valid);
          if (r.ok) expect(toCaretString(r.value.elements)).toBe(e.elementString);
          break;
        }
        case 'element-string':
          expect(parseCaretElementString(String(i.elementString)).ok).toBe(v.valid);
          break;
        case 'scan-data': {
          const r = parseScanData(String(i.scanData));
          expect(r.ok).toBe(v.valid);
          if (r.ok) {
            expect(r.value.symbology).toBe(e.symbology);
            expect(r.value.dataStr).toBe(e.dataStr);
          }
          break;
        }
        case 'scan-data-generate': {
          const r = generateScanData(String(i.symbology), String(i.dataStr));
          expect(r.ok).toBe(v.valid);
          if (r.ok) expect(r.value).toBe(e.scanData);
          break;
        }
        case 'digital-link': {
          const r = parseDigitalLink(String(i.uri));
          expect(r.ok, r.ok ? '' : r.error.message).toBe(v.valid);
          if (r.ok) expect(toCaretString(r.value.elements)).toBe(e.elementString);
          break;
        }
        case 'generate-dl': {
          const p = parseBracketed(String(i.bracketed));
          expect(p.ok).toBe(true);
          if (!p.ok) break;
          const r = buildDigitalLink(p.value.elements, (i.stem as string | null) ?? null);
          expect(r.ok).toBe(v.valid);
          if (r.ok) expect(r.value).toBe(e.uri);
          break;
        }
        case 'linter': {
          const r = parseBracketed(String(i.bracketed));
          if (e.linter === 'GS1_LINTER_OK') expect(r.ok).toBe(true);
          else {
            expect(r.ok).toBe(false);
            if (!r.ok) expect(r.error.code).toBe(LINTER_CODES[String(e.linter)]);
          }
          break;
        }
        case 'ai-association': {
          const r = parseBracketed(String(i.bracketed));
          expect(r.ok).toBe(true);
          if (r.ok) expect(associationWarnings(r.value.elements).length === 0).toBe(v.valid);
          break;
        }
        case 'hri': {
          const r = anyInput(i);
          expect(r.ok).toBe(true);
          if (r.ok) expect(toHri(r.value.elements, i.includeDataTitles === true)).toEqual(e.hri);
          break;
        }
        case 'ai-values': {
          const r = anyInput(i);
          expect(r.ok).toBe(true);
          if (!r.ok) break;
          for (const [k, want] of Object.entries(e.values as Record<string, unknown>)) {
            const el = r.value.elements.find((x) => x.ai === k || (k.length === 3 && x.ai.length === 4 && x.ai.startsWith(k)));
            expect(el, `AI ${k}`).toBeDefined();
            if (el !== undefined) expect(interpretAi(el.ai, el.value)).toEqual(want);
          }
          break;
        }
        default:
          throw new Error(`unhandled category ${v.category}`);
      }
    });
  }
});
