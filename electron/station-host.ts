import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StationConfig } from '../src/config/schema.js';
import type { KioskAlert, StationHandle } from './modules/types.js';

export interface HostArgs {
  config?: string | undefined;
  dataDir?: string | undefined;
  demo: boolean;
}

/** Our flags among Chromium's: `--config <file>` or `--config=<file>`, `--data-dir`, `--demo`; env as fallback. */
export function parseHostArgs(argv: string[], env: Record<string, string | undefined>): HostArgs {
  const value = (name: string): string | undefined => {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i] ?? '';
      if (a === `--${name}`) return argv[i + 1];
      if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
    }
    return undefined;
  };
  return {
    config: value('config') ?? env.RETURNS_STATION_CONFIG,
    dataDir: value('data-dir') ?? env.RETURNS_STATION_DATA_DIR,
    demo: argv.includes('--demo') || env.RETURNS_STATION_DEMO === '1',
  };
}

/**
 * The address the kiosk opens: always this machine. A wildcard bind (0.0.0.0, ::) is reached on 127.0.0.1, so the
 * kiosk's requests stay loopback requests (no sign-in needed at the dock, see src/server/auth).
 */
export function kioskUrl(http: Pick<StationConfig['http'], 'host' | 'tls'>, port: number): string {
  const scheme = http.tls ? 'https' : 'http';
  const h = http.host;
  const host = h === '0.0.0.0' || h === '::' || h === '' ? '127.0.0.1' : h.includes(':') ? `[${h}]` : h;
  return `${scheme}://${host}:${port}`;
}

/**
 * Runs the station in the shell's own process (so quitting the kiosk closes ports and the database in order).
 * Imported lazily: nothing opens a device or the database before the single-instance lock is held.
 */
export async function startStation(args: HostArgs): Promise<StationHandle> {
  const { loadConfigFile } = await import('../src/config/load.js');
  const { StationApp, PACKAGE_ROOT } = await import('../src/app/station-app.js');
  const { createLogger } = await import('../src/core/logger.js');
  const log = createLogger('kiosk');
  const cfg = loadConfigFile(args.config);
  if (args.dataDir) cfg.dataDir = args.dataDir;

  let app: InstanceType<typeof StationApp>;
  let stop: () => Promise<void>;
  if (args.demo || !cfg.mqtt.url) {
    if (!args.demo) log.warn({}, 'mqtt.url is not set: running the demo (embedded broker and HQ)');
    const { startDemo } = await import('../src/app/demo.js');
    const demo = await startDemo({ config: cfg, scenarioPath: join(PACKAGE_ROOT, 'fixtures/scenarios/demo-shift.json'), exitWhenDone: false });
    demo.done.catch((e: unknown) => log.error({ err: e }, 'demo scenario failed'));
    app = demo.station;
    stop = () => demo.stop();
  } else {
    app = new StationApp({ config: cfg, brokerUrl: cfg.mqtt.url });
    await app.start();
    stop = () => app.stop();
  }
  const addr = app.http?.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : cfg.http.port;
  return {
    url: kioskUrl(cfg.http, port),
    certificatePem: cfg.http.tls ? readFileSync(cfg.http.tls.cert, 'utf8') : undefined,
    stop,
    alert: (a: KioskAlert) => {
      log.error({ alert: a }, a.message);
      // The metrics topic reaches HQ today; a dedicated alerts topic belongs to the sync layer's topic map.
      app.publisher?.publishMetric({ kind: 'alert', source: 'kiosk', site: cfg.site, station: cfg.station, ...a });
    },
  };
}
