/**
 * Workload API and the station config's `workload:` section (issue 10): per-person figures only where the site
 * allows them, thresholds from the config, and an operator's own figures only for that operator or a supervisor.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workloadMonitorConfig } from '../../app/workload-service.js';
import type { Catalog } from '../../catalog/catalog.js';
import { parseConfig } from '../../config/load.js';
import type { StationConfig } from '../../config/schema.js';
import { TypedBus } from '../../core/bus.js';
import type { RuleRegistry } from '../../rules/index.js';
import { openStationDb, type StationDb } from '../../store/index.js';
import { WorkloadMonitor } from '../../workload/index.js';
import type { LiveMessage } from '../api-types.js';
import { hashSecret } from '../auth/secrets.js';
import type { StationContext } from '../context.js';
import { createHttpServer, type StationApi } from '../http.js';
import supervisorRoutes from './supervisor.js';
import type { OperatorWorkloadResponse, WorkloadResponse } from './supervisor-types.js';

const api: StationApi = {
  health: () => ({ ok: true }) as unknown as ReturnType<StationApi['health']>,
  submitScan: async () => ({ ok: true }) as unknown as Awaited<ReturnType<StationApi['submitScan']>>,
  recentItems: () => [],
  hello: () => ({ type: 'hello' }) as unknown as ReturnType<StationApi['hello']>,
  subscribe: () => () => undefined,
};

const MIN = 60_000;
const NOW = Date.parse('2026-12-03T12:00:00Z');

/** Two operators working without a pause: Ana for `anaMin` minutes, Bo for 30, an item every 3 minutes. */
function monitor(cfg: StationConfig, anaMin = 120): WorkloadMonitor {
  const m = new WorkloadMonitor(null, workloadMonitorConfig(cfg.workload, cfg.station), { clock: () => NOW });
  m.start();
  const events: Array<{ at: number; operator: string; kind: string }> = [];
  for (const [op, minutes] of [['op-ana', anaMin], ['op-bo', 30]] as const) {
    events.push({ at: NOW - minutes * MIN, operator: op, kind: 'sign_in' });
    for (let t = NOW - minutes * MIN + 3 * MIN; t <= NOW; t += 3 * MIN) events.push({ at: t, operator: op, kind: 'scan' }, { at: t, operator: op, kind: 'item_done' });
  }
  events.sort((a, b) => a.at - b.at);
  for (const e of events) m.ingest({ ...e, station: cfg.station, intake: 'barcode' });
  return m;
}

async function server(cfg: StationConfig, screens: Record<string, string>): Promise<{ app: FastifyInstance; sdb: StationDb }> {
  const sdb = openStationDb(':memory:');
  const services = new Map<string, unknown>();
  services.set('workload', monitor(cfg));
  // As src/app/station-app.ts does: the site's privacy choice from the config.
  services.set('workload.perPerson', cfg.workload.perPerson);
  // Only the part of the workflow the route reads: who is signed in on which screen.
  services.set('workflow', { screen: (name: string) => (screens[name] ? { operator: { pseudonym: screens[name] } } : {}) });
  const ctx: StationContext = {
    config: cfg,
    sdb,
    // Not used by the workload routes.
    catalog: {} as unknown as Catalog,
    rules: {} as unknown as RuleRegistry,
    bus: new TypedBus<{ live: LiveMessage }>(),
    services,
  };
  const users = [
    { id: 'sam', name: 'Sam', role: 'supervisor' as const, pinHash: await hashSecret('4821', { N: 1024, r: 8, p: 1 }) },
    { id: 'bo', role: 'operator' as const, pinHash: await hashSecret('1111', { N: 1024, r: 8, p: 1 }) },
  ];
  const app = await createHttpServer<StationContext>(api, {
    routes: [supervisorRoutes],
    ctx,
    access: { host: '127.0.0.1', behindProxy: ['10.0.0.1'], auth: { users, sessionIdleMinutes: 30, sessionMaxHours: 12, loopbackRole: 'operator', maxLoginFailures: 5 } },
  });
  return { app, sdb };
}

const cookie = (app: FastifyInstance, role: 'supervisor' | 'operator', id: string): string => `rs_session=${app.stationAuth.sessions.create({ id, role }, 'pin').token}`;

describe('station config: workload section', () => {
  it('defaults: aggregated only, HQ message every 60 s, workload thresholds untouched', () => {
    const cfg = parseConfig({});
    expect(cfg.workload).toEqual({ perPerson: false, utcOffsetMin: 0, metricsIntervalSec: 60 });
    expect(workloadMonitorConfig(cfg.workload, 'st-1')).toEqual({ station: 'st-1', utcOffsetMin: 0 });
  });

  it('refuses unknown or wrong keys with a message naming them', () => {
    expect(() => parseConfig({ workload: { breakAfter: 60 } })).toThrow(/workload\.breakAfter: unknown setting/);
    expect(() => parseConfig({ workload: { breakAfterMin: '60' } })).toThrow(/workload\.breakAfterMin: /);
    expect(() => parseConfig({ workload: { perPerson: 'yes' } })).toThrow(/workload\.perPerson: /);
    expect(() => parseConfig({ workload: { metricsIntervalSec: -1 } })).toThrow(/workload\.metricsIntervalSec: /);
    expect(() => parseConfig({ workload: { idleGapBreakMin: 30, breakAfterMin: 30 } })).toThrow(/workload\.idleGapBreakMin: a break/);
  });

  it('a lower breakAfterMin fires the break signal earlier', () => {
    const codes = (cfg: StationConfig): string[] => monitor(cfg, 60).snapshot().operators.find((o) => o.operator === 'op-ana')?.signals.map((s) => s.code) ?? [];
    // 60 minutes of continuous work: nothing with the default (110), BREAK_DUE at 45.
    expect(codes(parseConfig({}))).not.toContain('BREAK_DUE');
    expect(codes(parseConfig({ workload: { breakAfterMin: 45, breakSoonMin: 5 } }))).toContain('BREAK_DUE');
    const snap = monitor(parseConfig({ workload: { breakAfterMin: 45 } }), 60).snapshot();
    expect(snap.operators.find((o) => o.operator === 'op-ana')?.signals.find((s) => s.code === 'BREAK_DUE')?.message.en).toBe('1 h 0 min without a break');
  });
});

describe('supervisor workload API', () => {
  let closed: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of closed) await c();
    closed = [];
  });
  const start = async (raw: Record<string, unknown>, screens: Record<string, string> = {}): Promise<FastifyInstance> => {
    const { app, sdb } = await server(parseConfig(raw), screens);
    closed.push(async () => {
      await app.close();
      sdb.close();
    });
    return app;
  };

  it('perPerson false (the default): no per-person figures, only counts per signal', async () => {
    const app = await start({});
    const r = await app.inject({ url: '/api/supervisor/workload', headers: { cookie: cookie(app, 'supervisor', 'sam') } });
    expect(r.statusCode).toBe(200);
    const body = r.json<WorkloadResponse>();
    expect(body.available).toBe(true);
    if (!body.available) return;
    expect(body.perPerson).toBe(false);
    expect(body.snapshot.operators).toEqual([]);
    expect(body.snapshot.signalCounts.BREAK_DUE).toBe(1);
    expect(r.body).not.toContain('op-ana');
    expect(r.body).not.toContain('op-bo');
  });

  it('perPerson true: the supervisor sees each operator', async () => {
    const app = await start({ workload: { perPerson: true } });
    const body = (await app.inject({ url: '/api/supervisor/workload', headers: { cookie: cookie(app, 'supervisor', 'sam') } })).json<WorkloadResponse>();
    expect(body.available && body.perPerson && body.snapshot.operators.map((o) => o.operator)).toEqual(['op-ana', 'op-bo']);
  });

  describe('GET /api/workload/operator/:operator', () => {
    let app: FastifyInstance;
    beforeAll(async () => {
      app = await start({}, { main: 'op-ana', 'screen-2': 'op-bo' });
    });

    it('the operator signed in on the asking screen gets their own figures and nudge', async () => {
      const r = await app.inject({ url: '/api/workload/operator/op-ana?screen=main' });
      expect(r.statusCode).toBe(200);
      const body = r.json<OperatorWorkloadResponse>();
      expect(body.figures?.operator).toBe('op-ana');
      expect(body.nudge?.en).toMatch(/without a break/);
      // `screen` defaults to the kiosk's main screen.
      expect((await app.inject({ url: '/api/workload/operator/op-ana' })).statusCode).toBe(200);
    });

    it('a colleague\'s figures are refused to the kiosk and to an operator login', async () => {
      const kiosk = await app.inject({ url: '/api/workload/operator/op-bo?screen=main' });
      expect(kiosk.statusCode).toBe(403);
      expect(kiosk.json<{ error: { code: string } }>().error.code).toBe('AUTH_FORBIDDEN');
      expect(kiosk.body).not.toContain('itemsPerHour');
      const asOperator = await app.inject({ url: '/api/workload/operator/op-bo?screen=main', headers: { cookie: cookie(app, 'operator', 'bo') } });
      expect(asOperator.statusCode).toBe(403);
      // Nobody signed in on that screen: nobody's figures.
      expect((await app.inject({ url: '/api/workload/operator/op-ana?screen=screen-9' })).statusCode).toBe(403);
      expect((await app.inject({ url: '/api/workload/operator/op-ana?screen=../x' })).statusCode).toBe(400);
    });

    it('a signed-in supervisor sees any operator', async () => {
      const r = await app.inject({ url: '/api/workload/operator/op-bo', headers: { cookie: cookie(app, 'supervisor', 'sam') } });
      expect(r.statusCode).toBe(200);
      expect(r.json<OperatorWorkloadResponse>().figures?.operator).toBe('op-bo');
    });

    it('a client that is not signed in gets 401', async () => {
      const r = await app.inject({ url: '/api/workload/operator/op-ana', remoteAddress: '10.0.0.1', headers: { 'x-forwarded-for': '10.0.0.77', host: 'station.example' } });
      expect(r.statusCode).toBe(401);
      expect(r.json<{ error: { code: string } }>().error.code).toBe('AUTH_REQUIRED');
    });
  });
});
