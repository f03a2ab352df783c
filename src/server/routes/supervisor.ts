/**
 * Supervisor routes: rule sets (tables, golden cases, replay diff, activation), workload figures and forecast,
 * devices, sync / HQ link, CSV export. Also the operator's own workload figures (the break nudge).
 *
 * Access: every /api/supervisor route needs the supervisor role (src/server/auth: a session, or this machine when
 * the site gives loopback that role).
 */
import { mkdtempSync, rmSync, createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { loadRuleSet, parseSince, replay, runGoldenCases, type ActivationRecord, type CompiledRuleSet, type ReplaySource, type StoredCase } from '../../rules/index.js';
import { retryWhileBusy } from '../../core/busy.js';
import { isStationError } from '../../core/errors.js';
import { exportItemsCsv } from '../../store/index.js';
import { operatorView, supervisorView, type DayForecast, type Snapshot } from '../../workload/index.js';
import type { DeviceView, SyncView } from '../api-types.js';
import type { StationContext } from '../context.js';
import { principalOf, requireRole, roleAtLeast } from '../auth/index.js';
import type { RouteModule } from '../http.js';
import { limitParam, parseQuery, queryInvalid, zodIssueMessage } from '../query.js';
import { ruleSetView } from './rules-view.js';
import { syncOutboxView } from './notices.js';
import type {
  ActivateResponse, DeviceRow, DevicesResponse, ForecastResponse, GoldenView, OperatorWorkloadResponse, ReplayResponse, RulesResponse,
  SyncResponse, WorkloadResponse,
} from './supervisor-types.js';

/** What a registered `workload` service must offer (a WorkloadMonitor does). */
interface WorkloadLike {
  snapshot(now?: number): Snapshot;
  forecast(day: string | number | Date): DayForecast;
}

function workloadOf(ctx: StationContext): WorkloadLike | undefined {
  const w = ctx.services.get('workload') as Partial<WorkloadLike> | undefined;
  return typeof w?.snapshot === 'function' && typeof w.forecast === 'function' ? (w as WorkloadLike) : undefined;
}

/**
 * Per-person workload figures only where the site allows it: the `workload.perPerson` service flag (set by the
 * station from its config), else the config itself; off unless the site says so (issue 10, privacy).
 */
function perPersonAllowed(ctx: StationContext): boolean {
  const flag = ctx.services.get('workload.perPerson');
  if (typeof flag === 'boolean') return flag;
  return ctx.config.workload?.perPerson === true;
}

/** Who is signed in on a workflow screen (the `workflow` service); undefined when nobody or no workflow runs. */
function operatorOnScreen(ctx: StationContext, screen: string): string | undefined {
  const wf = ctx.services.get('workflow') as { screen?: (name: string) => { operator?: { pseudonym: string } } } | undefined;
  if (typeof wf?.screen !== 'function') return undefined;
  return wf.screen(screen).operator?.pseudonym;
}

type ReadRates = Record<string, { readsPerMin: number; byAntenna: Record<string, number> }>;

/** The station's `readers.rates` service (src/app/station-app.ts); absent on a station without readers. */
function readRatesOf(ctx: StationContext): ReadRates {
  const f = ctx.services.get('readers.rates');
  return typeof f === 'function' ? (f as () => ReadRates)() : {};
}

function goldenView(rs: CompiledRuleSet): GoldenView {
  const g = runGoldenCases(rs);
  return { ref: { id: rs.id, version: rs.version, hash: rs.hash }, total: rs.golden.length, passed: g.passed, failed: g.failed.map((f) => ({ name: f.name, mismatches: f.mismatches })) };
}

/** The station's own decided items as replay input (same query as the CLI's SqliteReplaySource). */
function storeSource(ctx: StationContext): ReplaySource {
  return {
    *cases(opts: { sinceMs?: number }): Iterable<StoredCase> {
      const stmt = ctx.sdb.prepare(
        'SELECT id, created_at, facts_json, decision_json FROM items WHERE created_at >= ? AND facts_json IS NOT NULL AND decision_json IS NOT NULL ORDER BY created_at, id',
      );
      for (const row of stmt.iterate(opts.sinceMs ?? 0) as Iterable<{ id: string; created_at: number; facts_json: string; decision_json: string }>) {
        try {
          yield { caseId: row.id, facts: JSON.parse(row.facts_json) as StoredCase['facts'], decision: JSON.parse(row.decision_json) as StoredCase['decision'], decidedAt: row.created_at };
        } catch {
          /* a row whose JSON does not parse cannot be replayed; it is skipped like the CLI does */
        }
      }
    },
  };
}

const candidateBody = z.object({ text: z.string().min(1, 'the rule set is empty').max(2_000_000), since: z.string().max(16).optional() }).strict();
const activateBody = z
  .object({
    text: z.string().min(1).max(2_000_000),
    reason: z.string().trim().min(3, 'give a reason (at least 3 characters)').max(500),
    // The supervisor screen the request comes from: whoever is signed in there is recorded as its pseudonym.
    screen: z.string().min(1).max(64).regex(/^[A-Za-z0-9_.-]+$/).optional(),
  })
  .strict();
const rulesQuery = { history: limitParam(1000, '50') };
const forecastQuery = { day: z.string({ error: 'give it once' }).regex(/^\d{4}-\d{2}-\d{2}$/, 'must look like 2026-03-14').optional() };
const exportQuery = { since: z.string({ error: 'give it once' }).max(16, 'a period like 30d, 12h or 2w').optional() };

/** The pseudonym of a supervisor or admin signed in on a workflow screen; an operator there does not activate rules. */
function supervisorOnScreen(ctx: StationContext, screen: string): string | undefined {
  const wf = ctx.services.get('workflow') as { screen?: (name: string) => { operator?: { pseudonym: string; role?: string } } } | undefined;
  if (typeof wf?.screen !== 'function') return undefined;
  const op = wf.screen(screen).operator;
  return op && (op.role === 'supervisor' || op.role === 'admin') ? op.pseudonym : undefined;
}

/** The station's persisted activation log (`rules.history`, src/app/rules-startup.ts); absent where nothing persists. */
function rulesHistoryOf(ctx: StationContext): ((limit: number) => ActivationRecord[]) | undefined {
  const f = ctx.services.get('rules.history');
  return typeof f === 'function' ? (f as (limit: number) => ActivationRecord[]) : undefined;
}

function bad(reply: FastifyReply, code: string, message: string, status = 400): FastifyReply {
  return reply.status(status).send({ ok: false, error: { code, message } });
}

/** A malformed rules body: RULES_BAD_REQUEST naming the field (`reason: give a reason …`, not zod's "Invalid input"). */
function badBody(reply: FastifyReply, e: z.ZodError): FastifyReply {
  const { field, message } = zodIssueMessage(e);
  return reply.status(400).send({ ok: false, error: { code: 'RULES_BAD_REQUEST', message, details: { field } } });
}

const supervisorRoutes: RouteModule<StationContext> = (app: FastifyInstance, ctx: StationContext) => {
  // Latest device and sync states as pushed on the live bus (readers start after the routes are registered).
  const devices = new Map<string, DeviceRow>();
  let lastSync: SyncView | null = null;
  ctx.bus.on('live', (m) => {
    if (m.type === 'device') devices.set(m.device.id, { ...m.device, updatedAt: Date.now() });
    else if (m.type === 'sync') lastSync = m.sync;
  });

  const guard = requireRole('supervisor');
  // Recorded with every activation, so a pseudonym or login id, never a display name (names stay on the station's screens).
  const by = (req: FastifyRequest, screen: string | undefined): string => {
    const onScreen = screen === undefined ? undefined : supervisorOnScreen(ctx, screen);
    if (onScreen) return onScreen;
    const p = principalOf(req);
    return p?.user ? p.user.id : `${p?.via ?? 'unknown'}@${ctx.config.station}`;
  };

  app.get('/api/supervisor/rules', { preHandler: guard }, async (req, reply): Promise<RulesResponse | FastifyReply> => {
    const q = parseQuery(rulesQuery, req.query);
    // history keeps its own code (RULES_BAD_REQUEST); an unknown parameter is REQUEST_INVALID like on every route.
    if (!q.ok) return queryInvalid(reply, q.field === 'history' ? { field: 'history', message: 'history: a number of entries from 1 to 1000' } : q, q.field === 'history' ? 'RULES_BAD_REQUEST' : 'REQUEST_INVALID');
    const rs = ctx.rules.active();
    // Newest first; from the store when the station persists activations, so it spans restarts.
    const stored = rulesHistoryOf(ctx);
    const history = stored ? stored(q.data.history) : [...ctx.rules.history()].reverse().slice(0, q.data.history);
    return { active: ruleSetView(rs), golden: goldenView(rs), history };
  });

  app.post('/api/supervisor/rules/replay', { preHandler: guard }, async (req, reply) => {
    const p = candidateBody.safeParse(req.body);
    if (!p.success) return badBody(reply, p.error);
    const loaded = loadRuleSet(p.data.text);
    if (!loaded.ok) return { ok: false, errors: loaded.errors } satisfies ReplayResponse;
    let sinceMs: number | undefined;
    if (p.data.since) {
      const span = parseSince(p.data.since);
      if (span === null) return bad(reply, 'RULES_BAD_SINCE', `"${p.data.since}" is not a period like 30d, 12h or 2w`);
      sinceMs = Date.now() - span;
    }
    const report = await replay(loaded.ruleSet, storeSource(ctx), sinceMs === undefined ? {} : { sinceMs });
    return { ok: true, candidate: ruleSetView(loaded.ruleSet), golden: goldenView(loaded.ruleSet), replay: report } satisfies ReplayResponse;
  });

  app.post('/api/supervisor/rules/activate', { preHandler: guard }, async (req, reply) => {
    const p = activateBody.safeParse(req.body);
    if (!p.success) return badBody(reply, p.error);
    let r: ReturnType<typeof ctx.rules.activate>;
    try {
      // Nothing changes when the activation cannot be recorded, so a busy database (BUG-52) is simply tried again,
      // without blocking the station; still busy: STORAGE_BUSY (503).
      r = await retryWhileBusy(ctx.sdb.db, () => ctx.rules.activate(p.data.text, { source: 'supervisor', by: by(req, p.data.screen), reason: p.data.reason }));
    } catch (e) {
      // The registry refuses to switch when the store cannot record it (RULES_ACTIVATION_NOT_STORED); the set stays.
      if (isStationError(e)) return reply.status(503).send({ ok: false, error: e.toJSON() });
      throw e;
    }
    const body: ActivateResponse = r.ok
      ? { ok: true, record: r.record }
      : { ok: false, errors: r.errors, goldenFailures: r.goldenFailures.map((f) => ({ name: f.name, mismatches: f.mismatches })), record: r.record };
    return reply.status(r.ok ? 200 : 422).send(body);
  });

  app.get('/api/supervisor/workload', { preHandler: guard }, async (): Promise<WorkloadResponse> => {
    const w = workloadOf(ctx);
    if (!w) return { available: false, reason: 'Workload figures are not running on this station.' };
    const perPerson = perPersonAllowed(ctx);
    return { available: true, perPerson, snapshot: supervisorView(w.snapshot(), perPerson) };
  });

  app.get('/api/supervisor/workload/forecast', { preHandler: guard }, async (req, reply): Promise<ForecastResponse | FastifyReply> => {
    const w = workloadOf(ctx);
    if (!w) return { available: false, reason: 'Workload figures are not running on this station.' };
    const q = parseQuery(forecastQuery, req.query);
    if (!q.ok) return queryInvalid(reply, q, q.field === 'day' ? 'WORKLOAD_BAD_DAY' : 'REQUEST_INVALID');
    const day = q.data.day ?? new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    try {
      return { available: true, forecast: w.forecast(day) };
    } catch (e) {
      return bad(reply, (e as { code?: string }).code ?? 'WORKLOAD_FORECAST_FAILED', (e as Error).message, 422);
    }
  });

  // One operator's figures: a supervisor may see anyone's; otherwise only the operator signed in on the asking screen
  // (`?screen=`, default main) sees their own, so a kiosk or an operator's login cannot read a colleague's pace.
  const screenQuery = { screen: z.string({ error: 'give it once' }).min(1).max(64).regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, . _ - only').default('main') };
  app.get('/api/workload/operator/:operator', { preHandler: requireRole('operator') }, async (req, reply): Promise<OperatorWorkloadResponse | FastifyReply> => {
    const w = workloadOf(ctx);
    const op = String((req.params as { operator?: string }).operator ?? '');
    const p = principalOf(req);
    if (!p || !roleAtLeast(p.role, 'supervisor')) {
      const q = parseQuery(screenQuery, req.query);
      if (!q.ok) return queryInvalid(reply, q);
      if (op === '' || operatorOnScreen(ctx, q.data.screen) !== op) {
        return reply.status(403).header('Cache-Control', 'no-store').send({ ok: false, error: { code: 'AUTH_FORBIDDEN', message: 'Only a supervisor, or the operator signed in on this screen, may see these figures.' } });
      }
    }
    if (!w || op === '') return { available: false, figures: null, nudge: null };
    return { available: true, ...operatorView(w.snapshot(), op) };
  });

  app.get('/api/supervisor/devices', { preHandler: guard }, async (): Promise<DevicesResponse> => {
    const rates = readRatesOf(ctx);
    const rows: DeviceRow[] = ctx.config.readers.map((rc) => {
      const live: DeviceView | undefined = devices.get(rc.id);
      const rate = rates[rc.id];
      return {
        id: rc.id, kind: 'rfid', status: live?.status ?? 'unknown', ...(live?.detail ? { detail: live.detail } : {}), ...(live?.hint ? { hint: live.hint } : {}), zones: rc.zones, protocol: rc.protocol, transport: rc.transport,
        ...(devices.get(rc.id)?.updatedAt ? { updatedAt: devices.get(rc.id)?.updatedAt } : {}),
        ...(rate ? { readsPerMin: rate.readsPerMin, readsByAntenna: rate.byAntenna } : {}),
      };
    });
    for (const d of devices.values()) if (!rows.some((r) => r.id === d.id)) rows.push(d);
    return { devices: rows, scannerLayout: ctx.config.scanner.layout };
  });

  app.get('/api/supervisor/sync', { preHandler: guard }, async (): Promise<SyncResponse> => {
    // Blocked events apart from "not yet confirmed", each listed (BUG-47).
    return { sync: lastSync, ...syncOutboxView(ctx), site: ctx.config.site, station: ctx.config.station };
  });

  app.get('/api/supervisor/export/items.csv', { preHandler: guard }, async (req, reply) => {
    const q = parseQuery(exportQuery, req.query);
    if (!q.ok) return queryInvalid(reply, q);
    // A period the station cannot read was once ignored (the whole history exported); now it is refused by name.
    const span = q.data.since ? parseSince(q.data.since) : null;
    if (q.data.since !== undefined && span === null) return queryInvalid(reply, { field: 'since', message: `since: "${q.data.since}" is not a period like 30d, 12h or 2w` });
    const dir = mkdtempSync(join(tmpdir(), 'rs-export-'));
    const file = join(dir, 'items.csv');
    await exportItemsCsv(ctx.sdb, file, span === null ? {} : { sinceMs: Date.now() - span });
    const stream = createReadStream(file);
    stream.on('close', () => rmSync(dir, { recursive: true, force: true }));
    const name = `items-${ctx.config.station}-${new Date().toISOString().slice(0, 10)}.csv`;
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).send(stream);
  });
};

export default supervisorRoutes;
