/**
 * Returns workflow actions (issue 8): the one scan endpoint and the buttons. Every POST carries an idempotency key;
 * the answer is a WorkflowScanResponse (see src/server/api/workflow-types.ts), HTTP status from its error code.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { statusOf } from '../../station/core.js';
import type { Workflow } from '../../station/workflow.js';
import { NOTE_MAX_CHARS, type WorkflowScanResponse } from '../api/workflow-types.js';
import type { StationContext } from '../context.js';
import type { RouteModule } from '../http.js';

const key = z.string().min(1, 'idempotencyKey is empty').max(128);
const screen = z.string().min(1).max(64).regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, . _ - only').optional();
const answers = z.record(z.string().max(64), z.string().max(64)).optional();
/** A reason a supervisor or operator must give: blank ("   ") is no reason, as the screens' forms already say. */
const reason = (min: number): z.ZodType<string> => z.string().max(500).refine((s) => s.trim().length >= min, 'give a reason');

export const bodies = {
  scan: z.object({ code: z.string().min(1, 'the scanned code is empty').max(4096), idempotencyKey: key, screen, source: z.enum(['barcode', 'camera', 'rfid', 'keyboard']).optional(), symbology: z.string().max(8).optional(), pin: z.string().max(16).optional(), answers }).strict(),
  signIn: z.object({ badge: z.string().min(1).max(256), pin: z.string().max(16).optional(), screen, idempotencyKey: key }).strict(),
  signOut: z.object({ screen, idempotencyKey: key }).strict(),
  answer: z.object({ questionId: z.string().min(1).max(64), value: z.string().min(1).max(64), screen, idempotencyKey: key }).strict(),
  confirmBin: z.object({ label: z.string().min(1).max(128), screen, idempotencyKey: key }).strict(),
  correct: z.object({ kind: z.enum(['bin', 'grade']), bin: z.string().min(1).max(128).optional(), answers, reason: reason(1), screen, idempotencyKey: key }).strict(),
  close: z.object({ screen, idempotencyKey: key, confirmEmpty: z.boolean().optional() }).strict(),
  // One limit: NOTE_MAX_CHARS, on the note as stored (trimmed), the same the workflow's NOTE_TOO_LONG and the screen use.
  note: z.object({ note: z.string().refine((s) => s.trim().length <= NOTE_MAX_CHARS, `at most ${NOTE_MAX_CHARS} characters`), screen, idempotencyKey: key }).strict(),
  override: z.object({ code: z.string().min(1).max(128), reason: reason(3), supervisorBadge: z.string().min(1).max(256).optional(), supervisorPin: z.string().max(16).optional(), screen, idempotencyKey: key }).strict(),
  resolve: z.object({ resolution: z.enum(['accept', 'quarantine', 'return_to_customer']), reason: reason(3), supervisorBadge: z.string().min(1).max(256).optional(), supervisorPin: z.string().max(16).optional(), screen, idempotencyKey: key }).strict(),
  pack: z.object({ itemIds: z.array(z.string().min(1).max(128)).max(10_000).optional(), bin: z.string().min(1).max(64).optional(), screen, idempotencyKey: key }).strict(),
  handoff: z.object({ tote: z.string().min(1).max(128), department: z.string().min(1).max(64).optional(), receiverBadge: z.string().min(1).max(256).optional(), screen, idempotencyKey: key }).strict(),
  ack: z.object({ badge: z.string().min(1).max(256).optional(), screen, idempotencyKey: key }).strict(),
};

export function workflowOf(ctx: StationContext): Workflow {
  const wf = ctx.services.get('workflow') as Workflow | undefined;
  if (!wf) throw new Error('the workflow service is not running');
  return wf;
}

export function invalid(reply: FastifyReply, e: z.ZodError): FastifyReply {
  const i = e.issues[0];
  const message = `${i?.path.join('.') || 'body'}: ${i?.message ?? 'invalid'}`;
  return reply.status(400).send({ ok: false, kind: 'unknown', sound: 'error', error: { code: 'REQUEST_INVALID', message, text: { en: message, 'zh-CN': `请求无效：${message}` } } });
}

function send(reply: FastifyReply, r: WorkflowScanResponse): FastifyReply {
  // A badge locked after too many wrong PINs (429): when to try again, as /api/auth/login says it.
  const retry = !r.ok && r.error.code === 'PIN_LOCKED' ? (r.error.details as { retryAfterSec?: number } | undefined)?.retryAfterSec : undefined;
  if (retry !== undefined) void reply.header('Retry-After', String(retry));
  return reply.status(statusOf(r)).send(r);
}

type Params = { id: string };

function route<S extends z.ZodTypeAny>(app: FastifyInstance, path: string, schema: S, act: (body: z.infer<S>, params: Params) => Promise<WorkflowScanResponse>): void {
  app.post<{ Params: Params }>(path, async (req, reply) => {
    const parsed = schema.safeParse(req.body);
    if (!parsed.success) return invalid(reply, parsed.error);
    return send(reply, await act(parsed.data as z.infer<S>, req.params));
  });
}

const workflowRoutes: RouteModule<StationContext> = (app, ctx) => {
  const wf = (): Workflow => workflowOf(ctx);
  /** A button: one action, waiting without blocking while another program holds the database (BUG-52). */
  const post = <S extends z.ZodTypeAny>(a: FastifyInstance, path: string, schema: S, act: (body: z.infer<S>, params: Params) => WorkflowScanResponse): void =>
    route(a, path, schema, (b, p) => wf().stored((b as { screen?: string }).screen, () => act(b, p)));
  // Scans are group-committed with whatever else arrives in the same turn (one disk sync for a burst); the batch
  // waits the same way.
  route(app, '/api/workflow/scan', bodies.scan, (b) => wf().scanQueued(b));
  post(app, '/api/workflow/sign-in', bodies.signIn, (b) => wf().signIn(b));
  post(app, '/api/workflow/sign-out', bodies.signOut, (b) => wf().signOut(b));
  post(app, '/api/workflow/items/:id/answer', bodies.answer, (b, p) => wf().answer(p.id, b));
  post(app, '/api/workflow/items/:id/confirm-bin', bodies.confirmBin, (b, p) => wf().confirmBin(p.id, b));
  post(app, '/api/workflow/items/:id/correct', bodies.correct, (b, p) => wf().correct(p.id, b));
  post(app, '/api/workflow/items/:id/note', bodies.note, (b, p) => wf().note(p.id, b));
  post(app, '/api/workflow/cases/override', bodies.override, (b) => wf().override(b));
  post(app, '/api/workflow/cases/:id/close', bodies.close, (b, p) => wf().closeCase(p.id, b));
  post(app, '/api/workflow/exceptions/:id/resolve', bodies.resolve, (b, p) => wf().resolveException(p.id, b));
  post(app, '/api/workflow/totes/:id/pack', bodies.pack, (b, p) => wf().pack(p.id, b));
  post(app, '/api/workflow/handoffs', bodies.handoff, (b) => wf().handoff(b));
  post(app, '/api/workflow/handoffs/:id/ack', bodies.ack, (b, p) => wf().acknowledge(p.id, b));
};

export default workflowRoutes;
