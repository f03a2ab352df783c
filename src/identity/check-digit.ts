/**
 * GS1 mod-10 check digits and GTIN normalisation. Every GS1 number with a check digit (GTIN-8/12/13/14,
 * SSCC, GLN, GSRN, GDTI, GSIN…) uses the same rule: weights 3,1,3,… from the rightmost body digit.
 */
import { Codes, fail, okv, type Outcome } from './errors.js';

const DIGITS = /^[0-9]+$/;

/** Check digit for a digit-only body (no validation of the body: callers check DIGITS first). */
export function gs1CheckDigit(body: string): number {
  let sum = 0;
  let weight = 3;
  for (let i = body.length - 1; i >= 0; i--) {
    sum += (body.charCodeAt(i) - 48) * weight;
    weight = 4 - weight;
  }
  return (10 - (sum % 10)) % 10;
}

/** True if `n` is all digits and its last digit is the correct GS1 check digit. */
export function hasValidCheckDigit(n: string): boolean {
  if (n.length < 2 || !DIGITS.test(n)) return false;
  return gs1CheckDigit(n.slice(0, -1)) === n.charCodeAt(n.length - 1) - 48;
}

export type Gs1NumberKind = 'GTIN-8' | 'GTIN-12' | 'GTIN-13' | 'GTIN-14' | 'GLN' | 'SSCC' | 'GSRN' | 'GSIN' | 'GDTI';
const LENGTHS: Record<Gs1NumberKind, number> = {
  'GTIN-8': 8,
  'GTIN-12': 12,
  'GTIN-13': 13,
  'GTIN-14': 14,
  GLN: 13,
  GDTI: 13,
  SSCC: 18,
  GSRN: 18,
  GSIN: 17,
};

/** Validates one GS1 key of a known kind: length, digits, check digit. */
export function validateGs1Number(n: string, kind: Gs1NumberKind): Outcome<string> {
  const want = LENGTHS[kind];
  if (!DIGITS.test(n)) return fail(Codes.NON_DIGIT, `${kind} "${n}" must contain digits only`);
  if (n.length !== want) return fail(Codes.BAD_LENGTH, `${kind} must have ${want} digits, "${n}" has ${n.length}`);
  const expected = gs1CheckDigit(n.slice(0, -1));
  if (expected !== Number(n[n.length - 1])) {
    return fail(Codes.BAD_CHECK_DIGIT, `${kind} ${n} has a wrong check digit (should end in ${expected}); probably a misread`);
  }
  return okv(n);
}

/**
 * Any GTIN-8/12/13/14 → GTIN-14 (left-padded with zeros), check digit verified. EAN-13 `0036000291452`
 * and UPC-A `036000291452` are the same item and give the same GTIN-14.
 */
export function normalizeGtin(code: string): Outcome<string> {
  const n = code.trim();
  if (!DIGITS.test(n)) return fail(Codes.NON_DIGIT, `GTIN "${n}" must contain digits only`);
  if (n.length !== 8 && n.length !== 12 && n.length !== 13 && n.length !== 14) {
    return fail(Codes.BAD_LENGTH, `A GTIN has 8, 12, 13 or 14 digits; "${n}" has ${n.length}`);
  }
  const kind = `GTIN-${n.length}` as Gs1NumberKind;
  const v = validateGs1Number(n, kind);
  if (!v.ok) return v;
  return okv(n.padStart(14, '0'));
}

/** Shortest conventional form of a GTIN-14 (for display and UPC/EAN lookups). */
export function gtinShortForm(gtin14: string): { kind: 'GTIN-8' | 'GTIN-12' | 'GTIN-13' | 'GTIN-14'; value: string } {
  if (gtin14.startsWith('000000')) return { kind: 'GTIN-8', value: gtin14.slice(6) };
  if (gtin14.startsWith('00')) return { kind: 'GTIN-12', value: gtin14.slice(2) };
  if (gtin14.startsWith('0')) return { kind: 'GTIN-13', value: gtin14.slice(1) };
  return { kind: 'GTIN-14', value: gtin14 };
}

export interface GtinClass {
  /** True when the number is not globally unique: store-internal, variable measure, coupons… */
  restricted: boolean;
  /** A name a person understands, e.g. "restricted circulation number (store-internal, prefix 21)". */
  name: string;
  prefix: string;
}

/**
 * GS1 prefix classes that matter at a returns dock (GenSpecs 1.4.4 prefix table). Restricted circulation
 * numbers have no GS1 Company Prefix, so they cannot become an SGTIN and only mean something inside the
 * company (or the country) that issued them.
 */
export function classifyGtin(gtin14: string): GtinClass {
  if (gtin14.length !== 14) return { restricted: false, name: 'not a GTIN-14', prefix: '' };
  // Indicator 9 marks a variable measure GTIN-14: still a real GTIN with a company prefix.
  if (gtin14[0] === '9') {
    const inner = classifyGtin('0' + gtin14.slice(1));
    return inner.restricted ? inner : { restricted: false, name: 'variable measure trade item (indicator 9)', prefix: '9' };
  }
  const short = gtinShortForm(gtin14);
  if (short.kind === 'GTIN-8') {
    const p = short.value[0] ?? '';
    if (p === '0' || p === '2') {
      return { restricted: true, name: `restricted circulation number (EAN-8 prefix ${p}, company-internal)`, prefix: p };
    }
    return { restricted: false, name: 'GTIN-8', prefix: short.value.slice(0, 3) };
  }
  const g13 = gtin14.slice(1);
  const p2 = g13.slice(0, 2);
  const p3 = g13.slice(0, 3);
  if (p2 === '02') return { restricted: true, name: 'restricted circulation number (prefix 02, variable measure / company-internal)', prefix: p2 };
  if (p2 === '04') return { restricted: true, name: 'restricted circulation number (prefix 04, company-internal)', prefix: p2 };
  if (g13[0] === '2') return { restricted: true, name: `restricted circulation number (store-internal, prefix ${p2}), no GS1 company prefix`, prefix: p2 };
  if (p2 === '05') return { restricted: true, name: 'coupon (UPC prefix 5)', prefix: p2 };
  if (p3 === '977') return { restricted: false, name: 'serial publication (ISSN)', prefix: p3 };
  if (p3 === '978' || p3 === '979') return { restricted: false, name: 'book (ISBN)', prefix: p3 };
  if (p3 === '980') return { restricted: true, name: 'refund receipt (prefix 980)', prefix: p3 };
  if (p3 >= '981' && p3 <= '984') return { restricted: true, name: `coupon (prefix ${p3})`, prefix: p3 };
  if (p2 === '99') return { restricted: true, name: 'coupon (prefix 99)', prefix: p2 };
  return { restricted: false, name: 'GTIN', prefix: p3 };
}

/** GenSpecs 7.9.5 alphanumeric check character pair (AI 8013 GMN). */
const CSET32 = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
const CSET82 = `!"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz`;
const PRIMES = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89];
export function hasValidCheckPair(s: string): boolean {
  if (s.length < 3 || s.length > 25) return false;
  const body = s.slice(0, -2);
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    const v = CSET82.indexOf(body[body.length - 1 - i] ?? '');
    if (v < 0) return false;
    sum += v * (PRIMES[i] ?? 0);
  }
  sum %= 1021;
  return s.slice(-2) === (CSET32[sum >> 5] ?? '') + (CSET32[sum & 31] ?? '');
}

/**
 * UPC-E (8 digits: number system 0/1, six data digits, check digit) → the UPC-A it abbreviates
 * (GS1 GenSpecs 5.2.2.4.2). Undefined if it is not a valid UPC-E.
 */
export function expandUpcE(code: string): string | undefined {
  if (!/^[01][0-9]{7}$/.test(code)) return undefined;
  const ns = code[0] as string;
  const d = code.slice(1, 7);
  const last = d[5] as string;
  let body: string;
  if (last <= '2') body = ns + d.slice(0, 2) + last + '0000' + d.slice(2, 5);
  else if (last === '3') body = ns + d.slice(0, 3) + '00000' + d.slice(3, 5);
  else if (last === '4') body = ns + d.slice(0, 4) + '00000' + d[4];
  else body = ns + d.slice(0, 5) + '0000' + last;
  const upcA = body + code[7];
  return hasValidCheckDigit(upcA) ? upcA : undefined;
}
