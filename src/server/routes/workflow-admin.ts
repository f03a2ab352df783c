/**
 * Returns workflow reads (screens, cases, exceptions, totes, handoffs, overview, config) and supervisor tools
 * (operators, imports). Types: src/server/api/workflow-types.ts.
 */
import { z } from 'zod';
import { isBusyError, retryWhileBusy } from '../../core/busy.js';
import { Refusal, storageBusyRefusal } from '../../station/core.js';
import { configView, listCases, listExceptions, listHandoffs, listTotes, overview, putOperator, runImport } from '../../station/queries.js';
import { requireRole } from '../auth/index.js';
import type { StationContext } from '../context.js';
import type { RouteModule } from '../http.js';
import { enumParam, limitParam, parseQuery, queryInvalid } from '../query.js';
import { invalid, workflowOf } from './workflow.js';

// Each list names its own statuses; anything else (a typo, a second value, an unknown parameter) is 400 REQUEST_INVALID.
const limit = limitParam(1000).optional();
const casesQuery = { status: enumParam(['open', 'closed']).optional(), limit };
const exceptionsQuery = { status: enumParam(['open', 'resolved']).optional(), limit };
const totesQuery = { status: enumParam(['open', 'handed_off', 'acknowledged']).optional(), limit };
const handoffsQuery = { status: enumParam(['pending', 'escalated', 'acknowledged']).optional(), limit };
const notFound = (what: string): { ok: false; error: { code: string; message: string } } => ({ ok: false, error: { code: `${what.toUpperCase()}_UNKNOWN`, message: `No such ${what}.` } });

const operatorBody = z
  .object({
    badge: z.string().min(1).max(256),
    displayName: z.string().min(1).max(128),
    role: z.enum(['operator', 'supervisor', 'admin']),
    pin: z.string().max(16).optional(),
    department: z.string().min(1).max(64).optional(),
    screen: z.string().max(64).optional(),
    idempotencyKey: z.string().min(1).max(128),
  })
  .strict();

const importBody = z
  .object({
    format: z.enum(['csv', 'json']),
    text: z.string().optional(),
    rows: z.array(z.unknown()).optional(),
    screen: z.string().max(64).optional(),
    idempotencyKey: z.string().min(1).max(128),
  })
  .strict()
  .refine((b) => (b.format === 'csv' ? typeof b.text === 'string' : Array.isArray(b.rows)), { message: 'csv needs "text", json needs "rows"' });

const workflowAdminRoutes: RouteModule<StationContext> = (app, ctx) => {
  const wf = () => workflowOf(ctx);
  const core = () => wf().core;

  app.get<{ Params: { id: string } }>('/api/workflow/screens/:id', async (req) => wf().screen(req.params.id));
  app.get('/api/workflow/config', async () => configView(core()));
  app.get('/api/workflow/overview', async () => overview(core()));

  app.get('/api/workflow/cases', async (req, reply) => {
    const q = parseQuery(casesQuery, req.query);
    if (!q.ok) return queryInvalid(reply, q);
    return { cases: listCases(core(), q.data.status, q.data.limit) };
  });
  app.get<{ Params: { id: string } }>('/api/workflow/cases/:id', async (req, reply) => wf().caseById(req.params.id) ?? reply.status(404).send(notFound('case')));
  app.get<{ Params: { id: string } }>('/api/workflow/items/:id', async (req, reply) => wf().item(req.params.id) ?? reply.status(404).send(notFound('item')));
  app.get('/api/workflow/exceptions', async (req, reply) => {
    const q = parseQuery(exceptionsQuery, req.query);
    if (!q.ok) return queryInvalid(reply, q);
    return { exceptions: listExceptions(core(), q.data.status, q.data.limit) };
  });
  app.get('/api/workflow/totes', async (req, reply) => {
    const q = parseQuery(totesQuery, req.query);
    if (!q.ok) return queryInvalid(reply, q);
    const totes = listTotes(core(), q.data.status);
    return { totes: q.data.limit === undefined ? totes : totes.slice(0, q.data.limit) };
  });
  app.get('/api/workflow/handoffs', async (req, reply) => {
    const q = parseQuery(handoffsQuery, req.query);
    if (!q.ok) return queryInvalid(reply, q);
    const handoffs = listHandoffs(core(), q.data.status);
    return { handoffs: q.data.limit === undefined ? handoffs : handoffs.slice(0, q.data.limit) };
  });

  app.post('/api/workflow/operators', { preHandler: requireRole('admin') }, async (req, reply) => {
    const b = operatorBody.safeParse(req.body);
    if (!b.success) return invalid(reply, b.error);
    try {
      // One transaction; tried again without blocking while another program holds the database (BUG-52).
      return { ok: true, operator: await retryWhileBusy(core().db, () => putOperator(core(), b.data, true)) };
    } catch (e) {
      if (e instanceof Refusal) return reply.status(e.wfCode === 'ROLE_REQUIRED' ? 403 : 400).send({ ok: false, error: e.toError() });
      if (isBusyError(e)) return reply.status(503).send({ ok: false, error: storageBusyRefusal().toError() });
      throw e;
    }
  });

  // Imports are large: a 50,000-line CSV is a few MB.
  for (const kind of ['returns', 'catalog'] as const) {
    app.post(`/api/workflow/import/${kind}`, { preHandler: requireRole('supervisor'), bodyLimit: 64 * 1024 * 1024 }, async (req, reply) => {
      const b = importBody.safeParse(req.body);
      if (!b.success) return invalid(reply, b.error);
      const src = b.data.format === 'csv' ? { format: 'csv' as const, text: b.data.text ?? '' } : { format: 'json' as const, rows: b.data.rows ?? [] };
      // One transaction: a busy database (BUG-52) fails it before any row is written, so it is simply run again.
      try {
        return await retryWhileBusy(core().db, () => runImport(core(), kind, src, { source: `http:${b.data.idempotencyKey}` }));
      } catch (e) {
        if (isBusyError(e)) return reply.status(503).send({ ok: false, error: storageBusyRefusal().toError() });
        throw e;
      }
    });
  }
};

export default workflowAdminRoutes;
