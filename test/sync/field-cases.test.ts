import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HqIngest, SqliteHqStore } from '../../src/hq/index.js';
import { blockedRows, openStationDb, outboxStats, recordItem, type StationDb } from '../../src/store/index.js';
import { receivingEvent } from '../../src/sync/epcis/index.js';
import { Backoff, buildClientOptions, OutboxPublisher, topics } from '../../src/sync/index.js';
import { freePort, serviceGate } from '../support/services.js';
import { openTemp, place, recordReturns, tempDir, waitFor } from './helpers.js';
import { TestMosquitto, haveMosquitto } from './mosquitto.js';

const ROOT = join(import.meta.dirname, '..', '..');
let ok = false;
beforeAll(() => {
  ok = serviceGate('mosquitto', haveMosquitto());
});

const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function broker(extra: string[] = []): Promise<TestMosquitto> {
  const m = new TestMosquitto(extra);
  await m.start();
  cleanup.push(() => m.stop());
  return m;
}
async function hqOn(url: string, dir: string, workerId = 'w1'): Promise<{ hq: HqIngest; store: SqliteHqStore }> {
  const store = new SqliteHqStore(join(dir, `hq-${workerId}.db`));
  // The broker is stopped and started in these tests: HQ's back-off (up to 30 s by default) would make the wait for
  // it a matter of timing; 1 s, as the test stations use.
  const hq = new HqIngest({ url, store, workerId: `${workerId}-${process.pid}-${Date.now()}`, reconnectMaxMs: 1000 });
  await hq.start();
  cleanup.push(() => hq.stop());
  return { hq, store };
}
function publisher(sdb: StationDb, url: string, extra: Partial<ConstructorParameters<typeof OutboxPublisher>[0]> = {}): OutboxPublisher {
  const p = new OutboxPublisher({ db: sdb, url, site: 'dc-test', station: 'st-01', mqtt: { backoff: { initialMs: 100, maxMs: 1000 } }, ...extra });
  cleanup.push(() => p.stop());
  return p;
}
function station(args: string[]): ChildProcess {
  const c = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/sync/children/station.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  cleanup.push(() => c.exitCode === null && c.kill('SIGKILL'));
  return c;
}
const line = (c: ChildProcess, re: RegExp): Promise<string> =>
  new Promise((resolve) => {
    let buf = '';
    const on = (d: Buffer): void => {
      buf += d.toString();
      const hit = buf.split('\n').find((l) => re.test(l));
      if (hit) {
        c.stdout?.off('data', on);
        resolve(hit);
      }
    };
    c.stdout?.on('data', on);
  });

describe('field cases: MQTT delivery', () => {
  it('BUG-42: broker down, 3 returns, station SIGKILLed and restarted, broker back → HQ has all 3 exactly once', async (t) => {
    if (!ok) return t.skip();
    const dir = tempDir();
    const m = await broker();
    const { hq, store } = await hqOn(m.url, dir);
    await m.stop();
    const db = join(dir, 'station.db');
    const s1 = station(['--db', db, '--url', m.url, '--total', '3', '--station', 'st-01']);
    await line(s1, /"recorded":3/);
    s1.kill('SIGKILL');
    await new Promise((r) => s1.once('exit', r));
    // Written before any publish: the outbox holds them although nothing was ever sent.
    const peek = openStationDb(db);
    expect(outboxStats(peek)).toMatchObject({ lastSeq: 3, depth: 3, unsent: 3 });
    peek.close();
    const s2 = station(['--db', db, '--url', m.url, '--total', '3', '--station', 'st-01']);
    await line(s2, /started/);
    await m.start();
    await waitFor(async () => (await store.countEvents('dc-test', 'st-01')) === 3, 20_000, 'HQ has 3');
    const after = openStationDb(db);
    await waitFor(() => outboxStats(after).depth === 0, 20_000, 'station sees receipt');
    after.close();
    expect(await store.countEvents()).toBe(3);
    expect(hq.stats().events).toBe(3);
  });

  it('BUG-44: TCP drops before the PUBACK reaches the station → resent, HQ stores E1 once, one outbox row', async (t) => {
    if (!ok) return t.skip();
    const dir = tempDir();
    const m = await broker();
    const { hq, store } = await hqOn(m.url, dir);
    // A proxy that cuts the connection instead of passing the broker's first PUBACK on.
    let armed = true;
    let cuts = 0;
    const proxyPort = await freePort();
    const server = net.createServer((c) => {
      const up = net.connect(m.port, '127.0.0.1');
      c.pipe(up);
      up.on('data', (d: Buffer) => {
        if (armed && d.includes(0x40) && d[0] !== 0x20) {
          armed = false;
          cuts++;
          c.destroy();
          up.destroy();
          return;
        }
        c.write(d);
      });
      const end = (): void => {
        c.destroy();
        up.destroy();
      };
      c.on('error', end).on('close', end);
      up.on('error', end).on('close', end);
    });
    await new Promise<void>((r) => server.listen(proxyPort, '127.0.0.1', () => r()));
    cleanup.push(() => new Promise((r) => server.close(r)));
    const sdb = openTemp(dir);
    cleanup.push(() => sdb.close());
    const [e1] = recordReturns(sdb, 1);
    const pub = publisher(sdb, `mqtt://127.0.0.1:${proxyPort}`);
    await pub.start();
    await waitFor(() => outboxStats(sdb).depth === 0, 15_000, 'E1 confirmed');
    expect(cuts).toBe(1);
    expect(pub.status().reconnects).toBeGreaterThanOrEqual(1);
    await waitFor(() => hq.stats().duplicates >= 1, 5000, 'HQ saw the resend');
    expect(await store.countEvents()).toBe(1);
    expect(sdb.db.prepare('SELECT COUNT(*) AS n, MIN(event_id) AS id FROM outbox').get()).toEqual({ n: 1, id: e1 });
    expect(sdb.db.prepare('SELECT state FROM outbox_status').get()).toEqual({ state: 'confirmed' });
  });

  it('BUG-45: two stations cloned from one image fight over one client id → back-off and a "duplicate clientId" alarm', async (t) => {
    if (!ok) return t.skip();
    const dir = tempDir();
    const m = await broker();
    const a = openTemp(dir, 'a.db');
    a.close();
    copyFileSync(join(dir, 'a.db'), join(dir, 'b.db')); // the cloned disk image
    const sa = openTemp(dir, 'a.db');
    const sb = openTemp(dir, 'b.db');
    cleanup.push(() => sa.close(), () => sb.close());
    expect(sa.installId).toBe(sb.installId);
    const alarms: string[] = [];
    const pa = publisher(sa, m.url, { mqtt: { backoff: { initialMs: 50, maxMs: 400 } } });
    const pb = publisher(sb, m.url, { mqtt: { backoff: { initialMs: 50, maxMs: 400 } } });
    pa.on('alarm', (x: { code: string }) => alarms.push(x.code));
    pb.on('alarm', (x: { code: string }) => alarms.push(x.code));
    await pa.start();
    await pb.start();
    await waitFor(() => alarms.length > 0, 15_000, 'alarm');
    expect(alarms[0]).toBe('MQTT_DUPLICATE_CLIENT_ID');
    expect(pa.status().alarm?.code ?? pb.status().alarm?.code).toBe('MQTT_DUPLICATE_CLIENT_ID');
    // A fresh install id gives a different client id; options objects are never shared.
    const fresh = openTemp(dir, 'c.db');
    cleanup.push(() => fresh.close());
    const o1 = buildClientOptions({}, `rs-st-${sa.installId}`, { topic: 't', payload: 'x' });
    const o2 = buildClientOptions({}, `rs-st-${fresh.installId}`, { topic: 't', payload: 'x' });
    expect(o1).not.toBe(o2);
    expect(o1.clientId).not.toBe(o2.clientId);
  });

  it('BUG-45: back-off runs 1→2→4…60 s with jitter; 3 kicks within 60 s raise the alarm', () => {
    const b = new Backoff(1000, 60_000, () => 1);
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(() => b.next())).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
    const j = new Backoff(1000, 60_000, () => 0);
    expect(j.next()).toBe(500);
    const k = new Backoff();
    const t0 = 1_000_000;
    expect(k.closed(t0, t0 + 1000)).toBe(false);
    expect(k.closed(t0 + 2000, t0 + 3000)).toBe(false);
    expect(k.closed(t0 + 4000, t0 + 5000)).toBe(true);
    expect(new Backoff().closed(t0, t0 + 6000)).toBe(false); // lived 6 s: not a kick
  });

  it('BUG-47: a ~300 KB event behind a 256 KB broker limit is blocked_oversize; the 10 after it arrive; no reconnect loop', async (t) => {
    if (!ok) return t.skip();
    const dir = tempDir();
    const m = await broker(['max_packet_size 262144']);
    const { store } = await hqOn(m.url, dir);
    const sdb = openTemp(dir);
    cleanup.push(() => sdb.close());
    const photos = Array.from({ length: 3 }, () => Buffer.alloc(75_000, 7).toString('base64'));
    recordItem(sdb, { id: 'big' }, [receivingEvent({ place: place(), at: 1, item: { itemId: 'big', gtin: '4012345111118', serial: 'P' }, extra: { photos } })]);
    recordReturns(sdb, 10, { start: 1 });
    const blocked: number[] = [];
    // Configured limit larger than the broker's: the broker's CONNACK maximum packet size wins.
    const pub = publisher(sdb, m.url, { maxPayloadBytes: 10_000_000 });
    pub.on('blocked', (b: { seq: number }) => blocked.push(b.seq));
    await pub.start();
    await waitFor(async () => (await store.countEvents()) === 10, 15_000, '10 events at HQ');
    await waitFor(() => pub.status().confirmedSeq === 11, 10_000, 'HQ counts past the blocked number');
    expect(blocked).toEqual([1]);
    expect(blockedRows(sdb)).toMatchObject([{ seq: 1, event_id: expect.stringMatching(/^urn:uuid:/) as string }]);
    expect(outboxStats(sdb)).toMatchObject({ depth: 1, blockedOversize: 1, unsent: 0 });
    expect(pub.status().reconnects).toBe(0);
  });

  it('BUG-48: offline QoS 0 heartbeats are not queued (only the latest, once); QoS 1 events all arrive; wrappers settle', async (t) => {
    if (!ok) return t.skip();
    const dir = tempDir();
    const m = await broker();
    const { store } = await hqOn(m.url, dir);
    const seen: string[] = [];
    const watcher = mqtt.connect(m.url, { reconnectPeriod: 200, clientId: `watch-${Date.now()}`, clean: true });
    cleanup.push(() => watcher.end(true));
    watcher.on('connect', () => watcher.subscribe(topics.metrics('dc-test', 'st-01')));
    watcher.on('message', (_t, p) => seen.push(p.toString()));
    const sdb = openTemp(dir);
    cleanup.push(() => sdb.close());
    // The station reconnects later than the watcher, so the watcher sees what the station sends first.
    const pub = publisher(sdb, m.url, { mqtt: { backoff: { initialMs: 1500, maxMs: 3000 } } });
    await pub.start();
    await waitFor(() => pub.status().state === 'online', 5000, 'online');
    await m.stop();
    await waitFor(() => pub.status().state === 'offline', 5000, 'offline');
    expect(await pub.publish('returns/v1/dc-test/st-01/x', 'y', { timeoutMs: 200 })).toBe(false); // settles at once when offline
    for (let i = 1; i <= 20; i++) pub.publishMetric({ beat: i });
    recordReturns(sdb, 2);
    pub.kick();
    await m.start();
    await waitFor(async () => (await store.countEvents()) === 2, 20_000, '2 events');
    await new Promise((r) => setTimeout(r, 500));
    expect(seen).toEqual(['{"beat":20}']);
    // A broker that stops answering: the publish wrapper still settles after its time-out.
    m.proc?.kill('SIGSTOP');
    const t0 = Date.now();
    expect(await pub.publish('returns/v1/dc-test/st-01/x', 'y', { timeoutMs: 300 })).toBe(false);
    expect(Date.now() - t0).toBeLessThan(3000);
    m.proc?.kill('SIGCONT');
  });
});
