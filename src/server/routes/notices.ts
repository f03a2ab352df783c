/**
 * BUG-47 / BUG-54 for the supervisor screens: the outbox with blocked events counted apart (and listed), and the
 * acknowledgement of a start-up recovery. The station builds the services (src/app/station-app.ts).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { outboxStats } from '../../store/index.js';
import type { BlockedEventView, RecoveryNoticeView } from '../api-types.js';
import { principalOf, requireRole } from '../auth/index.js';
import type { StationContext } from '../context.js';
import type { RouteModule } from '../http.js';
import type { SyncResponse } from './supervisor-types.js';

function service<T>(ctx: StationContext, name: string): T | undefined {
  const f = ctx.services.get(name);
  return typeof f === 'function' ? (f as T) : undefined;
}

/** The Sync tab's outbox: "not yet confirmed" without the blocked events, which are listed on their own. */
export function syncOutboxView(ctx: StationContext): Pick<SyncResponse, 'outbox' | 'blocked' | 'maxEventBytes'> {
  const s = outboxStats(ctx.sdb);
  const blocked = service<() => BlockedEventView[]>(ctx, 'sync.blocked')?.() ?? [];
  const max = service<() => number | undefined>(ctx, 'sync.maxEventBytes')?.();
  return { outbox: { ...s, depth: s.depth - s.blockedOversize }, blocked, ...(max !== undefined ? { maxEventBytes: max } : {}) };
}

/** The pseudonym of the supervisor signed in on the asking screen, else who the request is from. */
function whoAcknowledges(ctx: StationContext, req: Parameters<typeof principalOf>[0], screen: string | undefined): string {
  const wf = ctx.services.get('workflow') as { screen?: (name: string) => { operator?: { pseudonym: string; role?: string } } } | undefined;
  const op = screen !== undefined && typeof wf?.screen === 'function' ? wf.screen(screen).operator : undefined;
  if (op && (op.role === 'supervisor' || op.role === 'admin')) return op.pseudonym;
  const p = principalOf(req);
  return p?.user ? p.user.id : `${p?.via ?? 'unknown'}@${ctx.config.station}`;
}

const ackBody = z.object({ screen: z.string().min(1).max(64).regex(/^[A-Za-z0-9_.-]+$/).optional() }).strict();

const noticeRoutes: RouteModule<StationContext> = (app: FastifyInstance, ctx: StationContext) => {
  app.post('/api/supervisor/recovery/ack', { preHandler: requireRole('supervisor') }, async (req, reply) => {
    const p = ackBody.safeParse(req.body ?? {});
    if (!p.success) return reply.status(400).send({ ok: false, error: { code: 'REQUEST_INVALID', message: `screen: ${p.error.issues[0]?.message ?? 'invalid'}`, details: { field: 'screen' } } });
    const ack = service<(by: string) => RecoveryNoticeView | undefined>(ctx, 'recovery.acknowledge');
    const n = ack?.(whoAcknowledges(ctx, req, p.data.screen));
    if (!n) return reply.status(404).send({ ok: false, error: { code: 'NO_RECOVERY', message: 'The station database was never recovered at start-up: there is nothing to acknowledge.' } });
    return { ok: true, recovery: n };
  });
};

export default noticeRoutes;
