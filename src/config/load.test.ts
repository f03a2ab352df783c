import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StationError } from '../core/errors.js';
import { loadConfigFile, parseConfig } from './load.js';

describe('config', () => {
  it('runs on defaults alone', () => {
    const c = parseConfig({});
    expect(c.http).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(c.readers[0]?.protocol).toBe('r2000');
  });

  it('names the bad key in the message', () => {
    try {
      parseConfig({ readers: [{ baudRate: 'fast' }], http: { prot: 1 } });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(StationError);
      const se = e as StationError;
      expect(se.code).toBe('CONFIG_INVALID');
      expect(se.message).toContain('readers[0].baudRate');
      expect(se.message).toContain('http.prot: unknown setting');
    }
  });

  it('refuses a keepalive above 300 s (MQTT keepalive is in seconds)', () => {
    expect(() => parseConfig({ mqtt: { keepaliveSec: 60_000 } })).toThrow(/mqtt.keepaliveSec/);
  });

  it('resolves relative paths in a config file against the file\'s folder, not the working directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-cfg-'));
    try {
      mkdirSync(join(dir, 'cfg', 'tls'), { recursive: true });
      mkdirSync(join(dir, 'rules'));
      // The named files must exist: a missing one is CONFIG_FILE_UNREADABLE (below).
      for (const f of ['rules/my.yaml', 'cfg/products.json', 'cfg/tls/c.pem', 'cfg/tls/k.pem']) writeFileSync(join(dir, f), '');
      writeFileSync(
        join(dir, 'cfg', 'station.yaml'),
        'dataDir: ../data\nrules: { file: ../rules/my.yaml }\ncatalog: { file: products.json }\nhq: { dbPath: /var/lib/hq.db }\nhttp: { tls: { cert: tls/c.pem, key: tls/k.pem } }\n',
      );
      const c = loadConfigFile(join(dir, 'cfg', 'station.yaml'));
      expect(c.dataDir).toBe(join(dir, 'data'));
      expect(c.rules.file).toBe(join(dir, 'rules', 'my.yaml'));
      expect(c.catalog.file).toBe(join(dir, 'cfg', 'products.json'));
      expect(c.hq.dbPath).toBe('/var/lib/hq.db');
      expect(c.http.tls).toEqual({ cert: join(dir, 'cfg', 'tls', 'c.pem'), key: join(dir, 'cfg', 'tls', 'k.pem') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['rules.file', 'rules: { file: ./missing-rules.yaml }\n', 'missing-rules.yaml'],
    ['catalog.file', 'catalog: { file: ./missing-products.json }\n', 'missing-products.json'],
    ['hq.publicKey', 'hq: { publicKey: keys/missing.pub.pem }\n', 'keys/missing.pub.pem'],
    ['http.tls.cert', 'http: { tls: { cert: tls/missing.crt, key: tls/missing.key } }\n', 'tls/missing.crt'],
  ])('%s naming a missing file is CONFIG_FILE_UNREADABLE naming the key and the path', (key, yaml, file) => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-cfg-'));
    try {
      writeFileSync(join(dir, 'station.yaml'), yaml);
      expect(() => loadConfigFile(join(dir, 'station.yaml'))).toThrowError(
        expect.objectContaining({ code: 'CONFIG_FILE_UNREADABLE', message: `${key}: the file ${join(dir, file)} does not exist.`, details: { key, path: join(dir, file) } }) as Error,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
