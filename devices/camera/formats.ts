/**
 * Barcode format names and check-digit rules shared by both camera decoders. Browser-safe, pure.
 *
 * zxing-wasm and quagga2 name formats differently and disagree on UPC forms (zxing reports a UPC-A as a 13-digit
 * EAN-13 with a leading 0 and expands UPC-E to 13 digits; quagga2 depends on reader order, BUG-23). Everything is
 * mapped to one canonical form here so acceptance, agreement across frames and output compare like with like.
 */
export type CodeFormat =
  | 'EAN-13' | 'EAN-8' | 'UPC-A' | 'UPC-E' | 'Code128' | 'Code39' | 'Code93' | 'Codabar' | 'ITF'
  | 'QR' | 'DataMatrix' | 'PDF417' | 'Aztec' | 'DataBar' | 'Other';

const ZXING_NAMES: Record<string, CodeFormat> = {
  EAN13: 'EAN-13', EAN8: 'EAN-8', UPCA: 'UPC-A', UPCE: 'UPC-E', Code128: 'Code128', Code39: 'Code39', Code39Std: 'Code39',
  Code39Ext: 'Code39', Code93: 'Code93', Codabar: 'Codabar', ITF: 'ITF', ITF14: 'ITF', QRCode: 'QR', MicroQRCode: 'QR', RMQRCode: 'QR',
  DataMatrix: 'DataMatrix', PDF417: 'PDF417', Aztec: 'Aztec', DataBar: 'DataBar', DataBarExp: 'DataBar', DataBarLtd: 'DataBar',
};
const QUAGGA_NAMES: Record<string, CodeFormat> = {
  ean_13: 'EAN-13', ean_8: 'EAN-8', upc_a: 'UPC-A', upc_e: 'UPC-E', code_128: 'Code128', code_39: 'Code39', code_39_vin: 'Code39',
  code_93: 'Code93', codabar: 'Codabar', i2of5: 'ITF', '2of5': 'ITF',
};

export function formatFromZxing(name: string): CodeFormat {
  return ZXING_NAMES[name.replace(/[^A-Za-z0-9]/g, '')] ?? ZXING_NAMES[name] ?? 'Other';
}
export function formatFromQuagga(name: string): CodeFormat {
  return QUAGGA_NAMES[name] ?? 'Other';
}

/** GS1 mod-10 over all digits including the check digit. */
export function mod10Valid(digits: string): boolean {
  if (!/^\d{2,18}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length - 1; i++) {
    const d = digits.charCodeAt(digits.length - 2 - i) - 48;
    sum += i % 2 === 0 ? d * 3 : d;
  }
  return (10 - (sum % 10)) % 10 === digits.charCodeAt(digits.length - 1) - 48;
}

/** UPC-E (8 digits, number system 0 or 1) to its UPC-A (12 digits); undefined if not a UPC-E shape. */
export function expandUpcE(upce: string): string | undefined {
  if (!/^[01]\d{7}$/.test(upce)) return undefined;
  const ns = upce[0]!;
  const d = upce.slice(1, 7);
  const check = upce[7]!;
  const last = d[5]!;
  let body: string;
  if (last <= '2') body = `${d.slice(0, 2)}${last}0000${d.slice(2, 5)}`;
  else if (last === '3') body = `${d.slice(0, 3)}00000${d.slice(3, 5)}`;
  else if (last === '4') body = `${d.slice(0, 4)}00000${d[4]}`;
  else body = `${d.slice(0, 5)}0000${last}`;
  return `${ns}${body}${check}`;
}

/** UPC-A (12 digits) to UPC-E (8 digits) when it is zero-suppressible. */
export function compressUpcA(upca: string): string | undefined {
  if (!/^[01]\d{11}$/.test(upca)) return undefined;
  for (let last = 0; last <= 9; last++) {
    // Try every UPC-E candidate shape; few enough to brute-force and always agrees with expandUpcE.
    const ns = upca[0]!;
    const m = upca.slice(1, 6);
    const p = upca.slice(6, 11);
    let six: string | undefined;
    if (last <= 2 && m.slice(3) === '00' && p.slice(0, 2) === '00' && m[2] === String(last)) six = `${m.slice(0, 2)}${p.slice(2)}${last}`;
    else if (last === 3 && m.slice(3) === '00' && p.slice(0, 3) === '000') six = `${m.slice(0, 3)}${p.slice(3)}3`;
    else if (last === 4 && m[4] === '0' && p.slice(0, 4) === '0000') six = `${m.slice(0, 4)}${p[4]}4`;
    else if (last >= 5 && p.slice(0, 4) === '0000' && p[4] === String(last)) six = `${m}${last}`;
    if (six !== undefined) {
      const e = `${ns}${six}${upca[11]}`;
      if (expandUpcE(e) === upca) return e;
    }
  }
  return undefined;
}

/**
 * Canonical form of a decoded EAN/UPC: an EAN-13 starting with 0 is the UPC-A it encodes (BUG-23), and a UPC-E
 * given in expanded form is compressed back to its 8 printed digits.
 */
export function canonical(format: CodeFormat, text: string): { format: CodeFormat; text: string } {
  if (format === 'EAN-13' && /^0\d{12}$/.test(text)) return { format: 'UPC-A', text: text.slice(1) };
  if (format === 'UPC-E' && /^\d{12,13}$/.test(text)) {
    const e = compressUpcA(text.length === 13 ? text.slice(1) : text);
    if (e) return { format, text: e };
  }
  return { format, text };
}

/** GTIN-14 of an EAN/UPC text (8, 12, 13 or 14 digits; UPC-E expanded first), undefined otherwise. */
export function toGtin14(text: string, format?: CodeFormat): string | undefined {
  let digits = text;
  if (format === 'UPC-E' && digits.length === 8) digits = expandUpcE(digits) ?? '';
  if (!/^(\d{8}|\d{12,14})$/.test(digits) || !mod10Valid(digits)) return undefined;
  return digits.padStart(14, '0');
}

/** Check the symbology's own check digit where it has a mandatory one. */
export function checkDigitOk(format: CodeFormat, text: string): boolean {
  switch (format) {
    case 'EAN-13': return /^\d{13}$/.test(text) && mod10Valid(text);
    case 'EAN-8': return /^\d{8}$/.test(text) && mod10Valid(text);
    case 'UPC-A': return /^\d{12}$/.test(text) && mod10Valid(text);
    case 'UPC-E': {
      const a = expandUpcE(text);
      return a !== undefined && mod10Valid(a);
    }
    case 'ITF': return /^(\d\d)+$/.test(text) && (text.length !== 14 || mod10Valid(text));
    default: return text.length > 0;
  }
}
