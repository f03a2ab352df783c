import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HqIngest, SqliteHqStore } from '../../src/hq/index.js';
import { outboxStats } from '../../src/store/index.js';
import { OutboxPublisher, validateKeepalive } from '../../src/sync/index.js';
import { freePort, hasCommand, serviceGate } from '../support/services.js';
import { openTemp, recordReturns, tempDir, waitFor } from './helpers.js';
import { TestMosquitto, haveMosquitto, makeCerts } from './mosquitto.js';

let ok = false;
beforeAll(() => {
  ok = serviceGate('mosquitto+openssl', haveMosquitto() && hasCommand('openssl') && hasCommand('mosquitto_passwd'));
});
const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe('TLS, passwords and client certificates', () => {
  it('keepalive is validated in seconds (≤ 300)', () => {
    expect(validateKeepalive(undefined)).toBe(30);
    expect(validateKeepalive(300)).toBe(300);
    for (const bad of [0, 301, 30_000, 1.5]) expect(() => validateKeepalive(bad)).toThrowError(expect.objectContaining({ code: 'MQTT_BAD_KEEPALIVE' }) as Error);
  });

  it('delivers over mqtts:// with username/password, and with a client certificate; a wrong password is refused', async (t) => {
    if (!ok) return t.skip();
    const dir = tempDir('rs-tls-');
    makeCerts(dir);
    execFileSync('mosquitto_passwd', ['-b', '-c', join(dir, 'passwd'), 'station', 's3cret']);
    execFileSync('mosquitto_passwd', ['-b', join(dir, 'passwd'), 'hq', 'hq-s3cret']);
    execFileSync('chmod', ['644', join(dir, 'passwd')]);
    execFileSync('chmod', ['755', dir]); // Mosquitto drops root and must still read the certificates
    const pwPort = await freePort();
    const certPort = await freePort();
    const m = new TestMosquitto(
      [
        'per_listener_settings true',
        `listener ${pwPort} 127.0.0.1`, `cafile ${dir}/ca.crt`, `certfile ${dir}/server.crt`, `keyfile ${dir}/server.key`,
        'allow_anonymous false', `password_file ${dir}/passwd`,
        `listener ${certPort} 127.0.0.1`, `cafile ${dir}/ca.crt`, `certfile ${dir}/server.crt`, `keyfile ${dir}/server.key`,
        'require_certificate true', 'use_identity_as_username true', 'allow_anonymous false',
      ],
      { tlsPort: true },
    );
    m.port = pwPort;
    await m.start();
    cleanup.push(() => m.stop());
    const store = new SqliteHqStore(join(dir, 'hq.db'));
    const hq = new HqIngest({ url: `mqtts://127.0.0.1:${pwPort}`, store, workerId: `tls-${process.pid}`, mqtt: { ca: join(dir, 'ca.crt'), username: 'hq', password: 'hq-s3cret' } });
    await hq.start();
    cleanup.push(() => hq.stop());

    const sdb = openTemp(dir);
    cleanup.push(() => sdb.close());
    recordReturns(sdb, 5);
    const bad = new OutboxPublisher({ db: sdb, url: `mqtts://127.0.0.1:${pwPort}`, site: 'dc-test', station: 'st-01', mqtt: { ca: join(dir, 'ca.crt'), username: 'station', password: 'wrong', backoff: { initialMs: 5000 } } });
    await bad.start();
    await waitFor(() => bad.status().reconnects > 0, 10_000, 'refused');
    expect(bad.status().state).toBe('offline');
    expect(bad.status().lastError).toMatch(/Not authorized|Bad User Name or Password|authori/i);
    await bad.stop();

    const pub = new OutboxPublisher({ db: sdb, url: `mqtts://127.0.0.1:${pwPort}`, site: 'dc-test', station: 'st-01', mqtt: { ca: join(dir, 'ca.crt'), username: 'station', password: 's3cret' } });
    cleanup.push(() => pub.stop());
    await pub.start();
    await waitFor(() => outboxStats(sdb).depth === 0, 15_000, 'confirmed over TLS + password');
    await pub.stop();

    recordReturns(sdb, 5, { start: 5 });
    const viaCert = new OutboxPublisher({ db: sdb, url: `mqtts://127.0.0.1:${certPort}`, site: 'dc-test', station: 'st-01', mqtt: { ca: join(dir, 'ca.crt'), cert: join(dir, 'client.crt'), key: join(dir, 'client.key') } });
    cleanup.push(() => viaCert.stop());
    await viaCert.start();
    await waitFor(async () => (await store.countEvents()) === 10, 15_000, 'events via client certificate');
    await waitFor(() => outboxStats(sdb).depth === 0, 15_000, 'confirmed (receipt via the other listener)');
  }, 60_000);
});
