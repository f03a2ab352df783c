import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile, parseConfig } from './load.js';

describe('config: hq.publicKey (downlink signatures)', () => {
  it('is optional, refuses an empty value naming the key, and keeps PEM text as it is', () => {
    expect(parseConfig({}).hq.publicKey).toBeUndefined();
    expect(() => parseConfig({ hq: { publicKey: '' } })).toThrow(/hq\.publicKey/);
    expect(() => parseConfig({ hq: { publicKey: 42 } })).toThrow(/hq\.publicKey/);
    const pem = '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n';
    const dir = mkdtempSync(join(tmpdir(), 'rs-cfg-'));
    writeFileSync(join(dir, 'pem.yaml'), `hq:\n  publicKey: |\n${pem.split('\n').filter(Boolean).map((l) => `    ${l}`).join('\n')}\n`);
    expect(loadConfigFile(join(dir, 'pem.yaml')).hq.publicKey).toBe(pem);
  });

  it('a key file path is taken from the configuration file\'s folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-cfg-'));
    writeFileSync(join(dir, 'station.yaml'), 'hq:\n  publicKey: keys/hq-downlink.pub.pem\n');
    // The key file must exist (a missing one is CONFIG_FILE_UNREADABLE, see load.test.ts).
    mkdirSync(join(dir, 'keys'));
    writeFileSync(join(dir, 'keys/hq-downlink.pub.pem'), '');
    expect(loadConfigFile(join(dir, 'station.yaml')).hq.publicKey).toBe(join(dir, 'keys/hq-downlink.pub.pem'));
  });
});
