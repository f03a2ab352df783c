/**
 * How commands report a refused run: one line, never a stack trace. Usage errors (a bad option value) exit 2, as
 * `workload`, `rules` and `import` already do; with `--json` the line is `{"ok":false,"error":{…}}` on stdout so a
 * script reading stdout sees the failure in the same stream as a result.
 */
import { StationError, errorMessage, isStationError } from '../core/errors.js';

/** Exit status for a command line the program cannot run (bad option value). */
export const EXIT_USAGE = 2;

/** A StationError for any thrown value, mapping the raw Node errors a start-up can hit to typed codes. */
export function asStationError(e: unknown, fallbackCode = 'FAILED'): StationError {
  if (isStationError(e)) return e;
  const ne = e as NodeJS.ErrnoException & { address?: string; port?: number };
  if (ne?.code === 'EADDRINUSE') {
    const where = ne.address !== undefined && ne.port !== undefined ? `${ne.address}:${ne.port}` : 'the port';
    return new StationError('PORT_IN_USE', `Another station or program is using ${where}.`, {
      hint: 'Stop it, or pass --port / --broker-port (0 = any free port).',
      cause: e,
    });
  }
  return new StationError(fallbackCode, errorMessage(e), { cause: e });
}

/** `--name` got a value outside `valid`: the message lists what is accepted. */
export function badOption(option: string, value: string, valid: readonly string[] | string): StationError {
  const accepted = typeof valid === 'string' ? valid : valid.join(', ');
  return new StationError('CLI_BAD_OPTION', `${option} "${value}" is not accepted; use ${accepted}.`, {
    details: { option, value, ...(typeof valid === 'string' ? {} : { valid: [...valid] }) },
  });
}

/** A TCP port from the command line: a whole number 0–65535 (0 = any free port). */
export function portOption(option: string, value: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw badOption(option, value, 'a port number from 0 to 65535 (0 = any free port)');
  return n;
}

/** Prints the error as one line: JSON on stdout with `json`, else `returns-station: error CODE: message (hint)` on stderr. */
export function printError(e: StationError, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify({ ok: false, error: e.toJSON() }) + '\n');
    return;
  }
  process.stderr.write(`returns-station: error ${e.code}: ${e.message}${e.hint ? ` (${e.hint})` : ''}\n`);
}
