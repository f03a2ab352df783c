/**
 * Chafon UHFReader18 / UHFReader288 / CF-RU5102 family.
 * Frame: Len Adr Cmd [Status] Data.. CRC-LSB CRC-MSB; Len counts the bytes after itself including the CRC;
 * CRC-16/MCRF4XX over Len..Data. There is no header byte, so resync relies on the 16-bit CRC.
 */
import { crc16Mcrf4xx } from '../checksums.js';
import type { FrameSpec } from '../framer.js';
import { fromHex, toHex, type EmulatedField, type ReaderProtocol } from '../protocol.js';
import type { DecodeResult, Direction, FrameTag, ReaderFrame } from '../types.js';

export const CHAFON = { INVENTORY: 0x01, GET_READER_INFO: 0x21, SET_POWER: 0x2f, SET_ANTENNA_MUX: 0x3f } as const;

const STATUS_NAMES: Record<number, string> = {
  0x00: 'success',
  0x01: 'inventory_finished',
  0x02: 'inventory_timeout',
  0x03: 'more_data_follows',
  0x04: 'reader_memory_full',
  0xf8: 'antenna_error',
  0xf9: 'command_failed',
  0xfa: 'tag_operation_failed',
  0xfb: 'no_tag_operable',
  0xfe: 'illegal_command',
  0xff: 'parameter_error',
};

const spec: FrameSpec = {
  minLength: 5,
  maxLength: 256,
  canStart: (buf, i) => buf[i]! >= 4,
  frameLength: (buf, start) => buf[start]! + 1,
  verify: (buf, start, len) => crc16Mcrf4xx(buf, start, start + len - 2) === (buf[start + len - 2]! | (buf[start + len - 1]! << 8)),
};

/** UHFReader18: Num {EPCLen EPC}*; the layout must consume the payload exactly. */
function parse18(b: Uint8Array, d: number, end: number): FrameTag[] | null {
  if (end - d < 1) return null;
  const num = b[d]!;
  let p = d + 1;
  const tags: FrameTag[] = [];
  for (let k = 0; k < num; k++) {
    const n = b[p];
    if (n === undefined || n === 0 || p + 1 + n > end) return null;
    tags.push({ epc: toHex(b, p + 1, p + 1 + n), antenna: 1 });
    p += 1 + n;
  }
  return p === end ? tags : null;
}

/** UHFReader288: Ant(mask) Num {EPCLen EPC RSSI}*. */
function parse288(b: Uint8Array, d: number, end: number): FrameTag[] | null {
  if (end - d < 2) return null;
  const mask = b[d]!;
  const antenna = mask === 0 ? 1 : 32 - Math.clz32(mask & -mask);
  const num = b[d + 1]!;
  let p = d + 2;
  const tags: FrameTag[] = [];
  for (let k = 0; k < num; k++) {
    // The top bit of EPCLen marks an appended TID on some firmware; the length is in the low 7 bits.
    const n = (b[p] ?? 0) & 0x7f;
    if (n === 0 || p + 2 + n > end) return null;
    tags.push({ epc: toHex(b, p + 1, p + 1 + n), rssiRaw: b[p + 1 + n]!, antenna, antennaId: mask });
    p += 2 + n;
  }
  return p === end ? tags : null;
}

function decode(frame: Uint8Array, direction: Direction, variant?: '18' | '288'): DecodeResult {
  if (frame.length < 5 || frame[0]! < 4) return { ok: false, error: { code: 'BAD_LENGTH', message: 'frame too short' } };
  if (frame[0]! + 1 !== frame.length) return { ok: false, error: { code: 'BAD_LENGTH', message: 'length byte does not match the frame' } };
  if (!spec.verify(frame, 0, frame.length)) return { ok: false, error: { code: 'BAD_CHECKSUM', message: 'CRC does not match' } };
  const end = frame.length - 2;
  const f: ReaderFrame = {
    protocol: 'chafon',
    direction,
    address: frame[1]!,
    command: frame[2]!,
    kind: direction === 'host' ? 'command' : 'data',
    tags: [],
    data: toHex(frame, 3, end),
    raw: toHex(frame),
  };
  if (direction === 'host') return { ok: true, frame: f };
  if (frame.length < 6) return { ok: false, error: { code: 'BAD_LENGTH', message: 'reply has no status byte' } };
  const status = frame[3]!;
  f.status = status;
  const name = STATUS_NAMES[status];
  if (name !== undefined) f.statusName = name;
  f.data = toHex(frame, 4, end);
  const d = 4;
  if (f.command === CHAFON.INVENTORY && status >= 0x01 && status <= 0x04) {
    const t18 = variant === '288' ? null : parse18(frame, d, end);
    const t288 = variant === '18' || t18 ? null : parse288(frame, d, end);
    const tags = t18 ?? t288;
    if (!tags) return { ok: false, error: { code: 'BAD_PAYLOAD', message: 'tag list does not fit the frame' } };
    f.kind = 'tags';
    f.variant = t18 ? 'UHFReader18' : 'UHFReader288';
    f.tags = tags;
    f.tagCount = tags.length;
    if (t288) f.antennaId = frame[d]!;
  } else if (f.command === CHAFON.GET_READER_INFO && status === 0 && end - d >= 2) {
    f.kind = 'version';
    f.firmware = `${frame[d]}.${frame[d + 1]}`;
  } else f.kind = status === 0x00 ? 'status' : 'error';
  return { ok: true, frame: f };
}

export function chafonFrame(address: number, cmd: number, data: ArrayLike<number> = [], status?: number): Uint8Array {
  const body = status === undefined ? data.length : data.length + 1;
  const out = new Uint8Array(body + 5);
  out[0] = body + 4;
  out[1] = address;
  out[2] = cmd;
  let p = 3;
  if (status !== undefined) out[p++] = status;
  out.set(data, p);
  const crc = crc16Mcrf4xx(out, 0, out.length - 2);
  out[out.length - 2] = crc & 0xff;
  out[out.length - 1] = crc >>> 8;
  return out;
}

function rssiByte(dbm: number | undefined): number {
  // Chafon reports a positive "bigger is stronger" byte; no published dBm scale, so offset a plausible range.
  return Math.max(0, Math.min(255, Math.round((dbm ?? -60) + 160)));
}

function respondFor(variant: '18' | '288') {
  return (req: ReaderFrame, field: EmulatedField): Uint8Array[] => {
    const addr = req.address === 0xff ? field.address : (req.address ?? field.address);
    const cmd = req.command as number;
    switch (cmd) {
      case CHAFON.GET_READER_INFO: {
        const [maj = 1, min = 0] = field.firmware.split('.').map((x) => Number.parseInt(x, 10) & 0xff);
        return [chafonFrame(addr, cmd, [maj, min, variant === '288' ? 0x0f : 0x09, 0x02, 0x4e, 0x00, field.powerDbm, 0x0a], 0x00)];
      }
      case CHAFON.SET_POWER:
        field.powerDbm = fromHex(req.data ?? '')[0] ?? field.powerDbm;
        return [chafonFrame(addr, cmd, [], 0x00)];
      case CHAFON.INVENTORY: {
        const byAnt = new Map<number, typeof field.tags>();
        for (const t of field.tags) {
          if (!field.antennas.includes(t.antenna)) continue;
          const list = byAnt.get(t.antenna) ?? [];
          list.push(t);
          byAnt.set(t.antenna, list);
        }
        if (byAnt.size === 0) return [chafonFrame(addr, cmd, [], 0xfb)];
        const out: Uint8Array[] = [];
        const groups = variant === '18' ? [[...byAnt.values()].flat()] : [...byAnt.values()];
        groups.forEach((tags, i) => {
          const last = i === groups.length - 1;
          const body: number[] = [];
          if (variant === '288') body.push(1 << ((tags[0]!.antenna - 1) & 7));
          body.push(tags.length);
          for (const t of tags) {
            const epc = fromHex(t.epc);
            body.push(epc.length, ...epc);
            if (variant === '288') body.push(rssiByte(t.rssi));
          }
          out.push(chafonFrame(addr, cmd, body, last ? 0x01 : 0x03));
        });
        return out;
      }
      default:
        return [chafonFrame(addr, cmd, [], 0xfe)];
    }
  };
}

export function createChafon(opts: { address?: number; variant?: '18' | '288' } = {}): ReaderProtocol {
  const address = opts.address ?? 0xff;
  const variant = opts.variant;
  return {
    name: 'chafon',
    defaultBaudRate: 57600,
    spec: () => spec,
    decode: (frame, direction) => decode(frame, direction, variant),
    commands: {
      version: () => chafonFrame(address, CHAFON.GET_READER_INFO),
      setAntenna: () => null,
      setPower: (dbm) => chafonFrame(address, CHAFON.SET_POWER, [Math.max(0, Math.min(30, Math.round(dbm)))]),
      inventory: () => ({
        mode: 'rounds',
        command: chafonFrame(address, CHAFON.INVENTORY),
        // Status 0x03 means more frames of this round follow.
        isRoundEnd: (f) => f.command === CHAFON.INVENTORY && f.status !== 0x03,
      }),
      stop: () => null,
    },
    reader: { respond: respondFor(variant ?? '288') },
    matches: (req, res) => req.command === res.command && (req.address === 0xff || req.address === res.address),
  };
}
