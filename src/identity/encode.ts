/** EPC encoding entry points: pure identity URI, tag URI or GS1 element string → EPC hex. */
import { Codes, fail, okv, type Outcome } from './errors.js';
import { encodeFields, type EncodeOk } from './epc/codec.js';
import { BY_NAME } from './epc/schemes.js';
import { elementsToFields, parsePureIdentityUri, parseTagUri, pureIdentityUri, tagUri, fieldsToElements } from './epc/uri.js';
import { parseBracketed, parseCaretElementString } from './element-string.js';
import { normalizeGtin, classifyGtin } from './check-digit.js';

export type EncodeResult = { ok: true; hex: string } | { ok: false; error: { code: string; message: string } };

function toResult(o: Outcome<EncodeOk>): EncodeResult {
  return o.ok ? { ok: true, hex: o.value.hex } : { ok: false, error: o.error };
}

/**
 * Encodes an EPC pure identity URI (`urn:epc:id:sgtin:0614141.812345.6789`) as `scheme` (`sgtin-96`…)
 * with `filter` (default 0, "all others"). A tag URI is accepted too; then its own scheme and filter
 * are used, and `scheme`/`filter`, if given, must agree.
 */
export function encodeEpcDetailed(uri: string, scheme?: string, filter?: number): Outcome<EncodeOk> {
  if (typeof uri !== 'string') return fail(Codes.EPC_INVALID_URI, 'URI must be text');
  const s = uri.trim();
  if (s.startsWith('urn:epc:tag:')) {
    const t = parseTagUri(s);
    if (!t.ok) return t;
    if (scheme !== undefined && scheme !== '' && scheme.toLowerCase() !== t.value.scheme) return fail(Codes.EPC_INVALID_FIELD, `Tag URI is ${t.value.scheme}, not ${scheme}`);
    if (filter !== undefined && t.value.filter !== undefined && filter !== t.value.filter) return fail(Codes.EPC_INVALID_FIELD, `Tag URI has filter ${t.value.filter}, not ${filter}`);
    return encodeFields(t.value.scheme, t.value.fields, t.value.filter ?? 0);
  }
  const p = parsePureIdentityUri(s);
  if (!p.ok) return p;
  const sch = (scheme ?? '').toLowerCase();
  if (!BY_NAME.has(sch)) return fail(Codes.EPC_UNSUPPORTED_SCHEME, `Unknown EPC scheme "${scheme ?? ''}"; use e.g. sgtin-96 or sgtin-198`);
  return encodeFields(sch, p.value, filter ?? 0);
}

export function encodeEpc(pureIdentityUri: string, scheme: string, filter?: number): EncodeResult {
  try {
    return toResult(encodeEpcDetailed(pureIdentityUri, scheme, filter));
  } catch (e) {
    return { ok: false, error: { code: 'IDENTITY_INTERNAL', message: e instanceof Error ? e.message : String(e) } };
  }
}

/** GS1 data (`(01)…(21)…` or `^…`) + company prefix length → pure identity URI (TDS §7). */
export function gs1ToPureIdentityUri(gs1: string, companyPrefixLength: number): Outcome<string> {
  const parsed = gs1.startsWith('^') ? parseCaretElementString(gs1) : parseBracketed(gs1);
  if (!parsed.ok) return parsed;
  const map = new Map(parsed.value.elements.map((e) => [e.ai, e.value]));
  const gtin = map.get('01');
  if (gtin !== undefined) {
    const c = classifyGtin('0' + gtin.slice(1));
    if (c.restricted) return fail(Codes.EPC_RESTRICTED_CIRCULATION, `GTIN ${gtin} is a ${c.name}: it has no GS1 company prefix, so it cannot be an SGTIN`);
  }
  const f = elementsToFields((ai) => map.get(ai), companyPrefixLength);
  return f.ok ? okv(pureIdentityUri(f.value)) : f;
}

/** GTIN (8–14 digits) + serial → EPC hex; the dock's "commission a tag for this item" path. */
export function encodeEpcForGtin(gtin: string, serial: string, companyPrefixLength: number, scheme = 'sgtin-96', filter = 1): Outcome<EncodeOk & { pureIdentityUri: string; tagUri: string }> {
  const g = normalizeGtin(gtin);
  if (!g.ok) return g;
  const c = classifyGtin('0' + g.value.slice(1));
  if (c.restricted) return fail(Codes.EPC_RESTRICTED_CIRCULATION, `GTIN ${g.value} is a ${c.name}: it cannot be encoded as an SGTIN; use the station's own tag mapping`);
  const f = elementsToFields((ai) => (ai === '01' ? g.value : ai === '21' ? serial : undefined), companyPrefixLength);
  if (!f.ok) return f;
  const e = encodeFields(scheme, f.value, filter);
  if (!e.ok) return e;
  return okv({ ...e.value, pureIdentityUri: pureIdentityUri(f.value), tagUri: tagUri(scheme, filter, f.value) });
}

/** Pure identity URI → GS1 element string in bracketed form, e.g. `(01)80614141123458(21)6789`. */
export function pureIdentityToGs1(uri: string): Outcome<{ bracketed: string; companyPrefixLength: number }> {
  const p = parsePureIdentityUri(uri);
  if (!p.ok) return p;
  const els = fieldsToElements(p.value);
  if (els.length === 0) return fail(Codes.EPC_INVALID_FIELD, 'This EPC type has no GS1 element string');
  return okv({ bracketed: els.map((e) => `(${e.ai})${e.value}`).join(''), companyPrefixLength: p.value.companyPrefix.length });
}
