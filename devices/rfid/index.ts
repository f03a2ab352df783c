/** RFID readers: codecs per family, transports, sessions with reconnect, tag smoothing, and an emulator. */
export type {
  TagReport,
  ReaderStatus,
  StatusEvent,
  ErrorInfo,
  ReaderFrame,
  FrameTag,
  ProtocolName,
  Direction,
  DecodeResult,
  DecodeError,
  DecodeErrorCode,
} from './types.js';
export { PROTOCOL_NAMES } from './types.js';
export type { ReaderProtocol, EmulatedTag, EmulatedField, HostCommands, InventoryPlan } from './protocol.js';
export { toHex, fromHex } from './protocol.js';
export { Framer, type FrameSpec, type FramerStats } from './framer.js';
export { getProtocol, protocolNames } from './protocols/index.js';
export { ReaderSession, type ReaderSessionOptions, type SessionStats } from './session.js';
export { createTransport, SerialTransport, TcpTransport, matchesFingerprint, type Transport, type TransportOptions, type UsbFingerprint } from './transport.js';
export { ReaderEmulator, type ReaderEmulatorOptions, type LineFaults, type Sink } from './emulator.js';
export { createMockReaderPair, type MockReaderPair } from './mock-pair.js';
export { TagSmoother, type TagPresence, type TagSmootherOptions, type DuplicateEpcWarning, type CaseSummary, type ZoneMap } from './smoother.js';
export { classifyPortError, rfidError, type RfidErrorCode } from './errors.js';
