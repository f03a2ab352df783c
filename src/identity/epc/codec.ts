/**
 * EPC binary ⇄ fields for the TDS GS1 schemes. Decoding never guesses: an EPC that is not a GS1
 * scheme, or whose fields break the TDS rules, comes back as `kind: 'raw' | 'invalid'` with a reason
 * and its hex, so the read is still recorded and can be matched by the station's own tag mapping.
 */
import { classifyGtin } from '../check-digit.js';
import { Codes, fail, okv, type IdentityError, type Outcome } from '../errors.js';
import { BitReader, BitWriter, hexToNibbles } from './bits.js';
import { BY_HEADER, BY_NAME, CSET82, OTHER_HEADERS, isTds2PlusHeader, type SchemeDef } from './schemes.js';
import { fieldsToElements, pureIdentityUri, rawUri, tagUri, type EpcFields, type KeyElement } from './uri.js';

export interface EpcDecoded {
  kind: 'decoded' | 'raw' | 'invalid';
  /** TDS scheme name (`sgtin-96`…), or `unknown` when the header is not one we know. */
  scheme: string;
  /** EPC bank contents from the header on (PC word removed), upper case. */
  hex: string;
  /** The Gen2 PC word that was in front of the EPC, if one was found and removed. */
  pcWord?: string;
  filter?: number;
  partition?: number;
  fields?: EpcFields;
  pureIdentityUri?: string;
  /** Tag URI; for raw/invalid EPCs the TDS raw URI `urn:epc:raw:<bits>.x<hex>`. */
  tagUri: string;
  elements?: KeyElement[];
  reason?: IdentityError;
}

const raw = (hex: string, scheme: string, kind: 'raw' | 'invalid', code: string, message: string, pcWord?: string): EpcDecoded => ({
  kind,
  scheme,
  hex,
  tagUri: rawUri(hex, hex.length * 4),
  reason: { code, message },
  ...(pcWord === undefined ? {} : { pcWord }),
});

function schemeFits(nib: Uint8Array, from: number, words: number): boolean {
  const header = ((nib[from] ?? 0) << 4) | (nib[from + 1] ?? 0);
  const def = BY_HEADER.get(header);
  return def !== undefined && Math.ceil(def.bits / 16) === words;
}

/** Gen2 CRC-16 (ISO/IEC 13239: poly 0x1021, preset 0xFFFF, result inverted) over hex bytes. */
export function gen2Crc16(hex: string): number {
  let crc = 0xffff;
  for (let i = 0; i + 1 < hex.length; i += 2) {
    crc ^= parseInt(hex.slice(i, i + 2), 16) << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return ~crc & 0xffff;
}

/** Cleans reader output: strips `0x`, spaces, `:` and `-`, upper-cases. */
export function cleanHex(input: string): string {
  let s = input.trim();
  if (s.startsWith('0x') || s.startsWith('0X')) s = s.slice(2);
  return s.replace(/[\s:-]/g, '').toUpperCase();
}

/**
 * Decodes EPC hex. A leading Gen2 PC word is detected by its length bits (PC bits 15–11 = EPC length in
 * words, plus an XPC word when XI is set) and only removed when the rest then has exactly that length
 * and the data without removal would not be a complete EPC of a known scheme.
 */
export function decodeEpcHex(input: string): Outcome<EpcDecoded> {
  const hex0 = cleanHex(input);
  if (hex0.length === 0) return fail(Codes.EPC_INVALID_HEX, 'No EPC data');
  let nib = hexToNibbles(hex0);
  if (nib === undefined) return fail(Codes.EPC_INVALID_HEX, `"${input}" is not hexadecimal EPC data`);
  let hex = hex0;
  let pcWord: string | undefined;
  if (hex.length % 4 === 0 && hex.length >= 8) {
    const pc = parseInt(hex.slice(0, 4), 16);
    let words = hex.length / 4;
    const len = pc >>> 11;
    const xi = (pc >>> 9) & 1;
    const skip = 1 + xi;
    // Some readers append the tag's CRC-16 after PC+EPC; drop it only when it checks out.
    if (len > 0 && words === len + skip + 1 && gen2Crc16(hex.slice(0, -4)) === parseInt(hex.slice(-4), 16)) {
      hex = hex.slice(0, -4);
      nib = nib.subarray(0, hex.length);
      words--;
    }
    if (len > 0 && words === len + skip && !schemeFits(nib, 0, words)) {
      pcWord = hex.slice(0, 4);
      hex = hex.slice(skip * 4);
      nib = nib.subarray(skip * 4);
      if ((pc >>> 8) & 1) {
        return okv(raw(hex, 'non-gs1', 'raw', Codes.EPC_NON_GS1, `Not a GS1 EPC: the tag's PC word marks ISO 15961 data (AFI 0x${hex0.slice(2, 4)})`, pcWord));
      }
    }
  }
  if (hex.length < 2) return okv(raw(hex, 'unknown', 'invalid', Codes.EPC_TOO_SHORT, 'EPC is shorter than its 8-bit header'));
  const header = ((nib[0] ?? 0) << 4) | (nib[1] ?? 0);
  const def = BY_HEADER.get(header);
  const hx = header.toString(16).toUpperCase().padStart(2, '0');
  if (def === undefined) {
    const other = OTHER_HEADERS.get(header);
    if (other !== undefined) return okv(raw(hex, other, 'raw', Codes.EPC_UNSUPPORTED_SCHEME, `EPC scheme ${other} (header ${hx}) is recognised but not decoded here; kept as raw EPC`, pcWord));
    const why = header === 0 ? 'an unprogrammed or non-GS1 tag' : isTds2PlusHeader(header) ? 'a TDS 2.x "+" scheme this station does not decode' : 'not a GS1 EPC scheme';
    return okv(raw(hex, 'unknown', 'raw', Codes.EPC_UNKNOWN_HEADER, `EPC header ${hx} is ${why}; kept as raw EPC`, pcWord));
  }
  const r = new BitReader(nib);
  if (r.length < def.bits) {
    return okv(raw(hex, def.name, 'invalid', Codes.EPC_TOO_SHORT, `${def.name.toUpperCase()} needs ${def.bits} bits but the tag returned ${r.length}; kept as raw EPC`, pcWord));
  }
  const d = decodeFields(def, r);
  if (!d.ok) return okv(raw(hex, def.name, 'invalid', d.error.code, `${d.error.message}; kept as raw EPC`, pcWord));
  const { fields, filter, partition } = d.value;
  const out: EpcDecoded = {
    kind: 'decoded',
    scheme: def.name,
    hex: hex.slice(0, Math.ceil(def.bits / 16) * 4),
    pureIdentityUri: pureIdentityUri(fields),
    tagUri: tagUri(def.name, filter, fields),
    fields,
    elements: fieldsToElements(fields),
  };
  if (filter !== undefined) out.filter = filter;
  if (partition !== undefined) out.partition = partition;
  if (pcWord !== undefined) out.pcWord = pcWord;
  return okv(out);
}

function readString(r: BitReader, off: number, bits: number, maxChars: number): Outcome<string> {
  let s = '';
  let ended = false;
  for (let i = 0; i + 7 <= bits; i += 7) {
    const c = r.uint(off + i, 7);
    if (c === 0) {
      ended = true;
      continue;
    }
    if (ended) return fail(Codes.EPC_INVALID_FIELD, 'Characters after the end of a text field');
    s += String.fromCharCode(c);
  }
  if (s.length > maxChars) return fail(Codes.EPC_INVALID_FIELD, `Text field longer than ${maxChars} characters`);
  if (!CSET82.test(s)) return fail(Codes.EPC_INVALID_FIELD, `Text field "${s}" has characters not allowed in EPCs`);
  return okv(s);
}

function decimalFits(r: BitReader, off: number, bits: number, digits: number, what: string): Outcome<string> {
  const v = r.decimal(off, bits);
  if (digits === 0) return v === '0' ? okv('') : fail(Codes.EPC_INVALID_FIELD, `${what} must be empty for this partition`);
  if (v.length > digits) return fail(Codes.EPC_INVALID_FIELD, `${what} ${v} does not fit in ${digits} digits`);
  return okv(v.padStart(digits, '0'));
}

function decodeFields(def: SchemeDef, r: BitReader): Outcome<{ fields: EpcFields; filter?: number; partition?: number }> {
  if (def.type === 'gid') {
    return okv({ fields: { type: 'gid', companyPrefix: r.decimal(8, 28), reference: r.decimal(36, 24), serial: r.decimal(60, 36) } });
  }
  const filter = r.uint(8, 3);
  const partition = r.uint(11, 3);
  const row = def.partition?.[partition];
  if (row === undefined) return fail(Codes.EPC_INVALID_PARTITION, `${def.name.toUpperCase()} partition ${partition} does not exist (0-6)`);
  const [cpBits, cpDigits, refBits, refDigits] = row;
  const cp = decimalFits(r, 14, cpBits, cpDigits, 'Company prefix');
  if (!cp.ok) return cp;
  const refOff = 14 + cpBits;
  let reference: string;
  if (def.type === 'giai') {
    if (def.bits === 96) {
      reference = r.decimal(refOff, refBits);
      if (reference.length > refDigits) return fail(Codes.EPC_INVALID_FIELD, `Asset reference ${reference} is longer than ${refDigits} digits`);
    } else {
      const s = readString(r, refOff, refBits, refDigits);
      if (!s.ok) return s;
      if (s.value === '') return fail(Codes.EPC_INVALID_FIELD, 'Empty asset reference');
      reference = s.value;
    }
    return okv({ fields: { type: 'giai', companyPrefix: cp.value, reference }, filter, partition });
  }
  const ref = decimalFits(r, refOff, refBits, refDigits, 'Reference');
  if (!ref.ok) return ref;
  reference = ref.value;
  const fields: EpcFields = { type: def.type, companyPrefix: cp.value, reference };
  const tail = def.tail;
  const tailOff = refOff + refBits;
  if (tail?.kind === 'int') fields.serial = r.decimal(tailOff, tail.bits);
  else if (tail?.kind === 'string') {
    const s = readString(r, tailOff, tail.bits, tail.maxChars ?? 20);
    if (!s.ok) return s;
    if (s.value === '') return fail(Codes.EPC_INVALID_FIELD, 'Empty serial');
    fields.serial = s.value;
  }
  return okv({ fields, filter, partition });
}

export interface EncodeOk {
  hex: string;
  binary: string;
  bits: number;
}

/** EPC fields → binary for one scheme (TDS §14 encoding procedures). */
export function encodeFields(scheme: string, f: EpcFields, filter = 0): Outcome<EncodeOk> {
  const def = BY_NAME.get(scheme);
  if (def === undefined) return fail(Codes.EPC_UNSUPPORTED_SCHEME, `EPC scheme "${scheme}" is not supported for encoding`);
  if (def.type !== f.type) return fail(Codes.EPC_INVALID_FIELD, `A ${f.type.toUpperCase()} cannot be written as ${scheme}`);
  if (!Number.isInteger(filter) || filter < 0 || filter > 7) return fail(Codes.EPC_INVALID_FIELD, 'Filter must be 0 to 7');
  const w = new BitWriter(def.bits);
  w.uint(def.header, 8);
  if (def.type === 'gid') {
    const limits: Array<[string, number]> = [[f.companyPrefix, 28], [f.reference, 24], [f.serial ?? '', 36]];
    for (const [v, bits] of limits) {
      if (!/^(0|[1-9][0-9]*)$/.test(v) || BigInt(v) >= 1n << BigInt(bits)) return fail(Codes.EPC_VALUE_DOES_NOT_FIT, `GID value ${v} does not fit in ${bits} bits`);
      w.uint(BigInt(v), bits);
    }
    return okv({ hex: w.toHex(), binary: w.toBinary(), bits: def.bits });
  }
  if (def.type === 'sgtin') {
    const g = '0' + f.companyPrefix + f.reference.slice(1);
    const cls = classifyGtin(g + '0');
    if (cls.restricted) return fail(Codes.EPC_RESTRICTED_CIRCULATION, `GTIN is a ${cls.name}: it has no GS1 company prefix, so it cannot be an SGTIN; map such items through the station's own tag table`);
  }
  const partition = def.partition?.findIndex((row) => row[1] === f.companyPrefix.length) ?? -1;
  const row = def.partition?.[partition];
  if (row === undefined) return fail(Codes.EPC_INVALID_FIELD, `Company prefix must have 6 to 12 digits, got ${f.companyPrefix.length}`);
  const [cpBits, , refBits, refDigits] = row;
  w.uint(filter, 3);
  w.uint(partition, 3);
  w.uint(BigInt(f.companyPrefix), cpBits);
  if (def.type === 'giai') {
    if (def.bits === 96) {
      if (!/^(0|[1-9][0-9]*)$/.test(f.reference)) return fail(Codes.EPC_VALUE_DOES_NOT_FIT, `Asset reference "${f.reference}" is not a number without leading zeros, so it cannot be GIAI-96; use GIAI-202`);
      if (BigInt(f.reference) >= 1n << BigInt(refBits)) return fail(Codes.EPC_VALUE_DOES_NOT_FIT, `Asset reference ${f.reference} is too large for GIAI-96; use GIAI-202`);
      w.uint(BigInt(f.reference), refBits);
    } else {
      if (f.reference.length > refDigits) return fail(Codes.EPC_VALUE_DOES_NOT_FIT, `Asset reference longer than ${refDigits} characters`);
      writeString(w, f.reference, refBits);
    }
    return okv({ hex: w.toHex(), binary: w.toBinary(), bits: def.bits });
  }
  if (f.reference.length !== refDigits) return fail(Codes.EPC_INVALID_FIELD, `Reference must have ${refDigits} digits for this company prefix length`);
  w.uint(refDigits === 0 ? 0n : BigInt(f.reference), refBits);
  const tail = def.tail;
  const serial = f.serial ?? '';
  if (tail?.kind === 'int') {
    const what = def.type === 'sgln' ? 'Extension' : 'Serial';
    if (!/^(0|[1-9][0-9]*)$/.test(serial)) return fail(Codes.EPC_VALUE_DOES_NOT_FIT, `${what} "${serial}" is not a number without leading zeros, so it cannot be ${scheme.toUpperCase()}`);
    if (BigInt(serial) >= 1n << BigInt(tail.bits)) return fail(Codes.EPC_VALUE_DOES_NOT_FIT, `${what} ${serial} is ${2n ** BigInt(tail.bits)} or more and does not fit ${scheme.toUpperCase()}`);
    w.uint(BigInt(serial), tail.bits);
  } else if (tail?.kind === 'string') {
    if (serial.length > (tail.maxChars ?? 20)) return fail(Codes.EPC_VALUE_DOES_NOT_FIT, `Serial longer than ${tail.maxChars ?? 20} characters`);
    writeString(w, serial, tail.bits);
  } else if (tail?.kind === 'reserved') w.uint(0, tail.bits);
  return okv({ hex: w.toHex(), binary: w.toBinary(), bits: def.bits });
}

function writeString(w: BitWriter, s: string, bits: number): void {
  for (let i = 0; i < s.length; i++) w.uint(s.charCodeAt(i), 7);
  w.uint(0, bits - s.length * 7);
}
