/**
 * `identify()`: any input the dock produces → one ItemIdentity or a typed error. Decides what kind of
 * input it is (EPC, Digital Link, AIM-prefixed scan, bracketed, raw GS1, bare GTIN) and maps GS1 keys
 * onto the identity fields.
 */
import { classifyGtin, expandUpcE, normalizeGtin } from './check-digit.js';
import { gs1Date } from './ai-lint.js';
import { parseDigitalLink } from './digital-link.js';
import {
  GS,
  associationWarnings,
  parseAiData,
  parseBracketed,
  parseCaretElementString,
  toCaretString,
  type Gs1Element,
  type ParsedElements,
} from './element-string.js';
import { Codes, WarningCodes, type IdentityWarning, type Outcome } from './errors.js';
import { decodeEpcHex, type EpcDecoded } from './epc/codec.js';
import { parsePureIdentityUri, parseTagUri, fieldsToElements, pureIdentityUri, tagUri as makeTagUri, type EpcFields } from './epc/uri.js';
import { encodeFields } from './epc/codec.js';
import { AI_TABLE } from './ai-table.js';
import { parseScanData } from './scan-data.js';
import type { EpcInfo, IdentifyResult, ItemIdentity } from './types.js';

const CR_LF = /[\r\n]+$/;
/** Textual stand-ins for FNC1/GS that wedge scanners and copy-paste produce. */
const GS_FORMS = /\^\]|<GS>|\{GS\}|\[GS\]|<FNC1>|\{FNC1\}|\\x1[dD]|\\u001[dD]|\u241D/g;
const MAYBE_GS_FORM = /[<{[\\^\u241D]/;
/** AIM identifiers whose data is GS1 AI syntax (or an EAN/UPC with a GS1 composite), where a textual GS means FNC1. */
const GS1_AIM = /^\](?:C1|d2|Q3|J1|e0|E0|E3|E4)/;
const HEXISH = /^(?:[0-9A-Fa-f]{4}){6,16}$/;

const fail = (code: string, message: string): IdentifyResult => ({ ok: false, error: { code, message } });

function restrictedWarning(gtin: string): IdentityWarning[] {
  const c = classifyGtin(gtin);
  return c.restricted ? [{ code: WarningCodes.restrictedCirculation, message: `GTIN ${gtin} is a ${c.name}` }] : [];
}

/** AIs whose repetition with a different value makes the identity ambiguous: refuse rather than pick. */
const KEY_AIS = new Set(['00', '01', '10', '17', '21', '414', '8003', '8004']);

function fromElements(parsed: ParsedElements, raw: string, source: ItemIdentity['source'], symbology: string | undefined, assoc = true): IdentifyResult {
  const { elements } = parsed;
  const warnings = assoc ? parsed.warnings.concat(associationWarnings(elements)) : parsed.warnings.slice();
  const id: ItemIdentity = { raw, source };
  if (symbology !== undefined) id.symbology = symbology;
  const ais: Record<string, string> = {};
  for (let i = 0; i < elements.length; i++) {
    const el = elements[i] as Gs1Element;
    const v = el.value;
    // Small arrays: scanning earlier elements is cheaper than reading back an object keyed "10", "21"…
    let prev: string | undefined;
    for (let j = 0; j < i && prev === undefined; j++) if ((elements[j] as Gs1Element).ai === el.ai) prev = (elements[j] as Gs1Element).value;
    if (prev !== undefined) {
      if (prev !== v && KEY_AIS.has(el.ai)) return fail(Codes.CONFLICTING_AI, `(${el.ai}) appears twice with different values ("${prev}" and "${v}")`);
      continue;
    }
    ais[el.ai] = v;
    switch (el.ai) {
      case '01':
        id.gtin = v;
        break;
      case '21':
        id.serial = v;
        break;
      case '10':
        id.lot = v;
        break;
      case '00':
        id.sscc = v;
        break;
      case '414':
        id.gln = v;
        break;
      case '8003':
        id.grai = v;
        break;
      case '8004':
        id.giai = v;
        break;
      case '17': {
        const d = gs1Date(v, true);
        if (d.ok) id.expiry = d.iso;
        break;
      }
    }
  }
  // A GID (or any identity without GS1 keys) has no AIs: omit both fields rather than print `{}` and a bare "^".
  if (elements.length > 0) {
    id.ais = ais;
    id.elementString = toCaretString(elements);
  }
  if (id.gtin !== undefined) {
    const c = classifyGtin(id.gtin);
    if (c.restricted) warnings.push({ code: WarningCodes.restrictedCirculation, message: `GTIN ${id.gtin} is a ${c.name}` });
  }
  return { ok: true, identity: id, warnings };
}

function plainGtin(digits: string, raw: string, symbology: string | undefined): IdentifyResult {
  const g = normalizeGtin(digits);
  if (!g.ok) return { ok: false, error: g.error };
  const gtin = g.value;
  const def = AI_TABLE.get('01');
  const elements: Gs1Element[] = def === undefined ? [] : [{ ai: '01', value: gtin, def, component: 0 }];
  const id: ItemIdentity = { raw, source: 'gs1', gtin, ais: { '01': gtin }, elementString: toCaretString(elements) };
  const sym = symbology ?? ({ 8: 'EAN8', 12: 'UPCA', 13: 'EAN13', 14: 'ITF14' } as Record<number, string>)[digits.length];
  if (sym !== undefined) id.symbology = sym;
  return { ok: true, identity: id, warnings: restrictedWarning(gtin) };
}

function epcIdentity(d: EpcDecoded, raw: string): IdentifyResult {
  const epc: EpcInfo = { scheme: d.scheme, hex: d.hex, tagUri: d.tagUri, kind: d.kind };
  if (d.pureIdentityUri !== undefined) epc.pureIdentityUri = d.pureIdentityUri;
  if (d.filter !== undefined) epc.filter = d.filter;
  if (d.pcWord !== undefined) epc.pcWord = d.pcWord;
  if (d.reason !== undefined) epc.reason = d.reason;
  if (d.kind !== 'decoded' || d.fields === undefined) {
    const warnings = d.reason === undefined ? [] : [{ code: d.reason.code, message: d.reason.message }];
    return { ok: true, identity: { raw, source: 'epc', epc }, warnings };
  }
  return withEpcKeys(d.fields, epc, raw);
}

function withEpcKeys(fields: EpcFields, epc: EpcInfo, raw: string): IdentifyResult {
  const elements: Gs1Element[] = [];
  for (const k of fieldsToElements(fields)) {
    const def = AI_TABLE.get(k.ai);
    if (def !== undefined) elements.push({ ai: k.ai, value: k.value, def, component: 0 });
  }
  const r = fromElements({ elements, warnings: [] }, raw, 'epc', undefined, false);
  if (r.ok) r.identity.epc = epc;
  return r;
}

function epcUri(s: string): IdentifyResult {
  if (s.startsWith('urn:epc:tag:')) {
    const t = parseTagUri(s);
    if (!t.ok) return { ok: false, error: t.error };
    const enc = encodeFields(t.value.scheme, t.value.fields, t.value.filter ?? 0);
    const epc: EpcInfo = { scheme: t.value.scheme, hex: enc.ok ? enc.value.hex : '', pureIdentityUri: pureIdentityUri(t.value.fields), tagUri: makeTagUri(t.value.scheme, t.value.filter, t.value.fields), kind: 'decoded' };
    if (t.value.filter !== undefined) epc.filter = t.value.filter;
    return withEpcKeys(t.value.fields, epc, s);
  }
  if (s.startsWith('urn:epc:raw:')) {
    const m = /^urn:epc:raw:[0-9]+\.x([0-9A-Fa-f]+)$/.exec(s);
    if (m === null) return fail(Codes.EPC_INVALID_URI, 'Malformed EPC raw URI');
    return epcHex(m[1] ?? '', s);
  }
  const p = parsePureIdentityUri(s);
  if (!p.ok) return { ok: false, error: p.error };
  // A pure identity URI names the object, not a tag encoding, so there is no hex.
  const epc: EpcInfo = { scheme: p.value.type, hex: '', pureIdentityUri: pureIdentityUri(p.value), kind: 'decoded' };
  return withEpcKeys(p.value, epc, s);
}

function epcHex(hex: string, raw: string): IdentifyResult {
  const d = decodeEpcHex(hex);
  if (!d.ok) return { ok: false, error: d.error };
  return epcIdentity(d.value, raw);
}

/** Raw EPC hex as an RFID reader reports it (a leading Gen2 PC word is detected and removed). */
export function identifyEpcHex(hex: string): IdentifyResult {
  if (typeof hex !== 'string') return fail(Codes.EPC_INVALID_HEX, 'EPC must be hex text');
  try {
    return epcHex(hex, hex);
  } catch (e) {
    return fail('IDENTITY_INTERNAL', `Could not read this EPC (${e instanceof Error ? e.message : String(e)})`);
  }
}

const GS1_SYMBOLOGY_HINT = /gs1/i;
const UPCE_HINT = /upc[-_ ]?e/i;

/** True when failed raw data still unmistakably starts like GS1 (SSCC or GTIN with full-length data). */
function strongGs1Start(s: string): boolean {
  return /^00[0-9]{18}/.test(s) || /^0[12][0-9]{14}/.test(s);
}

function fromOutcome(o: Outcome<ParsedElements>, raw: string, source: ItemIdentity['source'], symbology?: string): IdentifyResult {
  return o.ok ? fromElements(o.value, raw, source, symbology) : { ok: false, error: o.error };
}

function identifyInner(input: string, opts: { symbology?: string } | undefined): IdentifyResult {
  const raw = input;
  const s = input.replace(CR_LF, '').replace(/^[ \t]+|[ \t]+$/g, '');
  if (s.length === 0) return fail(Codes.EMPTY_INPUT, 'Nothing was scanned');
  const lower = s.slice(0, 12).toLowerCase();
  if (lower.startsWith('epc:')) return epcHex(s.slice(4), raw);
  if (lower.startsWith('urn:epc:')) return epcUri(s);
  if (lower.startsWith('http://') || lower.startsWith('https://')) return fromOutcome(parseDigitalLink(s), raw, 'digital-link');
  if (s[0] === ']') {
    // A wedge or a copied log turns FNC1 into text (`<GS>`, `{GS}`, `\x1d`) after the AIM id just as often as without one.
    const aim = GS1_AIM.test(s) && MAYBE_GS_FORM.test(s.slice(3)) ? s.slice(0, 3) + s.slice(3).replace(GS_FORMS, GS) : s;
    const sd = parseScanData(aim);
    if (!sd.ok) return { ok: false, error: sd.error };
    const { symbology, dataStr, gs1 } = sd.value;
    if (!gs1) {
      if (/^[0-9]{8,14}$/.test(dataStr) && /^(EAN|UPC|ITF)/.test(symbology)) return plainGtin(dataStr, raw, symbology);
      // e.g. a Digital Link in a plain QR (]Q1): identify the payload, keep what was scanned.
      const inner = identifyInner(dataStr, { symbology });
      if (inner.ok) {
        inner.identity.raw = raw;
        inner.identity.symbology ??= symbology;
      }
      return inner;
    }
    const bar = dataStr.indexOf('|');
    if (bar > 0 && !dataStr.startsWith('^')) {
      // EAN/UPC + composite: GTIN from the linear part, AIs from the 2D part.
      const cc = parseCaretElementString(dataStr.slice(bar + 1));
      if (!cc.ok) return { ok: false, error: cc.error };
      const g = normalizeGtin(dataStr.slice(0, bar));
      if (!g.ok) return { ok: false, error: g.error };
      const def = AI_TABLE.get('01');
      const head: Gs1Element[] = def === undefined ? [] : [{ ai: '01', value: g.value, def, component: 0 }];
      return fromElements({ elements: [...head, ...cc.value.elements], warnings: cc.value.warnings }, raw, 'gs1', symbology);
    }
    const data = sd.value.aiData ?? dataStr.slice(1).replace(/\|\^/g, '|').replace(/\^/g, GS);
    return fromOutcome(parseAiData(data, true), raw, 'gs1', symbology);
  }
  // People type "(01) 0952… (10) ABC": spaces are never GS1 data, so the ones around brackets can go.
  if (s[0] === '(') return fromOutcome(parseBracketed(s.replace(/\)\s+/g, ')').replace(/\s+\(/g, '(')), raw, 'gs1', opts?.symbology);
  if (s[0] === '^') return fromOutcome(parseCaretElementString(s), raw, 'gs1', opts?.symbology);
  let data = MAYBE_GS_FORM.test(s) ? s.replace(GS_FORMS, GS) : s;
  const hint = opts?.symbology;
  if (data.includes(GS)) {
    if (data[0] === GS) data = data.slice(1);
    // A GS in front of AI digits is a strong GS1 signal, so its errors are reported as GS1 errors.
    if (/^[0-9]{2}/.test(data)) return fromOutcome(parseAiData(data, true), raw, 'gs1', hint);
    return fail(Codes.NOT_GS1, `"${s}" is not GS1 data; treat it as an internal label`);
  }
  const digitsOnly = /^[0-9]+$/.test(data);
  const gtinLength = data.length === 8 || data.length === 12 || data.length === 13 || data.length === 14;
  if (digitsOnly && hint !== undefined && UPCE_HINT.test(hint) && data.length === 8) {
    const upcA = expandUpcE(data);
    if (upcA === undefined) return fail(Codes.BAD_CHECK_DIGIT, `UPC-E ${data} is not valid (wrong check digit or number system); probably a misread`);
    return plainGtin(upcA, raw, hint);
  }
  if (digitsOnly && gtinLength && !(hint !== undefined && GS1_SYMBOLOGY_HINT.test(hint))) return plainGtin(data, raw, hint);
  if (HEXISH.test(data) && !digitsOnly) {
    const d = decodeEpcHex(data);
    if (d.ok && d.value.kind === 'decoded') return epcIdentity(d.value, raw);
  }
  if (/^[0-9]{2}/.test(data)) {
    const r = parseAiData(data, true);
    if (r.ok) return fromElements(r.value, raw, 'gs1', hint);
    if (strongGs1Start(data) || (hint !== undefined && GS1_SYMBOLOGY_HINT.test(hint))) return { ok: false, error: r.error };
    return fail(Codes.NOT_GS1, `"${s}" is not GS1 data (${r.error.message}); treat it as an internal label`);
  }
  return fail(Codes.NOT_GS1, `"${s}" is not a GS1 barcode or EPC; treat it as an internal label`);
}

/** Identifies any dock input. Never throws: an unexpected internal failure becomes `IDENTITY_INTERNAL`. */
export function identify(input: string, opts?: { symbology?: string }): IdentifyResult {
  if (typeof input !== 'string') return fail(Codes.EMPTY_INPUT, 'Input must be text');
  try {
    return identifyInner(input, opts);
  } catch (e) {
    return fail('IDENTITY_INTERNAL', `Could not read this input (${e instanceof Error ? e.message : String(e)})`);
  }
}
