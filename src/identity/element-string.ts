/**
 * GS1 element strings: raw scanner data (FNC1 = GS), the engine notation (`^` = FNC1) and the bracketed
 * human form `(01)…(10)…`. Parsing is table-driven (ai-table.ts); every failure is a typed error.
 */
import { AI_TABLE, lookupAi, type AiDef } from './ai-table.js';
import { LINTERS, charsetOk } from './ai-lint.js';
import { Codes, WarningCodes, fail, okv, type IdentityError, type IdentityWarning, type Outcome } from './errors.js';

export const GS = '\x1d';

export interface Gs1Element {
  ai: string;
  value: string;
  def: AiDef;
  /** 0 = linear/primary component, 1 = 2D composite component (after `|`). */
  component: 0 | 1;
}

export interface ParsedElements {
  elements: Gs1Element[];
  warnings: IdentityWarning[];
}

/** Checks one AI value against its component specs, charsets and linters. */
export function validateAiValue(def: AiDef, value: string): IdentityError | undefined {
  if (value.length === 0) return { code: Codes.EMPTY_FIELD, message: `(${def.ai}) ${def.title} has no data` };
  if (value.length > def.maxLength) {
    return { code: Codes.FIELD_TOO_LONG, message: `(${def.ai}) ${def.title} allows at most ${def.maxLength} characters, got ${value.length} ("${value}")` };
  }
  let pos = 0;
  for (const c of def.components) {
    const rest = value.length - pos;
    if (rest === 0 && c.optional) break;
    let len: number;
    if (c.min === c.max) {
      if (rest < c.min) {
        return { code: Codes.FIELD_TOO_SHORT, message: `(${def.ai}) ${def.title} needs ${def.minLength}${def.minLength === def.maxLength ? '' : ' or more'} characters, got ${value.length} ("${value}")` };
      }
      len = c.min;
    } else {
      len = Math.min(rest, c.max);
      if (len < c.min) return { code: Codes.FIELD_TOO_SHORT, message: `(${def.ai}) ${def.title} is too short ("${value}")` };
    }
    const part = value.slice(pos, pos + len);
    if (!charsetOk(c.charset, part)) {
      return c.charset === 'N'
        ? { code: Codes.NON_DIGIT, message: `(${def.ai}) ${def.title} must be digits only, got "${part}"` }
        : { code: Codes.INVALID_CHARACTER, message: `(${def.ai}) ${def.title} contains a character GS1 does not allow ("${part}")` };
    }
    for (const name of c.linters) {
      const lint = LINTERS[name];
      const e = lint?.(part);
      if (e !== undefined) return { code: e.code, message: `(${def.ai}) ${def.title}: ${e.message}` };
    }
    pos += len;
  }
  if (pos < value.length) {
    return { code: Codes.FIELD_TOO_LONG, message: `(${def.ai}) ${def.title} allows at most ${pos} characters here, got ${value.length} ("${value}")` };
  }
  return undefined;
}

/**
 * Parses AI data whose FNC1 separators are already `\x1d` and whose leading FNC1 is removed. `|`
 * starts a composite component. `detectMissingSeparator` is for raw scanner data only: there the last
 * variable-length field may have swallowed following AIs because the scanner dropped a GS.
 */
export function parseAiData(data: string, detectMissingSeparator: boolean): Outcome<ParsedElements> {
  const elements: Gs1Element[] = [];
  const warnings: IdentityWarning[] = [];
  let component: 0 | 1 = 0;
  let pos = 0;
  let lastEndedByData = false;
  let sawSeparator = false;
  const n = data.length;
  while (pos < n) {
    const ch = data[pos];
    if (ch === GS) {
      sawSeparator = true;
      pos++;
      continue;
    }
    if (ch === '|' && component === 0) {
      component = 1;
      pos++;
      continue;
    }
    const def = lookupAi(data, pos);
    if (def === undefined) {
      const head = data.slice(pos, pos + 4);
      return fail(Codes.UNKNOWN_AI, /^[0-9]{2}/.test(head) ? `No GS1 Application Identifier starts with "${head}" (position ${pos})` : `Expected a GS1 Application Identifier at position ${pos}, found "${head}"`);
    }
    pos += def.ai.length;
    let end: number;
    if (def.fixed) {
      end = pos + def.maxLength;
      if (end > n) end = n;
      const gs = data.indexOf(GS, pos);
      if (gs >= 0 && gs < end) end = gs;
    } else {
      end = pos;
      while (end < n && data[end] !== GS && !(data[end] === '|' && component === 0)) end++;
    }
    const value = data.slice(pos, end);
    const e = validateAiValue(def, value);
    if (e !== undefined) {
      // Without any GS in the data, an over-long variable field usually means a dropped separator.
      if (e.code === Codes.FIELD_TOO_LONG && !def.fixed && !sawSeparator && detectMissingSeparator) {
        return fail(e.code, `${e.message}; a separator (GS) may be missing after it`);
      }
      return { ok: false, error: e };
    }
    elements.push({ ai: def.ai, value, def, component });
    lastEndedByData = !def.fixed && end === n;
    pos = end;
  }
  if (elements.length === 0) return fail(Codes.SYNTAX, 'No GS1 data after the FNC1');
  // A scanner that sent one GS evidently sends them, so only GS-less data is suspect.
  if (detectMissingSeparator && lastEndedByData && !sawSeparator) {
    const w = missingSeparatorWarning(elements);
    if (w !== undefined) warnings.push(w);
  }
  return okv({ elements, warnings });
}

/**
 * A variable-length field that runs to the end of raw data may have swallowed AIs whose FNC1 the
 * scanner or keyboard wedge dropped (BUG-19, BUG-27). If some tail of the value is plausibly AI data
 * of its own (separatorTail), we keep the value as transmitted but say so, so no rule uses the
 * lot/serial unconfirmed. `elements` ends with the field that ran to the end.
 */
function missingSeparatorWarning(elements: readonly Gs1Element[]): IdentityWarning | undefined {
  const el = elements[elements.length - 1];
  if (el === undefined) return undefined;
  const v = el.value;
  for (let i = 1; i < v.length - 2; i++) {
    const tail = v.slice(i);
    const r = separatorTail(elements, tail);
    if (r !== undefined) {
      const parts = r.elements.map((x) => `(${x.ai})${x.value}`).join('');
      return {
        code: WarningCodes.possibleMissingSeparator,
        message: `(${el.ai}) "${v}" may be missing a separator: its end "${tail}" reads as ${parts}. Confirm the ${el.def.title.toLowerCase()} before using it`,
      };
    }
  }
  return undefined;
}

/**
 * Lot (10) and serial (21) are free text, but they follow each other on nearly every label that has both
 * (01 17 10 21), so a serial running into "10…" or a lot running into "21…" is a dropped separator often
 * enough to ask.
 */
const FREE_TEXT_THAT_FOLLOWS = new Set(['10', '21']);

/**
 * Whether an AI's value is constrained enough that a tail matching it by chance is unlikely: a predefined
 * length, or a numeric or checked (date, check digit, code list) component. Free-text variable-length AIs
 * (company-internal 90–99, 240, 241, 250, 400, 7020 …) accept "two digits and anything", so nearly any lot
 * that contains a digit pair would match one ("L-999" = "L-" + (99) 9).
 */
function specificAi(def: AiDef): boolean {
  if (/^9[0-9]$/.test(def.ai)) return false;
  return def.fixed || def.components.some((c) => c.charset === 'N' || c.linters.length > 0);
}

/**
 * The end `tail` of the last element's value, parsed as AI data, if it is evidence of a dropped separator; else
 * undefined. Beyond parsing, every AI of the tail must (1) be specific (specificAi) or lot/serial, (2) not repeat
 * an AI of the data (a second lot inside the lot is no reading) and (3) have its GS1 requisites met by the data
 * (a count (30) needs a GTIN (01) or content (02) before it): a tail AI that could not stand on this label does not
 * commonly follow the field. Shared with the station, which offers the split reading.
 */
export function separatorTail(elements: readonly Gs1Element[], tail: string): ParsedElements | undefined {
  const c = tail.charCodeAt(0);
  if (c < 48 || c > 57) return undefined;
  const r = parseAiData(tail, false);
  if (!r.ok) return undefined;
  const all = [...elements, ...r.value.elements];
  for (const t of r.value.elements) {
    if (!specificAi(t.def) && !FREE_TEXT_THAT_FOLLOWS.has(t.ai)) return undefined;
    if (all.filter((x) => x.ai === t.ai).length > 1) return undefined;
    for (const group of t.def.req) if (!group.some((g) => present(all, g))) return undefined;
  }
  return r.value;
}

/** Bracketed form `(01)…(10)…`; `\(` is a literal bracket; `|` separates a composite component. */
export function parseBracketed(input: string): Outcome<ParsedElements> {
  const elements: Gs1Element[] = [];
  const warnings: IdentityWarning[] = [];
  let component: 0 | 1 = 0;
  let pos = 0;
  const n = input.length;
  if (n === 0 || input[0] !== '(') return fail(Codes.SYNTAX, 'Bracketed GS1 data must start with an AI in brackets, e.g. (01)');
  while (pos < n) {
    if (input[pos] === '|' && component === 0) {
      component = 1;
      pos++;
      continue;
    }
    if (input[pos] !== '(') return fail(Codes.SYNTAX, `Expected "(" at position ${pos}`);
    const close = input.indexOf(')', pos);
    if (close < 0) return fail(Codes.SYNTAX, 'Unclosed "(" in bracketed GS1 data');
    let ai = input.slice(pos + 1, close);
    if (!/^[0-9]+$/.test(ai)) return fail(Codes.UNKNOWN_AI, `"(${ai})" is not an Application Identifier: AIs are digits only`);
    if (ai.length < 2 || ai.length > 4) return fail(Codes.UNKNOWN_AI, `"(${ai})" is not an Application Identifier: AIs have 2 to 4 digits`);
    pos = close + 1;
    let value = '';
    while (pos < n) {
      const ch = input[pos];
      if (ch === '\\' && input[pos + 1] === '(') {
        value += '(';
        pos += 2;
        continue;
      }
      if (ch === '(' || (ch === '|' && component === 0)) break;
      if (ch === '^') return fail(Codes.INVALID_CHARACTER, `"^" is not allowed in GS1 data ((${ai}) at position ${pos})`);
      value += ch;
      pos++;
    }
    let def = AI_TABLE.get(ai);
    // python-stdnum style "(310)3017230": the decimal-point digit written inside the value.
    if (def === undefined && ai.length === 3 && value.length > 0) {
      const longer = AI_TABLE.get(ai + value[0]);
      if (longer !== undefined) {
        warnings.push({ code: WarningCodes.aiDigitInValue, message: `(${ai})${value} read as (${longer.ai})${value.slice(1)}` });
        ai = longer.ai;
        value = value.slice(1);
        def = longer;
      }
    }
    if (def === undefined) return fail(Codes.UNKNOWN_AI, `(${ai}) is not a known GS1 Application Identifier`);
    const e = validateAiValue(def, value);
    if (e !== undefined) return { ok: false, error: e };
    elements.push({ ai, value, def, component });
  }
  if (elements.length === 0) return fail(Codes.SYNTAX, 'No AIs in bracketed data');
  return okv({ elements, warnings });
}

/** Engine notation: `^` = FNC1 (leading one mandatory), `|` = composite separator. */
export function parseCaretElementString(s: string): Outcome<ParsedElements> {
  if (!s.startsWith('^')) return fail(Codes.SYNTAX, 'GS1 element string must start with FNC1 ("^")');
  const data = s.slice(1).replace(/\|\^/g, '|').replace(/\^/g, GS);
  return parseAiData(data, false);
}

/** `^` notation with FNC1 only where needed (after variable-length AIs that are not last in their component). */
export function toCaretString(elements: readonly Gs1Element[]): string {
  let out = '^';
  for (let i = 0; i < elements.length; i++) {
    const el = elements[i] as Gs1Element;
    const next = elements[i + 1];
    if (i > 0 && el.component === 1 && (elements[i - 1] as Gs1Element).component === 0) out += '|^';
    out += el.ai + el.value;
    if (next !== undefined && next.component === el.component && !el.def.fixed) out += '^';
  }
  return out;
}

export function toBracketed(elements: readonly Gs1Element[]): string {
  return elements.map((e) => `(${e.ai})${e.value.replace(/\(/g, '\\(')}`).join('');
}

/** Human-readable interpretation lines, e.g. "(01) 12312312312333" or "GTIN (01) 12312312312333". */
export function toHri(elements: readonly Gs1Element[], includeTitles = false): string[] {
  return elements.map((e) => `${includeTitles ? `${e.def.title} ` : ''}(${e.ai}) ${e.value}`);
}

function present(elements: readonly Gs1Element[], spec: string): boolean {
  // "31nn" = any 4-digit AI starting 31; "310n" = any starting 310.
  const wild = spec.indexOf('n');
  for (let i = 0; i < elements.length; i++) {
    const ai = (elements[i] as Gs1Element).ai;
    if (wild < 0 ? ai === spec : ai.length === 4 && ai.startsWith(spec.slice(0, wild))) return true;
  }
  return false;
}

/**
 * GS1 association rules (requisites, exclusions, repeats). These are warnings, not refusals: a label
 * that carries (21) without (01) still tells us something, and the rule engine decides what to trust.
 */
export function associationWarnings(elements: readonly Gs1Element[]): IdentityWarning[] {
  const out: IdentityWarning[] = [];
  let pairs: string[] | undefined;
  for (let i = 0; i < elements.length; i++) {
    const el = elements[i] as Gs1Element;
    let first = true;
    for (let j = 0; j < i; j++) {
      const prev = elements[j] as Gs1Element;
      if (prev.ai !== el.ai) continue;
      first = false;
      if (prev.value !== el.value) out.push({ code: WarningCodes.repeatedAi, message: `(${el.ai}) appears twice with different values ("${prev.value}" and "${el.value}")` });
      break;
    }
    if (!first) continue;
    for (const group of el.def.req) {
      let met = false;
      for (const g of group) if (present(elements, g)) met = true;
      if (!met) out.push({ code: WarningCodes.missingRequiredAi, message: `(${el.ai}) ${el.def.title} should come with ${group.map((g) => `(${g})`).join(' or ')}` });
    }
    for (const x of el.def.ex) {
      if (x === el.ai || !present(elements, x)) continue;
      const key = el.ai < x ? `${el.ai}|${x}` : `${x}|${el.ai}`;
      pairs ??= [];
      if (pairs.includes(key)) continue;
      pairs.push(key);
      out.push({ code: WarningCodes.exclusiveAis, message: `(${el.ai}) and (${x}) must not appear together` });
    }
  }
  return out;
}
