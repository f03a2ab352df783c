import { join } from 'node:path';
import type { Command } from 'commander';
import { startDemo } from '../app/demo.js';
import { PACKAGE_ROOT, StationApp } from '../app/station-app.js';
import { loadConfigFile } from '../config/load.js';
import type { StationConfig } from '../config/schema.js';
import { errorMessage, isStationError } from '../core/errors.js';
import { createLogger, setLogLevel } from '../core/logger.js';

const log = createLogger('cli');
const DEFAULT_SCENARIO = join(PACKAGE_ROOT, 'fixtures/scenarios/demo-shift.json');

interface CommonOpts {
  config?: string;
  dataDir?: string;
  port?: string;
}

function configFrom(o: CommonOpts): StationConfig {
  const cfg = loadConfigFile(o.config);
  if (o.dataDir) cfg.dataDir = o.dataDir;
  if (o.port !== undefined) cfg.http.port = Number(o.port);
  return cfg;
}

/** Ctrl+C and SIGTERM stop every component in order (ports closed, database closed) before the process exits. */
function onShutdown(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (sig: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ sig }, 'shutting down');
    const hard = setTimeout(() => process.exit(1), 10_000);
    hard.unref();
    stop().then(
      () => process.exit(0),
      (e: unknown) => {
        log.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => handler('SIGINT'));
  process.once('SIGTERM', () => handler('SIGTERM'));
}

export function fail(e: unknown): never {
  const msg = isStationError(e) ? `${e.code}: ${e.message}${e.hint ? `\n  hint: ${e.hint}` : ''}` : errorMessage(e);
  process.stderr.write(`returns-station: ${msg}\n`);
  process.exit(isStationError(e) && e.code.startsWith('CONFIG') ? 2 : 1);
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('run a whole station end to end: emulated reader, embedded broker, HQ ingest, web UI and a scenario')
    .option('--scenario <file>', 'scenario of returned items (JSON)', DEFAULT_SCENARIO)
    .option('--config <file>', 'station configuration (YAML); every key has a default')
    .option('--data-dir <dir>', 'where the station and HQ databases live (default ./data)')
    .option('--port <n>', 'HTTP port of the web UI (0 = any free port)')
    .option('--exit-when-done', 'exit once every event of the scenario is confirmed by HQ')
    .option('--json', 'print one JSON summary on stdout (with --exit-when-done)')
    .action(async (o: CommonOpts & { scenario: string; exitWhenDone?: boolean; json?: boolean }) => {
      if (o.json) setLogLevel(process.env.LOG_LEVEL ?? 'warn');
      try {
        const demo = await startDemo({ config: configFrom(o), scenarioPath: o.scenario, exitWhenDone: o.exitWhenDone === true });
        onShutdown(demo.stop);
        if (!o.json) process.stderr.write(`\nReturns Station demo is ready: open ${demo.url}\n(station database ${demo.station.dbPath}; Ctrl+C stops)\n\n`);
        const summary = await demo.done;
        if (o.exitWhenDone) {
          if (o.json) process.stdout.write(JSON.stringify(summary) + '\n');
          else process.stderr.write(`scenario done: ${JSON.stringify(summary)}\n`);
          await demo.stop();
          process.exit(summary.eventsAtHq === summary.eventsEmitted ? 0 : 1);
        } else {
          process.stderr.write(`scenario fed: ${summary.items} items decided, ${summary.rejected} refused; the station keeps running, scan more at ${demo.url}\n`);
        }
      } catch (e) {
        fail(e);
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
        if (!cfg.mqtt.url) throw Object.assign(new Error('mqtt.url is not set: name the broker HQ listens on (the demo command embeds one)'));
        const app = new StationApp({ config: cfg, brokerUrl: cfg.mqtt.url });
        await app.start();
        onShutdown(() => app.stop());
        process.stderr.write(`Returns Station ${cfg.site}/${cfg.station} is ready: open ${app.httpUrl}\n`);
      } catch (e) {
        fail(e);
      }
    });
}
