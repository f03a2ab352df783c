/** EPC Tag Data Standard (TDS 1.13 / 2.x) binary layouts for the GS1 schemes the dock sees. */

/** [company prefix bits, digits, reference bits, digits] per partition value 0…6. */
export type PartitionTable = ReadonlyArray<readonly [number, number, number, number]>;

const SGTIN_P: PartitionTable = [[40, 12, 4, 1], [37, 11, 7, 2], [34, 10, 10, 3], [30, 9, 14, 4], [27, 8, 17, 5], [24, 7, 20, 6], [20, 6, 24, 7]];
const SSCC_P: PartitionTable = [[40, 12, 18, 5], [37, 11, 21, 6], [34, 10, 24, 7], [30, 9, 28, 8], [27, 8, 31, 9], [24, 7, 34, 10], [20, 6, 38, 11]];
const SGLN_P: PartitionTable = [[40, 12, 1, 0], [37, 11, 4, 1], [34, 10, 7, 2], [30, 9, 11, 3], [27, 8, 14, 4], [24, 7, 17, 5], [20, 6, 21, 6]];
const GRAI_P: PartitionTable = [[40, 12, 4, 0], [37, 11, 7, 1], [34, 10, 10, 2], [30, 9, 14, 3], [27, 8, 17, 4], [24, 7, 20, 5], [20, 6, 24, 6]];
const GIAI96_P: PartitionTable = [[40, 12, 42, 13], [37, 11, 45, 14], [34, 10, 48, 15], [30, 9, 52, 16], [27, 8, 55, 17], [24, 7, 58, 18], [20, 6, 62, 19]];
const GIAI202_P: PartitionTable = [[40, 12, 148, 18], [37, 11, 151, 19], [34, 10, 154, 20], [30, 9, 158, 21], [27, 8, 161, 22], [24, 7, 164, 23], [20, 6, 168, 24]];

export type EpcType = 'sgtin' | 'sscc' | 'sgln' | 'grai' | 'giai' | 'gsrn' | 'gsrnp' | 'gid';

export interface SchemeDef {
  name: string;
  type: EpcType;
  header: number;
  bits: number;
  partition?: PartitionTable;
  /** Last field after company prefix + reference: integer or 7-bit string, or reserved zero bits. */
  tail?: { kind: 'int' | 'string'; bits: number; maxChars?: number } | { kind: 'reserved'; bits: number };
}

export const SCHEMES: readonly SchemeDef[] = [
  { name: 'sgtin-96', type: 'sgtin', header: 0x30, bits: 96, partition: SGTIN_P, tail: { kind: 'int', bits: 38 } },
  { name: 'sgtin-198', type: 'sgtin', header: 0x36, bits: 198, partition: SGTIN_P, tail: { kind: 'string', bits: 140, maxChars: 20 } },
  { name: 'sscc-96', type: 'sscc', header: 0x31, bits: 96, partition: SSCC_P, tail: { kind: 'reserved', bits: 24 } },
  { name: 'sgln-96', type: 'sgln', header: 0x32, bits: 96, partition: SGLN_P, tail: { kind: 'int', bits: 41 } },
  { name: 'sgln-195', type: 'sgln', header: 0x39, bits: 195, partition: SGLN_P, tail: { kind: 'string', bits: 140, maxChars: 20 } },
  { name: 'grai-96', type: 'grai', header: 0x33, bits: 96, partition: GRAI_P, tail: { kind: 'int', bits: 38 } },
  { name: 'grai-170', type: 'grai', header: 0x37, bits: 170, partition: GRAI_P, tail: { kind: 'string', bits: 112, maxChars: 16 } },
  { name: 'giai-96', type: 'giai', header: 0x34, bits: 96, partition: GIAI96_P },
  { name: 'giai-202', type: 'giai', header: 0x38, bits: 202, partition: GIAI202_P },
  { name: 'gsrn-96', type: 'gsrn', header: 0x2d, bits: 96, partition: SSCC_P, tail: { kind: 'reserved', bits: 24 } },
  { name: 'gsrnp-96', type: 'gsrnp', header: 0x2e, bits: 96, partition: SSCC_P, tail: { kind: 'reserved', bits: 24 } },
  { name: 'gid-96', type: 'gid', header: 0x35, bits: 96 },
];

export const BY_HEADER: ReadonlyMap<number, SchemeDef> = new Map(SCHEMES.map((s) => [s.header, s]));
export const BY_NAME: ReadonlyMap<string, SchemeDef> = new Map(SCHEMES.map((s) => [s.name, s]));

/** Headers TDS assigns to schemes we recognise but do not decode (kept raw with this name). */
export const OTHER_HEADERS: ReadonlyMap<number, string> = new Map([
  [0x2c, 'gdti-96'],
  [0x3e, 'gdti-174'],
  [0x2f, 'usdod-96'],
  [0x3b, 'adi-var'],
  [0x3c, 'cpi-96'],
  [0x3d, 'cpi-var'],
  [0x3f, 'sgcn-96'],
  [0x40, 'itip-110'],
  [0x41, 'itip-212'],
  [0x3a, 'gdti-113'],
  [0xe2, 'tid (not an EPC)'],
]);

/** TDS 2.x "+" schemes (header 0xF7-0xFF range, DSGTIN+ etc.) carry AI data; not decoded here. */
export function isTds2PlusHeader(h: number): boolean {
  return h >= 0xf0 && h <= 0xff;
}

/** Characters allowed in EPC string fields (GS1 CSET 82). */
export const CSET82 = /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]*$/;

/** TDS Table A-1: characters that must be %-escaped inside EPC URIs. */
export function uriEscape(s: string): string {
  return s.replace(/["%&/<>?]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}
