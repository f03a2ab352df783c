/**
 * Impinj R2000 "CN" serial protocol (IND903/YR903 and most Chinese R2000 modules).
 * Frame: A0 Len Addr Cmd Data.. Check; Len counts the bytes after itself including Check;
 * Check = two's complement of the 8-bit sum of Head..last data byte.
 */
import { r2000Checksum } from '../checksums.js';
import type { FrameSpec } from '../framer.js';
import { fromHex, toHex, type EmulatedField, type ReaderProtocol } from '../protocol.js';
import type { DecodeResult, Direction, FrameTag, ReaderFrame } from '../types.js';

const HEAD = 0xa0;
export const R2000 = {
  RESET: 0x70,
  GET_FIRMWARE: 0x72,
  SET_WORK_ANTENNA: 0x74,
  GET_WORK_ANTENNA: 0x75,
  SET_OUTPUT_POWER: 0x76,
  GET_OUTPUT_POWER: 0x77,
  INVENTORY: 0x80,
  REAL_TIME_INVENTORY: 0x89,
  CUSTOMIZED_SESSION_TARGET_INVENTORY: 0x8b,
  GET_INVENTORY_BUFFER: 0x90,
  GET_AND_RESET_INVENTORY_BUFFER: 0x91,
} as const;

// Names from the IND903 V2.2 / pyImpinj error table; shown to operators, so spelled out.
const STATUS_NAMES: Record<number, string> = {
  0x10: 'command_success',
  0x11: 'command_fail',
  0x20: 'mcu_reset_error',
  0x21: 'cw_on_error',
  0x22: 'antenna_missing_error',
  0x23: 'write_flash_error',
  0x24: 'read_flash_error',
  0x25: 'set_output_power_error',
  0x31: 'tag_inventory_error',
  0x32: 'tag_read_error',
  0x33: 'tag_write_error',
  0x34: 'tag_lock_error',
  0x35: 'tag_kill_error',
  0x36: 'no_tag_error',
  0x37: 'inventory_ok_but_access_fail',
  0x38: 'buffer_is_empty_error',
  0x40: 'access_or_password_error',
  0x41: 'parameter_invalid',
};

const spec: FrameSpec = {
  minLength: 5,
  maxLength: 257,
  canStart: (buf, i) => buf[i] === HEAD,
  frameLength: (buf, start, avail) => {
    if (avail < 2) return 0;
    const len = buf[start + 1]!;
    return len < 3 ? -1 : len + 2;
  },
  verify: (buf, start, len) => r2000Checksum(buf, start, start + len - 1) === buf[start + len - 1],
};

function base(frame: Uint8Array, direction: Direction): ReaderFrame {
  return {
    protocol: 'r2000',
    direction,
    address: frame[2]!,
    command: frame[3]!,
    kind: direction === 'host' ? 'command' : 'data',
    tags: [],
    data: toHex(frame, 4, frame.length - 1),
    raw: toHex(frame),
  };
}

function statusFrame(f: ReaderFrame, code: number): ReaderFrame {
  f.status = code;
  const name = STATUS_NAMES[code];
  if (name !== undefined) f.statusName = name;
  f.kind = code === 0x10 ? 'status' : 'error';
  return f;
}

/** Tag record of 0x89/0x8B: FreqAnt PC(2) EPC(n) RSSI. */
function realTimeTag(frame: Uint8Array, d: number, end: number): FrameTag | null {
  if (end - d < 1 + 2 + 2 + 1) return null;
  const freqAnt = frame[d]!;
  const antennaId = freqAnt & 0x03;
  return {
    pc: toHex(frame, d + 1, d + 3),
    epc: toHex(frame, d + 3, end - 1),
    rssiRaw: frame[end - 1]!,
    // pyImpinj's conversion; the module tables disagree by 1 dB below -31 dBm (see vectors' conventions).
    rssiDbm: (frame[end - 1]! & 0x7f) - 129,
    antennaId,
    antenna: antennaId + 1,
  };
}

function decode(frame: Uint8Array, direction: Direction): DecodeResult {
  if (frame.length < 5 || frame[0] !== HEAD) return { ok: false, error: { code: 'BAD_HEADER', message: 'frame does not start with A0' } };
  if (frame[1]! + 2 !== frame.length) return { ok: false, error: { code: 'BAD_LENGTH', message: 'length byte does not match the frame' } };
  if (!spec.verify(frame, 0, frame.length)) return { ok: false, error: { code: 'BAD_CHECKSUM', message: 'checksum does not match' } };
  const f = base(frame, direction);
  if (direction === 'host') return { ok: true, frame: f };
  const d = 4;
  const end = frame.length - 1;
  const n = end - d;
  const cmd = f.command as number;
  if (cmd === R2000.GET_FIRMWARE && n === 2) {
    f.kind = 'version';
    f.firmware = `${frame[d]}.${frame[d + 1]}`;
  } else if (cmd === R2000.REAL_TIME_INVENTORY || cmd === R2000.CUSTOMIZED_SESSION_TARGET_INVENTORY) {
    if (n === 1) statusFrame(f, frame[d]!);
    else if (n === 7) {
      f.kind = 'summary';
      f.antennaId = frame[d]!;
      f.readRate = (frame[d + 1]! << 8) | frame[d + 2]!;
      f.totalRead = ((frame[d + 3]! << 24) | (frame[d + 4]! << 16) | (frame[d + 5]! << 8) | frame[d + 6]!) >>> 0;
    } else {
      const tag = realTimeTag(frame, d, end);
      if (!tag) return { ok: false, error: { code: 'BAD_PAYLOAD', message: 'tag record too short' } };
      f.kind = 'tags';
      f.tags.push(tag);
    }
  } else if (cmd === R2000.INVENTORY) {
    if (n === 1) statusFrame(f, frame[d]!);
    else if (n === 9) {
      f.kind = 'summary';
      f.antennaId = frame[d]!;
      f.tagCount = (frame[d + 1]! << 8) | frame[d + 2]!;
      f.readRate = (frame[d + 3]! << 8) | frame[d + 4]!;
      f.totalRead = ((frame[d + 5]! << 24) | (frame[d + 6]! << 16) | (frame[d + 7]! << 8) | frame[d + 8]!) >>> 0;
    } else return { ok: false, error: { code: 'BAD_PAYLOAD', message: 'inventory reply has an unexpected size' } };
  } else if (cmd === R2000.GET_INVENTORY_BUFFER || cmd === R2000.GET_AND_RESET_INVENTORY_BUFFER) {
    if (n === 1) statusFrame(f, frame[d]!);
    else {
      // TagCount(2) DataLen(1) PC+EPC+CRC RSSI FreqAnt InvCount
      const dataLen = frame[d + 2];
      if (dataLen === undefined || dataLen < 4 || n !== 3 + dataLen + 3) {
        return { ok: false, error: { code: 'BAD_PAYLOAD', message: 'buffer record length does not add up' } };
      }
      const p = d + 3;
      const freqAnt = frame[p + dataLen + 1]!;
      f.kind = 'tags';
      f.tagCount = (frame[d]! << 8) | frame[d + 1]!;
      f.tags.push({
        pc: toHex(frame, p, p + 2),
        epc: toHex(frame, p + 2, p + dataLen - 2),
        tagCrc: toHex(frame, p + dataLen - 2, p + dataLen),
        rssiRaw: frame[p + dataLen]!,
        rssiDbm: (frame[p + dataLen]! & 0x7f) - 129,
        antennaId: freqAnt & 0x03,
        antenna: (freqAnt & 0x03) + 1,
      });
    }
  } else if (n === 1) statusFrame(f, frame[d]!);
  return { ok: true, frame: f };
}

export function r2000Frame(address: number, cmd: number, data: ArrayLike<number> = []): Uint8Array {
  const out = new Uint8Array(data.length + 5);
  out[0] = HEAD;
  out[1] = data.length + 3;
  out[2] = address;
  out[3] = cmd;
  out.set(data, 4);
  out[out.length - 1] = r2000Checksum(out, 0, out.length - 1);
  return out;
}

function respond(req: ReaderFrame, field: EmulatedField): Uint8Array[] {
  const cmd = req.command as number;
  const addr = req.address ?? field.address;
  const data = req.data === undefined ? new Uint8Array(0) : fromHex(req.data);
  switch (cmd) {
    case R2000.GET_FIRMWARE: {
      const [maj = 1, min = 0] = field.firmware.split('.').map((x) => Number.parseInt(x, 10) & 0xff);
      return [r2000Frame(addr, cmd, [maj, min])];
    }
    case R2000.SET_WORK_ANTENNA: {
      const id = data[0];
      if (id === undefined || id > 3) return [r2000Frame(addr, cmd, [0x41])];
      field.currentAntenna = id + 1;
      return [r2000Frame(addr, cmd, [0x10])];
    }
    case R2000.GET_WORK_ANTENNA:
      return [r2000Frame(addr, cmd, [field.currentAntenna - 1])];
    case R2000.SET_OUTPUT_POWER:
      field.powerDbm = data[0] ?? field.powerDbm;
      return [r2000Frame(addr, cmd, [0x10])];
    case R2000.GET_OUTPUT_POWER:
      return [r2000Frame(addr, cmd, [field.powerDbm])];
    case R2000.REAL_TIME_INVENTORY:
    case R2000.CUSTOMIZED_SESSION_TARGET_INVENTORY: {
      const ant = field.currentAntenna;
      if (!field.antennas.includes(ant)) return [r2000Frame(addr, cmd, [0x22])];
      const out: Uint8Array[] = [];
      for (const t of field.tags) {
        if (t.antenna !== ant) continue;
        out.push(encodeTag(addr, cmd, t.pc ?? pcFor(t.epc), t.epc, ant - 1, t.rssi ?? -60));
      }
      const total = out.length;
      out.push(r2000Frame(addr, cmd, [ant - 1, (total * 10) >> 8, (total * 10) & 0xff, 0, 0, total >> 8, total & 0xff]));
      return out;
    }
    default:
      return [r2000Frame(addr, cmd, [0x11])];
  }
}

/** PC word for an EPC of this many bytes (length in words in the top 5 bits). */
export function pcFor(epcHex: string): string {
  const words = Math.floor(epcHex.length / 4);
  return ((words << 11) & 0xf800).toString(16).toUpperCase().padStart(4, '0');
}

function encodeTag(addr: number, cmd: number, pc: string, epc: string, antennaId: number, dbm: number): Uint8Array {
  const freqAnt = (10 << 2) | (antennaId & 0x03);
  const rssi = Math.max(0, Math.min(127, Math.round(dbm) + 129));
  return r2000Frame(addr, cmd, [freqAnt, ...fromHex(pc), ...fromHex(epc), rssi]);
}

export function createR2000(address = 0x01): ReaderProtocol {
  return {
    name: 'r2000',
    defaultBaudRate: 115200,
    spec: () => spec,
    decode,
    commands: {
      version: () => r2000Frame(address, R2000.GET_FIRMWARE),
      setAntenna: (port) => r2000Frame(address, R2000.SET_WORK_ANTENNA, [(port - 1) & 0x03]),
      setPower: (dbm) => r2000Frame(address, R2000.SET_OUTPUT_POWER, [Math.max(0, Math.min(33, Math.round(dbm)))]),
      inventory: () => ({
        mode: 'rounds',
        command: r2000Frame(address, R2000.REAL_TIME_INVENTORY, [0x01]),
        isRoundEnd: (f) =>
          (f.command === R2000.REAL_TIME_INVENTORY || f.command === R2000.CUSTOMIZED_SESSION_TARGET_INVENTORY) &&
          (f.kind === 'summary' || f.kind === 'error' || f.kind === 'status'),
      }),
      stop: () => null,
    },
    reader: { respond },
    // The address in a reply echoes the request; 0xFF is the broadcast address readers answer with their own.
    matches: (req, res) => req.command === res.command && (req.address === 0xff || req.address === res.address) && res.kind !== 'tags',
  };
}
