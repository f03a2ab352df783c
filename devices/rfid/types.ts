/**
 * Shared shapes of the RFID layer. Codecs produce `ReaderFrame`s; sessions turn tag frames into `TagReport`s.
 */

export type ProtocolName = 'r2000' | 'chafon' | 'thingmagic' | 'bb7e' | 'ascii';
export const PROTOCOL_NAMES: readonly ProtocolName[] = ['r2000', 'chafon', 'thingmagic', 'bb7e', 'ascii'];

/** Which side sent a frame; some families frame commands and replies differently (ThingMagic adds a status). */
export type Direction = 'reader' | 'host';

export interface TagReport {
  /** Upper-case hex without the PC word. */
  epc: string;
  pc?: string;
  /** The byte the reader sent, meaning differs per family. */
  rssiRaw?: number;
  rssiDbm?: number;
  /** 1-based antenna port (ANT1 = 1) whatever the family numbers internally. */
  antenna: number;
  tid?: string;
  readerId: string;
  /** ms since epoch. */
  at: number;
  /** Inventory round counter of the session; the same EPC twice in one round means two physical tags. */
  round?: number;
}

export type ReaderStatus = 'connecting' | 'connected' | 'reading' | 'disconnected' | 'faulted';

export interface ErrorInfo {
  code: string;
  message: string;
  hint?: string;
}

export interface StatusEvent {
  readerId: string;
  status: ReaderStatus;
  error?: ErrorInfo;
}

/** One tag as it appears inside a frame (before the session stamps reader id and time). */
export interface FrameTag {
  epc: string;
  pc?: string;
  rssiRaw?: number;
  rssiDbm?: number;
  /** 1-based antenna port. */
  antenna?: number;
  /** The antenna field exactly as the family encodes it (R2000 0-based id, Chafon mask, ThingMagic TX/RX nibbles). */
  antennaId?: number;
  tid?: string;
  tagCrc?: string;
  frequencyKHz?: number;
}

/**
 * A decoded frame. `kind` is what a session branches on; the other fields are filled where the family has them.
 */
export interface ReaderFrame {
  protocol: ProtocolName;
  direction: Direction;
  /** Command / opcode byte (ASCII: the line's keyword, e.g. "INV"). */
  command: number | string;
  kind: 'tags' | 'summary' | 'status' | 'error' | 'version' | 'command' | 'data';
  address?: number;
  /** Family status/error byte or word as sent. */
  status?: number;
  statusName?: string;
  tags: FrameTag[];
  firmware?: string;
  antennaId?: number;
  readRate?: number;
  totalRead?: number;
  tagCount?: number;
  /** Payload bytes after the fixed header, upper hex. */
  data?: string;
  /** ASCII lines: the text between delimiters. */
  text?: string;
  variant?: string;
  /** The whole frame, upper hex. */
  raw: string;
}

export type DecodeErrorCode = 'BAD_CHECKSUM' | 'BAD_LENGTH' | 'BAD_HEADER' | 'BAD_TRAILER' | 'BAD_PAYLOAD' | 'EMPTY';

export interface DecodeError {
  code: DecodeErrorCode;
  message: string;
}

export type DecodeResult = { ok: true; frame: ReaderFrame } | { ok: false; error: DecodeError };
