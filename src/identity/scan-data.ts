/**
 * AIM symbology identifiers (ISO/IEC 15424) as scanners prefix them: `]C1` GS1-128, `]d2` GS1
 * DataMatrix, `]Q3` GS1 QR, `]J1` GS1 DotCode, `]e0` GS1 DataBar / composite, `]E0` EAN-13/UPC-A,
 * `]E4` EAN-8, `]I0/1` ITF. Result: a symbology name plus data in `^` notation (the GS1 engine's
 * "dataStr"), or plain data for non-GS1 symbologies.
 */
import { hasValidCheckDigit } from './check-digit.js';
import { Codes, fail, okv, type Outcome } from './errors.js';
import { GS } from './element-string.js';


export interface ScanData {
  symbology: string;
  /** `^…` for GS1 AI data; digits for EAN/UPC/ITF primary data; raw text otherwise. */
  dataStr: string;
  /** True when dataStr carries GS1 AI syntax (possibly after a `|` for an EAN/UPC composite). */
  gs1: boolean;
  /** For GS1 AI symbologies: the data with GS separators and no leading FNC1 (saves a re-conversion). */
  aiData?: string;
}

const GS1_AI_IDS: Record<string, string> = {
  ']C1': 'GS1_128',
  ']d2': 'DataMatrix',
  ']Q3': 'QR',
  ']J1': 'DotCode',
  ']e0': 'DataBarExpanded',
};

const NAMES: Record<string, string> = {
  C: 'Code128',
  d: 'DataMatrix',
  Q: 'QR',
  J: 'DotCode',
  A: 'Code39',
  G: 'Code93',
  F: 'Codabar',
  I: 'ITF',
  L: 'PDF417',
  z: 'Aztec',
  e: 'DataBar',
  E: 'EAN',
  X: 'Other',
};

function gs1Data(body: string): Outcome<string> {
  if (body.length === 0) return fail(Codes.SYNTAX, 'The barcode carried no GS1 data');
  if (body.includes('^')) return fail(Codes.INVALID_CHARACTER, '"^" cannot appear in scanned GS1 data (FNC1 is sent as GS)');
  const b = body.startsWith(GS) ? body.slice(1) : body;
  return okv('^' + (b.includes(GS) ? b.split(GS).join('^') : b));
}

function eanPrimary(digits: string, lengths: number[], name: string): Outcome<string> {
  if (!/^[0-9]+$/.test(digits)) return fail(Codes.NON_DIGIT, `${name} data must be digits, got "${digits}"`);
  if (!lengths.includes(digits.length)) return fail(Codes.BAD_LENGTH, `${name} data must have ${lengths.join(' or ')} digits, got ${digits.length}`);
  if (!hasValidCheckDigit(digits)) return fail(Codes.BAD_CHECK_DIGIT, `${name} ${digits} has a wrong check digit; probably a misread`);
  return okv(digits);
}

/** Parses scanner output that starts with an AIM symbology identifier. */
export function parseScanData(input: string): Outcome<ScanData> {
  if (input.length < 3 || input[0] !== ']') return fail(Codes.BAD_SYMBOLOGY, 'Scan data must start with an AIM symbology identifier such as ]C1');
  const id = input.slice(0, 3);
  const body = input.slice(3);
  const gs1Name = GS1_AI_IDS[id];
  if (gs1Name !== undefined) {
    const d = gs1Data(body);
    return d.ok ? okv({ symbology: gs1Name, dataStr: d.value, gs1: true, aiData: body.startsWith(GS) ? body.slice(1) : body }) : d;
  }
  const family = id[1] ?? '';
  if (id === ']E0' || id === ']E4' || id === ']E3') {
    const bar = body.indexOf('|');
    const primary = bar >= 0 ? body.slice(0, bar) : body;
    const isEan8 = id === ']E4';
    const name = isEan8 ? 'EAN8' : 'EAN13';
    const p = eanPrimary(primary, isEan8 ? [8] : [12, 13], isEan8 ? 'EAN-8' : 'EAN-13/UPC-A');
    if (!p.ok) return p;
    if (bar < 0) return okv({ symbology: name, dataStr: p.value, gs1: false });
    const cc = body.slice(bar + 1);
    if (!cc.startsWith(']e0')) return fail(Codes.BAD_SYMBOLOGY, 'The composite part of an EAN/UPC must start with ]e0');
    const d = gs1Data(cc.slice(3));
    if (!d.ok) return d;
    return okv({ symbology: name, dataStr: `${p.value}|${d.value}`, gs1: true });
  }
  if (id === ']I0' || id === ']I1') {
    if (/^[0-9]{14}$/.test(body)) {
      const p = eanPrimary(body, [14], 'ITF-14');
      return p.ok ? okv({ symbology: 'ITF14', dataStr: p.value, gs1: false }) : p;
    }
    return okv({ symbology: 'ITF', dataStr: body, gs1: false });
  }
  const name = NAMES[family];
  if (name === undefined) return fail(Codes.BAD_SYMBOLOGY, `Unknown AIM symbology identifier "${id}"`);
  return okv({ symbology: name, dataStr: body, gs1: false });
}

/** The AIM-prefixed text a scanner would send for `dataStr` in the given symbology. */
export function generateScanData(symbology: string, dataStr: string): Outcome<string> {
  const bar = dataStr.indexOf('|');
  const primary = bar >= 0 ? dataStr.slice(0, bar) : dataStr;
  const cc = bar >= 0 ? dataStr.slice(bar + 1) : '';
  const ccBody = cc.startsWith('^') ? cc.slice(1).split('^').join(GS) : '';
  if (bar >= 0 && !cc.startsWith('^')) return fail(Codes.SYNTAX, 'Composite component must start with "^"');
  const ai = (s: string): Outcome<string> => (s.startsWith('^') ? okv(s.slice(1).split('^').join(GS)) : fail(Codes.SYNTAX, 'GS1 data must start with "^"'));
  switch (symbology) {
    case 'QR':
    case 'DM':
    case 'DataMatrix':
    case 'DotCode':
    case 'GS1_128':
    case 'GS1_128_CCA':
    case 'GS1_128_CCC':
    case 'DataBarExpanded': {
      const p = ai(primary);
      if (!p.ok) return p;
      const prefix =
        symbology === 'QR' ? ']Q3' : symbology === 'DotCode' ? ']J1' : symbology.startsWith('D') && symbology !== 'DataBarExpanded' ? ']d2' : bar >= 0 || symbology === 'DataBarExpanded' ? ']e0' : ']C1';
      return okv(prefix + p.value + (bar >= 0 ? GS + ccBody : ''));
    }
    case 'DataBarOmni':
    case 'DataBarTruncated':
    case 'DataBarStacked':
    case 'DataBarStackedOmni':
    case 'DataBarLimited': {
      const g = primary.startsWith('(01)') ? primary.slice(4) : primary;
      if (!/^[0-9]{13,14}$/.test(g)) return fail(Codes.BAD_LENGTH, 'DataBar primary data must be a 14-digit GTIN');
      const gtin = g.padStart(14, '0');
      if (!hasValidCheckDigit(gtin)) return fail(Codes.BAD_CHECK_DIGIT, `GTIN ${gtin} has a wrong check digit`);
      if (symbology === 'DataBarLimited' && gtin[0] !== '0' && gtin[0] !== '1') return fail(Codes.INVALID_VALUE, 'DataBar Limited can only carry GTINs starting with 0 or 1');
      return okv(']e001' + gtin + ccBody);
    }
    case 'EAN13':
    case 'UPCA':
    case 'EAN8': {
      const want = symbology === 'EAN8' ? 8 : symbology === 'UPCA' ? 12 : 13;
      if (!/^[0-9]+$/.test(primary) || primary.length !== want) return fail(Codes.BAD_LENGTH, `${symbology} data must be ${want} digits`);
      if (!hasValidCheckDigit(primary)) return fail(Codes.BAD_CHECK_DIGIT, `${primary} has a wrong check digit`);
      const id = symbology === 'EAN8' ? ']E4' : ']E0';
      const data = symbology === 'UPCA' ? '0' + primary : primary;
      return okv(id + data + (bar >= 0 ? `|]e0${ccBody}` : ''));
    }
    default:
      return fail(Codes.BAD_SYMBOLOGY, `Unknown symbology "${symbology}"`);
  }
}
