/**
 * Issue 6, "Golden cases must pass before a rule set can be activated; activation is recorded": activations from the
 * supervisor screen survive a restart of the station, every attempt is in the store's activation log, and a set
 * whose golden case fails is refused, recorded as refused, and the active set stays. Rule sets are the shipped
 * fixture (fixtures/rules/default.yaml) with their version changed, and its golden case for RTV broken on purpose.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { generateKeyPairSync } from 'node:crypto';
import mqtt from 'mqtt';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRules } from '../../src/app/rules-startup.js';
import { StationApp } from '../../src/app/station-app.js';
import { parseConfig } from '../../src/config/load.js';
import { isStationError } from '../../src/core/errors.js';
import type { ActivationRecord } from '../../src/rules/index.js';
import type { ScanResponse } from '../../src/server/api-types.js';
import type { ActivateResponse, RulesResponse } from '../../src/server/routes/supervisor-types.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/sync/broker.js';
import { openStationDb, recordDownlinkApplied, recordRuleActivation, ruleActivations, type StationDb } from '../../src/store/index.js';
import { buildDownlink, publishDownlink } from '../../src/hq/index.js';
import type { DownlinkAck } from '../../src/sync/downlink/index.js';
import { topics } from '../../src/sync/index.js';
import { freePort, portOpen, serviceGate } from '../support/services.js';

const RULES = join(import.meta.dirname, '..', '..', 'fixtures', 'rules', 'default.yaml');
/** fixtures/rules/default.yaml's own version */
const FILE_VERSION = '2026.12.1';
const RTV_CASE = 'defective headphones within 30 days, vendor takes returns → RTV';

type Doc = Record<string, unknown>;
const fixtureDoc = (): Doc => parse(readFileSync(RULES, 'utf8')) as Doc;

/** The shipped set under another version (which changes its hash); `breakRtv` makes its RTV golden case fail. */
function ruleText(version: string, o: { breakRtv?: boolean } = {}): string {
  const doc = fixtureDoc();
  doc.version = version;
  if (o.breakRtv) {
    const disp = (doc.tables as Array<{ id: string; rows: Array<{ id?: string; then: Doc }> }>).find((t) => t.id === 'disposition');
    const rtv = disp?.rows.find((r) => r.id === 'D08');
    if (!rtv) throw new Error('fixture changed: row D08 not found');
    rtv.then = { disposition: 'liquidate', bin: 'LIQUIDATION', nextDepartment: 'liquidation', priority: 1 };
  }
  return `# edited on the supervisor screen\n${stringify(doc)}`;
}

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'rs-activation-'));
  dirs.push(d);
  return d;
};
const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('activation through the supervisor API is recorded and survives a restart', () => {
  let broker: EmbeddedBroker | undefined;

  async function startApp(dataDir: string, rulesFile?: string): Promise<StationApp> {
    if (!broker) {
      const b = await startEmbeddedBroker({ port: await freePort(), host: '127.0.0.1' });
      broker = b;
      // Closed after the station (closers run in reverse), so the station's publisher stops against a live broker.
      closers.push(async () => {
        broker = undefined;
        await b.close();
      });
    }
    // No users configured: a request from this machine is admin, so it passes the supervisor guard.
    const app = new StationApp({ config: parseConfig({ dataDir, http: { port: 0 }, ...(rulesFile ? { rules: { file: rulesFile } } : {}) }), brokerUrl: broker.url, protocolVersion: 4 });
    await app.start();
    return app;
  }
  const call = async <T>(app: StationApp, method: 'GET' | 'POST', path: string, body?: object): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${app.httpUrl}${path}`, { method, ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
    return { status: res.status, body: (await res.json()) as T };
  };

  it('an activated set is active again after a restart on the same data folder, and the history lists it', async () => {
    const dir = tempDir();
    let app = await startApp(dir);
    closers.push(() => app.stop());
    expect(app.rules.active().version).toBe(FILE_VERSION);

    // A supervisor signed in on their screen is recorded by pseudonym, not by name.
    const key = (n: string): string => `act-${n}-${Date.now()}`;
    expect((await call(app, 'POST', '/api/workflow/operators', { idempotencyKey: key('op'), badge: 'B-900', displayName: 'Sue Visor', role: 'supervisor', pin: '4321' })).status).toBe(200);
    const signIn = await call<{ ok: boolean; operator?: { pseudonym: string } }>(app, 'POST', '/api/workflow/scan', { idempotencyKey: key('in'), code: 'B-900', pin: '4321', screen: 'sup-1' });
    expect(signIn.body.ok).toBe(true);
    const pseudonym = app.workflow.screen('sup-1').operator?.pseudonym;
    expect(pseudonym).toMatch(/^op-/);

    const act = await call<ActivateResponse>(app, 'POST', '/api/supervisor/rules/activate', { text: ruleText('2026.12.2'), reason: 'new RTV window for the season', screen: 'sup-1' });
    expect(act.status).toBe(200);
    expect(act.body).toMatchObject({ ok: true, record: { accepted: true, source: 'supervisor', by: pseudonym, ruleSet: { version: '2026.12.2' }, previous: { version: FILE_VERSION }, goldenFailed: 0 } });
    const active = { id: app.rules.active().id, version: app.rules.active().version, hash: app.rules.active().hash };
    expect(active.version).toBe('2026.12.2');

    await app.stop();
    closers.pop();
    app = await startApp(dir);
    closers.push(() => app.stop());
    expect({ id: app.rules.active().id, version: app.rules.active().version, hash: app.rules.active().hash }).toEqual(active);
    // Items are decided by the restored set.
    const scan = await call<ScanResponse>(app, 'POST', '/api/scans', { code: '04012345002966', reason: 'defective', grade: 'like_new' });
    expect(scan.status).toBe(200);
    expect(scan.body.ok && scan.body.item.ruleSet).toEqual(active);

    const rules = await call<RulesResponse>(app, 'GET', '/api/supervisor/rules');
    expect(rules.status).toBe(200);
    expect(rules.body.active.ref).toEqual(active);
    const h = rules.body.history;
    // Newest first: the supervisor's activation, then the file at the first start; the restart added nothing.
    expect(h.map((r) => `${r.source}:${r.ruleSet.version}:${r.accepted}`)).toEqual([`supervisor:2026.12.2:true`, `config:${FILE_VERSION}:true`]);
    expect(h[0]).toMatchObject({ by: pseudonym, reason: 'new RTV window for the season', ruleSet: active, hasText: true });
    expect(h[0]?.goldenPassed).toBeGreaterThanOrEqual(25);
    expect(JSON.stringify(h)).not.toContain('Sue Visor');
  }, 60_000);

  it('a set whose golden case fails is refused and recorded as refused; the active set stays, also after a restart', async () => {
    const dir = tempDir();
    let app = await startApp(dir);
    closers.push(() => app.stop());
    const before = app.rules.active();

    const res = await call<ActivateResponse>(app, 'POST', '/api/supervisor/rules/activate', { text: ruleText('2026.12.3', { breakRtv: true }), reason: 'try cheaper RTV handling' });
    expect(res.status).toBe(422);
    expect(res.body.ok).toBe(false);
    if (!res.body.ok) {
      expect(res.body.errors.map((e) => e.code)).toContain('RULES_GOLDEN_FAILED');
      expect(res.body.goldenFailures.map((f) => f.name)).toContain(RTV_CASE);
      expect(res.body.record).toMatchObject({ accepted: false, source: 'supervisor', ruleSet: { version: '2026.12.3' }, previous: { version: FILE_VERSION } });
    }
    expect(app.rules.active()).toBe(before);

    const listed = (await call<RulesResponse>(app, 'GET', '/api/supervisor/rules?history=1')).body.history;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ accepted: false, source: 'supervisor', ruleSet: { version: '2026.12.3' }, hasText: false });
    expect(listed[0]?.goldenFailed).toBe(1);
    expect(listed[0]?.errors.map((e) => e.code)).toEqual(['RULES_GOLDEN_FAILED']);

    await app.stop();
    closers.pop();
    app = await startApp(dir);
    closers.push(() => app.stop());
    expect(app.rules.active()).toMatchObject({ version: FILE_VERSION, hash: before.hash });
    const h = (await call<RulesResponse>(app, 'GET', '/api/supervisor/rules')).body.history;
    expect(h.map((r) => `${r.source}:${r.ruleSet.version}:${r.accepted}`)).toEqual(['supervisor:2026.12.3:false', `config:${FILE_VERSION}:true`]);
  }, 60_000);

  it('a bad request (reason too short, bad history limit) is refused with a code', async () => {
    const app = await startApp(tempDir());
    closers.push(() => app.stop());
    const r = await call<{ ok: false; error: { code: string } }>(app, 'POST', '/api/supervisor/rules/activate', { text: ruleText('2026.12.4'), reason: 'x' });
    expect(r).toMatchObject({ status: 400, body: { error: { code: 'RULES_BAD_REQUEST' } } });
    expect((await call<{ error: { code: string } }>(app, 'GET', '/api/supervisor/rules?history=0')).body.error.code).toBe('RULES_BAD_REQUEST');
    expect(app.rules.active().version).toBe(FILE_VERSION);
  }, 60_000);
});

/** startRules on a bare store: which set comes back, and what is recorded, when the file, the screen and HQ disagree. */
describe('start-up: the stored activation against the config file', () => {
  function store(): { sdb: StationDb; dir: string } {
    const dir = tempDir();
    const sdb = openStationDb(join(dir, 'station.db'));
    closers.push(() => sdb.close());
    return { sdb, dir };
  }
  const configFile = (dir: string, version: string, name = 'rules.yaml'): string => {
    const p = join(dir, name);
    writeFileSync(p, ruleText(version));
    return p;
  };
  const log = (sdb: StationDb): string[] => ruleActivations(sdb, 100).reverse().map((a) => `${a.source}:${a.version}:${a.accepted ? 'accepted' : (a.errors[0]?.code ?? 'refused')}`);

  it('first start records the file; an unchanged file on the next start records nothing', () => {
    const { sdb } = store();
    const a = startRules(sdb, RULES, { now: () => 1_000 });
    expect(a.chosen).toMatchObject({ from: 'config', ruleSet: { version: FILE_VERSION } });
    const b = startRules(sdb, RULES);
    expect(b.chosen.from).toBe('config');
    expect(log(sdb)).toEqual([`config:${FILE_VERSION}:accepted`]);
    expect(b.registry.history()).toHaveLength(1);
  });

  it('a supervisor\'s set stays over an unchanged file; a newer file replaces it; an older changed file is recorded once as not used', () => {
    const { sdb, dir } = store();
    const file = configFile(dir, '2026.12.1');
    const first = startRules(sdb, file);
    expect(first.registry.activate(ruleText('2026.12.5'), { source: 'supervisor', by: 'op-1', reason: 'season' }).ok).toBe(true);

    expect(startRules(sdb, file).registry.active().version).toBe('2026.12.5');

    const older = configFile(dir, '2026.12.4');
    const o = startRules(sdb, older);
    expect(o.chosen.from).toBe('stored');
    expect(o.registry.active().version).toBe('2026.12.5');
    expect(startRules(sdb, older).registry.active().version).toBe('2026.12.5');

    const newer = configFile(dir, '2026.12.10');
    const n = startRules(sdb, newer);
    expect(n.chosen.from).toBe('config');
    expect(n.registry.active().version).toBe('2026.12.10');
    expect(log(sdb)).toEqual(['config:2026.12.1:accepted', 'supervisor:2026.12.5:accepted', 'config:2026.12.4:RULES_CONFIG_NOT_NEWER', 'config:2026.12.10:accepted']);
  });

  it('a set that came from the file is replaced by the changed file whatever its version', () => {
    const { sdb, dir } = store();
    startRules(sdb, configFile(dir, '2026.12.7'));
    const r = startRules(sdb, configFile(dir, '2026.12.6'));
    expect(r.registry.active().version).toBe('2026.12.6');
    expect(log(sdb)).toEqual(['config:2026.12.7:accepted', 'config:2026.12.6:accepted']);
  });

  it('HQ\'s downlink goes through the same registry and record; a later supervisor activation wins after a restart', () => {
    const { sdb } = store();
    const reg = startRules(sdb, RULES).registry;
    // What src/sync/downlink/apply.ts does for a verified push: activate with source downlink, then keep its version.
    const hq = fixtureDoc();
    hq.version = '2026.12.20-hq';
    expect(reg.activate(hq, { source: 'downlink', by: 'hq-downlink', reason: 'downlink all version 20' }).ok).toBe(true);
    recordDownlinkApplied(sdb, { stream: 'rules', kind: 'rules', target: 'all', version: 20, issuedAt: new Date(0).toISOString(), appliedAt: 1, hash: 'x', payload: JSON.stringify(hq) });
    expect(startRules(sdb, RULES).registry.active().version).toBe('2026.12.20-hq');

    expect(reg.activate(ruleText('2026.12.21'), { source: 'supervisor', by: 'op-2', reason: 'local fix' }).ok).toBe(true);
    const again = startRules(sdb, RULES);
    expect(again.registry.active().version).toBe('2026.12.21');
    expect(again.history().map((h) => `${h.source}:${h.ruleSet.version}`)).toEqual(['supervisor:2026.12.21', 'downlink:2026.12.20-hq', `config:${FILE_VERSION}`]);
  });

  it('a store from before the activation log brings back HQ\'s last pushed set', () => {
    const { sdb } = store();
    const hq = fixtureDoc();
    hq.version = '2026.12.30-hq';
    recordDownlinkApplied(sdb, { stream: 'rules', kind: 'rules', target: 'all', version: 30, issuedAt: new Date(0).toISOString(), appliedAt: 1, hash: 'x', payload: JSON.stringify(hq) });
    const r = startRules(sdb, RULES);
    expect(r.chosen).toMatchObject({ from: 'stored', ruleSet: { version: '2026.12.30-hq' } });
  });

  it('a stored set that no longer passes its golden cases is recorded as refused and the file is used', () => {
    const { sdb } = store();
    startRules(sdb, RULES);
    // As if the engine changed under a stored set: its text now fails a golden case.
    recordRuleActivation(sdb, {
      at: 2, ruleSetId: 'default-general-merchandise', version: '2026.12.40', hash: 'stale', source: 'supervisor', by: 'op-3', reason: 'r', accepted: true,
      previous: null, goldenPassed: 30, goldenFailed: 0, errors: [], text: ruleText('2026.12.40', { breakRtv: true }),
    });
    const r = startRules(sdb, RULES);
    expect(r.chosen).toMatchObject({ from: 'config', ruleSet: { version: FILE_VERSION } });
    expect(log(sdb).slice(-2)).toEqual(['supervisor:2026.12.40:RULES_GOLDEN_FAILED', `config:${FILE_VERSION}:accepted`]);
  });

  it('a file that does not load, or fails its golden cases on a fresh store, stops the start with a code', () => {
    const { sdb, dir } = store();
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'id: broken\nversion: 1\nfacts: {}\ntables: []\n');
    const code = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        return isStationError(e) ? e.code : 'not a StationError';
      }
      return undefined;
    };
    expect(code(() => startRules(sdb, broken))).toBe('RULES_CONFIG_INVALID');
    const failing = join(dir, 'failing.yaml');
    writeFileSync(failing, ruleText('2026.12.50', { breakRtv: true }));
    expect(code(() => startRules(sdb, failing))).toBe('RULES_GOLDEN_FAILED');
    expect(log(sdb)).toEqual(['config:2026.12.50:RULES_GOLDEN_FAILED']);
  });

  it('an accepted activation the store cannot record does not become active', () => {
    const { sdb } = store();
    const reg = startRules(sdb, RULES).registry;
    sdb.db.exec('CREATE TRIGGER no_more BEFORE INSERT ON rule_activations BEGIN SELECT RAISE(ABORT, \'disk full\'); END;');
    let err: unknown;
    try {
      reg.activate(ruleText('2026.12.60'), { source: 'supervisor', by: 'op-4', reason: 'x' });
    } catch (e) {
      err = e;
    }
    expect(isStationError(err) && err.code).toBe('RULES_ACTIVATION_NOT_STORED');
    expect(reg.active().version).toBe(FILE_VERSION);
    // A refusal that cannot be recorded is still a plain refusal.
    const refused = reg.activate(ruleText('2026.12.61', { breakRtv: true }), { source: 'supervisor' });
    expect(refused.ok).toBe(false);
    expect((reg.history() as ActivationRecord[]).map((h) => h.ruleSet.version)).toContain('2026.12.61');
  });
});

/** The downlink and the supervisor screen share one record: neither undoes the other's later choice on a restart. */
describe('HQ downlink and supervisor activations, one record (Mosquitto)', () => {
  const URL = 'mqtt://127.0.0.1:1883';
  let ok = false;
  beforeAll(async () => {
    ok = serviceGate('mosquitto', await portOpen(1883));
  });

  it('a pushed set, then a supervisor\'s set: after a restart the supervisor\'s stays and the history lists both', async (t) => {
    if (!ok) return t.skip();
    const site = `act-${process.pid}-${Date.now().toString(36)}`;
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const config = parseConfig({ site, station: 'dock-1', dataDir: tempDir(), readers: [], hq: { embedded: false, publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() } });
    const c = await mqtt.connectAsync(URL, { protocolVersion: 5, clean: true, reconnectPeriod: 0 });
    const acks: DownlinkAck[] = [];
    c.on('message', (_t, p) => acks.push(JSON.parse(p.toString('utf8')) as DownlinkAck));
    await c.subscribeAsync(topics.downlinkAck(site, 'dock-1'), { qos: 1 });
    closers.push(async () => {
      // Retained messages of this test's site are cleared so they never reach another run.
      for (const topic of [topics.downlink(site, 'all', 'rules'), topics.status(site, 'dock-1')]) await c.publishAsync(topic, '', { qos: 1, retain: true });
      await c.endAsync();
    });
    const waitAck = async (status: string, version: number): Promise<void> => {
      const until = Date.now() + 15_000;
      while (!acks.some((a) => a.kind === 'rules' && a.status === status && a.version === version)) {
        if (Date.now() > until) throw new Error(`no ${status} ack for rules version ${version}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    let app = new StationApp({ config, brokerUrl: URL, serveHttp: false });
    closers.push(() => app.stop());
    await app.start();
    const doc = fixtureDoc();
    doc.version = '2026.12.40-hq';
    await publishDownlink(buildDownlink('rules', doc, { site, target: 'all', version: 40, privateKey }), { url: URL, site, target: 'all', kind: 'rules' });
    await waitAck('applied', 40);
    expect(app.rules.active().version).toBe('2026.12.40-hq');
    expect(app.rules.activate(ruleText('2026.12.41-local'), { source: 'supervisor', by: 'op-9', reason: 'local fix' }).ok).toBe(true);
    await app.stop();
    closers.pop();

    acks.length = 0;
    app = new StationApp({ config, brokerUrl: URL, serveHttp: false });
    closers.push(() => app.stop());
    await app.start();
    // The retained push comes again and is only answered: it neither re-applies nor replaces the supervisor's set.
    await waitAck('ignored', 40);
    expect(app.rules.active().version).toBe('2026.12.41-local');
    expect(ruleActivations(app.sdb).map((a) => `${a.source}:${a.version}:${a.accepted}`)).toEqual(['supervisor:2026.12.41-local:true', 'downlink:2026.12.40-hq:true', `config:${FILE_VERSION}:true`]);
  }, 60_000);
});
