/**
 * The `returns-station` command. Each area registers its own subcommands from src/cli/<area>.ts so this file
 * stays a table of contents.
 */
import { Command } from 'commander';
import { registerAll } from './cli/index.js';

const program = new Command();
program.name('returns-station').description('Returns Station: identify, classify and hand off returned items').showHelpAfterError();
await registerAll(program);
await program.parseAsync(process.argv);
