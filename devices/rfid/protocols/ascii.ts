/**
 * ASCII line readers (`INV` / `AT+INV` style) and STX…ETX framed readers.
 * A frame is STX..ETX, or a line ending in LF (an optional CR before it is dropped). A lone CR is payload (BUG-01).
 * Tag lines are parsed permissively: `+INV:PC=3000,EPC=E200…,RSSI=-52,ANT=1`, `E200…,-52,1`, or bare hex.
 */
import type { FrameSpec } from '../framer.js';
import { toHex, type EmulatedField, type ReaderProtocol } from '../protocol.js';
import type { DecodeResult, Direction, FrameTag, ReaderFrame } from '../types.js';
import { pcFor } from './r2000.js';

const STX = 0x02;
const ETX = 0x03;
const LF = 0x0a;
const CR = 0x0d;
const MAX = 512;

const spec: FrameSpec = {
  minLength: 1,
  maxLength: MAX,
  // Delimiters between frames are skipped, so empty lines never become frames.
  canStart: (buf, i) => buf[i] !== LF && buf[i] !== CR && buf[i] !== ETX && buf[i] !== 0,
  frameLength: (buf, start, avail) => {
    const stop = buf[start] === STX ? ETX : LF;
    const lim = Math.min(avail, MAX);
    for (let i = start + 1; i < start + lim; i++) if (buf[i] === stop) return i - start + 1;
    return avail >= MAX ? -1 : 0;
  },
  verify: () => true,
};

function textOf(frame: Uint8Array): string {
  let s = 0;
  let e = frame.length;
  if (frame[0] === STX) {
    s = 1;
    if (frame[e - 1] === ETX) e--;
  } else if (frame[e - 1] === LF) e--;
  while (e > s && (frame[e - 1] === LF || frame[e - 1] === CR)) e--;
  return Buffer.from(frame.subarray(s, e)).toString('latin1');
}

const HEX = /^[0-9A-Fa-f]+$/;

/** Parse one tag line; null if the line names no EPC. */
export function parseTagLine(body: string): FrameTag | null {
  const tag: FrameTag = { epc: '' };
  const parts = body.split(/[,;\s]+/).filter((p) => p.length > 0);
  const bare: string[] = [];
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq > 0) {
      const k = part.slice(0, eq).toUpperCase();
      const v = part.slice(eq + 1);
      if (k === 'EPC' && HEX.test(v)) tag.epc = v.toUpperCase();
      else if (k === 'PC' && HEX.test(v) && v.length === 4) tag.pc = v.toUpperCase();
      else if (k === 'TID' && HEX.test(v)) tag.tid = v.toUpperCase();
      else if (k === 'RSSI' && /^-?\d+$/.test(v)) tag.rssiDbm = Number(v);
      else if ((k === 'ANT' || k === 'ANTENNA') && /^\d+$/.test(v)) tag.antenna = Number(v);
    } else bare.push(part);
  }
  for (const p of bare) {
    if (!tag.epc && HEX.test(p) && p.length >= 8 && p.length % 2 === 0) tag.epc = p.toUpperCase();
    else if (/^-\d+$/.test(p) && tag.rssiDbm === undefined) tag.rssiDbm = Number(p);
    else if (/^(ANT)?\d{1,2}$/i.test(p) && tag.antenna === undefined) tag.antenna = Number(p.replace(/^ANT/i, ''));
  }
  if (!tag.epc) return null;
  tag.antenna ??= 1;
  return tag;
}

function decode(frame: Uint8Array, direction: Direction): DecodeResult {
  if (frame.length === 0) return { ok: false, error: { code: 'EMPTY', message: 'empty frame' } };
  if (frame[0] === STX && frame[frame.length - 1] !== ETX) return { ok: false, error: { code: 'BAD_TRAILER', message: 'STX frame without ETX' } };
  const text = textOf(frame);
  if (text.length === 0) return { ok: false, error: { code: 'EMPTY', message: 'empty line' } };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Binary noise on an ASCII line: reject rather than invent a tag.
    if ((c < 0x20 && c !== 0x09 && c !== CR) || c > 0x7e) return { ok: false, error: { code: 'BAD_PAYLOAD', message: 'line contains binary bytes' } };
  }
  const m = /^(?:AT\+|\+)?([A-Za-z]+)(?:[:=]\s*(.*))?$/.exec(text.trim());
  const keyword = m ? m[1]!.toUpperCase() : '';
  const rest = m ? (m[2] ?? '') : text;
  const f: ReaderFrame = { protocol: 'ascii', direction, command: keyword || 'DATA', kind: direction === 'host' ? 'command' : 'data', tags: [], text, raw: toHex(frame) };
  if (direction === 'host') {
    if (rest) f.data = rest;
    return { ok: true, frame: f };
  }
  if (keyword === 'OK' || keyword === 'END') f.kind = 'summary';
  else if (keyword === 'ERROR' || keyword === 'ERR') {
    f.kind = 'error';
    f.statusName = rest || 'error';
  } else if (keyword === 'VER' || keyword === 'VERSION') {
    f.kind = 'version';
    f.firmware = rest;
  } else {
    const tag = parseTagLine(m && keyword && keyword !== 'INV' && keyword !== 'EPC' && keyword !== 'TAG' ? text : rest || text);
    if (tag) {
      f.kind = 'tags';
      f.command = m && keyword && HEX.test(text.trim()) ? 'TAG' : keyword || 'TAG';
      f.tags.push(tag);
    }
  }
  return { ok: true, frame: f };
}

const enc = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));

function respond(req: ReaderFrame, field: EmulatedField): Uint8Array[] {
  switch (req.command) {
    case 'VER':
      return [enc(`+VER:${field.firmware}\r\n`)];
    case 'INV': {
      const out = field.tags
        .filter((t) => field.antennas.includes(t.antenna))
        .map((t) => enc(`+INV:PC=${t.pc ?? pcFor(t.epc)},EPC=${t.epc},RSSI=${Math.round(t.rssi ?? -60)},ANT=${t.antenna}${t.tid ? `,TID=${t.tid}` : ''}\r\n`));
      out.push(enc('OK\r\n'));
      return out;
    }
    case 'PWR':
      field.powerDbm = Number(req.data ?? field.powerDbm);
      return [enc('OK\r\n')];
    default:
      return [enc('ERROR:unknown command\r\n')];
  }
}

export function createAscii(opts: { prefix?: string } = {}): ReaderProtocol {
  const p = opts.prefix ?? 'AT+';
  return {
    name: 'ascii',
    defaultBaudRate: 115200,
    spec: () => spec,
    decode,
    commands: {
      version: () => enc(`${p}VER\r\n`),
      setAntenna: () => null,
      setPower: (dbm) => enc(`${p}PWR=${Math.round(dbm)}\r\n`),
      inventory: () => ({ mode: 'rounds', command: enc(`${p}INV\r\n`), isRoundEnd: (f) => f.kind === 'summary' || f.kind === 'error' }),
      stop: () => null,
    },
    reader: { respond },
    matches: (req, res) => res.kind !== 'tags' && (res.command === req.command || res.kind === 'summary' || res.kind === 'error'),
  };
}
