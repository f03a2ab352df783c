/**
 * Decode one captured frame given as hex (what `rfid decode` reads, one frame per line). The whole input must be
 * exactly one frame; direction is tried reader-first when the family frames the two directions differently.
 */
import type { ReaderProtocol } from './protocol.js';
import type { DecodeResult, Direction } from './types.js';

export function parseHexLine(line: string): Uint8Array | null {
  const hex = line.replace(/0x/gi, '').replace(/[\s:,-]+/g, '');
  if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(hex)) return null;
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

export function decodeWhole(protocol: ReaderProtocol, bytes: Uint8Array, direction?: Direction): DecodeResult {
  const dirs: Direction[] = direction ? [direction] : ['reader', 'host'];
  let first: DecodeResult | null = null;
  for (const d of dirs) {
    const r = decodeAs(protocol, bytes, d);
    if (r.ok) return r;
    first ??= r;
    // A bad checksum is a verdict; a length or layout failure may just mean the frame came from the host.
    if (r.error.code === 'BAD_CHECKSUM') break;
  }
  return first!;
}

function decodeAs(protocol: ReaderProtocol, bytes: Uint8Array, direction: Direction): DecodeResult {
  const spec = protocol.spec(direction);
  if (bytes.length === 0) return { ok: false, error: { code: 'EMPTY', message: 'empty input' } };
  if (!spec.canStart(bytes, 0)) return { ok: false, error: { code: 'BAD_HEADER', message: 'first byte cannot start a frame' } };
  const len = bytes.length < spec.minLength ? 0 : spec.frameLength(bytes, 0, bytes.length);
  if (len !== bytes.length) return { ok: false, error: { code: 'BAD_LENGTH', message: `frame length ${len <= 0 ? 'unknown' : len} does not match ${bytes.length} bytes` } };
  return protocol.decode(bytes, direction);
}
