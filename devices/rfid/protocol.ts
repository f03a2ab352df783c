/**
 * What a reader family provides. Adding a family = one file under protocols/ implementing this, plus its tests,
 * plus one line in protocols/index.ts.
 */
import type { FrameSpec } from './framer.js';
import type { DecodeResult, Direction, ProtocolName, ReaderFrame } from './types.js';

export interface InventoryPlan {
  /**
   * 'rounds': the host sends `command` for every round and the reader answers with tags and an end-of-round frame;
   * 'continuous': the host sends `command` once and the reader streams until `stop`.
   */
  mode: 'rounds' | 'continuous';
  command: Uint8Array;
  /** True for the frame that ends a round (summary, "no tag", error). */
  isRoundEnd(frame: ReaderFrame): boolean;
}

/** Host-side command builders a station needs. */
export interface HostCommands {
  version(): Uint8Array;
  /** Select the working antenna (1-based port). Families that address antennas inside inventory may return null. */
  setAntenna(port: number): Uint8Array | null;
  /** Output power in dBm. */
  setPower(dbm: number): Uint8Array | null;
  inventory(opts?: { antennas?: number[] }): InventoryPlan;
  stop(): Uint8Array | null;
}

/** Reader-side encoders for the emulator: the same byte layouts the codec decodes. */
export interface ReaderEncoders {
  /** Reply to a host frame given the emulated field; may return several frames (tags then summary). */
  respond(req: ReaderFrame, field: EmulatedField): Uint8Array[];
  /** Frames a continuous inventory produces in one cycle (continuous families only). */
  cycle?(field: EmulatedField): Uint8Array[];
}

export interface EmulatedTag {
  epc: string;
  antenna: number;
  /** dBm. */
  rssi?: number;
  pc?: string;
  tid?: string;
}

export interface EmulatedField {
  tags: EmulatedTag[];
  /** Antenna ports the reader has; a selected port outside this gives the family's antenna error. */
  antennas: number[];
  currentAntenna: number;
  firmware: string;
  address: number;
  powerDbm: number;
  /** Set by the emulator while a continuous inventory runs. */
  running: boolean;
}

export interface ReaderProtocol {
  readonly name: ProtocolName;
  readonly defaultBaudRate: number;
  /** Framing of frames sent by `direction`. */
  spec(direction: Direction): FrameSpec;
  /** Decode one complete frame (as delimited by `spec`). Never throws. */
  decode(frame: Uint8Array, direction: Direction): DecodeResult;
  readonly commands: HostCommands;
  readonly reader: ReaderEncoders;
  /** True if `res` (from the reader) answers `req` (from the host); used for command/response matching. */
  matches(req: ReaderFrame, res: ReaderFrame): boolean;
}

const HEX_PAIRS = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, '0'));

/** Upper-case hex of [start, end); a table walk beats Buffer#toString + toUpperCase for EPC-sized inputs. */
export function toHex(buf: Uint8Array, start = 0, end = buf.length): string {
  let s = '';
  for (let i = start; i < end; i++) s += HEX_PAIRS[buf[i]!]!;
  return s;
}

export function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}
