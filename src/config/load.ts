import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { ZodError } from 'zod';
import { StationError } from '../core/errors.js';
import { configSchema, type StationConfig } from './schema.js';

/** Turns zod's issues into lines that name the key, e.g. `readers[0].baudRate: expected number, got string`. */
export function describeConfigIssues(error: ZodError): string[] {
  return error.issues.map((issue) => {
    const key = issue.path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)), '');
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((k) => (key ? `${key}.${k}` : k)).join(', ');
      return `${keys}: unknown setting (check the spelling)`;
    }
    return `${key || '(top level)'}: ${issue.message}`;
  });
}

export function parseConfig(raw: unknown, origin = 'config'): StationConfig {
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) {
    const lines = describeConfigIssues(result.error);
    throw new StationError('CONFIG_INVALID', `${origin} has ${lines.length} problem(s):\n  ${lines.join('\n  ')}`, {
      hint: 'Fix the named keys; every key is optional and has a default.',
      details: { issues: lines },
    });
  }
  return result.data;
}

export function loadConfigFile(path: string | undefined): StationConfig {
  if (!path) return parseConfig({});
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new StationError('CONFIG_UNREADABLE', `Cannot read the configuration file ${path}`, { cause: e, hint: 'Check the path given with --config.' });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    const where = e instanceof YAMLParseError && e.linePos ? ` at line ${e.linePos[0].line}` : '';
    throw new StationError('CONFIG_NOT_YAML', `${path} is not valid YAML${where}`, { cause: e });
  }
  const cfg = resolvePaths(parseConfig(raw, path), dirname(path));
  checkConfigFiles(cfg);
  return cfg;
}

/** The file-valued keys whose file the station reads at start; checked at load so a typo fails before anything runs. */
const mqttFileKeys = ['ca', 'cert', 'key', 'passwordFile'] as const;

/**
 * A missing or unreadable file named by the configuration (certificate, password, rule set, catalog, HQ's public key)
 * is a configuration error naming the key and the path, found here rather than half-way through the start.
 */
export function checkConfigFiles(c: StationConfig): void {
  for (const k of mqttFileKeys) {
    const p = c.mqtt[k];
    if (p !== undefined) readConfigFile(`mqtt.${k}`, p);
  }
  if (c.http.tls) {
    readConfigFile('http.tls.cert', c.http.tls.cert);
    readConfigFile('http.tls.key', c.http.tls.key);
  }
  if (c.rules.file !== undefined) readConfigFile('rules.file', c.rules.file);
  if (c.catalog.file !== undefined) readConfigFile('catalog.file', c.catalog.file);
  // PEM text in the file itself needs no file.
  if (c.hq.publicKey !== undefined && !c.hq.publicKey.includes('-----BEGIN')) readConfigFile('hq.publicKey', c.hq.publicKey);
}

/** Reads a file a configuration key names; CONFIG_FILE_UNREADABLE (exit 2 from the CLI) names both. */
export function readConfigFile(key: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : (e as NodeJS.ErrnoException).code === 'EACCES' ? 'cannot be read by the station (permissions)' : 'cannot be read';
    throw new StationError('CONFIG_FILE_UNREADABLE', `${key}: the file ${path} ${why}.`, {
      cause: e,
      hint: `Check ${key} in the configuration; a relative path is taken from the configuration file's folder.`,
      details: { key, path },
    });
  }
}

/**
 * Relative paths in a configuration file mean "next to this file", as in most tools' config files: the same
 * station.yaml then works whatever directory the station is started from.
 */
export function resolvePaths(c: StationConfig, baseDir: string): StationConfig {
  const at = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));
  return {
    ...c,
    dataDir: at(c.dataDir),
    http: { ...c.http, ...(c.http.tls ? { tls: { cert: at(c.http.tls.cert), key: at(c.http.tls.key) } } : {}) },
    hq: {
      ...c.hq,
      ...(c.hq.dbPath !== undefined ? { dbPath: at(c.hq.dbPath) } : {}),
      // PEM text stays as it is; anything else is a key file next to the configuration.
      ...(c.hq.publicKey !== undefined && !c.hq.publicKey.includes('-----BEGIN') ? { publicKey: at(c.hq.publicKey) } : {}),
    },
    mqtt: { ...c.mqtt, ...Object.fromEntries(mqttFileKeys.flatMap((k) => { const p = c.mqtt[k]; return p !== undefined ? [[k, at(p)]] : []; })) },
    rules: c.rules.file !== undefined ? { file: at(c.rules.file) } : c.rules,
    catalog: c.catalog.file !== undefined ? { file: at(c.catalog.file) } : c.catalog,
  };
}
