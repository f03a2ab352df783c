import type { Command } from 'commander';
import { StationError, errorMessage } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { dbFileKind, isHqTables, isStationTables } from '../store/db-file.js';
import { BROKER_URL_EXAMPLE, brokerUrlProblem } from '../config/broker-url.js';
import { EXIT_USAGE, asStationError, badOption, portOption, printError } from './errors.js';
import { registerDownlink } from './hq-downlink.js';

const log = createLogger('cli:hq');

interface HqCliOptions {
  broker: string;
  db: string;
  schema?: string;
  shared?: string | boolean;
  worker: string;
  embeddedBroker?: string;
  stations?: boolean;
  hours: string;
  json?: boolean;
  protocol: string;
  username?: string;
  password?: string;
  ca?: string;
  cert?: string;
  key?: string;
}

/** One line (JSON on stdout with --json), never a stack trace; usage errors exit 2, anything else 1. */
function fail(e: unknown, json: boolean): never {
  const se = asStationError(e, 'HQ_FAILED');
  printError(se, json);
  process.exit(se.code === 'CLI_BAD_OPTION' ? EXIT_USAGE : 1);
}

const isPg = (db: string): boolean => /^postgres(ql)?:\/\//.test(db);

/**
 * Checks every option before anything is opened, so a typo is one line naming the option (exit 2) instead of a
 * stack trace from deep inside net, pg or MQTT.js, or an HQ that silently runs with another setting.
 */
export function checkHqOptions(o: HqCliOptions): { protocolVersion: 4 | 5; embeddedPort?: number; hours: number } {
  if (o.protocol !== '4' && o.protocol !== '5') throw badOption('--protocol', o.protocol, ['4', '5']);
  if (brokerUrlProblem(o.broker) !== undefined) throw badOption('--broker', o.broker, BROKER_URL_EXAMPLE);
  if (o.schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(o.schema)) throw badOption('--schema', o.schema, 'a PostgreSQL schema name (lower-case letters, digits, _)');
  if (o.schema !== undefined && !isPg(o.db)) throw badOption('--schema', o.schema, 'only together with --db postgres://…');
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(o.worker)) throw badOption('--worker', o.worker, 'letters, digits, . - _ (it names the MQTT session)');
  if (typeof o.shared === 'string' && !/^[A-Za-z0-9._-]{1,64}$/.test(o.shared)) throw badOption('--shared', o.shared, 'a group name of letters, digits, . - _');
  const hours = /^\d+$/.test(o.hours) ? Number(o.hours) : Number.NaN;
  if (!Number.isInteger(hours) || hours < 1 || hours > 24 * 366) throw badOption('--hours', o.hours, 'a whole number of hours from 1 to 8784');
  const out: { protocolVersion: 4 | 5; embeddedPort?: number; hours: number } = { protocolVersion: o.protocol === '4' ? 4 : 5, hours };
  if (o.embeddedBroker !== undefined) {
    out.embeddedPort = portOption('--embedded-broker', o.embeddedBroker);
    out.protocolVersion = 4; // aedes speaks MQTT 3.1.1 only
  }
  return out;
}

/** A database HQ cannot open or reach, as a typed error a person can act on (the raw pg/SQLite error is the cause). */
function storeError(e: unknown, db: string): StationError {
  if (e instanceof StationError) return e;
  const where = isPg(db) ? db.replace(/\/\/[^@/]*@/, '//…@') : db; // never print a password from the URL
  return new StationError('HQ_DB_UNAVAILABLE', `HQ's database ${where} could not be opened: ${errorMessage(e)}`, {
    hint: isPg(db)
      ? 'Check that PostgreSQL runs, and the host, port, user and database in --db.'
      : /not a database|encrypted|malformed/i.test(errorMessage(e))
        ? HQ_DB_HINT
        : 'Check that the folder exists and is writable.',
    cause: e,
  });
}

const HQ_DB_HINT = 'Give the file HQ ingest writes (--db, default data/hq.db); a station\'s own database is data/station.db on the station.';

/**
 * A SQLite file given as HQ's database is checked before HQ opens it (opening creates the hq_* tables): a file that is
 * not a database, or a database of something else (a station's, with its items and outbox), is refused unchanged.
 * The view (`--stations`) also needs hq_events; ingest may start on a missing, empty or table-less file.
 */
export function checkHqDbFile(path: string, forView: boolean): void {
  const k = dbFileKind(path);
  if (k.kind === 'missing') {
    // A view must not create an empty database where the operator mistyped the path.
    if (forView) throw new StationError('HQ_DB_NOT_FOUND', `There is no HQ database at ${path}.`, { hint: HQ_DB_HINT });
    return;
  }
  if (k.kind === 'not-sqlite' || (k.kind === 'empty' && forView)) {
    const why = k.kind === 'empty' ? 'the file is empty' : k.why;
    throw new StationError('HQ_DB_NOT_DATABASE', `${path} is not a database (${why}); nothing was changed.`, { hint: HQ_DB_HINT, details: { path } });
  }
  if (k.kind !== 'sqlite' || isHqTables(k.tables)) return;
  if (isStationTables(k.tables)) {
    throw new StationError('HQ_DB_IS_STATION', `${path} is a station's database, not HQ's; nothing was changed.`, { hint: HQ_DB_HINT, details: { path } });
  }
  if (forView || k.tables.length > 0) {
    throw new StationError('HQ_DB_NOT_HQ', `${path} is a database, but not HQ's (it has no hq_events table); nothing was changed.`, { hint: HQ_DB_HINT, details: { path, tables: k.tables.slice(0, 20) } });
  }
}

/** `returns-station hq`: HQ ingest (SQLite by default, `--db postgres://…` for PostgreSQL). */
export function register(program: Command): void {
  // Positional options on the program and on `hq`: after `hq publish-rules`, --key/--broker/--json belong to the
  // subcommand, not to ingest's options of the same name. The program itself has no options, so nothing else changes.
  program.enablePositionalOptions();
  const hq = program.command('hq').enablePositionalOptions();
  // Subcommands (publish-rules …, keygen) are matched first; a plain `hq --broker …` still runs ingest below.
  registerDownlink(hq);
  hq
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
    .option('--stations', 'print the HQ views (stations: last contact, receipt, backlog, numbers skipped by reason such as blocked_oversize; events per hour; workload compared across stations; each station\'s answer to the last downlinks) as JSON and exit')
    .option('--hours <n>', 'with --stations: hours of events per hour', '24')
    .option('--json', 'errors as one JSON line on stdout')
    .action(async (o: HqCliOptions) => {
      const json = o.json === true;
      let checked: ReturnType<typeof checkHqOptions>;
      try {
        checked = checkHqOptions(o);
      } catch (e) {
        fail(e, json);
      }
      const { HqIngest, PgHqStore, SqliteHqStore, downlinkAckViews } = await import('../hq/index.js');
      const pg = isPg(o.db);
      if (o.stations) {
        if (!pg) {
          try {
            checkHqDbFile(o.db, true);
          } catch (e) {
            fail(e, json);
          }
        }
        const store = pg ? new PgHqStore(o.db, o.schema ? { schema: o.schema } : {}) : new SqliteHqStore(o.db, { checkpointer: false });
        try {
          await store.init();
          const { workloadComparison } = await import('../hq/workload.js');
          // workload: each station's latest aggregated figures compared across stations (issue 10); downlinks: what
          // each station last answered to each rule/catalog/returns push (applied, or refused with the reason).
          const view = {
            // The station's retained status message is JSON: shown as an object, not as a string inside the JSON.
            stations: (await store.stations()).map((st) => ({ ...st, status: parseStatus(st.status) })),
            eventsPerHour: await store.eventsPerHour(checked.hours),
            workload: workloadComparison(await store.workloadMetrics()),
            downlinks: downlinkAckViews(await store.downlinkAcks()),
          };
          process.stdout.write(JSON.stringify(view, null, 2) + '\n');
        } catch (e) {
          await store.close().catch(() => undefined);
          fail(storeError(e, o.db), json);
        }
        await store.close();
        return;
      }
      if (!pg) {
        try {
          checkHqDbFile(o.db, false);
        } catch (e) {
          fail(e, json);
        }
      }
      let closeBroker: (() => Promise<void>) | undefined;
      let url = o.broker;
      if (checked.embeddedPort !== undefined) {
        const { startEmbeddedBroker } = await import('../sync/broker.js');
        try {
          const b = await startEmbeddedBroker({ port: checked.embeddedPort });
          closeBroker = b.close;
          url = b.url;
        } catch (e) {
          fail(e, json);
        }
      }
      const mqtt = {
        protocolVersion: checked.protocolVersion,
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
        await closeBroker?.();
        fail(e instanceof StationError ? e : storeError(e, o.db), json);
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

function parseStatus(s: string | null): unknown {
  if (s === null) return null;
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return s;
  }
}
