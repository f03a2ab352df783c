/**
 * Checksums used by the reader families. Each is a plain loop over a byte range so codecs can verify in place
 * (no slicing on the hot path). Algorithms are the ones named in fixtures/vectors/rfid-frames.json.
 */

/** Impinj R2000 "CN": two's complement of the 8-bit sum of bytes [start, end). */
export function r2000Checksum(buf: Uint8Array, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += buf[i]!;
  return (~sum + 1) & 0xff;
}

/** CRC-16/MCRF4XX (Chafon): reflected poly 0x8408, init 0xFFFF, no final XOR; sent LSB first. */
export function crc16Mcrf4xx(buf: Uint8Array, start: number, end: number): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) {
    crc ^= buf[i]!;
    for (let b = 0; b < 8; b++) crc = crc & 1 ? (crc >>> 1) ^ 0x8408 : crc >>> 1;
  }
  return crc;
}

// ThingMagic's serial_reader_l3.c shifts the message through the register nibble by nibble without
// augmentation, so it differs from CRC-16/CCITT-FALSE although both use 0x1021 and init 0xFFFF.
const TM_TABLE = [
  0x0000, 0x1021, 0x2042, 0x3063, 0x4084, 0x50a5, 0x60c6, 0x70e7, 0x8108, 0x9129, 0xa14a, 0xb16b, 0xc18c, 0xd1ad, 0xe1ce, 0xf1ef,
];

/** ThingMagic Mercury message CRC over [start, end), sent MSB first. */
export function crcThingMagic(buf: Uint8Array, start: number, end: number): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) {
    const v = buf[i]!;
    crc = (((crc << 4) | (v >>> 4)) ^ TM_TABLE[crc >>> 12]!) & 0xffff;
    crc = (((crc << 4) | (v & 0x0f)) ^ TM_TABLE[crc >>> 12]!) & 0xffff;
  }
  return crc;
}

/** M100/QM100 "BB…7E": low byte of the plain sum over [start, end). */
export function sum8(buf: Uint8Array, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += buf[i]!;
  return sum & 0xff;
}

/** EPC Gen2 StoredCRC / PacketCRC: CRC-16/GENIBUS (poly 0x1021, init 0xFFFF, xorout 0xFFFF, MSB first). */
export function crc16Gen2(buf: Uint8Array, start = 0, end = buf.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) {
    crc ^= buf[i]! << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc ^ 0xffff;
}
