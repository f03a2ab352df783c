/**
 * ThingMagic Mercury embedded serial protocol (M5e/M6e/Nano).
 * Host frame: FF Len Opcode Data.. CRC-hi CRC-lo (Len+5 bytes); reply: FF Len Opcode Status(2) Data.. CRC (Len+7).
 * Len counts data bytes only; the CRC is the nibble-table routine of serial_reader_l3.c (see checksums.ts).
 */
import { crcThingMagic } from '../checksums.js';
import type { FrameSpec } from '../framer.js';
import { fromHex, toHex, type EmulatedField, type ReaderProtocol } from '../protocol.js';
import type { DecodeResult, Direction, FrameTag, ReaderFrame } from '../types.js';
import { pcFor } from './r2000.js';
import { crc16Gen2 } from '../checksums.js';

export const TM = {
  GET_VERSION: 0x03,
  READ_TAG_ID_SINGLE: 0x21,
  READ_TAG_ID_MULTIPLE: 0x22,
  MULTI_PROTOCOL_TAG_OP: 0x2f,
  GET_ANTENNA_PORT: 0x61,
  SET_ANTENNA_PORT: 0x91,
  SET_READ_TX_POWER: 0x92,
} as const;

const STATUS_NAMES: Record<number, string> = {
  0x0000: 'success',
  0x0100: 'invalid_message_length',
  0x0101: 'invalid_opcode',
  0x0400: 'no_tags_found',
  0x0504: 'temperature_too_high',
  0x0505: 'high_return_loss',
  0x0503: 'no_antenna_connected',
};

function specFor(direction: Direction): FrameSpec {
  const extra = direction === 'reader' ? 7 : 5;
  return {
    minLength: extra,
    maxLength: 255 + extra,
    canStart: (buf, i) => buf[i] === 0xff,
    frameLength: (buf, start, avail) => (avail < 2 ? 0 : buf[start + 1]! + extra),
    verify: (buf, start, len) => crcThingMagic(buf, start + 1, start + len - 2) === ((buf[start + len - 2]! << 8) | buf[start + len - 1]!),
  };
}
const readerSpec = specFor('reader');
const hostSpec = specFor('host');

// Metadata fields in flag order with their sizes (Mercury API TMR_TRD_METADATA_FLAG).
const META: Array<[flag: number, size: number]> = [
  [0x0001, 1], // read count
  [0x0002, 1], // RSSI, signed dBm
  [0x0004, 1], // antenna: TX nibble, RX nibble
  [0x0008, 3], // frequency kHz
  [0x0010, 4], // timestamp ms
  [0x0020, 2], // phase
  [0x0040, 1], // protocol
  [0x0080, -1], // data: length in bits (2) + bytes
  [0x0100, 1], // GPIO
];

/** Records of a 0x22 stream reply: Option SearchFlags(2) MetadataFlags(2) Count {metadata EPCLenBits(2) PC EPC CRC}*. */
function parseRecords(b: Uint8Array, d: number, end: number): FrameTag[] | null {
  if (end - d < 6) return null;
  const flags = (b[d + 3]! << 8) | b[d + 4]!;
  const count = b[d + 5]!;
  let p = d + 6;
  const tags: FrameTag[] = [];
  for (let k = 0; k < count; k++) {
    const tag: FrameTag = { epc: '' };
    for (const [flag, size] of META) {
      if (!(flags & flag)) continue;
      let n = size;
      if (n < 0) n = 2 + Math.ceil((((b[p] ?? 0) << 8) | (b[p + 1] ?? 0)) / 8);
      if (p + n > end) return null;
      if (flag === 0x0002) {
        tag.rssiRaw = b[p]!;
        tag.rssiDbm = b[p]! > 127 ? b[p]! - 256 : b[p]!;
      } else if (flag === 0x0004) {
        tag.antennaId = b[p]!;
        tag.antenna = b[p]! >> 4 || 1;
      } else if (flag === 0x0008) tag.frequencyKHz = (b[p]! << 16) | (b[p + 1]! << 8) | b[p + 2]!;
      p += n;
    }
    if (p + 2 > end) return null;
    const bytes = Math.ceil(((b[p]! << 8) | b[p + 1]!) / 8);
    p += 2;
    if (bytes < 4 || p + bytes > end) return null;
    tag.pc = toHex(b, p, p + 2);
    tag.epc = toHex(b, p + 2, p + bytes - 2);
    tag.tagCrc = toHex(b, p + bytes - 2, p + bytes);
    tag.antenna ??= 1;
    tags.push(tag);
    p += bytes;
  }
  return p === end ? tags : null;
}

function decode(frame: Uint8Array, direction: Direction): DecodeResult {
  const s = direction === 'reader' ? readerSpec : hostSpec;
  if (frame.length < s.minLength || frame[0] !== 0xff) return { ok: false, error: { code: 'BAD_HEADER', message: 'frame does not start with FF' } };
  if (s.frameLength(frame, 0, frame.length) !== frame.length) return { ok: false, error: { code: 'BAD_LENGTH', message: 'length byte does not match the frame' } };
  if (!s.verify(frame, 0, frame.length)) return { ok: false, error: { code: 'BAD_CHECKSUM', message: 'CRC does not match' } };
  const op = frame[2]!;
  const end = frame.length - 2;
  const f: ReaderFrame = { protocol: 'thingmagic', direction, command: op, kind: 'command', tags: [], raw: toHex(frame) };
  if (direction === 'host') {
    f.data = toHex(frame, 3, end);
    return { ok: true, frame: f };
  }
  const status = (frame[3]! << 8) | frame[4]!;
  const d = 5;
  f.status = status;
  const name = STATUS_NAMES[status];
  if (name !== undefined) f.statusName = name;
  f.data = toHex(frame, d, end);
  f.kind = status === 0 ? 'status' : 'error';
  if (status !== 0) return { ok: true, frame: f };
  if (op === TM.GET_VERSION && end - d >= 16) {
    f.kind = 'version';
    // Bootloader(4) Hardware(4) FirmwareDate(4) FirmwareVersion(4) Protocols(4)
    f.firmware = Array.from(frame.subarray(d + 12, d + 16), (x) => x.toString(16).padStart(2, '0')).join('.');
  } else if (op === TM.READ_TAG_ID_MULTIPLE && end - d > 0) {
    const tags = parseRecords(frame, d, end);
    if (!tags) return { ok: false, error: { code: 'BAD_PAYLOAD', message: 'tag record does not fit the frame' } };
    f.kind = 'tags';
    f.tags = tags;
  } else if (op === TM.READ_TAG_ID_SINGLE && end - d >= 4) {
    f.kind = 'tags';
    f.tags.push({ epc: toHex(frame, d, end - 2), tagCrc: toHex(frame, end - 2, end), antenna: 1 });
  }
  return { ok: true, frame: f };
}

export function tmHostFrame(op: number, data: ArrayLike<number> = []): Uint8Array {
  const out = new Uint8Array(data.length + 5);
  out[0] = 0xff;
  out[1] = data.length;
  out[2] = op;
  out.set(data, 3);
  const crc = crcThingMagic(out, 1, out.length - 2);
  out[out.length - 2] = crc >> 8;
  out[out.length - 1] = crc & 0xff;
  return out;
}

export function tmReplyFrame(op: number, status: number, data: ArrayLike<number> = []): Uint8Array {
  const out = new Uint8Array(data.length + 7);
  out[0] = 0xff;
  out[1] = data.length;
  out[2] = op;
  out[3] = status >> 8;
  out[4] = status & 0xff;
  out.set(data, 5);
  const crc = crcThingMagic(out, 1, out.length - 2);
  out[out.length - 2] = crc >> 8;
  out[out.length - 1] = crc & 0xff;
  return out;
}

function record(t: EmulatedField['tags'][number], ts: number): Uint8Array {
  const pc = fromHex(t.pc ?? pcFor(t.epc));
  const epc = fromHex(t.epc);
  const crc = crc16Gen2(new Uint8Array([...pc, ...epc]));
  const bits = (pc.length + epc.length + 2) * 8;
  const rssi = (Math.round(t.rssi ?? -60) + 256) & 0xff;
  const ant = ((t.antenna & 0x0f) << 4) | (t.antenna & 0x0f);
  // Same layout as the M6e capture in the vectors: flags 0x01FF, one record per frame.
  return tmReplyFrame(TM.READ_TAG_ID_MULTIPLE, 0, [
    0x10, 0x00, 0x1b, 0x01, 0xff, 0x01,
    0x01, rssi, ant, 0x0e, 0x16, 0x40, (ts >>> 24) & 0xff, (ts >>> 16) & 0xff, (ts >>> 8) & 0xff, ts & 0xff,
    0x00, 0x00, 0x05, 0x00, 0x00, 0x0f, bits >> 8, bits & 0xff,
    ...pc, ...epc, crc >> 8, crc & 0xff,
  ]);
}

const started = Date.now();

function cycle(field: EmulatedField): Uint8Array[] {
  const ts = (Date.now() - started) >>> 0;
  return field.tags.filter((t) => field.antennas.includes(t.antenna)).map((t) => record(t, ts));
}

function respond(req: ReaderFrame, field: EmulatedField): Uint8Array[] {
  const op = req.command as number;
  const data = fromHex(req.data ?? '');
  switch (op) {
    case TM.GET_VERSION: {
      const fw = field.firmware.split('.').map((x) => Number.parseInt(x, 16) & 0xff);
      while (fw.length < 4) fw.push(0);
      return [tmReplyFrame(op, 0, [0x12, 0x03, 0x08, 0x00, 0x18, 0x00, 0x00, 0x01, 0x20, 0x24, 0x01, 0x15, ...fw.slice(0, 4), 0, 0, 0, 0x10])];
    }
    case TM.MULTI_PROTOCOL_TAG_OP: {
      // 00 00 01 … starts continuous reading, 00 00 02 stops it.
      const sub = data[2];
      field.running = sub === 0x01;
      return [tmReplyFrame(op, 0, [0x00, 0x00, sub ?? 0])];
    }
    case TM.SET_ANTENNA_PORT:
      field.currentAntenna = data[0] ?? 1;
      return [tmReplyFrame(op, 0)];
    case TM.GET_ANTENNA_PORT:
      return [tmReplyFrame(op, 0, [field.currentAntenna, field.currentAntenna])];
    case TM.SET_READ_TX_POWER:
      field.powerDbm = (((data[0] ?? 0) << 8) | (data[1] ?? 0)) / 100;
      return [tmReplyFrame(op, 0)];
    default:
      return [tmReplyFrame(op, 0x0101)];
  }
}

export function createThingMagic(): ReaderProtocol {
  return {
    name: 'thingmagic',
    defaultBaudRate: 115200,
    spec: (direction) => (direction === 'reader' ? readerSpec : hostSpec),
    decode,
    commands: {
      version: () => tmHostFrame(TM.GET_VERSION),
      setAntenna: (port) => tmHostFrame(TM.SET_ANTENNA_PORT, [port, port]),
      setPower: (dbm) => {
        const v = Math.round(dbm * 100);
        return tmHostFrame(TM.SET_READ_TX_POWER, [v >> 8, v & 0xff]);
      },
      // Continuous read: 0x2F wrapping 0x22 with metadata flags 0x01FF, as the SparkFun/Mercury hosts send it.
      inventory: () => ({
        mode: 'continuous',
        command: tmHostFrame(TM.MULTI_PROTOCOL_TAG_OP, [
          0x00, 0x00, 0x01, 0x22, 0x00, 0x00, 0x05, 0x07, 0x22, 0x10, 0x00, 0x1b, 0x03, 0xe8, 0x01, 0xff,
        ]),
        isRoundEnd: (f) => f.kind === 'error',
      }),
      stop: () => tmHostFrame(TM.MULTI_PROTOCOL_TAG_OP, [0x00, 0x00, 0x02]),
    },
    reader: { respond, cycle },
    matches: (req, res) => req.command === res.command && res.kind !== 'tags',
  };
}
