import { join } from 'node:path';
import type { Command } from 'commander';
import { startDemo } from '../app/demo.js';
import { PACKAGE_ROOT, StationApp } from '../app/station-app.js';
import { loadConfigFile } from '../config/load.js';
import type { StationConfig } from '../config/schema.js';
import { StationError } from '../core/errors.js';
import { createLogger, setLogLevel } from '../core/logger.js';
import { EXIT_USAGE, asStationError, portOption, printError } from './errors.js';

const log = createLogger('cli');
const DEFAULT_SCENARIO = join(PACKAGE_ROOT, 'fixtures/scenarios/demo-shift.json');

interface CommonOpts {
  config?: string;
  dataDir?: string;
  port?: string;
  brokerPort?: string;
}

/**
 * Options over the file's settings. `--port 0` asks for a throwaway run on free ports, so the embedded broker takes a
 * free port too unless `--broker-port` names one: a headless run can then sit next to `npm start` (8080/1884).
 */
export function configFrom(o: CommonOpts): StationConfig {
  const port = o.port === undefined ? undefined : portOption('--port', o.port);
  const brokerPort = o.brokerPort === undefined ? undefined : portOption('--broker-port', o.brokerPort);
  const cfg = loadConfigFile(o.config);
  if (o.dataDir) cfg.dataDir = o.dataDir;
  if (port !== undefined) cfg.http.port = port;
  if (brokerPort !== undefined) cfg.mqtt.embeddedPort = brokerPort;
  else if (port === 0) cfg.mqtt.embeddedPort = 0;
  return cfg;
}

/** Exit status after a signal stopped a run that was meant to finish on its own (128 + signal number). */
const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Ctrl+C and SIGTERM stop every component in order (ports closed, database closed) before the process exits.
 * `exitCode(sig)` is the status after a clean stop: 0 for a station meant to run until stopped, 130/143 for a run
 * that was meant to finish by itself (`--exit-when-done`), after `onStopped` has said so.
 */
function onShutdown(stop: () => Promise<void>, opts: { exitCode?: (sig: string) => number; onSignal?: (sig: string) => void; onStopped?: (sig: string) => void } = {}): void {
  let stopping = false;
  const handler = (sig: string): void => {
    if (stopping) return;
    stopping = true;
    opts.onSignal?.(sig);
    log.info({ sig }, 'shutting down');
    const hard = setTimeout(() => process.exit(1), 10_000);
    hard.unref();
    stop().then(
      () => {
        opts.onStopped?.(sig);
        process.exit(opts.exitCode?.(sig) ?? 0);
      },
      (e: unknown) => {
        log.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => handler('SIGINT'));
  process.once('SIGTERM', () => handler('SIGTERM'));
}

/** What a first-time user needs on screen: where to look, how to sign in without a scanner, how to stop. */
function demoBanner(url: string, dbPath: string): string {
  return [
    '',
    `Returns Station demo is ready: open ${url}`,
    `  operator screen  ${url}/   (sign in with the demo badge button, or scan badge B-100 / B-101;`,
    '                   then scan RMA-2001 to open a return and 00614141007776 for its item)',
    `  station log      ${url}/#/items   (every item as it is read, decided and synced; type a barcode there)`,
    `  supervisor       ${url}/#/supervisor   (badge B-900, PIN 4321)`,
    `  station database ${dbPath}; Ctrl+C stops`,
    '',
    '',
  ].join('\n');
}

/** One line (JSON on stdout with `json`), no stack trace; exit 2 for a bad configuration or option, else 1. */
export function fail(e: unknown, json = false): never {
  const se = asStationError(e, 'START_FAILED');
  printError(se, json);
  process.exit(se.code.startsWith('CONFIG') || se.code === 'CLI_BAD_OPTION' ? EXIT_USAGE : 1);
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('run a whole station end to end: emulated reader, embedded broker, HQ ingest, web UI and a scenario')
    .option('--scenario <file>', 'scenario of returned items (JSON)', DEFAULT_SCENARIO)
    .option('--config <file>', 'station configuration (YAML); every key has a default')
    .option('--data-dir <dir>', 'where the station and HQ databases live (default ./data)')
    .option('--port <n>', 'HTTP port of the web UI (0 = any free port; then the embedded broker takes a free port too)')
    .option('--broker-port <n>', 'port of the embedded MQTT broker (default 1884, 0 = any free port)')
    .option('--exit-when-done', 'exit once every event of the scenario is confirmed by HQ')
    .option('--json', 'print one JSON summary on stdout (with --exit-when-done)')
    .action(async (o: CommonOpts & { scenario: string; exitWhenDone?: boolean; json?: boolean }) => {
      if (o.json) setLogLevel(process.env.LOG_LEVEL ?? 'warn');
      // Set once a signal arrived: from then on the run ends through onShutdown, whatever `done` does meanwhile.
      let signalled: string | undefined;
      try {
        const demo = await startDemo({ config: configFrom(o), scenarioPath: o.scenario, exitWhenDone: o.exitWhenDone === true });
        onShutdown(demo.stop, {
          onSignal: (sig) => (signalled = sig),
          // A run meant to finish by itself that was stopped must not look like success to a script.
          exitCode: (sig) => (o.exitWhenDone ? (SIGNAL_EXIT[sig] ?? 1) : 0),
          onStopped: (sig) => {
            if (!o.exitWhenDone) return;
            printError(
              new StationError('INTERRUPTED', `The demo was stopped (${sig}) before HQ had confirmed every event of the scenario.`, {
                hint: 'Everything stored so far is kept; the next run sends what HQ has not confirmed.',
                details: { signal: sig },
              }),
              o.json === true,
            );
          },
        });
        if (!o.json) process.stderr.write(demoBanner(demo.url, demo.station.dbPath));
        const summary = await demo.done;
        if (signalled !== undefined) return;
        if (o.exitWhenDone) {
          if (o.json) process.stdout.write(JSON.stringify(summary) + '\n');
          else process.stderr.write(`scenario done: ${JSON.stringify(summary)}\n`);
          await demo.stop();
          process.exit(summary.eventsAtHq === summary.eventsEmitted ? 0 : 1);
        } else {
          process.stderr.write(
            summary.alreadyFed
              ? `the scenario was already fed into this data folder; the station continues with the stored items at ${demo.url} (delete ${demo.station.dbPath} and hq.db to start over)\n`
              : `scenario fed: ${summary.items} items decided, ${summary.rejected} refused; the station keeps running, scan more at ${demo.url}\n`,
          );
        }
      } catch (e) {
        if (signalled !== undefined) return;
        fail(e, o.json === true);
      }
    });

  program
    .command('station')
    .description('run the station with its configured readers and broker')
    .option('--config <file>', 'station configuration (YAML)')
    .option('--data-dir <dir>', 'where the station database lives')
    .option('--port <n>', 'HTTP port')
    .action(async (o: CommonOpts) => {
      try {
        const cfg = configFrom(o);
        if (!cfg.mqtt.url) throw new StationError('CONFIG_NO_BROKER', 'mqtt.url is not set: name the broker HQ listens on (the demo command embeds one).');
        const app = new StationApp({ config: cfg, brokerUrl: cfg.mqtt.url });
        await app.start();
        onShutdown(() => app.stop());
        process.stderr.write(`Returns Station ${cfg.site}/${cfg.station} is ready: open ${app.httpUrl}\n`);
      } catch (e) {
        fail(e);
      }
    });
}
