/**
 * `returns-station identify [--json] <input>` / `identify --json -` (one input per line from stdin, one
 * JSON object per line out, in order) and `returns-station epc encode|decode`.
 */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { AI_TABLE } from '../identity/ai-table.js';
import { encodeEpc, identify, identifyEpcHex, interpretAi, type IdentifyResult } from '../identity/index.js';
import { SCHEMES } from '../identity/epc/schemes.js';
import { StationError } from '../core/errors.js';
import { EXIT_USAGE, badOption, printError } from './errors.js';

/** JSON with `ais` keys in AI order ("01" before "10"): JS objects would put integer-like keys first. */
export function resultToJson(r: IdentifyResult): string {
  if (!r.ok || r.identity.ais === undefined) return JSON.stringify(r);
  const { ais, ...rest } = r.identity;
  const aisJson = '{' + Object.keys(ais).sort().map((k) => `${JSON.stringify(k)}:${JSON.stringify(ais[k])}`).join(',') + '}';
  const marker = '"__AIS__"';
  return JSON.stringify({ ok: true, identity: { ...rest, ais: '__AIS__' }, warnings: r.warnings }).replace(marker, aisJson);
}

function human(r: IdentifyResult): string {
  if (!r.ok) return `not identified: ${r.error.code}: ${r.error.message}`;
  const id = r.identity;
  const lines: string[] = [`source: ${id.source}${id.symbology === undefined ? '' : ` (${id.symbology})`}`];
  const keys = ['gtin', 'serial', 'lot', 'expiry', 'sscc', 'gln', 'grai', 'giai', 'elementString'] as const;
  for (const k of keys) if (id[k] !== undefined) lines.push(`${k}: ${id[k]}`);
  if (id.ais !== undefined) {
    for (const ai of Object.keys(id.ais).sort()) {
      const raw = id.ais[ai] ?? '';
      // The meaning next to the raw digits: "(3103) 000035  NET WEIGHT (kg) 0.035", so nobody counts decimals by eye.
      const meant = interpretAi(ai, raw);
      const shown = Array.isArray(meant) ? meant.join(' – ') : String(meant);
      const title = AI_TABLE.get(ai)?.title;
      lines.push(`  (${ai}) ${raw}${title ? `  ${title}` : ''}${shown !== raw ? ` ${shown}` : ''}`);
    }
  }
  if (id.epc !== undefined) {
    lines.push(`epc: ${id.epc.scheme} ${id.epc.hex}`);
    if (id.epc.pureIdentityUri !== undefined) lines.push(`  pure identity: ${id.epc.pureIdentityUri}`);
    if (id.epc.tagUri !== undefined) lines.push(`  tag: ${id.epc.tagUri}`);
  }
  for (const w of r.warnings) lines.push(`warning ${w.code}: ${w.message}`);
  return lines.join('\n');
}

/** One JSON line out per line in, in order (the `identify --json -` contract). */
export async function identifyLines(lines: AsyncIterable<string>, write: (s: string) => void): Promise<void> {
  for await (const line of lines) write(resultToJson(identify(line)) + '\n');
}

async function identifyStdin(): Promise<void> {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  await identifyLines(rl, (s) => process.stdout.write(s));
}

export function register(program: Command): void {
  program
    .command('identify')
    .description('identify a scanned barcode, GS1 string, Digital Link or EPC (epc:<hex>, urn:epc:…); "-" reads one input per line from stdin')
    .argument('<input>', 'scanner data; FNC1 as a GS byte, <GS> or \\x1d; "-" for stdin')
    .option('--json', 'print JSON (one object per input line)')
    .action(async (input: string, opts: { json?: boolean }) => {
      if (input === '-') {
        await identifyStdin();
        return;
      }
      const r = identify(input);
      process.stdout.write((opts.json === true ? resultToJson(r) : human(r)) + '\n');
      if (!r.ok) process.exitCode = 1;
    });

  const epc = program.command('epc').description('EPC Tag Data Standard tools');
  epc
    .command('encode')
    .description('encode an EPC pure identity URI (or tag URI) as hex')
    .argument('<uri>', 'e.g. urn:epc:id:sgtin:0614141.812345.6789')
    .option('--scheme <scheme>', 'sgtin-96, sgtin-198, sscc-96, sgln-96, sgln-195, grai-96, grai-170, giai-96, giai-202, gsrn-96, gsrnp-96, gid-96')
    .option('--filter <n>', 'filter value 0-7 (default 0)')
    .action((uri: string, opts: { scheme?: string; filter?: string }) => {
      // Usage errors (a missing or unknown --scheme, a filter that is not 0-7) exit 2 like every other command;
      // a URI that cannot be encoded is a refused input (exit 1). One line each, never a stack trace.
      const schemes = SCHEMES.map((d) => d.name);
      if (opts.scheme === undefined && !uri.trim().startsWith('urn:epc:tag:')) {
        // A tag URI names its scheme; a pure identity URI does not (SGTIN-96 or -198 depends on the tag's memory).
        printError(
          new StationError('EPC_SCHEME_REQUIRED', 'Say which tag encoding to write with --scheme, e.g. --scheme sgtin-96 (96-bit tags) or --scheme sgtin-198.', {
            details: { valid: schemes },
          }),
          false,
        );
        process.exitCode = EXIT_USAGE;
        return;
      }
      if (opts.scheme !== undefined && !schemes.includes(opts.scheme)) {
        printError(badOption('--scheme', opts.scheme, schemes), false);
        process.exitCode = EXIT_USAGE;
        return;
      }
      if (opts.filter !== undefined && !/^[0-7]$/.test(opts.filter.trim())) {
        printError(badOption('--filter', opts.filter, 'a filter value from 0 to 7'), false);
        process.exitCode = EXIT_USAGE;
        return;
      }
      const filter = opts.filter === undefined ? undefined : Number(opts.filter);
      const r = encodeEpc(uri, opts.scheme ?? '', filter);
      if (r.ok) process.stdout.write(r.hex + '\n');
      else {
        printError(new StationError(r.error.code, r.error.message), false);
        process.exitCode = 1;
      }
    });
  epc
    .command('decode')
    .description('decode EPC hex (a leading Gen2 PC word is removed)')
    .argument('<hex>')
    .option('--json', 'print JSON')
    .action((hex: string, opts: { json?: boolean }) => {
      const r = identifyEpcHex(hex);
      process.stdout.write((opts.json === true ? resultToJson(r) : human(r)) + '\n');
      if (!r.ok) process.exitCode = 1;
    });
}
