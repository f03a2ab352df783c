/**
 * The `returns-station` command. Each area registers its own subcommands from src/cli/<area>.ts so this file
 * stays a table of contents.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerAll } from './cli/index.js';
import { isSignalTaker, releaseSignals } from './cli/signals.js';
import { exitForUsageError, onUsageErrors } from './cli/usage.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command();
program.name('returns-station').description('Returns Station: identify, classify and hand off returned items').version(version);
// A command that does not take Ctrl+C over gets Node's default before it runs (see src/cli/signals.ts).
program.hook('preAction', (_program, action) => {
  if (!isSignalTaker(action)) releaseSignals();
});
await registerAll(program);
// Every usage error commander finds is the documented one line, CLI_BAD_OPTION, exit 2 (src/cli/usage.ts).
onUsageErrors(program);
try {
  await program.parseAsync(process.argv);
} catch (e) {
  exitForUsageError(e, process.argv.slice(2));
}
releaseSignals();
