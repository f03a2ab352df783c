/**
 * Issue 7: broker login and TLS from the station's configuration file (mqtt.username, passwordFile, ca …), with a
 * real Mosquitto (TLS listener + password file), a real station process and the retained status / last will.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StationApp } from '../../src/app/station-app.js';
import { loadConfigFile, parseConfig } from '../../src/config/load.js';
import { HqIngest, SqliteHqStore } from '../../src/hq/index.js';
import type { HealthReport, ScanResponse } from '../../src/server/api-types.js';
import { OutboxPublisher } from '../../src/sync/publisher.js';
import { topics } from '../../src/sync/topics.js';
import { freePort, hasCommand, serviceGate } from '../support/services.js';
import { openTemp, tempDir, waitFor } from './helpers.js';
import { TestMosquitto, haveMosquitto, makeCerts } from './mosquitto.js';

const ROOT = join(import.meta.dirname, '..', '..');
let ok = false;
beforeAll(() => {
  ok = serviceGate('mosquitto+openssl', haveMosquitto() && hasCommand('openssl') && hasCommand('mosquitto_passwd'));
});
const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A Mosquitto with one TLS listener that wants a password (station / s3cret, hq / hq-s3cret), and its CA. */
async function tlsBroker(): Promise<{ url: string; tlsDir: string }> {
  const tlsDir = tempDir('rs-tlscfg-');
  makeCerts(tlsDir);
  execFileSync('mosquitto_passwd', ['-b', '-c', join(tlsDir, 'passwd'), 'station', 's3cret']);
  execFileSync('mosquitto_passwd', ['-b', join(tlsDir, 'passwd'), 'hq', 'hq-s3cret']);
  execFileSync('chmod', ['644', join(tlsDir, 'passwd')]);
  execFileSync('chmod', ['755', tlsDir]); // Mosquitto drops root and must still read the certificates
  const port = await freePort();
  const m = new TestMosquitto(
    [`listener ${port} 127.0.0.1`, `cafile ${tlsDir}/ca.crt`, `certfile ${tlsDir}/server.crt`, `keyfile ${tlsDir}/server.key`, 'allow_anonymous false', `password_file ${tlsDir}/passwd`],
    { tlsPort: true },
  );
  m.port = port;
  await m.start();
  cleanup.push(() => m.stop());
  return { url: `mqtts://127.0.0.1:${port}`, tlsDir };
}

/** A station folder as a site would lay it out: station.yaml, its secret and its CA beside it, all paths relative. */
function stationFolder(url: string, tlsDir: string, password: string, station = 'st-cfg'): string {
  const dir = tempDir('rs-station-');
  mkdirSync(join(dir, 'secrets'));
  mkdirSync(join(dir, 'tls'));
  writeFileSync(join(dir, 'secrets', 'mqtt-password'), `${password}\n`, { mode: 0o600 });
  execFileSync('cp', [join(tlsDir, 'ca.crt'), join(dir, 'tls', 'ca.crt')]);
  writeFileSync(
    join(dir, 'station.yaml'),
    [
      'site: dc-test',
      `station: ${station}`,
      'dataDir: ./data',
      'http: { host: 127.0.0.1, port: 0 }',
      'readers: []',
      'mqtt:',
      `  url: ${url}`,
      '  username: station',
      '  passwordFile: ./secrets/mqtt-password',
      '  ca: ./tls/ca.crt',
      '  keepaliveSec: 5',
    ].join('\n') + '\n',
  );
  return join(dir, 'station.yaml');
}

/** `returns-station station --config …` started from another folder (relative paths must not depend on the cwd). */
async function startStationProcess(config: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/returns-station.js'), 'station', '--config', config], { cwd: tempDir('rs-cwd-'), stdio: ['ignore', 'ignore', 'pipe'] });
  cleanup.push(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`station did not start: ${err}`)), 20_000);
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /is ready: open (http:\/\/\S+)/.exec(err);
      if (m?.[1]) {
        clearTimeout(t);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`station exited (${String(code)}): ${err}`)));
  });
  return { child, url };
}

describe('MQTT login and TLS from the configuration file (issue 7)', () => {
  it('a station started from station.yaml logs in over TLS with its password file; its events reach HQ; status is online, and offline (last will) when the process dies', async (t) => {
    if (!ok) return t.skip();
    const { url, tlsDir } = await tlsBroker();
    const store = new SqliteHqStore(join(tlsDir, 'hq.db'));
    const hq = new HqIngest({ url, store, workerId: `cfg-${process.pid}`, mqtt: { ca: join(tlsDir, 'ca.crt'), username: 'hq', password: 'hq-s3cret' } });
    await hq.start();
    cleanup.push(() => hq.stop());
    const states: string[] = [];
    const watcher = mqtt.connect(url, { ca: readFileSync(join(tlsDir, 'ca.crt')), username: 'hq', password: 'hq-s3cret', reconnectPeriod: 0 });
    cleanup.push(() => new Promise<void>((r) => watcher.end(true, {}, () => r())));
    watcher.on('message', (_t, p) => states.push((JSON.parse(p.toString()) as { state: string }).state));
    await new Promise<void>((resolve, reject) => {
      watcher.once('connect', () => watcher.subscribe(topics.status('dc-test', 'st-cfg'), { qos: 1 }, (e) => (e ? reject(e) : resolve())));
      watcher.once('error', reject);
    });

    const { child, url: http } = await startStationProcess(stationFolder(url, tlsDir, 's3cret'));
    await waitFor(() => states.at(-1) === 'online', 10_000, 'retained status online');
    const res = await fetch(`${http}/api/scans`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: '0614141000371', reason: 'defective', grade: 'used', idempotencyKey: 'cfg-1' }),
    });
    const scan = (await res.json()) as ScanResponse;
    expect(scan.ok).toBe(true);
    await waitFor(async () => (await store.countEvents('dc-test', 'st-cfg')) > 0, 15_000, 'events at HQ');
    await waitFor(async () => ((await (await fetch(`${http}/api/health`)).json()) as HealthReport).outbox.depth === 0, 15_000, 'confirmed by HQ');
    const health = (await (await fetch(`${http}/api/health`)).json()) as HealthReport;
    expect(health.broker).toEqual({ connected: true, url });

    // No clean stop: the broker sees the connection drop and publishes the station's last will (retained).
    child.kill('SIGKILL');
    await waitFor(() => states.at(-1) === 'offline', 10_000, 'last will: offline');
    // A client that subscribes later gets the retained state.
    const late = mqtt.connect(url, { ca: readFileSync(join(tlsDir, 'ca.crt')), username: 'hq', password: 'hq-s3cret', reconnectPeriod: 0 });
    cleanup.push(() => new Promise<void>((r) => late.end(true, {}, () => r())));
    const retained = await new Promise<string>((resolve) => {
      late.on('message', (_t, p) => resolve((JSON.parse(p.toString()) as { state: string }).state));
      late.on('connect', () => late.subscribe(topics.status('dc-test', 'st-cfg'), { qos: 1 }));
    });
    expect(retained).toBe('offline');
  }, 60_000);

  it('a wrong password keeps the station running, offline, with the broker\'s reason in /api/health', async (t) => {
    if (!ok) return t.skip();
    const { url, tlsDir } = await tlsBroker();
    const cfg = loadConfigFile(stationFolder(url, tlsDir, 'wrong', 'st-bad'));
    const app = new StationApp({ config: cfg, brokerUrl: url, serveHttp: false });
    cleanup.push(() => app.stop());
    await app.start();
    await waitFor(() => app.publisher.status().reconnects > 0, 10_000, 'refused');
    const h = app.health();
    expect(h.broker.connected).toBe(false);
    expect(h.broker.error).toMatch(/Not authorized|Bad User Name or Password/i);
    // Scans are still taken: the outbox keeps them until the password is fixed.
    expect((await app.submitScan({ code: '0614141000371', reason: 'defective', grade: 'used' })).ok).toBe(true);
    expect(app.health().outbox.unsent).toBeGreaterThan(0);
  }, 30_000);

  it('a missing certificate or password file is CONFIG_FILE_UNREADABLE naming the key and the path; the CLI exits 2', () => {
    const dir = tempDir('rs-cfgfile-');
    const file = join(dir, 'station.yaml');
    writeFileSync(file, 'mqtt: { url: "mqtts://127.0.0.1:8883", username: station, passwordFile: ./secrets/pw, ca: ./tls/ca.crt }\n');
    let err: { code?: string; message?: string; details?: unknown } = {};
    try {
      loadConfigFile(file);
    } catch (e) {
      err = e as typeof err;
    }
    expect(err.code).toBe('CONFIG_FILE_UNREADABLE');
    expect(err.details).toEqual({ key: 'mqtt.ca', path: join(dir, 'tls/ca.crt') });
    expect(err.message).toContain('mqtt.ca');
    expect(err.message).toContain(join(dir, 'tls/ca.crt'));

    let out: { status: number | null; stderr: string } = { status: null, stderr: '' };
    try {
      execFileSync(process.execPath, [join(ROOT, 'bin/returns-station.js'), 'station', '--config', file], { cwd: ROOT, stdio: 'pipe' });
    } catch (e) {
      const x = e as { status: number | null; stderr: Buffer };
      out = { status: x.status, stderr: x.stderr.toString() };
    }
    expect(out.status).toBe(2);
    expect(out.stderr).toMatch(/error CONFIG_FILE_UNREADABLE: mqtt\.ca: the file .*tls\/ca\.crt does not exist/);
  }, 30_000);

  it('a certificate file that disappears (renewal) leaves the publisher offline with the reason, not a crashed process', async () => {
    const dir = tempDir('rs-certgone-');
    const sdb = openTemp(dir);
    cleanup.push(() => sdb.close());
    const pub = new OutboxPublisher({ db: sdb, url: 'mqtts://127.0.0.1:1', site: 'dc-test', station: 'st-01', mqtt: { ca: join(dir, 'renewing/ca.crt'), backoff: { initialMs: 60_000 } } });
    cleanup.push(() => pub.stop());
    await pub.start();
    expect(pub.status()).toMatchObject({ state: 'offline', lastError: expect.stringContaining('renewing/ca.crt') as string });
  });

  it('mqtt settings are validated with messages naming the key; relative paths are taken from the file\'s folder', () => {
    const bad = (mqttCfg: unknown): string => {
      try {
        parseConfig({ mqtt: mqttCfg });
      } catch (e) {
        return `${(e as { code: string }).code} ${(e as Error).message}`;
      }
      return 'accepted';
    };
    expect(bad({ password: 'x' })).toMatch(/^CONFIG_INVALID .*mqtt\.username: a password needs mqtt\.username too/s);
    expect(bad({ username: 'u', password: 'x', passwordFile: './pw' })).toMatch(/mqtt\.passwordFile: give either mqtt\.password or mqtt\.passwordFile/);
    expect(bad({ cert: './c.crt' })).toMatch(/mqtt\.key: mqtt\.cert and mqtt\.key/);
    expect(bad({ rejectUnauthorized: 'no' })).toMatch(/mqtt\.rejectUnauthorized: /);
    expect(bad({ user: 'u' })).toMatch(/mqtt\.user: unknown setting/);
    expect(parseConfig({}).mqtt.rejectUnauthorized).toBe(true);

    const dir = tempDir('rs-cfgrel-');
    for (const f of ['ca.crt', 'st.crt', 'st.key', 'pw']) writeFileSync(join(dir, f), 'x');
    writeFileSync(join(dir, 'station.yaml'), 'mqtt: { username: st, passwordFile: pw, ca: ./ca.crt, cert: st.crt, key: ./st.key }\n');
    expect(loadConfigFile(join(dir, 'station.yaml')).mqtt).toMatchObject({ passwordFile: join(dir, 'pw'), ca: join(dir, 'ca.crt'), cert: join(dir, 'st.crt'), key: join(dir, 'st.key'), rejectUnauthorized: true });
  });
});
