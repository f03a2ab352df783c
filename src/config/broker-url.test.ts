/**
 * A broker URL the station cannot really connect to is a configuration error naming `mqtt.url` (CONFIG_INVALID,
 * exit 2), refused by the same check as the HQ commands' `--broker` (CLI_BAD_OPTION).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkHqOptions } from '../cli/hq.js';
import { checkPublishOptions } from '../cli/hq-downlink.js';
import { isStationError } from '../core/errors.js';
import { parseConfig } from './load.js';

const bin = new URL('../../bin/returns-station.js', import.meta.url).pathname;

// What a fresh user typed: a web port, another protocol, no host at all (MQTT.js would take 127.0.0.1:1883).
const refused = ['http://127.0.0.1:18830', 'ftp://broker.example/events', 'mqtt://', 'mqtt://:1883', 'mqtt:broker.example', 'tcp://broker.example:1883', 'broker.example:1883'];
const accepted = ['mqtt://127.0.0.1:1883', 'mqtts://broker.example:8883', 'ws://broker.example:8080/mqtt', 'wss://broker.example/mqtt', 'mqtt://[::1]:1883'];

function configError(url: string): { code: string; issues: unknown } {
  try {
    parseConfig({ mqtt: { url } });
  } catch (e) {
    if (isStationError(e)) return { code: e.code, issues: e.details?.issues };
    throw e;
  }
  return { code: 'none', issues: [] };
}

describe('mqtt.url', () => {
  it.each(refused)('%s is refused with CONFIG_INVALID naming mqtt.url', (url) => {
    const e = configError(url);
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.issues).toEqual([expect.stringMatching(/^mqtt\.url: /)]);
  });

  it.each(accepted)('%s is accepted', (url) => {
    expect(parseConfig({ mqtt: { url } }).mqtt.url).toBe(url);
  });

  it('the HQ commands refuse and accept the same URLs (one check for both)', () => {
    const hq = (broker: string): unknown => checkHqOptions({ broker, db: 'hq.db', worker: 'w1', hours: '24', protocol: '5' });
    const publish = (broker: string): unknown => checkPublishOptions({ broker, site: 'dc-1', target: 'all' });
    for (const url of refused) {
      expect(() => hq(url), url).toThrowError(expect.objectContaining({ code: 'CLI_BAD_OPTION' }) as Error);
      expect(() => publish(url), url).toThrowError(expect.objectContaining({ code: 'CLI_BAD_OPTION' }) as Error);
    }
    for (const url of accepted) {
      expect(() => hq(url), url).not.toThrow();
      expect(() => publish(url), url).not.toThrow();
    }
  });

  it('`station --config` with an http:// broker exits 2 with one CONFIG_INVALID line naming mqtt.url, before connecting anywhere', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-broker-url-'));
    try {
      writeFileSync(join(dir, 'station.yaml'), 'dataDir: ./data\nhttp: { port: 0 }\nreaders: []\nmqtt: { url: "http://127.0.0.1:18830" }\n');
      const r = spawnSync(process.execPath, [bin, 'station', '--config', join(dir, 'station.yaml')], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, VITEST: '' } });
      expect(r.status).toBe(2);
      // (On a fresh clone the command first says it builds the web UI once: not an error line.)
      const lines = r.stderr.split('\n').filter((l) => l.startsWith('returns-station: error'));
      expect(lines).toEqual([expect.stringMatching(/^returns-station: error CONFIG_INVALID: /)]);
      expect(r.stderr).toMatch(/^\s+mqtt\.url: http:\/\/ is not a broker protocol/m);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
