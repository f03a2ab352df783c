import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { RunningDemo } from '../app/demo.js';
import type { StationApp } from '../app/station-app.js';
import { loadConfigFile } from '../config/load.js';
import type { StationConfig } from '../config/schema.js';
import { StationError } from '../core/errors.js';
import { createLogger, setLogLevel } from '../core/logger.js';
import { EXIT_USAGE, asStationError, portOption, printError } from './errors.js';
import { keepsSignals, takeSignals } from './signals.js';

const log = createLogger('cli');
// Not PACKAGE_ROOT from station-app.ts: that module (web server, broker, database) is loaded only once signals are taken.
const DEFAULT_SCENARIO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures/scenarios/demo-shift.json');

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
 * Ctrl+C and SIGTERM stop every component in order (ports closed, database closed) before the process exits. Taken
 * over before anything heavy is loaded or started, so a signal during start-up (or while the program was still
 * loading, held by bin/returns-station.js) stops whatever has started by then. `exitCode(sig)` is the status after a
 * clean stop: 0 for a station meant to run until stopped, 130/143 for a run that was meant to finish by itself
 * (`--exit-when-done`), after `onStopped` has said so.
 */
function onShutdown(stop: () => Promise<void>, opts: { exitCode?: (sig: string) => number; onSignal?: (sig: string) => void; onStopped?: (sig: string) => void } = {}): void {
  let stopping = false;
  takeSignals((sig) => {
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
  });
}

/**
 * Something being started that a signal must be able to stop: `stop()` aborts the start (the starter gets `signal`),
 * waits for it to settle, and stops what it produced. A start that failed has closed what it opened itself.
 */
function startable<T>(stopIt: (started: T) => Promise<void>): { signal: AbortSignal; track(p: Promise<T>): Promise<T>; stop(): Promise<void> } {
  const abort = new AbortController();
  let starting: Promise<T> | undefined;
  return {
    signal: abort.signal,
    track(p) {
      starting = p;
      return p;
    },
    async stop() {
      abort.abort();
      const started = await starting?.catch(() => undefined);
      if (started !== undefined) await stopIt(started);
    },
  };
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
  const demoCmd = program
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
      const run = startable<RunningDemo>((d) => d.stop());
      // First, before the demo's modules load or anything starts: an early Ctrl+C is a clean stop like a late one.
      onShutdown(run.stop, {
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
      try {
        const config = configFrom(o);
        const demo = await run.track(
          (async () => {
            const { startDemo } = await import('../app/demo.js');
            return startDemo({ config, scenarioPath: o.scenario, exitWhenDone: o.exitWhenDone === true, signal: run.signal });
          })(),
        );
        if (signalled !== undefined) return;
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
  keepsSignals(demoCmd);

  const stationCmd = program
    .command('station')
    .description('run the station with its configured readers and broker')
    .option('--config <file>', 'station configuration (YAML)')
    .option('--data-dir <dir>', 'where the station database lives')
    .option('--port <n>', 'HTTP port')
    .action(async (o: CommonOpts) => {
      let signalled = false;
      const run = startable<StationApp>((app) => app.stop());
      onShutdown(run.stop, { onSignal: () => (signalled = true) });
      try {
        const cfg = configFrom(o);
        if (!cfg.mqtt.url) throw new StationError('CONFIG_NO_BROKER', 'mqtt.url is not set: name the broker HQ listens on (the demo command embeds one).');
        const brokerUrl = cfg.mqtt.url;
        const app = await run.track(
          (async () => {
            const { StationApp } = await import('../app/station-app.js');
            const started = new StationApp({ config: cfg, brokerUrl });
            await started.start();
            return started;
          })(),
        );
        if (signalled) return;
        process.stderr.write(`Returns Station ${cfg.site}/${cfg.station} is ready: open ${app.httpUrl}\n`);
      } catch (e) {
        if (signalled) return;
        fail(e);
      }
    });
  keepsSignals(stationCmd);
}
