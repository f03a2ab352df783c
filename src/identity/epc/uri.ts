/**
 * EPC URIs (TDS §6, §12): pure identity `urn:epc:id:…`, tag `urn:epc:tag:…`, raw `urn:epc:raw:…`, and
 * the mapping between EPC fields and GS1 keys (GTIN, SSCC, GLN, GRAI, GIAI, GSRN).
 */
import { gs1CheckDigit } from '../check-digit.js';
import { Codes, fail, okv, type Outcome } from '../errors.js';
import { BY_NAME, CSET82, uriEscape, type EpcType } from './schemes.js';

/** The decoded content of an EPC, independent of its binary scheme. */
export interface EpcFields {
  type: EpcType;
  /** GS1 Company Prefix (or GID manager number). */
  companyPrefix: string;
  /** Indicator+item ref, serial ref, location ref, asset type, asset ref, service ref or GID object class. */
  reference: string;
  /** Serial / extension (unescaped), absent for sscc, giai, gsrn. */
  serial?: string;
}

const TWO_PART = new Set<EpcType>(['sscc', 'giai', 'gsrn', 'gsrnp']);
const TYPES = new Set<EpcType>(['sgtin', 'sscc', 'sgln', 'grai', 'giai', 'gsrn', 'gsrnp', 'gid']);
/** Digits of company prefix + reference for the fixed-length GS1 keys. */
const KEY_DIGITS: Partial<Record<EpcType, number>> = { sgtin: 13, sscc: 17, sgln: 12, grai: 12, gsrn: 17, gsrnp: 17 };
const SERIAL_MAX: Partial<Record<EpcType, number>> = { sgtin: 20, sgln: 20, grai: 16 };

function unescape(s: string, what: string): Outcome<string> {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '%') {
      const h = s.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(h)) return fail(Codes.EPC_INVALID_URI, `${what} has a broken %-escape`);
      out += String.fromCharCode(parseInt(h, 16));
      i += 2;
    } else out += c;
  }
  if (!CSET82.test(out)) return fail(Codes.EPC_INVALID_URI, `${what} "${out}" contains a character not allowed in EPCs`);
  return okv(out);
}

export function formatBody(f: EpcFields): string {
  if (f.type === 'gid') return `${f.companyPrefix}.${f.reference}.${f.serial ?? ''}`;
  if (TWO_PART.has(f.type)) return `${f.companyPrefix}.${f.type === 'giai' ? uriEscape(f.reference) : f.reference}`;
  return `${f.companyPrefix}.${f.reference}.${uriEscape(f.serial ?? '')}`;
}

export function pureIdentityUri(f: EpcFields): string {
  return `urn:epc:id:${f.type}:${formatBody(f)}`;
}

export function tagUri(scheme: string, filter: number | undefined, f: EpcFields): string {
  return filter === undefined ? `urn:epc:tag:${scheme}:${formatBody(f)}` : `urn:epc:tag:${scheme}:${filter}.${formatBody(f)}`;
}

export function rawUri(hex: string, bits: number): string {
  return `urn:epc:raw:${bits}.x${hex}`;
}

/** Parses and validates the body of a pure identity URI for one EPC type (TDS §6.3 grammar). */
function parseBody(type: EpcType, body: string): Outcome<EpcFields> {
  const parts = body.split('.');
  if (type === 'gid') {
    if (parts.length !== 3 || !parts.every((p) => /^(0|[1-9][0-9]*)$/.test(p))) return fail(Codes.EPC_INVALID_URI, 'A GID URI has three decimal numbers: manager.class.serial');
    return okv({ type, companyPrefix: parts[0] ?? '', reference: parts[1] ?? '', serial: parts[2] ?? '' });
  }
  const two = TWO_PART.has(type);
  // Serials may contain "." so only the first separators count.
  const cp = parts[0] ?? '';
  const ref = two ? parts.slice(1).join('.') : (parts[1] ?? '');
  const ser = two ? undefined : parts.slice(2).join('.');
  if (parts.length < (two ? 2 : 3)) return fail(Codes.EPC_INVALID_URI, `An ${type.toUpperCase()} URI needs ${two ? 2 : 3} dot-separated parts`);
  if (!/^[0-9]{6,12}$/.test(cp)) return fail(Codes.EPC_INVALID_URI, `Company prefix "${cp}" must have 6 to 12 digits (it has ${cp.length})`);
  const keyDigits = KEY_DIGITS[type];
  if (keyDigits !== undefined) {
    if (!/^[0-9]*$/.test(ref)) return fail(Codes.EPC_INVALID_URI, `"${ref}" must be digits only`);
    if (cp.length + ref.length !== keyDigits) return fail(Codes.EPC_INVALID_URI, `Company prefix and reference must have ${keyDigits} digits together, got ${cp.length + ref.length}`);
  }
  let reference = ref;
  if (type === 'giai') {
    const r = unescape(ref, 'Asset reference');
    if (!r.ok) return r;
    if (r.value.length === 0 || cp.length + r.value.length > 30) return fail(Codes.EPC_INVALID_URI, 'A GIAI has at most 30 characters');
    reference = r.value;
  }
  const fields: EpcFields = { type, companyPrefix: cp, reference };
  if (ser !== undefined) {
    const s = unescape(ser, type === 'sgln' ? 'Extension' : 'Serial');
    if (!s.ok) return s;
    const max = SERIAL_MAX[type] ?? 20;
    if (s.value.length === 0) return fail(Codes.EPC_INVALID_URI, 'Serial must not be empty');
    if (s.value.length > max) return fail(Codes.EPC_INVALID_URI, `${type === 'sgln' ? 'Extension' : 'Serial'} has ${s.value.length} characters; at most ${max} allowed`);
    fields.serial = s.value;
  }
  return okv(fields);
}

export function parsePureIdentityUri(uri: string): Outcome<EpcFields> {
  const m = /^urn:epc:id:([a-z]+):(.+)$/.exec(uri.trim());
  if (m === null) return fail(Codes.EPC_INVALID_URI, 'Not an EPC pure identity URI (urn:epc:id:<type>:…)');
  const type = m[1] as EpcType;
  if (!TYPES.has(type)) return fail(Codes.EPC_UNSUPPORTED_SCHEME, `EPC type "${m[1]}" is not supported`);
  return parseBody(type, m[2] ?? '');
}

export function parseTagUri(uri: string): Outcome<{ scheme: string; filter: number | undefined; fields: EpcFields }> {
  const m = /^urn:epc:tag:([a-z]+)-([0-9]+):(.+)$/.exec(uri.trim());
  if (m === null) return fail(Codes.EPC_INVALID_URI, 'Not an EPC tag URI (urn:epc:tag:<scheme>:…)');
  const scheme = `${m[1]}-${m[2]}`;
  const def = BY_NAME.get(scheme);
  if (def === undefined) return fail(Codes.EPC_UNSUPPORTED_SCHEME, `EPC scheme "${scheme}" is not supported`);
  let body = m[3] ?? '';
  let filter: number | undefined;
  if (def.type !== 'gid') {
    const dot = body.indexOf('.');
    const f = body.slice(0, dot);
    if (dot < 0 || !/^[0-7]$/.test(f)) return fail(Codes.EPC_INVALID_URI, 'Tag URI filter must be a single digit 0-7');
    filter = Number(f);
    body = body.slice(dot + 1);
  }
  const fields = parseBody(def.type, body);
  if (!fields.ok) return fields;
  return okv({ scheme, filter, fields: fields.value });
}

export interface KeyElement {
  ai: string;
  value: string;
}

/** EPC fields → GS1 element strings (TDS §7). */
export function fieldsToElements(f: EpcFields): KeyElement[] {
  const cp = f.companyPrefix;
  const ref = f.reference;
  switch (f.type) {
    case 'sgtin': {
      const body = (ref[0] ?? '') + cp + ref.slice(1);
      return [
        { ai: '01', value: body + gs1CheckDigit(body) },
        { ai: '21', value: f.serial ?? '' },
      ];
    }
    case 'sscc': {
      const body = (ref[0] ?? '') + cp + ref.slice(1);
      return [{ ai: '00', value: body + gs1CheckDigit(body) }];
    }
    case 'sgln': {
      const gln = cp + ref + gs1CheckDigit(cp + ref);
      return f.serial === undefined || f.serial === '0' ? [{ ai: '414', value: gln }] : [{ ai: '414', value: gln }, { ai: '254', value: f.serial }];
    }
    case 'grai': {
      const body = '0' + cp + ref;
      return [{ ai: '8003', value: body + gs1CheckDigit(body.slice(1)) + (f.serial ?? '') }];
    }
    case 'giai':
      return [{ ai: '8004', value: cp + ref }];
    case 'gsrn':
    case 'gsrnp':
      return [{ ai: f.type === 'gsrn' ? '8018' : '8017', value: cp + ref + gs1CheckDigit(cp + ref) }];
    default:
      return [];
  }
}

/** GS1 keys + company prefix length → EPC fields (TDS §7, the inverse of fieldsToElements). */
export function elementsToFields(get: (ai: string) => string | undefined, cpLen: number): Outcome<EpcFields> {
  if (cpLen < 6 || cpLen > 12) return fail(Codes.EPC_INVALID_FIELD, 'Company prefix length must be 6 to 12');
  const gtin = get('01');
  if (gtin !== undefined) {
    const serial = get('21');
    if (serial === undefined) return fail(Codes.EPC_INVALID_FIELD, 'An SGTIN needs a serial number (21) with the GTIN');
    return okv({ type: 'sgtin', companyPrefix: gtin.slice(1, 1 + cpLen), reference: gtin[0] + gtin.slice(1 + cpLen, 13), serial });
  }
  const sscc = get('00');
  if (sscc !== undefined) return okv({ type: 'sscc', companyPrefix: sscc.slice(1, 1 + cpLen), reference: sscc[0] + sscc.slice(1 + cpLen, 17) });
  const gln = get('414');
  if (gln !== undefined) return okv({ type: 'sgln', companyPrefix: gln.slice(0, cpLen), reference: gln.slice(cpLen, 12), serial: get('254') ?? '0' });
  const grai = get('8003');
  if (grai !== undefined) {
    const serial = grai.slice(14);
    if (serial === '') return fail(Codes.EPC_INVALID_FIELD, 'A GRAI EPC needs the serial part of (8003)');
    return okv({ type: 'grai', companyPrefix: grai.slice(1, 1 + cpLen), reference: grai.slice(1 + cpLen, 13), serial });
  }
  const giai = get('8004');
  if (giai !== undefined) return okv({ type: 'giai', companyPrefix: giai.slice(0, cpLen), reference: giai.slice(cpLen) });
  for (const [ai, type] of [['8018', 'gsrn'], ['8017', 'gsrnp']] as const) {
    const v = get(ai);
    if (v !== undefined) return okv({ type, companyPrefix: v.slice(0, cpLen), reference: v.slice(cpLen, 17) });
  }
  return fail(Codes.EPC_INVALID_FIELD, 'No GS1 key that maps to an EPC (01+21, 00, 414, 8003, 8004, 8017, 8018)');
}
