/**
 * HQ side of the downlink: reads a rule set, catalog or expected-returns file, checks it as a station would, wraps
 * it in a versioned envelope, signs it (Ed25519) and publishes it retained with QoS 1 to
 * `returns/v1/{site}/{station|all}/{kind}`. See docs/sync.md, "Downlink".
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { ImportSource } from '../catalog/import.js';
import { StationError, errorMessage, isStationError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { loadRuleSet, loadRuleSetFile, type CompiledRuleSet } from '../rules/index.js';
import { buildClientOptions, type MqttSettings } from '../sync/connection.js';
import { dryRunDownlink, signEnvelope, type DownlinkEnvelope, type DownlinkKind } from '../sync/downlink/index.js';
import { topics } from '../sync/topics.js';

const log = createLogger('hq.downlink');

const readText = (file: string): string => {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new StationError('HQ_DOWNLINK_UNREADABLE', `Cannot read ${file}: ${errorMessage(e)}`, { details: { file } });
  }
};

const parseJson = (file: string, text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new StationError('HQ_DOWNLINK_BAD_JSON', `${file} is not valid JSON: ${errorMessage(e)}`, { details: { file } });
  }
};

/** The rule set a station decides with when its config names none (DEFAULT_RULES of src/app/station-app.ts). */
export const BUILT_IN_RULES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures/rules/default.yaml');

/**
 * The station's own checks (src/sync/downlink/content.ts, the code the station applies a message with), run here on
 * a throwaway database before anything is published. The station's refusal `DOWNLINK_X` becomes `HQ_DOWNLINK_X`
 * with the same message and details (bad rows by line), so what HQ refuses is exactly what a station would refuse.
 */
function stationCheck(kind: DownlinkKind, payload: object, file: string, rules: Pick<CompiledRuleSet, 'checkFacts'>): void {
  try {
    dryRunDownlink(kind, payload, file, { rules });
  } catch (e) {
    if (!isStationError(e) || !e.code.startsWith('DOWNLINK_')) throw e;
    throw new StationError(`HQ_${e.code}`, e.message, {
      ...(e.details ? { details: { file, ...e.details } } : { details: { file } }),
      hint: kind === 'returns' ? 'Nothing was published: the stations would refuse this file. Fix the rows named (a reason must be a value of the stations\' rule set: --rules names that set if it is not the built-in one) and publish again.' : 'Nothing was published: the stations would refuse this file. Fix it and publish again.',
      cause: e,
    });
  }
}

/**
 * The rule set whose reasons a returns file is checked against, as a station checks them against its active set:
 * `file` (--rules), else the built-in set the stations start with.
 */
export function factRules(file?: string): CompiledRuleSet {
  const path = file ?? BUILT_IN_RULES;
  const r = loadRuleSetFile(path);
  if (!r.ok) {
    const e = r.errors[0];
    throw new StationError('HQ_DOWNLINK_CHECK_RULES_INVALID', `The rule set ${path}, which the returns' reasons are checked against, cannot be used: ${e ? `${e.code} ${e.message}` : 'it does not load'}`, { details: { file: path } });
  }
  return r.ruleSet;
}

/** A rule set file (YAML or JSON) as the payload, refused here when a station would refuse it (invalid, golden cases). */
export function rulesPayload(file: string): object {
  const loaded = loadRuleSet(readText(file), file.endsWith('.json') ? 'json' : 'yaml');
  if (!loaded.ok) {
    const e = loaded.errors[0];
    throw new StationError('HQ_DOWNLINK_RULES_INVALID', `${file} is not a valid rule set: ${e ? `${e.code} ${e.message}` : 'unknown problem'}`, { details: { file, errors: loaded.errors.slice(0, 20) } });
  }
  // What is sent is the document as JSON: the station loads and activates exactly that.
  const payload = loaded.ruleSet.source as object;
  stationCheck('rules', payload, file, loaded.ruleSet);
  return payload;
}

/** Catalogs carry no facts: nothing to check against a rule set. */
const NO_FACT_CHECK: Pick<CompiledRuleSet, 'checkFacts'> = { checkFacts: () => ({ ok: true }) };

/** A catalog file in the format of fixtures/catalog/products.json (`{source?, products: […]}`, or a bare array). */
export function catalogPayload(file: string): object {
  const raw = parseJson(file, readText(file));
  // The file's own objects: stations apply defaults themselves, and the signature covers the original.
  const payload = Array.isArray(raw) ? { products: raw as unknown[] } : raw;
  if (payload === null || typeof payload !== 'object') throw new StationError('HQ_DOWNLINK_CATALOG_INVALID', `${file} is not a catalog: expected {"products": [...]} or an array of products.`, { details: { file } });
  stationCheck('catalog', payload, file, NO_FACT_CHECK);
  return payload;
}

export interface ReturnsPayloadOptions {
  /** The stations' rule set (a file, or compiled): reasons are checked against it. Default: the built-in set. */
  rules?: string | Pick<CompiledRuleSet, 'checkFacts'>;
}

/**
 * Expected returns from CSV or JSON (as `import returns` reads them), dry-run imported with the station's checks:
 * row shape and customer reasons against the stations' rule set. Any bad row refuses the file (HQ_DOWNLINK_RETURNS_INVALID).
 */
export function returnsPayload(file: string, o: ReturnsPayloadOptions = {}): ImportSource {
  const text = readText(file);
  let src: ImportSource;
  if (extname(file).toLowerCase() === '.json') {
    const raw = parseJson(file, text);
    const obj = raw as Record<string, unknown> | null;
    const rows = Array.isArray(raw) ? raw : (['rows', 'returns'].map((k) => obj?.[k]).find(Array.isArray) as unknown[] | undefined);
    if (!rows) throw new StationError('HQ_DOWNLINK_BAD_JSON', `${file}: expected an array of rows (or an object with "rows" or "returns").`);
    src = { format: 'json', rows };
  } else src = { format: 'csv', text };
  const rules = typeof o.rules === 'object' ? o.rules : factRules(o.rules);
  stationCheck('returns', src, file, rules);
  return src;
}

export interface BuildOptions {
  site: string;
  target: string;
  /** default: now in ms, so a later push is always newer */
  version?: number;
  issuedAt?: string;
  /** required for rule sets */
  privateKey?: KeyObject;
}

export function buildDownlink(kind: DownlinkKind, payload: object, o: BuildOptions): DownlinkEnvelope {
  const version = o.version ?? Date.now();
  if (!Number.isSafeInteger(version) || version < 1) throw new StationError('HQ_DOWNLINK_BAD_VERSION', `The version must be a positive whole number (got ${String(version)}).`);
  if (kind === 'rules' && !o.privateKey) {
    throw new StationError('HQ_DOWNLINK_NO_KEY', 'Rule sets must be signed: give HQ\'s private key with --key.', { hint: 'Make a key pair with `returns-station hq keygen --out <dir>`; stations need the .pub.pem as hq.publicKey.' });
  }
  const env = { kind, version, issuedAt: o.issuedAt ?? new Date().toISOString(), payload };
  // topics.downlink validates site and target (no / + #) before anything is signed.
  topics.downlink(o.site, o.target, kind);
  return o.privateKey ? signEnvelope(o.site, o.target, env, o.privateKey) : env;
}

export interface PublishOptions {
  url: string;
  site: string;
  target: string;
  kind: DownlinkKind;
  /** `protocolVersion` left out: MQTT 5, and MQTT 3.1.1 when the broker refuses 5 (see `protocolFallback`) */
  mqtt?: MqttSettings;
  timeoutMs?: number;
  /**
   * When the broker refuses MQTT 5 with "unacceptable protocol version" (an MQTT 3.1.1-only broker, such as the
   * embedded aedes broker of `demo` and `hq --embedded-broker`), publish again over MQTT 3.1.1. Default: only when
   * `mqtt.protocolVersion` is not given; a version asked for explicitly is kept, and its refusal names `--protocol`.
   */
  protocolFallback?: boolean;
}

/** CONNACK "unacceptable protocol version": return code 1 (MQTT 3.1.1) or reason code 0x84 (MQTT 5). */
const isProtocolRefusal = (e: unknown): boolean => {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 1 || code === 0x84;
};

/** CONNACK "bad user name or password" / "not authorized", in either protocol's numbering. */
const isAuthRefusal = (e: unknown): boolean => {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 4 || code === 5 || code === 0x86 || code === 0x87;
};

async function publishOnce(url: string, opts: IClientOptions, topic: string, payload: string, timeoutMs: number): Promise<void> {
  const client: MqttClient = mqtt.connect(url, opts);
  try {
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no answer from ${url} within ${timeoutMs} ms`)), timeoutMs);
      client.once('error', (e) => {
        clearTimeout(t);
        reject(e);
      });
      client.once('connect', () => {
        client.publish(topic, payload, { qos: 1, retain: true }, (err) => {
          clearTimeout(t);
          if (err) reject(err);
          else resolve();
        });
      });
    });
  } finally {
    await new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
  }
}

function publishFailed(e: unknown, topic: string, url: string, version: 4 | 5): StationError {
  if (isProtocolRefusal(e)) {
    const other = version === 5 ? 4 : 5;
    return new StationError('HQ_DOWNLINK_PROTOCOL_UNSUPPORTED', `Could not publish to ${topic}: the broker at ${url} does not accept MQTT ${version === 5 ? '5' : '3.1.1'} (${errorMessage(e)}).`, {
      hint: version === 5
        ? 'The broker speaks MQTT 3.1.1 only (the embedded broker of `returns-station demo` and `hq --embedded-broker` does): run again with --protocol 4.'
        : 'The broker speaks MQTT 5 only: run again with --protocol 5 (or without --protocol).',
      details: { url, protocol: version, try: `--protocol ${other}` },
      cause: e,
    });
  }
  const ne = e as NodeJS.ErrnoException | null;
  const hint = isAuthRefusal(e)
    ? 'The broker refused the login: check --username/--password (or the client certificate, --cert/--client-key).'
    : ne?.code === 'ECONNREFUSED' || ne?.code === 'ENOTFOUND' || ne?.code === 'EHOSTUNREACH'
      ? `Nothing answers at ${url}: check --broker and that the broker runs.`
      : 'Check --broker, the broker\'s credentials and TLS options (--ca, --cert, --client-key).';
  return new StationError('HQ_DOWNLINK_PUBLISH_FAILED', `Could not publish to ${topic} on ${url}: ${errorMessage(e)}`, { hint, cause: e });
}

/**
 * Publishes retained, QoS 1, and resolves after the broker's PUBACK; `null` clears the retained message.
 * `protocolVersion` is the MQTT version the message went out with (4 after a fallback).
 */
export async function publishDownlink(env: DownlinkEnvelope | null, o: PublishOptions): Promise<{ topic: string; bytes: number; protocolVersion: 4 | 5 }> {
  const topic = topics.downlink(o.site, o.target, o.kind);
  const payload = env === null ? '' : JSON.stringify(env);
  const timeoutMs = o.timeoutMs ?? 10_000;
  const asked = o.mqtt?.protocolVersion;
  const fallback = o.protocolFallback ?? asked === undefined;
  const optionsFor = (version: 4 | 5): IClientOptions => {
    const opts = buildClientOptions({ ...o.mqtt, protocolVersion: version }, `hq-downlink-${process.pid}-${Date.now().toString(36)}`, { topic: 'unused', payload: '' });
    // A one-shot publisher has nothing to announce when it goes away.
    delete opts.will;
    return opts;
  };
  let version: 4 | 5 = asked === 4 ? 4 : 5;
  try {
    await publishOnce(o.url, optionsFor(version), topic, payload, timeoutMs);
  } catch (e) {
    if (!(version === 5 && fallback && isProtocolRefusal(e))) throw publishFailed(e, topic, o.url, version);
    log.info({ url: o.url }, 'the broker refused MQTT 5; publishing over MQTT 3.1.1');
    version = 4;
    try {
      await publishOnce(o.url, optionsFor(version), topic, payload, timeoutMs);
    } catch (e4) {
      throw publishFailed(e4, topic, o.url, version);
    }
  }
  log.info({ topic, version: env?.version, bytes: Buffer.byteLength(payload), protocolVersion: version }, env ? 'downlink published' : 'downlink cleared');
  return { topic, bytes: Buffer.byteLength(payload), protocolVersion: version };
}

/** An Ed25519 key pair for signing downlinks: `<name>.key.pem` (private, mode 0600) and `<name>.pub.pem`. */
export function generateDownlinkKeys(outDir: string, name = 'hq-downlink', overwrite = false): { privateKey: string; publicKey: string } {
  const privatePath = join(outDir, `${name}.key.pem`);
  const publicPath = join(outDir, `${name}.pub.pem`);
  if (!overwrite && (existsSync(privatePath) || existsSync(publicPath))) {
    throw new StationError('HQ_KEY_EXISTS', `${privatePath} or ${publicPath} already exists; a new key would lock out every station configured with the old one.`, { hint: 'Choose another --out folder or --name.' });
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(privatePath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  chmodSync(privatePath, 0o600);
  writeFileSync(publicPath, publicKey.export({ type: 'spki', format: 'pem' }));
  return { privateKey: privatePath, publicKey: publicPath };
}
