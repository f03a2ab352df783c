import type { Command } from 'commander';
import { errorMessage } from '../core/errors.js';
import { createLogger } from '../core/logger.js';

const log = createLogger('cli:hq');

interface HqCliOptions {
  broker: string;
  db: string;
  schema?: string;
  shared?: string | boolean;
  worker: string;
  embeddedBroker?: string;
  stations?: boolean;
  protocol: string;
  username?: string;
  password?: string;
  ca?: string;
  cert?: string;
  key?: string;
}

/** `returns-station hq`: HQ ingest (SQLite by default, `--db postgres://…` for PostgreSQL). */
export function register(program: Command): void {
  program
    .command('hq')
    .description('run HQ ingest: receive every station\'s EPCIS events over MQTT, de-duplicate, store, confirm receipt')
    .option('--broker <url>', 'MQTT broker URL (mqtt:// or mqtts://)', 'mqtt://127.0.0.1:1883')
    .option('--db <path|url>', 'SQLite file, or postgres://… for PostgreSQL', 'data/hq.db')
    .option('--schema <name>', 'PostgreSQL schema for HQ tables')
    .option('--shared [group]', 'join the MQTT shared subscription $share/<group>/… (several workers split the load)')
    .option('--worker <id>', 'this worker\'s id (its MQTT session is persistent and named after it)', 'hq-1')
    .option('--embedded-broker <port>', 'also run the embedded broker on this port (first run / demo only)')
    .option('--protocol <4|5>', 'MQTT protocol version (5; 4 = 3.1.1, which the embedded broker speaks)', '5')
    .option('--username <u>')
    .option('--password <p>')
    .option('--ca <pem>', 'CA certificate file for TLS')
    .option('--cert <pem>', 'client certificate file')
    .option('--key <pem>', 'client key file')
    .option('--stations', 'print the stations view (JSON) and exit')
    .action(async (o: HqCliOptions) => {
      const { HqIngest, PgHqStore, SqliteHqStore } = await import('../hq/index.js');
      const pg = /^postgres(ql)?:\/\//.test(o.db);
      if (o.stations) {
        const store = pg ? new PgHqStore(o.db, o.schema ? { schema: o.schema } : {}) : new SqliteHqStore(o.db);
        await store.init();
        process.stdout.write(JSON.stringify({ stations: await store.stations(), eventsPerHour: await store.eventsPerHour(24) }, null, 2) + '\n');
        await store.close();
        return;
      }
      let closeBroker: (() => Promise<void>) | undefined;
      let url = o.broker;
      if (o.embeddedBroker) {
        const { startEmbeddedBroker } = await import('../sync/broker.js');
        const b = await startEmbeddedBroker({ port: Number(o.embeddedBroker) });
        closeBroker = b.close;
        url = b.url;
      }
      const protocolVersion = o.embeddedBroker ? 4 : o.protocol === '4' ? 4 : 5;
      const mqtt = {
        protocolVersion: protocolVersion as 4 | 5,
        ...(o.username ? { username: o.username } : {}),
        ...(o.password ? { password: o.password } : {}),
        ...(o.ca ? { ca: o.ca } : {}),
        ...(o.cert ? { cert: o.cert } : {}),
        ...(o.key ? { key: o.key } : {}),
      };
      const hq = new HqIngest({
        url,
        ...(pg ? { postgresUrl: o.db, ...(o.schema ? { postgresSchema: o.schema } : {}) } : { dbPath: o.db }),
        workerId: o.worker,
        ...(o.shared ? { shared: o.shared === true ? true : o.shared } : {}),
        mqtt,
      });
      try {
        await hq.start();
      } catch (e) {
        log.error({ err: errorMessage(e) }, 'HQ could not start');
        process.exitCode = 1;
        return;
      }
      log.info({ url, db: pg ? 'postgres' : o.db, worker: o.worker, shared: o.shared ?? false }, 'HQ ingest running');
      const timer = setInterval(() => log.info(hq.stats(), 'HQ ingest'), 60_000);
      const stop = (): void => {
        clearInterval(timer);
        void hq.stop().then(async () => {
          await closeBroker?.();
          process.exit(0);
        });
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
