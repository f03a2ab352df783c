/**
 * GS1 Digital Link URIs (DL 1.x): `https://host/[stem/]{primary AI}/{key}[/{qualifier AI}/{value}…][?{AI}={value}&…]`.
 * The primary key is the rightmost AI pair that is a DL primary key; everything to its left is stem.
 */
import { AI_TABLE, type AiDef } from './ai-table.js';
import { Codes, fail, okv, type Outcome } from './errors.js';
import { validateAiValue, type Gs1Element, type ParsedElements } from './element-string.js';

const URI_CHARS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]*$/;

function pctDecode(s: string): string | undefined {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

function qualifiersAllowed(key: AiDef, quals: string[]): boolean {
  if (quals.length === 0) return true;
  return key.dlQualifiers.some((seq) => {
    let i = 0;
    for (const q of quals) {
      while (i < seq.length && seq[i] !== q) i++;
      if (i === seq.length) return false;
      i++;
    }
    return true;
  });
}

function addElement(elements: Gs1Element[], ai: string, def: AiDef, value: string): Outcome<true> {
  for (const e of elements) if (e.ai === ai) return fail(Codes.CONFLICTING_AI, `(${ai}) appears more than once in the link`);
  if (ai === '01' && value.length !== 14) {
    return fail(Codes.BAD_LENGTH, `The GTIN in a Digital Link must be written with 14 digits, got ${value.length}`);
  }
  const e = validateAiValue(def, value);
  if (e !== undefined) return { ok: false, error: e };
  elements.push({ ai, value, def, component: 0 });
  return okv(true);
}

export function parseDigitalLink(uri: string): Outcome<ParsedElements> {
  const m = /^(https?):\/\/([^/?#]+)(\/[^?#]*)?(\?[^#]*)?(#.*)?$/.exec(uri);
  if (m === null) return fail(Codes.DL_INVALID, 'Not a GS1 Digital Link: it must start with http:// or https:// (lower case)');
  if (!URI_CHARS.test(uri)) return fail(Codes.DL_INVALID, 'The link contains characters that are not allowed in a URI');
  const path = m[3] ?? '';
  const query = (m[4] ?? '').slice(1);
  if (path === '' || path === '/') return fail(Codes.DL_INVALID, 'The link has no GS1 key in its path');
  if (path.endsWith('/')) return fail(Codes.DL_INVALID, 'A GS1 Digital Link path must not end with "/"');
  const segs = path.slice(1).split('/');
  const pairs: Array<{ ai: string; raw: string; def: AiDef }> = [];
  let keyIdx = -1;
  for (let i = segs.length - 2; i >= 0; i -= 2) {
    const ai = segs[i] ?? '';
    const def = AI_TABLE.get(ai);
    if (def === undefined) break;
    pairs.unshift({ ai, raw: segs[i + 1] ?? '', def });
    if (def.dlPrimaryKey) {
      keyIdx = 0;
      break;
    }
  }
  const key = pairs[0];
  if (keyIdx < 0 || key === undefined) return fail(Codes.DL_INVALID, 'The link path has no GS1 primary key (e.g. /01/<GTIN>)');
  const quals = pairs.slice(1).map((p) => p.ai);
  if (!qualifiersAllowed(key.def, quals)) {
    return fail(Codes.DL_INVALID, `(${quals.join(')(')}) cannot qualify (${key.ai}) in a Digital Link path, or not in that order`);
  }
  const elements: Gs1Element[] = [];
  for (const p of pairs) {
    const v = pctDecode(p.raw);
    if (v === undefined) return fail(Codes.DL_INVALID, `Bad percent-encoding in "${p.raw}"`);
    const r = addElement(elements, p.ai, p.def, v);
    if (!r.ok) return r;
  }
  if (query !== '') {
    for (const kv of query.split('&')) {
      if (kv === '') continue;
      const eq = kv.indexOf('=');
      const k = eq >= 0 ? kv.slice(0, eq) : kv;
      if (!/^[0-9]{2,4}$/.test(k)) continue; // non-AI parameters (e.g. linkType) are allowed and ignored
      const def = AI_TABLE.get(k);
      if (def === undefined) return fail(Codes.UNKNOWN_AI, `(${k}) in the link query is not a known GS1 Application Identifier`);
      const v = pctDecode((eq >= 0 ? kv.slice(eq + 1) : '').replace(/\+/g, ' '));
      if (v === undefined) return fail(Codes.DL_INVALID, `Bad percent-encoding in "${kv}"`);
      const r = addElement(elements, k, def, v);
      if (!r.ok) return r;
    }
  }
  return okv({ elements, warnings: [] });
}

function pctEncode(v: string): string {
  return encodeURIComponent(v).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** Builds a Digital Link URI from parsed elements (default stem https://id.gs1.org). */
export function buildDigitalLink(elements: readonly Gs1Element[], stem: string | null = null): Outcome<string> {
  const key = elements.find((e) => e.def.dlPrimaryKey);
  if (key === undefined) return fail(Codes.DL_INVALID, 'No GS1 primary key (GTIN, SSCC, GLN…) to build a Digital Link from');
  const present = new Set(elements.map((e) => e.ai));
  let chosen: string[] = [];
  for (const seq of key.def.dlQualifiers) {
    const have = seq.filter((q) => present.has(q));
    if (have.length > chosen.length) chosen = have;
  }
  const allQuals = new Set(key.def.dlQualifiers.flat());
  for (const q of allQuals) {
    if (present.has(q) && !chosen.includes(q)) {
      return fail(Codes.DL_INVALID, `(${q}) cannot be combined with (${chosen.join(')(')}) as qualifiers of (${key.ai})`);
    }
  }
  let out = (stem ?? 'https://id.gs1.org').replace(/\/+$/, '') + `/${key.ai}/${pctEncode(key.value)}`;
  for (const q of chosen) {
    const el = elements.find((e) => e.ai === q);
    if (el !== undefined) out += `/${q}/${pctEncode(el.value)}`;
  }
  const attrs = elements.filter((e) => e !== key && !chosen.includes(e.ai));
  if (attrs.length > 0) out += '?' + attrs.map((e) => `${e.ai}=${pctEncode(e.value)}`).join('&');
  return okv(out);
}
