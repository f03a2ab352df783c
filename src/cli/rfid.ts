/**
 * RFID commands: `rfid decode` (captured hex frames → JSON lines), `rfid ports`, `rfid read`, and
 * `emulate-reader` (a reader emulator on a pty or TCP port, driven by a scenario file).
 */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { decodeWhole, parseHexLine } from '../../devices/rfid/decode-line.js';
import { ReaderEmulator, ReaderSession, getProtocol, type ProtocolName, type TransportOptions } from '../../devices/rfid/index.js';
import { isProtocolName, protocolNames } from '../../devices/rfid/protocols/index.js';
import { listSerialPorts, parseFingerprint } from '../../devices/rfid/ports.js';
import { loadScenario, playScenario } from '../../devices/rfid/scenario.js';
import { serveSerial, serveTcp } from '../../devices/rfid/serve.js';
import { StationError } from '../core/errors.js';
import { EXIT_USAGE, asStationError, badOption, printError } from './errors.js';

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

function transportArg(o: { serial?: string; usb?: string; tcp?: string; baud?: string }): TransportOptions {
  if (o.tcp) {
    const [host, port] = o.tcp.includes(':') ? o.tcp.split(':') : ['127.0.0.1', o.tcp];
    return { kind: 'tcp', host: host!, port: Number(port) };
  }
  const baudRate = o.baud ? Number(o.baud) : undefined;
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
    .description('decode hex frames (one per line) from stdin')
    .requiredOption('--protocol <name>', 'r2000 | chafon | thingmagic | bb7e | ascii')
    .option('--json', 'one JSON object per line')
    .option('--direction <dir>', 'reader | host (default: try reader, then host)')
    .argument('[input]', '"-" for stdin', '-')
    .action(async (_input: string, o: { protocol: string; json?: boolean; direction?: string }) => {
      await guarded(o.json === true, async () => {
        const protocol = protocolArg(o.protocol);
        const direction = directionArg(o.direction);
        const { ok, bad } = await decodeStream(protocol, process.stdin, o.json === true, direction);
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
        s = new ReaderSession({ id: 'cli', protocol: protocolArg(o.protocol), transport: transportArg(o), antennas: o.antennas.split(',').map(Number) });
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
      let protocol: ProtocolName;
      try {
        protocol = protocolArg(o.protocol);
        if (!o.serial && !o.tcp) throw new StationError('CLI_BAD_OPTION', 'Say where to serve the reader: give --serial <pty> or --tcp <port>.');
      } catch (e) {
        refuse(e, false);
        return;
      }
      const em = new ReaderEmulator({ protocol });
      const tcp = o.serial ? null : await serveTcp(em, Number(o.tcp), '0.0.0.0');
      const served = tcp ?? (await serveSerial(em, o.serial!, { baudRate: Number(o.baud) }));
      const stopPlay = o.scenario
        ? playScenario(em, loadScenario(o.scenario), () => {
            // Serial: a "disconnect" step goes silent for 3 s, like a reader losing power.
            if (tcp) tcp.dropClients({ midFrame: true });
            else {
              em.faults = { ...em.faults, silent: true };
              setTimeout(() => (em.faults = { ...em.faults, silent: false }), 3000).unref();
            }
          })
        : () => undefined;
      process.stderr.write(`emulating ${protocol} reader on ${o.serial ?? `tcp ${o.tcp}`}; Ctrl+C to stop\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      stopPlay();
      em.close();
      await served.close();
    });
}
