/**
 * HQ side of the downlink: reads a rule set, catalog or expected-returns file, checks it as a station would, wraps
 * it in a versioned envelope, signs it (Ed25519) and publishes it retained with QoS 1 to
 * `returns/v1/{site}/{station|all}/{kind}`. See docs/sync.md, "Downlink".
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { z } from 'zod';
import { productRowSchema } from '../catalog/catalog.js';
import { importReturns, type ImportSource } from '../catalog/import.js';
import { StationError, errorMessage } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { loadRuleSet, RuleRegistry } from '../rules/index.js';
import { openStationDb } from '../store/index.js';
import { buildClientOptions, type MqttSettings } from '../sync/connection.js';
import { signEnvelope, type DownlinkEnvelope, type DownlinkKind } from '../sync/downlink/index.js';
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

/** A rule set file (YAML or JSON) as the payload, refused here when a station would refuse it (invalid, golden cases). */
export function rulesPayload(file: string): object {
  const loaded = loadRuleSet(readText(file), file.endsWith('.json') ? 'json' : 'yaml');
  if (!loaded.ok) {
    const e = loaded.errors[0];
    throw new StationError('HQ_DOWNLINK_RULES_INVALID', `${file} is not a valid rule set: ${e ? `${e.code} ${e.message}` : 'unknown problem'}`, { details: { errors: loaded.errors.slice(0, 20) } });
  }
  const act = new RuleRegistry().activate(loaded.ruleSet);
  if (!act.ok) {
    throw new StationError('HQ_DOWNLINK_RULES_GOLDEN_FAILED', `${file} would be refused by the stations: ${act.errors[0]?.message ?? 'its golden cases fail'}`, { details: { errors: act.errors.slice(0, 20) } });
  }
  return loaded.ruleSet.source as object;
}

const catalogFile = z.object({ source: z.string().optional(), products: z.array(productRowSchema).min(1, 'at least one product') }).strict();

/** A catalog file in the format of fixtures/catalog/products.json (`{source?, products: […]}`). */
export function catalogPayload(file: string): object {
  const raw = parseJson(file, readText(file));
  const p = catalogFile.safeParse(Array.isArray(raw) ? { products: raw } : raw);
  if (!p.success) {
    const i = p.error.issues[0];
    throw new StationError('HQ_DOWNLINK_CATALOG_INVALID', `${file} is not a valid catalog at ${i?.path.join('.') || '(top level)'}: ${i?.message ?? 'invalid'}`);
  }
  // The file's own objects, not zod's output: stations apply defaults themselves, and the signature covers the original.
  return Array.isArray(raw) ? { products: raw as unknown[] } : (raw as object);
}

/** Expected returns from CSV or JSON (as `import returns` reads them), checked by a dry-run import. */
export function returnsPayload(file: string): ImportSource {
  const text = readText(file);
  let src: ImportSource;
  if (extname(file).toLowerCase() === '.json') {
    const raw = parseJson(file, text);
    const obj = raw as Record<string, unknown> | null;
    const rows = Array.isArray(raw) ? raw : (['rows', 'returns'].map((k) => obj?.[k]).find(Array.isArray) as unknown[] | undefined);
    if (!rows) throw new StationError('HQ_DOWNLINK_BAD_JSON', `${file}: expected an array of rows (or an object with "rows" or "returns").`);
    src = { format: 'json', rows };
  } else src = { format: 'csv', text };
  // The station refuses a push with any bad row; a dry run into a throwaway database finds them before publishing.
  const sdb = openStationDb(':memory:', { skipQuickCheck: true });
  try {
    const r = importReturns(sdb.db, src);
    if (r.errors.length + r.errorsTruncated > 0) {
      const e = r.errors[0];
      throw new StationError('HQ_DOWNLINK_RETURNS_INVALID', `${file} has ${r.errors.length + r.errorsTruncated} bad row(s); first: line ${e?.line ?? '?'}: ${e?.message ?? ''}`, { details: { errors: r.errors.slice(0, 20) } });
    }
  } finally {
    sdb.close();
  }
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
  mqtt?: MqttSettings;
  timeoutMs?: number;
}

/** Publishes retained, QoS 1, and resolves after the broker's PUBACK; `null` clears the retained message. */
export async function publishDownlink(env: DownlinkEnvelope | null, o: PublishOptions): Promise<{ topic: string; bytes: number }> {
  const topic = topics.downlink(o.site, o.target, o.kind);
  const payload = env === null ? '' : JSON.stringify(env);
  const opts = buildClientOptions({ protocolVersion: 5, ...o.mqtt }, `hq-downlink-${process.pid}-${Date.now().toString(36)}`, { topic: 'unused', payload: '' });
  // A one-shot publisher has nothing to announce when it goes away.
  delete opts.will;
  const client: MqttClient = mqtt.connect(o.url, opts);
  try {
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no answer from ${o.url} within ${o.timeoutMs ?? 10_000} ms`)), o.timeoutMs ?? 10_000);
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
  } catch (e) {
    throw new StationError('HQ_DOWNLINK_PUBLISH_FAILED', `Could not publish to ${topic} on ${o.url}: ${errorMessage(e)}`, { hint: 'Check --broker and the broker\'s credentials.', cause: e });
  } finally {
    await new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
  }
  log.info({ topic, version: env?.version, bytes: Buffer.byteLength(payload) }, env ? 'downlink published' : 'downlink cleared');
  return { topic, bytes: Buffer.byteLength(payload) };
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
