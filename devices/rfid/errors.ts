/**
 * Port and reader failures, classified into stable codes with a hint a warehouse person can act on (BUG-06).
 */
import { StationError, errorMessage } from '../../src/core/errors.js';
import type { ErrorInfo } from './types.js';

export type RfidErrorCode =
  | 'PORT_BUSY'
  | 'PORT_PERMISSION'
  | 'PORT_GONE'
  | 'PORT_NOT_FOUND'
  | 'TCP_REFUSED'
  | 'TCP_UNREACHABLE'
  | 'TCP_CLOSED'
  | 'READER_TIMEOUT'
  | 'READER_ERROR'
  | 'PORT_ERROR';

const HINTS: Record<RfidErrorCode, { message: string; hint: string }> = {
  PORT_BUSY: {
    message: 'The RFID reader port is in use by another program.',
    hint: 'Close other reader tools (vendor demo, serial monitor) or a second copy of the station, then wait: it retries by itself.',
  },
  PORT_PERMISSION: {
    message: 'The station is not allowed to open the RFID reader port.',
    hint: 'Linux: add the station user to the "dialout" group (sudo usermod -aG dialout <user>) and log in again, or install the udev rule from docs/rfid.md.',
  },
  PORT_GONE: {
    message: 'The RFID reader was unplugged or its port disappeared.',
    hint: 'Check the USB cable and hub; the station reconnects by itself when the reader is back.',
  },
  PORT_NOT_FOUND: {
    message: 'No RFID reader with the configured USB identity is connected.',
    hint: 'Plug the reader in, or run "returns-station doctor" to see the USB ids of connected ports and update the config.',
  },
  TCP_REFUSED: {
    message: 'The network RFID reader refused the connection.',
    hint: 'Check the reader IP and port in the config, and that no other program holds the reader connection.',
  },
  TCP_UNREACHABLE: {
    message: 'The network RFID reader cannot be reached.',
    hint: 'Check the network cable, the reader power and its IP address.',
  },
  TCP_CLOSED: {
    message: 'The network RFID reader closed the connection.',
    hint: 'The station reconnects by itself; if it keeps happening, check the reader power and network.',
  },
  READER_TIMEOUT: {
    message: 'The RFID reader does not answer.',
    hint: 'Check that the configured protocol and baud rate match the reader, and that it is powered.',
  },
  READER_ERROR: {
    message: 'The RFID reader reported an error.',
    hint: 'Check the antenna cables; see the error name in the log.',
  },
  PORT_ERROR: {
    message: 'The RFID reader port failed.',
    hint: 'Unplug and replug the reader; if it persists, see the log for details.',
  },
};

export function rfidError(code: RfidErrorCode, details?: Record<string, unknown>, cause?: unknown): StationError {
  const h = HINTS[code];
  return new StationError(code, h.message, { hint: h.hint, ...(details ? { details } : {}), ...(cause === undefined ? {} : { cause }) });
}

/** Map OS / binding / socket errors to a stable code. Messages differ per OS, so match on several spellings. */
export function classifyPortError(e: unknown, details?: Record<string, unknown>): StationError {
  if (e instanceof StationError) return e;
  const msg = errorMessage(e);
  const code = (e as { code?: unknown } | null)?.code;
  const is = (re: RegExp): boolean => re.test(msg) || (typeof code === 'string' && re.test(code));
  let c: RfidErrorCode = 'PORT_ERROR';
  if (is(/ECONNREFUSED/)) c = 'TCP_REFUSED';
  else if (is(/EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|EAI_AGAIN|ENOTFOUND/)) c = 'TCP_UNREACHABLE';
  else if (is(/ECONNRESET|EPIPE|socket hang up/i)) c = 'TCP_CLOSED';
  else if (is(/access denied|locked|EBUSY|resource busy|Cannot lock port|temporarily unavailable/i)) c = 'PORT_BUSY';
  else if (is(/permission denied|EACCES|EPERM/i)) c = 'PORT_PERMISSION';
  else if (is(/ENOENT|no such file|does not exist|ENXIO|ENODEV|EIO|EBADF|File not found|cannot find the file|disconnected/i)) c = 'PORT_GONE';
  return rfidError(c, { ...details, cause: msg }, e);
}

export function errorInfo(e: StationError): ErrorInfo {
  return { code: e.code, message: e.message, ...(e.hint === undefined ? {} : { hint: e.hint }) };
}
