/**
 * HQ → station downlink against the real Mosquitto on 127.0.0.1:1883 (issue 7, issue 8 "… and from HQ downlink").
 * Inputs are the shipped fixtures (rules, catalog, expected returns); each test uses its own site so retained
 * messages never leak between tests, and every retained message published here is cleared afterwards.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { parse as parseYaml } from 'yaml';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StationApp } from '../../src/app/station-app.js';
import { Catalog, storedProducts } from '../../src/catalog/catalog.js';
import { parseConfig } from '../../src/config/load.js';
import { lookupCaseCode } from '../../src/catalog/expected.js';
import { buildDownlink, catalogPayload, HqIngest, publishDownlink, returnsPayload, SqliteHqStore, type DownlinkAckView } from '../../src/hq/index.js';
import { loadRuleSetFile, RuleRegistry } from '../../src/rules/index.js';
import { downlinkLog, openStationDb, type StationDb } from '../../src/store/index.js';
import { StationDownlink, type DownlinkAck, type DownlinkEnvelope, type DownlinkKind } from '../../src/sync/downlink/index.js';
import { OutboxPublisher, topics } from '../../src/sync/index.js';
import { portOpen, serviceGate } from '../support/services.js';
import { tempDir, waitFor } from './helpers.js';
import { TestMosquitto, haveMosquitto } from './mosquitto.js';

const URL = 'mqtt://127.0.0.1:1883';
const ROOT = join(import.meta.dirname, '..', '..');
const RULES = join(ROOT, 'fixtures/rules/default.yaml');
const CATALOG = join(ROOT, 'fixtures/catalog/products.json');
const CATALOG_EXTRA = join(ROOT, 'fixtures/returns/catalog-extra.json');
const RETURNS = join(ROOT, 'fixtures/returns/expected-returns.csv');
/** The shipped rule set's own version (fixtures/rules/default.yaml). */
const FILE_RULES_VERSION = '2026.12.1';

let ok = false;
beforeAll(async () => {
  ok = serviceGate('mosquitto', await portOpen(1883));
});

const cleanup: Array<() => Promise<unknown> | unknown> = [];
/** Retained topics this run published to, cleared at the end of each test. */
const retained = new Set<string>();
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
  if (retained.size > 0) {
    const c = await connect();
    for (const t of retained) await c.publishAsync(t, '', { qos: 1, retain: true });
    retained.clear();
    await c.endAsync();
  }
});

let n = 0;
const uniqueSite = (): string => `dl-${process.pid}-${Date.now().toString(36)}-${++n}`;

async function connect(): Promise<MqttClient> {
  return await mqtt.connectAsync(URL, { protocolVersion: 5, clean: true, reconnectPeriod: 0 });
}

/** The shipped rule set as a document, with its own version changed so an applied push is visible. */
function ruleDoc(version: string, edit?: (doc: Record<string, unknown>) => void): Record<string, unknown> {
  const doc = parseYaml(readFileSync(RULES, 'utf8')) as Record<string, unknown>;
  doc.version = version;
  edit?.(doc);
  return doc;
}

async function push(site: string, target: string, kind: DownlinkKind, payload: object, o: { version: number; key?: KeyObject }): Promise<DownlinkEnvelope> {
  const env = buildDownlink(kind, payload, { site, target, version: o.version, ...(o.key ? { privateKey: o.key } : {}) });
  await pushEnvelope(site, target, kind, env);
  return env;
}

async function pushEnvelope(site: string, target: string, kind: DownlinkKind, env: DownlinkEnvelope): Promise<void> {
  retained.add(topics.downlink(site, target, kind));
  await publishDownlink(env, { url: URL, site, target, kind });
}

async function pushRaw(site: string, target: string, kind: DownlinkKind, payload: string | Buffer): Promise<void> {
  const topic = topics.downlink(site, target, kind);
  retained.add(topic);
  const c = await connect();
  await c.publishAsync(topic, payload, { qos: 1, retain: true });
  await c.endAsync();
}

/** Listens to one station's downlink acks, as HQ would. */
async function ackListener(site: string, station: string): Promise<{ acks: DownlinkAck[]; next: (pred: (a: DownlinkAck) => boolean, what: string) => Promise<DownlinkAck> }> {
  const c = await connect();
  cleanup.push(() => c.endAsync());
  const acks: DownlinkAck[] = [];
  c.on('message', (_t, p) => acks.push(JSON.parse(p.toString('utf8')) as DownlinkAck));
  await c.subscribeAsync(topics.downlinkAck(site, station), { qos: 1 });
  return {
    acks,
    async next(pred, what) {
      await waitFor(() => acks.some(pred), 15_000, what);
      return acks.find(pred) as DownlinkAck;
    },
  };
}

interface Station {
  sdb: StationDb;
  rules: RuleRegistry;
  catalog: Catalog;
  downlink: StationDownlink;
  stop: () => Promise<void>;
}

/** A station as StationApp wires it: the file's rule set and catalog first, then the downlink on the publisher's connection. */
async function startStation(dir: string, site: string, station: string, publicKey?: string, url = URL): Promise<Station> {
  const sdb = openStationDb(join(dir, `${station}.db`));
  const loaded = loadRuleSetFile(RULES);
  if (!loaded.ok) throw new Error('fixture rule set does not load');
  const rules = new RuleRegistry();
  rules.activate(loaded.ruleSet, { by: 'startup' });
  const catalog = Catalog.fromFile(CATALOG);
  catalog.put(storedProducts(sdb.db));
  const pub = new OutboxPublisher({ db: sdb, url, site, station, mqtt: { backoff: { initialMs: 100, maxMs: 500 } } });
  await pub.start();
  const downlink = new StationDownlink({ sdb, rules, catalog, site, station, link: pub, publicKey });
  await downlink.start();
  // The publisher's retained online/offline status is ours to clear too.
  if (url === URL) retained.add(topics.status(site, station));
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await downlink.stop();
    await pub.stop();
    sdb.close();
  };
  cleanup.push(stop);
  return { sdb, rules, catalog, downlink, stop };
}

function keyPair(): { privateKey: KeyObject; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

const is = (kind: string, status: string, version?: number) => (a: DownlinkAck): boolean => a.kind === kind && a.status === status && (version === undefined || a.version === version);

describe('HQ downlink (Mosquitto)', () => {
  it('a signed rule set for the station is applied, acknowledged, and shown in the status', async (t) => {
    if (!ok) return t.skip();
    const site = uniqueSite();
    const hq = keyPair();
    const st = await startStation(tempDir('rs-dl-'), site, 'dock-1', hq.publicPem);
    const acks = await ackListener(site, 'dock-1');
    expect(st.rules.active().version).toBe(FILE_RULES_VERSION);
    await push(site, 'dock-1', 'rules', ruleDoc('2026.12.2-hq'), { version: 1, key: hq.privateKey });
    const ack = await acks.next(is('rules', 'applied'), 'rules applied');
    expect(ack).toMatchObject({ kind: 'rules', version: 1, target: 'dock-1', status: 'applied', appliedVersion: 1 });
    expect(ack.code).toBeUndefined();
    expect(st.rules.active().version).toBe('2026.12.2-hq');
    expect(st.downlink.status().applied).toEqual([expect.objectContaining({ kind: 'rules', target: 'dock-1', version: 1 })]);
  });

  it('a bad signature, an unsigned set and a station without HQ\'s key are refused; the active rules stay', async (t) => {
    if (!ok) return t.skip();
    const site = uniqueSite();
    const hq = keyPair();
    const other = keyPair();
    const st = await startStation(tempDir('rs-dl-'), site, 'dock-1', hq.publicPem);
    const noKey = await startStation(tempDir('rs-dl-'), site, 'dock-2');
    const acks1 = await ackListener(site, 'dock-1');
    const acks2 = await ackListener(site, 'dock-2');

    // Signed with a key that is not HQ's.
    await push(site, 'dock-1', 'rules', ruleDoc('2026.12.9-evil'), { version: 1, key: other.privateKey });
    expect(await acks1.next(is('rules', 'refused', 1), 'refusal')).toMatchObject({ code: 'DOWNLINK_BAD_SIGNATURE' });
    // Signed by HQ, then changed on the way (payload swapped, signature kept).
    const good = buildDownlink('rules', ruleDoc('2026.12.3'), { site, target: 'dock-1', version: 2, privateKey: hq.privateKey });
    await pushEnvelope(site, 'dock-1', 'rules', { ...good, payload: ruleDoc('2026.12.9-evil') });
    expect(await acks1.next(is('rules', 'refused', 2), 'refusal')).toMatchObject({ code: 'DOWNLINK_BAD_SIGNATURE' });
    // HQ's signature made for another station does not verify here (the target is signed).
    const forOther = buildDownlink('rules', ruleDoc('2026.12.4'), { site, target: 'dock-2', version: 3, privateKey: hq.privateKey });
    await pushEnvelope(site, 'dock-1', 'rules', forOther);
    expect(await acks1.next(is('rules', 'refused', 3), 'refusal')).toMatchObject({ code: 'DOWNLINK_BAD_SIGNATURE' });
    // No signature at all.
    await pushEnvelope(site, 'dock-1', 'rules', { kind: 'rules', version: 4, issuedAt: new Date().toISOString(), payload: ruleDoc('2026.12.5') });
    expect(await acks1.next(is('rules', 'refused', 4), 'refusal')).toMatchObject({ code: 'DOWNLINK_UNSIGNED' });
    expect(st.rules.active().version).toBe(FILE_RULES_VERSION);
    expect(st.downlink.status().lastRefusal).toMatchObject({ kind: 'rules', code: 'DOWNLINK_UNSIGNED', version: 4 });

    // A correctly signed set to a station with no hq.publicKey configured.
    await push(site, 'dock-2', 'rules', ruleDoc('2026.12.6'), { version: 5, key: hq.privateKey });
    expect(await acks2.next(is('rules', 'refused', 5), 'refusal')).toMatchObject({ code: 'DOWNLINK_NO_PUBLIC_KEY' });
    expect(noKey.rules.active().version).toBe(FILE_RULES_VERSION);
    expect(downlinkLog(noKey.sdb)[0]).toMatchObject({ status: 'refused', code: 'DOWNLINK_NO_PUBLIC_KEY' });
    // A catalog applied afterwards does not hide the refused rule set from health (a first user missed it).
    await push(site, 'dock-2', 'catalog', catalogPayload(CATALOG_EXTRA), { version: 1 });
    await acks2.next(is('catalog', 'applied', 1), 'catalog after the refusal');
    expect(noKey.downlink.status().lastRefusal).toMatchObject({ kind: 'rules', code: 'DOWNLINK_NO_PUBLIC_KEY', version: 5 });
  });

  it('a rule set whose golden case fails, or that does not validate, is refused; the active rules stay', async (t) => {
    if (!ok) return t.skip();
    const site = uniqueSite();
    const hq = keyPair();
    const st = await startStation(tempDir('rs-dl-'), site, 'dock-1', hq.publicPem);
    const acks = await ackListener(site, 'dock-1');
    const failingGolden = ruleDoc('2026.12.7', (d) => {
      const golden = d.golden as Array<{ expect: Record<string, unknown> }>;
      // The first golden case (sealed toy → RESTOCK) now claims another bin: the set contradicts its own examples.
      (golden[0] as { expect: Record<string, unknown> }).expect.bin = 'RECYCLE';
    });
    await push(site, 'dock-1', 'rules', failingGolden, { version: 1, key: hq.privateKey });
    const a1 = await acks.next(is('rules', 'refused', 1), 'golden refusal');
    expect(a1.code).toBe('DOWNLINK_RULES_GOLDEN_FAILED');
    expect(a1.reason).toContain('sealed toy');
    const invalid = ruleDoc('2026.12.8', (d) => {
      d.tables = 'not tables';
    });
    await push(site, 'dock-1', 'rules', invalid, { version: 2, key: hq.privateKey });
    expect(await acks.next(is('rules', 'refused', 2), 'invalid refusal')).toMatchObject({ code: 'DOWNLINK_RULES_INVALID' });
    expect(st.rules.active().version).toBe(FILE_RULES_VERSION);
    expect(st.rules.history().filter((r) => r.by === 'hq-downlink').map((r) => r.accepted)).toEqual([false]);
  });

  it('an older or equal version is ignored, not re-applied', async (t) => {
    if (!ok) return t.skip();
    const site = uniqueSite();
    const hq = keyPair();
    const st = await startStation(tempDir('rs-dl-'), site, 'dock-1', hq.publicPem);
    const acks = await ackListener(site, 'dock-1');
    await push(site, 'dock-1', 'rules', ruleDoc('2026.12.10'), { version: 10, key: hq.privateKey });
    await acks.next(is('rules', 'applied', 10), 'v10 applied');
    await push(site, 'dock-1', 'rules', ruleDoc('2026.12.3-old'), { version: 3, key: hq.privateKey });
    expect(await acks.next(is('rules', 'ignored', 3), 'v3 ignored')).toMatchObject({ code: 'DOWNLINK_NOT_NEWER', appliedVersion: 10 });
    await push(site, 'dock-1', 'rules', ruleDoc('2026.12.10-again'), { version: 10, key: hq.privateKey });
    await acks.next(is('rules', 'ignored', 10), 'v10 again ignored');
    expect(st.rules.active().version).toBe('2026.12.10');
    expect(downlinkLog(st.sdb).filter((e) => e.status === 'applied')).toHaveLength(1);
  });

  it('`all` reaches every station of the site, a station target only that station', async (t) => {
    if (!ok) return t.skip();
    const site = uniqueSite();
    const hq = keyPair();
    const a = await startStation(tempDir('rs-dl-'), site, 'dock-a', hq.publicPem);
    const b = await startStation(tempDir('rs-dl-'), site, 'dock-b', hq.publicPem);
    const acksA = await ackListener(site, 'dock-a');
    const acksB = await ackListener(site, 'dock-b');
    await push(site, 'all', 'rules', ruleDoc('2026.12.20-all'), { version: 20, key: hq.privateKey });
    expect(await acksA.next(is('rules', 'applied', 20), 'A applied')).toMatchObject({ target: 'all' });
    expect(await acksB.next(is('rules', 'applied', 20), 'B applied')).toMatchObject({ target: 'all' });
    expect([a.rules.active().version, b.rules.active().version]).toEqual(['2026.12.20-all', '2026.12.20-all']);

    // The catalog extras go to dock-a only: the shampoo box (fixtures/returns/catalog-extra.json) is unknown to dock-b.
    await push(site, 'dock-a', 'catalog', catalogPayload(CATALOG_EXTRA), { version: 1 });
    await acksA.next(is('catalog', 'applied', 1), 'A catalog');
    expect(a.catalog.get('14012345007401')?.unitsPerPack).toBe(6);
    // dock-b's station topic was never published: it sees nothing for it (a later `all` push proves the link is up).
    await push(site, 'all', 'catalog', catalogPayload(CATALOG), { version: 1 });
    await acksB.next(is('catalog', 'applied', 1), 'B catalog from all');
    expect(acksB.acks.filter((x) => x.kind === 'catalog' && x.target === 'dock-a')).toEqual([]);
    expect(b.catalog.get('14012345007401')).toBeUndefined();
    // catalog streams are per target: the `all` push at version 1 applies at dock-a too, beside its own version 1.
    await acksA.next((x) => x.kind === 'catalog' && x.target === 'all' && x.status === 'applied', 'A catalog from all');
  });

  it('catalog and expected returns from the downlink land in the station: the RMA can be looked up', async (t) => {
    if (!ok) return t.skip();
    const site = uniqueSite();
    const st = await startStation(tempDir('rs-dl-'), site, 'dock-1');
    const acks = await ackListener(site, 'dock-1');
    expect(lookupCaseCode(st.sdb.db, 'RMA-2001')).toBeUndefined();
    await push(site, 'dock-1', 'catalog', catalogPayload(CATALOG_EXTRA), { version: 1 });
    await push(site, 'dock-1', 'returns', returnsPayload(RETURNS), { version: 1 });
    await acks.next(is('catalog', 'applied', 1), 'catalog applied');
    await acks.next(is('returns', 'applied', 1), 'returns applied');
    // fixtures/returns/expected-returns.csv: RMA-2001 is order SO-2001; the coffee (catalog-extra.json) is lot-tracked.
    expect(lookupCaseCode(st.sdb.db, 'RMA-2001')).toEqual({ orderNo: 'SO-2001', rma: 'RMA-2001' });
    expect(lookupCaseCode(st.sdb.db, '1Z999AA10000004001')).toMatchObject({ orderNo: 'SO-4001' });
    expect(st.catalog.get('00614141009251')?.lotTracked).toBe(true);
    expect(storedProducts(st.sdb.db).map((p) => p.gtin).sort()).toEqual(['00614141009251', '14012345007401']);

    // A push with one bad row is refused whole: nothing of it lands, the earlier data stays.
    const csv = readFileSync(RETURNS, 'utf8').trimEnd() + '\nRMA-9999,SO-9999,,2026-12-01,bogus_reason,1,00614141000371,SKU-A,1,1,EA,1,,\n';
    await pushEnvelope(site, 'dock-1', 'returns', { kind: 'returns', version: 2, issuedAt: new Date().toISOString(), payload: { format: 'csv', text: csv } });
    const refused = await acks.next(is('returns', 'refused', 2), 'bad returns refused');
    expect(refused.code).toBe('DOWNLINK_RETURNS_INVALID');
    expect(refused.reason).toContain('line 14');
    expect(lookupCaseCode(st.sdb.db, 'RMA-9999')).toBeUndefined();
    expect(lookupCaseCode(st.sdb.db, 'RMA-2001')).toMatchObject({ orderNo: 'SO-2001' });
  });

  it('a restart neither re-applies nor rolls back what HQ pushed', async (t) => {
    if (!ok) return t.skip();
    const site = uniqueSite();
    const dir = tempDir('rs-dl-');
    const hq = keyPair();
    const first = await startStation(dir, site, 'dock-1', hq.publicPem);
    const acks = await ackListener(site, 'dock-1');
    await push(site, 'dock-1', 'rules', ruleDoc('2026.12.30'), { version: 30, key: hq.privateKey });
    await push(site, 'all', 'returns', returnsPayload(RETURNS), { version: 7 });
    await acks.next(is('rules', 'applied', 30), 'rules applied');
    await acks.next(is('returns', 'applied', 7), 'returns applied');
    await first.stop();
    acks.acks.length = 0;

    const again = await startStation(dir, site, 'dock-1', hq.publicPem);
    // Before any message: the pushed set is active again, not the configured file's.
    expect(again.rules.active().version).toBe('2026.12.30');
    // The retained messages come again on subscribe and are answered "ignored" with the version held.
    expect(await acks.next(is('rules', 'ignored', 30), 'rules ignored')).toMatchObject({ appliedVersion: 30 });
    expect(await acks.next(is('returns', 'ignored', 7), 'returns ignored')).toMatchObject({ appliedVersion: 7 });
    expect(acks.acks.filter((a) => a.status === 'applied')).toEqual([]);
    expect(downlinkLog(again.sdb).map((e) => `${e.kind}:${e.status}`).sort()).toEqual(['returns:applied', 'rules:applied']);
    expect(lookupCaseCode(again.sdb.db, 'RMA-2001')).toMatchObject({ orderNo: 'SO-2001' });
  });

  it('garbage on the downlink topics is refused with a code and never crashes the station', async (t) => {
    if (!ok) return t.skip();
    const site = uniqueSite();
    const hq = keyPair();
    const st = await startStation(tempDir('rs-dl-'), site, 'dock-1', hq.publicPem);
    const acks = await ackListener(site, 'dock-1');
    const garbage: Array<[DownlinkKind, string | Buffer]> = [
      ['rules', 'not json at all'],
      ['catalog', Buffer.from([0xff, 0xfe, 0x00, 0x01])],
      ['returns', 'null'],
      ['rules', '[1,2,3]'],
      ['catalog', JSON.stringify({ kind: 'catalog', version: -1, issuedAt: 'yesterday', payload: {} })],
      ['returns', JSON.stringify({ kind: 'rules', version: 1, issuedAt: new Date().toISOString(), payload: {} })],
      ['catalog', JSON.stringify({ kind: 'catalog', version: 1, issuedAt: new Date().toISOString(), payload: { products: [{ gtin: '123' }] } })],
      ['returns', JSON.stringify({ kind: 'returns', version: 1, issuedAt: new Date().toISOString(), payload: { format: 'xml', text: '<a/>' } })],
      ['rules', JSON.stringify({ kind: 'rules', version: 1, issuedAt: new Date().toISOString(), payload: {}, signature: 'AAAA' })],
    ];
    // The station is subscribed, so each message is delivered as it comes (only the last one per topic stays retained).
    for (const [i, [kind, payload]] of garbage.entries()) {
      await pushRaw(site, 'dock-1', kind, payload);
      await waitFor(() => acks.acks.length > i, 15_000, `ack for garbage #${i}`);
    }
    const codes = new Set(acks.acks.map((a) => a.code));
    expect(acks.acks.map((a) => a.status)).toEqual(garbage.map(() => 'refused'));
    // Each answer is filed under the topic it came on, even where the message claims another kind (a first user's
    // misfiled push overwrote the answer to the last real rules push at HQ).
    expect(acks.acks.map((a) => a.kind)).toEqual(garbage.map(([kind]) => kind));
    for (const c of ['DOWNLINK_NOT_JSON', 'DOWNLINK_BAD_ENVELOPE', 'DOWNLINK_KIND_MISMATCH', 'DOWNLINK_CATALOG_INVALID', 'DOWNLINK_BAD_SIGNATURE']) expect(codes).toContain(c);
    expect(st.rules.active().version).toBe(FILE_RULES_VERSION);
    // Still alive: a good push after the garbage is applied.
    await push(site, 'dock-1', 'catalog', catalogPayload(CATALOG_EXTRA), { version: 2 });
    await acks.next(is('catalog', 'applied', 2), 'catalog after garbage');
  });

  it('HQ ingest records the stations\' downlink acks; the CLI publishes a signed rule set a station applies', async (t) => {
    if (!ok) return t.skip();
    const site = uniqueSite();
    const dir = tempDir('rs-dl-');
    const cli = join(ROOT, 'bin/returns-station.js');
    const run = promisify(execFile);
    await run(process.execPath, [cli, 'hq', 'keygen', '--out', dir, '--json']);
    const st = await startStation(dir, site, 'dock-1', join(dir, 'hq-downlink.pub.pem'));
    const hqStore = new SqliteHqStore(join(dir, 'hq.db'));
    const ingest = new HqIngest({ url: URL, store: hqStore, workerId: `dl-${site}`, mqtt: { clean: true } });
    await ingest.start();
    cleanup.push(() => ingest.stop());
    retained.add(`returns/v1/_hq/dl-${site}/status`);
    const seen: DownlinkAckView[] = [];
    ingest.on('downlink-ack', (a: DownlinkAckView) => seen.push(a));
    retained.add(topics.downlink(site, 'dock-1', 'rules'));
    const out = await run(process.execPath, [cli, 'hq', 'publish-rules', RULES, '--site', site, '--target', 'dock-1', '--broker', URL, '--key', join(dir, 'hq-downlink.key.pem'), '--version', '42', '--json']);
    expect(JSON.parse(out.stdout)).toMatchObject({ ok: true, kind: 'rules', version: 42, signed: true });
    await waitFor(() => seen.some((a) => a.status === 'applied'), 15_000, 'HQ saw the ack');
    const ack = expect.objectContaining({ site, station: 'dock-1', kind: 'rules', version: 42, status: 'applied' });
    expect(await ingest.downlinkAcks()).toEqual([ack]);
    expect(st.downlink.status().applied).toEqual([expect.objectContaining({ kind: 'rules', version: 42 })]);
    // Kept in HQ's database: after HQ stops, `hq --stations` still shows what the station answered.
    await ingest.stop();
    const view = await run(process.execPath, [cli, 'hq', '--stations', '--db', join(dir, 'hq.db')]);
    expect((JSON.parse(view.stdout) as { downlinks: unknown[] }).downlinks).toEqual([ack]);
  }, 60_000);

  it('the subscriptions are issued again after the broker lost the station\'s session (broker restart)', async (t) => {
    if (!ok || !serviceGate('mosquitto binary', haveMosquitto())) return t.skip();
    // A private broker, because the shared one must not be restarted under other tests.
    const m = new TestMosquitto();
    await m.start();
    cleanup.push(() => m.stop());
    const site = uniqueSite();
    const st = await startStation(tempDir('rs-dl-'), site, 'dock-1', undefined, m.url);
    const watch = await mqtt.connectAsync(m.url, { protocolVersion: 5, clean: true, reconnectPeriod: 200 });
    cleanup.push(() => watch.endAsync(true));
    const acks: DownlinkAck[] = [];
    watch.on('message', (_t, p) => acks.push(JSON.parse(p.toString('utf8')) as DownlinkAck));
    watch.on('connect', () => void watch.subscribeAsync(topics.downlinkAck(site, 'dock-1'), { qos: 1 }));
    await watch.subscribeAsync(topics.downlinkAck(site, 'dock-1'), { qos: 1 });
    const env = (v: number): DownlinkEnvelope => buildDownlink('catalog', catalogPayload(CATALOG_EXTRA), { site, target: 'dock-1', version: v });
    await publishDownlink(env(1), { url: m.url, site, target: 'dock-1', kind: 'catalog' });
    await waitFor(() => acks.some(is('catalog', 'applied', 1)), 15_000, 'v1 applied');
    // Stopped and started: the station's clean session is gone with the connection.
    await m.stop();
    await m.start();
    // Only a re-issued subscription delivers v2: live if the station is back first, else as the retained message.
    await publishDownlink(env(2), { url: m.url, site, target: 'dock-1', kind: 'catalog' });
    await waitFor(() => st.downlink.status().applied.some((a) => a.kind === 'catalog' && a.version === 2), 20_000, 'v2 applied after the restart');
    expect(st.downlink.status().applied).toEqual([expect.objectContaining({ kind: 'catalog', version: 2 })]);
  }, 60_000);

  it('StationApp wires it: hq.publicKey from the config, a pushed rule set decides, /api/health shows the versions', async (t) => {
    if (!ok) return t.skip();
    const site = uniqueSite();
    const hq = keyPair();
    const config = parseConfig({ site, station: 'dock-1', dataDir: tempDir('rs-dl-app-'), readers: [], hq: { embedded: false, publicKey: hq.publicPem } });
    const app = new StationApp({ config, brokerUrl: URL, serveHttp: false });
    retained.add(topics.status(site, 'dock-1'));
    cleanup.push(() => app.stop());
    await app.start();
    await push(site, 'all', 'rules', ruleDoc('2026.12.40-app'), { version: 40, key: hq.privateKey });
    await waitFor(() => app.rules.active().version === '2026.12.40-app', 15_000, 'rules applied in the app');
    expect(app.health().downlink).toMatchObject({ publicKey: true, applied: [expect.objectContaining({ kind: 'rules', target: 'all', version: 40 })] });
    const scan = await app.submitScan({ code: '00614141000371', reason: 'changed_mind', grade: 'sealed' });
    expect(scan.ok && scan.item.ruleSet.version).toBe('2026.12.40-app');
  });
});
