/**
 * RFID commands: `rfid decode` (captured hex frames → JSON lines), `rfid ports`, `rfid read`, and
 * `emulate-reader` (a reader emulator on a pty or TCP port, driven by a scenario file).
 */
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { decodeWhole, parseHexLine } from '../../devices/rfid/decode-line.js';
import { ReaderEmulator, ReaderSession, getProtocol, type ProtocolName, type TransportOptions } from '../../devices/rfid/index.js';
import { isProtocolName, protocolNames } from '../../devices/rfid/protocols/index.js';
import { listSerialPorts, parseFingerprint } from '../../devices/rfid/ports.js';
import { loadScenario, playScenario, type Scenario } from '../../devices/rfid/scenario.js';
import { serveSerial, serveTcp, type Served, type ServedTcp } from '../../devices/rfid/serve.js';
import { StationError } from '../core/errors.js';
import { EXIT_USAGE, asStationError, badOption, portOption, printError } from './errors.js';

export { listSerialPorts } from '../../devices/rfid/ports.js';

const DIRECTIONS = ['reader', 'host'] as const;
type Direction = (typeof DIRECTIONS)[number];

/**
 * Checked in the action, not as a commander argParser: a parser that throws escapes commander as an uncaught
 * exception with a stack trace.
 */
export function protocolArg(v: string): ProtocolName {
  const name = v === 'm100' || v === 'm100-bb7e' ? 'bb7e' : v;
  if (!isProtocolName(name)) throw badOption('--protocol', v, protocolNames());
  return name;
}

export function directionArg(v: string | undefined): Direction | undefined {
  if (v === undefined) return undefined;
  if (!(DIRECTIONS as readonly string[]).includes(v)) throw badOption('--direction', v, DIRECTIONS);
  return v as Direction;
}

/** Ends a command with one line, no stack trace: exit 2 for a refused option value, 1 for anything else. */
function refuse(e: unknown, json: boolean): void {
  const se = asStationError(e, 'RFID_FAILED');
  printError(se, json);
  process.exitCode = se.code === 'CLI_BAD_OPTION' ? EXIT_USAGE : 1;
}

async function guarded(json: boolean, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    refuse(e, json);
  }
}

/**
 * Where `rfid decode` reads frames: stdin for `-`, else the capture file. A file that cannot be opened (or is a
 * folder) is RFID_INPUT_UNREADABLE naming it, not a silent read of stdin.
 */
export async function decodeInput(input: string): Promise<NodeJS.ReadableStream> {
  if (input === '-') return process.stdin;
  const unreadable = (why: string, cause?: unknown): StationError =>
    new StationError('RFID_INPUT_UNREADABLE', `Cannot read the capture file ${input}: ${why}.`, {
      hint: 'Give a file of hex frames (one per line), or - to read them from stdin.',
      details: { path: input },
      ...(cause === undefined ? {} : { cause }),
    });
  let handle;
  try {
    handle = await open(input, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw unreadable(code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' ? 'permission denied' : (code ?? 'it cannot be opened'), e);
  }
  if ((await handle.stat()).isDirectory()) {
    await handle.close();
    throw unreadable('it is a folder');
  }
  return handle.createReadStream({ encoding: 'utf8' });
}

export async function decodeStream(protocol: ProtocolName, input: NodeJS.ReadableStream, json: boolean, direction?: 'reader' | 'host'): Promise<{ ok: number; bad: number }> {
  const p = getProtocol(protocol);
  let ok = 0;
  let bad = 0;
  for await (const raw of createInterface({ input, crlfDelay: Infinity })) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const bytes = parseHexLine(line);
    const r = bytes ? decodeWhole(p, bytes, direction) : ({ ok: false, error: { code: 'BAD_HEX', message: 'not a hex frame' } } as const);
    if (r.ok) ok++;
    else bad++;
    if (json) process.stdout.write(JSON.stringify(r.ok ? { ok: true, frame: r.frame } : { ok: false, error: r.error }) + '\n');
    else if (r.ok) {
      const f = r.frame;
      const tags = f.tags.map((t) => `${t.epc}${t.rssiRaw === undefined ? '' : ` rssi=${t.rssiRaw}`} ant=${t.antenna ?? '?'}`).join('; ');
      process.stdout.write(`ok   ${f.direction} cmd=${String(f.command)} ${f.kind}${f.statusName ? ` ${f.statusName}` : ''}${tags ? ` ${tags}` : ''}\n`);
    } else process.stdout.write(`bad  ${r.error.code}: ${r.error.message}\n`);
  }
  return { ok, bad };
}

/** A baud rate from the command line: a positive whole number (`--baud abc` used to become NaN and a port error). */
export function baudArg(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = /^\d+$/.test(v.trim()) ? Number(v) : Number.NaN;
  if (!Number.isInteger(n) || n <= 0) throw badOption('--baud', v, 'a baud rate such as 57600 or 115200');
  return n;
}

/** `--antennas 1,2,3`: antenna ports 1–16. */
export function antennasArg(v: string): number[] {
  const ports = v.split(',').map((x) => x.trim());
  const nums = ports.map((x) => (/^\d+$/.test(x) ? Number(x) : Number.NaN));
  if (ports.length === 0 || nums.some((n) => !Number.isInteger(n) || n < 1 || n > 16)) {
    throw badOption('--antennas', v, 'comma-separated antenna ports from 1 to 16, e.g. 1,2,3');
  }
  return nums;
}

/** `--tcp [host:]port` for a reader to connect to. */
function tcpTarget(v: string): { host: string; port: number } {
  const i = v.lastIndexOf(':');
  const host = i >= 0 ? v.slice(0, i) : '127.0.0.1';
  const p = i >= 0 ? v.slice(i + 1) : v;
  const port = /^\d+$/.test(p) ? Number(p) : Number.NaN;
  if (host === '' || !Number.isInteger(port) || port < 1 || port > 65535) throw badOption('--tcp', v, '[host:]port with a port from 1 to 65535');
  return { host, port };
}

export function transportArg(o: { serial?: string; usb?: string; tcp?: string; baud?: string }): TransportOptions {
  if (o.tcp) return { kind: 'tcp', ...tcpTarget(o.tcp) };
  const baudRate = baudArg(o.baud);
  if (o.usb) {
    const fp = parseFingerprint(o.usb);
    if (!fp) throw badOption('--usb', o.usb, 'vid:pid[:serial], as printed by "rfid ports"');
    return { kind: 'serial', fingerprint: fp, ...(baudRate ? { baudRate } : {}) };
  }
  if (o.serial) return { kind: 'serial', path: o.serial, ...(baudRate ? { baudRate } : {}) };
  throw new StationError('CLI_BAD_OPTION', 'Say which reader to connect to: give --serial <path>, --usb <vid:pid[:serial]> or --tcp [host:]port.');
}

export function register(program: Command): void {
  const rfid = program.command('rfid').description('UHF RFID readers');

  rfid
    .command('decode')
    .description('decode hex frames (one per line) from a capture file or stdin')
    .requiredOption('--protocol <name>', 'r2000 | chafon | thingmagic | bb7e | ascii')
    .option('--json', 'one JSON object per line')
    .option('--direction <dir>', 'reader | host (default: try reader, then host)')
    .argument('[input]', 'capture file of hex frames, or "-" for stdin', '-')
    .action(async (input: string, o: { protocol: string; json?: boolean; direction?: string }) => {
      await guarded(o.json === true, async () => {
        const protocol = protocolArg(o.protocol);
        const direction = directionArg(o.direction);
        const { ok, bad } = await decodeStream(protocol, await decodeInput(input), o.json === true, direction);
        process.stderr.write(`decoded ${ok}, rejected ${bad}\n`);
      });
    });

  rfid
    .command('ports')
    .description('list serial ports with their USB fingerprints (JSON)')
    .action(async () => {
      process.stdout.write(JSON.stringify(await listSerialPorts(), null, 2) + '\n');
    });

  rfid
    .command('read')
    .description('connect to a reader and print tag reads as JSON lines (status on stderr)')
    .requiredOption('--protocol <name>', 'r2000 | chafon | thingmagic | bb7e | ascii')
    .option('--serial <path>')
    .option('--usb <vid:pid[:serial]>')
    .option('--tcp <[host:]port>')
    .option('--baud <rate>')
    .option('--antennas <list>', 'comma-separated antenna ports', '1')
    .action(async (o: { protocol: string; serial?: string; usb?: string; tcp?: string; baud?: string; antennas: string }) => {
      let s: ReaderSession;
      try {
        s = new ReaderSession({ id: 'cli', protocol: protocolArg(o.protocol), transport: transportArg(o), antennas: antennasArg(o.antennas) });
      } catch (e) {
        refuse(e, false);
        return;
      }
      s.on('status', (e) => process.stderr.write(`status ${e.status}${e.error ? ` ${e.error.code}: ${e.error.message} (${e.error.hint ?? ''})` : ''}\n`));
      s.on('tag', (t) => process.stdout.write(JSON.stringify(t) + '\n'));
      await s.start();
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await s.stop();
    });

  program
    .command('emulate-reader')
    .description('emulate a UHF reader on a serial device (pty) or a TCP port')
    .requiredOption('--protocol <name>', 'r2000 | chafon | thingmagic | bb7e | ascii')
    .option('--serial <path>', 'device to serve on, e.g. one end of a socat pty pair')
    .option('--tcp <port>', 'TCP port to listen on')
    .option('--scenario <file>', 'JSON/YAML scenario: tags per antenna over time, faults')
    .option('--baud <rate>', 'baud rate for --serial', '115200')
    .action(async (o: { protocol: string; serial?: string; tcp?: string; scenario?: string; baud: string }) => {
      // Everything that can be refused is checked before the port is served: a bad scenario used to crash with a
      // stack trace after the TCP server was already listening.
      let protocol: ProtocolName;
      let port: number | undefined;
      let baudRate: number;
      let scenario: Scenario | undefined;
      try {
        protocol = protocolArg(o.protocol);
        if (!o.serial && !o.tcp) throw new StationError('CLI_BAD_OPTION', 'Say where to serve the reader: give --serial <pty> or --tcp <port>.');
        port = o.serial ? undefined : portOption('--tcp', o.tcp!);
        baudRate = baudArg(o.baud) ?? 115200;
        scenario = o.scenario ? loadScenario(o.scenario) : undefined;
        // serveSerial retries a missing device for ever (a pty coming back); at start-up a missing path is a typo.
        if (o.serial && !existsSync(o.serial)) {
          throw new StationError('PORT_NOT_FOUND', `There is no serial device at ${o.serial}.`, {
            hint: 'Create the pty pair first, e.g. socat pty,raw,echo=0,link=/tmp/rfid-dev pty,raw,echo=0,link=/tmp/rfid-host',
            details: { path: o.serial },
          });
        }
      } catch (e) {
        refuse(e, false);
        return;
      }
      const em = new ReaderEmulator({ protocol });
      let tcp: ServedTcp | null = null;
      let served: Served;
      try {
        tcp = port === undefined ? null : await serveTcp(em, port, '0.0.0.0');
        served = tcp ?? (await serveSerial(em, o.serial!, { baudRate }));
      } catch (e) {
        refuse(e, false);
        return;
      }
      const stopPlay = scenario
        ? playScenario(em, scenario, () => {
            // Serial: a "disconnect" step goes silent for 3 s, like a reader losing power.
            if (tcp) tcp.dropClients({ midFrame: true });
            else {
              em.faults = { ...em.faults, silent: true };
              setTimeout(() => (em.faults = { ...em.faults, silent: false }), 3000).unref();
            }
          })
        : () => undefined;
      process.stderr.write(`emulating ${protocol} reader on ${o.serial ?? `tcp ${tcp?.port ?? o.tcp}`}; Ctrl+C to stop\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      stopPlay();
      em.close();
      await served.close();
    });
}
