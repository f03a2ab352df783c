/**
 * `returns-station hq publish-rules|publish-catalog|publish-returns <file>` and `hq keygen`: HQ pushes signed,
 * versioned data down to stations (docs/sync.md, Downlink).
 */
import type { Command } from 'commander';
import { StationError } from '../core/errors.js';
import { BROKER_URL_EXAMPLE, brokerUrlProblem } from '../config/broker-url.js';
import { EXIT_USAGE, asStationError, badOption, printError } from './errors.js';

interface PublishOpts {
  site?: string;
  target?: string;
  broker: string;
  key?: string;
  version?: string;
  clear?: boolean;
  /** left out: MQTT 5, falling back to 3.1.1 when the broker refuses 5 */
  protocol?: string;
  /** publish-returns: the stations' rule set, whose reasons the rows are checked against */
  rules?: string;
  username?: string;
  password?: string;
  ca?: string;
  cert?: string;
  clientKey?: string;
  json?: boolean;
}

const NAME = /^[A-Za-z0-9_-]+$/;

function fail(e: unknown, json: boolean): never {
  const se = asStationError(e, 'HQ_DOWNLINK_FAILED');
  printError(se, json);
  process.exit(se.code === 'CLI_BAD_OPTION' ? EXIT_USAGE : 1);
}

/** Every option checked before a file is read or a broker contacted: a typo is one line naming the option. */
export function checkPublishOptions(o: PublishOpts): { site: string; target: string; version?: number; protocolVersion?: 4 | 5 } {
  if (!o.site || !NAME.test(o.site)) throw badOption('--site', o.site ?? '', 'the site id of the stations (letters, digits, - and _)');
  if (!o.target || !NAME.test(o.target)) throw badOption('--target', o.target ?? '', 'a station id or all');
  if (brokerUrlProblem(o.broker) !== undefined) throw badOption('--broker', o.broker, BROKER_URL_EXAMPLE);
  if (o.protocol !== undefined && o.protocol !== '4' && o.protocol !== '5') throw badOption('--protocol', o.protocol, ['4', '5']);
  const out: { site: string; target: string; version?: number; protocolVersion?: 4 | 5 } = { site: o.site, target: o.target };
  if (o.protocol !== undefined) out.protocolVersion = o.protocol === '4' ? 4 : 5;
  if (o.version !== undefined) {
    const v = /^\d+$/.test(o.version) ? Number(o.version) : Number.NaN;
    if (!Number.isSafeInteger(v) || v < 1) throw badOption('--version', o.version, 'a positive whole number, higher than the last one pushed (default: the time in ms)');
    out.version = v;
  }
  return out;
}

export function registerDownlink(hq: Command): void {
  for (const kind of ['rules', 'catalog', 'returns'] as const) {
    const what = { rules: 'a rule set (YAML or JSON; signed, --key required)', catalog: 'products (JSON, as fixtures/catalog/products.json)', returns: 'expected returns (CSV or JSON, as `import returns` reads them)' }[kind];
    const cmd = hq.command(`publish-${kind} [file]`)
      .description(`publish ${what} to stations: retained, QoS 1, versioned, on returns/v1/<site>/<target>/${kind}`)
      .requiredOption('--site <site>', 'site id')
      .requiredOption('--target <station|all>', 'one station id, or all')
      .option('--broker <url>', 'MQTT broker URL', 'mqtt://127.0.0.1:1883')
      .option('--key <pem>', "HQ's Ed25519 private key file (hq keygen); required for rules, signs the others too")
      .option('--version <n>', 'downlink version (default: now in ms); stations apply only a higher one')
      .option('--clear', 'remove the retained message instead (no file); stations keep what they applied')
      .option('--protocol <4|5>', 'MQTT protocol version (default: 5, and 3.1.1 if the broker refuses 5)')
      .option('--username <u>')
      .option('--password <p>')
      .option('--ca <pem>', 'CA certificate file for TLS')
      .option('--cert <pem>', 'client certificate file')
      .option('--client-key <pem>', 'client key file (TLS; not the signing key)')
      .option('--json', 'result and errors as one JSON line on stdout');
    if (kind === 'returns') cmd.option('--rules <file>', "the stations' rule set: the rows' reasons are checked against it (default: the built-in set)");
    cmd.action(async (file: string | undefined, o: PublishOpts) => {
      const json = o.json === true;
      try {
        const c = checkPublishOptions(o);
        if (!o.clear && !file) throw new StationError('CLI_BAD_OPTION', `publish-${kind} needs a file (or --clear).`);
        const d = await import('../hq/downlink.js');
        const { readPrivateKey } = await import('../sync/downlink/index.js');
        const mqttSettings = {
          ...(c.protocolVersion !== undefined ? { protocolVersion: c.protocolVersion } : {}),
          ...(o.username ? { username: o.username } : {}),
          ...(o.password ? { password: o.password } : {}),
          ...(o.ca ? { ca: o.ca } : {}),
          ...(o.cert ? { cert: o.cert } : {}),
          ...(o.clientKey ? { key: o.clientKey } : {}),
        };
        let env = null;
        if (!o.clear && file) {
          const payload = kind === 'rules' ? d.rulesPayload(file) : kind === 'catalog' ? d.catalogPayload(file) : d.returnsPayload(file, o.rules !== undefined ? { rules: o.rules } : {});
          env = d.buildDownlink(kind, payload, {
            site: c.site,
            target: c.target,
            ...(c.version !== undefined ? { version: c.version } : {}),
            ...(o.key ? { privateKey: readPrivateKey(o.key, '--key') } : {}),
          });
        }
        const r = await d.publishDownlink(env, { url: o.broker, site: c.site, target: c.target, kind, mqtt: mqttSettings });
        const result = { ok: true, topic: r.topic, kind, version: env?.version ?? null, signed: env?.signature !== undefined, bytes: r.bytes, cleared: env === null, protocol: r.protocolVersion };
        const fellBack = c.protocolVersion === undefined && r.protocolVersion === 4 ? ' (MQTT 3.1.1: the broker refused MQTT 5)' : '';
        process.stdout.write(json ? `${JSON.stringify(result)}\n` : `${env ? `published ${kind} version ${env.version}${result.signed ? ' (signed)' : ''}` : 'cleared'} on ${r.topic}${fellBack}\n`);
      } catch (e) {
        fail(e, json);
      }
    });
  }
  hq.command('keygen')
    .description("make HQ's Ed25519 key pair for signing downlinks: <name>.key.pem (keep at HQ) and <name>.pub.pem (hq.publicKey on stations)")
    .requiredOption('--out <dir>', 'folder to write the two files into')
    .option('--name <name>', 'file name stem', 'hq-downlink')
    .option('--json', 'paths as one JSON line on stdout')
    .action(async (o: { out: string; name: string; json?: boolean }) => {
      const json = o.json === true;
      try {
        if (!/^[A-Za-z0-9._-]+$/.test(o.name)) throw badOption('--name', o.name, 'letters, digits, . - _');
        const { generateDownlinkKeys } = await import('../hq/downlink.js');
        const k = generateDownlinkKeys(o.out, o.name);
        process.stdout.write(json ? `${JSON.stringify({ ok: true, ...k })}\n` : `private key (keep at HQ): ${k.privateKey}\npublic key (hq.publicKey on stations): ${k.publicKey}\n`);
      } catch (e) {
        fail(e, json);
      }
    });
}
