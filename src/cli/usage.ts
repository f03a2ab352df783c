/**
 * Commander's own usage errors (unknown command or option, a missing option value, argument or required option) in
 * the CLI's one error format: `returns-station: error CLI_BAD_OPTION: …` on stderr, or with `--json` among the
 * arguments `{"ok":false,"error":{…}}` on stdout; exit 2. `--help` and `--version` still print and exit 0.
 */
import { CommanderError, type Command } from 'commander';
import { StationError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { EXIT_USAGE, asStationError, printError } from './errors.js';

const log = createLogger('cli');

/** A usage error commander found in `command` (thrown from its exit override, caught around parseAsync). */
export class UsageError extends Error {
  constructor(
    readonly command: Command,
    readonly commander: CommanderError,
  ) {
    super(commander.message);
    this.name = 'UsageError';
  }
}

/** `returns-station rules test` for the rules test command. */
function pathOf(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** The command and every subcommand: commander's text is replaced by one typed line, and it no longer exits by itself. */
export function onUsageErrors(cmd: Command): void {
  cmd.exitOverride((err) => {
    // --help, --version: already printed on stdout; commander exits 0.
    if (err.exitCode === 0) return;
    throw new UsageError(cmd, err);
  });
  // Commander's error text and the help it writes after it go nowhere: the error is printed once, by usageError.
  cmd.configureOutput({ writeErr: () => undefined, outputError: () => undefined });
  if (!cmd.parent) {
    // Commander gives an option that needs a value the next word even when that is another option
    // (`demo --data-dir --json` made a folder named "--json"): a value starting with "--" is a missing value.
    cmd.hook('preAction', (_root, action) => {
      for (const opt of action.options) {
        const value: unknown = action.getOptionValue(opt.attributeName());
        if (opt.required && typeof value === 'string' && value.startsWith('--')) {
          throw new UsageError(action, new CommanderError(2, 'commander.optionMissingArgument', `option '${opt.flags}' argument missing (got the option "${value}" instead)`));
        }
      }
    });
  }
  for (const sub of cmd.commands) onUsageErrors(sub);
}

/** The StationError for a usage error: CLI_BAD_OPTION with commander's message and where to read the usage. */
export function usageError(e: UsageError): StationError {
  const path = pathOf(e.command);
  const c = e.commander;
  // `returns-station rules` alone: commander would print the help; say what is missing instead.
  const message =
    c.code === 'commander.help'
      ? `"${path}" needs a command: ${e.command.commands.map((s) => s.name()).join(', ')}.`
      : c.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim();
  return new StationError('CLI_BAD_OPTION', message, {
    hint: `See "${path} --help".`,
    details: { usage: c.code.replace(/^commander\./, '') },
  });
}

/** True when the command line asks for JSON output (`--json`, `--json -`, `--json=…`). */
export function wantsJson(args: readonly string[]): boolean {
  return args.some((a) => a === '--json' || a.startsWith('--json='));
}

/** Ends the process for an error parseAsync rejected with: a usage error exits 2, anything else 1; never a stack trace. */
export function exitForUsageError(e: unknown, args: readonly string[]): never {
  const json = wantsJson(args);
  if (e instanceof UsageError) {
    printError(usageError(e), json);
    process.exit(EXIT_USAGE);
  }
  log.debug({ err: e }, 'command failed');
  printError(asStationError(e, 'FAILED'), json);
  process.exit(1);
}
