/**
 * "BB … 7E" modules (Magic RF M100 / QM100 and clones).
 * Frame: BB Type Cmd PL(2, big endian) Params.. Checksum 7E; Checksum = low byte of the sum of Type..last param.
 * Type 00 command, 01 response, 02 notice.
 */
import { crc16Gen2, sum8 } from '../checksums.js';
import type { FrameSpec } from '../framer.js';
import { fromHex, toHex, type EmulatedField, type ReaderProtocol } from '../protocol.js';
import type { DecodeResult, Direction, ReaderFrame } from '../types.js';
import { pcFor } from './r2000.js';

export const BB7E = { GET_INFO: 0x03, SET_REGION: 0x07, SET_SELECT: 0x0c, SINGLE_POLL: 0x22, MULTI_POLL: 0x27, STOP_POLL: 0x28, SET_POWER: 0xb6, ERROR: 0xff } as const;

const ERROR_NAMES: Record<number, string> = {
  0x15: 'no_tag_in_field',
  0x16: 'access_password_error',
  0x17: 'invalid_command',
  0x09: 'read_fail',
  0x10: 'write_fail',
};

const spec: FrameSpec = {
  minLength: 7,
  maxLength: 7 + 512,
  canStart: (buf, i) => buf[i] === 0xbb,
  frameLength: (buf, start, avail) => (avail < 5 ? 0 : ((buf[start + 3]! << 8) | buf[start + 4]!) + 7),
  verify: (buf, start, len) => buf[start + len - 1] === 0x7e && sum8(buf, start + 1, start + len - 2) === buf[start + len - 2],
};

function decode(frame: Uint8Array, direction: Direction): DecodeResult {
  if (frame.length < 7 || frame[0] !== 0xbb) return { ok: false, error: { code: 'BAD_HEADER', message: 'frame does not start with BB' } };
  const pl = (frame[3]! << 8) | frame[4]!;
  if (pl + 7 !== frame.length) return { ok: false, error: { code: 'BAD_LENGTH', message: 'parameter length does not match the frame' } };
  if (frame[frame.length - 1] !== 0x7e) return { ok: false, error: { code: 'BAD_TRAILER', message: 'frame does not end with 7E' } };
  if (!spec.verify(frame, 0, frame.length)) return { ok: false, error: { code: 'BAD_CHECKSUM', message: 'checksum does not match' } };
  const type = frame[1]!;
  const cmd = frame[2]!;
  const p = 5;
  const end = 5 + pl;
  const f: ReaderFrame = {
    protocol: 'bb7e',
    direction,
    command: cmd,
    kind: type === 0 ? 'command' : 'data',
    tags: [],
    data: toHex(frame, p, end),
    variant: type === 0 ? 'command' : type === 1 ? 'response' : 'notice',
    raw: toHex(frame),
  };
  if (type === 0) return { ok: true, frame: f };
  if (cmd === BB7E.ERROR) {
    f.kind = 'error';
    f.status = frame[p];
    const name = f.status === undefined ? undefined : ERROR_NAMES[f.status];
    if (name !== undefined) f.statusName = name;
  } else if ((cmd === BB7E.SINGLE_POLL || cmd === BB7E.MULTI_POLL) && type === 2) {
    // RSSI(1, signed dBm) PC(2) EPC CRC(2)
    if (pl < 1 + 2 + 2 + 2) return { ok: false, error: { code: 'BAD_PAYLOAD', message: 'tag notice too short' } };
    const rssi = frame[p]!;
    f.kind = 'tags';
    f.tags.push({
      rssiRaw: rssi,
      rssiDbm: rssi > 127 ? rssi - 256 : rssi,
      pc: toHex(frame, p + 1, p + 3),
      epc: toHex(frame, p + 3, end - 2),
      tagCrc: toHex(frame, end - 2, end),
      antenna: 1,
    });
  } else if (cmd === BB7E.GET_INFO && pl >= 1) {
    f.kind = 'version';
    f.firmware = Buffer.from(frame.subarray(p + 1, end)).toString('latin1');
  } else if (pl === 1) {
    f.status = frame[p]!;
    f.kind = f.status === 0 ? 'status' : 'error';
  }
  return { ok: true, frame: f };
}

export function bb7eFrame(type: number, cmd: number, params: ArrayLike<number> = []): Uint8Array {
  const out = new Uint8Array(params.length + 7);
  out[0] = 0xbb;
  out[1] = type;
  out[2] = cmd;
  out[3] = params.length >> 8;
  out[4] = params.length & 0xff;
  out.set(params, 5);
  out[out.length - 2] = sum8(out, 1, out.length - 2);
  out[out.length - 1] = 0x7e;
  return out;
}

function notices(field: EmulatedField, cmd: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const t of field.tags) {
    if (!field.antennas.includes(t.antenna)) continue;
    const pc = fromHex(t.pc ?? pcFor(t.epc));
    const epc = fromHex(t.epc);
    const crcInput = new Uint8Array([...pc, ...epc]);
    const crc = crc16Gen2(crcInput);
    out.push(bb7eFrame(2, cmd, [(Math.round(t.rssi ?? -60) + 256) & 0xff, ...pc, ...epc, crc >> 8, crc & 0xff]));
  }
  return out.length > 0 ? out : [bb7eFrame(1, BB7E.ERROR, [0x15])];
}

function respond(req: ReaderFrame, field: EmulatedField): Uint8Array[] {
  const cmd = req.command as number;
  const data = fromHex(req.data ?? '');
  switch (cmd) {
    case BB7E.GET_INFO:
      return [bb7eFrame(1, cmd, [data[0] ?? 0, ...Buffer.from(`M100 ${field.firmware}`, 'latin1')])];
    case BB7E.SINGLE_POLL:
      return notices(field, cmd);
    case BB7E.MULTI_POLL:
      field.running = true;
      return notices(field, cmd);
    case BB7E.STOP_POLL:
      field.running = false;
      return [bb7eFrame(1, cmd, [0x00])];
    case BB7E.SET_POWER:
      field.powerDbm = (((data[0] ?? 0) << 8) | (data[1] ?? 0)) / 100;
      return [bb7eFrame(1, cmd, [0x00])];
    default:
      return [bb7eFrame(1, BB7E.ERROR, [0x17])];
  }
}

export function createBb7e(): ReaderProtocol {
  return {
    name: 'bb7e',
    defaultBaudRate: 115200,
    spec: () => spec,
    decode,
    commands: {
      version: () => bb7eFrame(0, BB7E.GET_INFO, [0x01]),
      setAntenna: () => null,
      setPower: (dbm) => {
        const v = Math.round(dbm * 100);
        return bb7eFrame(0, BB7E.SET_POWER, [v >> 8, v & 0xff]);
      },
      // Multiple polling streams a notice per tag read, and an error 0x15 for each poll that finds none.
      inventory: () => ({
        mode: 'continuous',
        command: bb7eFrame(0, BB7E.MULTI_POLL, [0x22, 0xff, 0xff]),
        isRoundEnd: (f) => f.kind === 'error',
      }),
      stop: () => bb7eFrame(0, BB7E.STOP_POLL),
    },
    reader: { respond, cycle: (field) => notices(field, BB7E.MULTI_POLL) },
    matches: (req, res) => res.kind !== 'tags' && (req.command === res.command || res.command === BB7E.ERROR),
  };
}
