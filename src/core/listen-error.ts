/**
 * What a failed `listen()` means for the person starting the station: a busy port is another station or program,
 * not a crash. Shared by the embedded broker and the web server so both name their port the same way.
 */
import { StationError } from './errors.js';

/** Maps EADDRINUSE / EACCES from listening on host:port to PORT_IN_USE / PORT_NOT_ALLOWED; other errors pass as they are. */
export function listenError(e: unknown, what: string, host: string, port: number, hint: string): unknown {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const details = { host, port, what };
  if (code === 'EADDRINUSE') {
    return new StationError('PORT_IN_USE', `Another station or program is using ${host}:${port} (${what}).`, { hint, details, cause: e });
  }
  if (code === 'EACCES') {
    return new StationError('PORT_NOT_ALLOWED', `This user may not listen on ${host}:${port} (${what}).`, { hint, details, cause: e });
  }
  if (code === 'EADDRNOTAVAIL') {
    return new StationError('HOST_NOT_AVAILABLE', `${host} is not an address of this computer (${what}).`, { hint: 'Use 127.0.0.1 or an address this computer has.', details, cause: e });
  }
  return e;
}
