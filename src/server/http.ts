import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { isBusyError, STORAGE_BUSY_HINT, STORAGE_BUSY_TEXT } from '../core/busy.js';
import { createLogger } from '../core/logger.js';
import { accessSettingsFrom, createFastify, installAccessControl, type AccessSettings } from './auth/index.js';
import type { HealthReport, ItemView, LiveMessage, ScanRequest, ScanResponse } from './api-types.js';
import { parseQuery, queryInvalid, zodIssueMessage } from './query.js';

const log = createLogger('http');

/** What the server needs from the station; the composition root provides it. */
export interface StationApi {
  health(): HealthReport;
  submitScan(req: ScanRequest): Promise<ScanResponse>;
  recentItems(limit: number): ItemView[];
  hello(): LiveMessage;
  subscribe(listener: (msg: LiveMessage) => void): () => void;
}

const scanBody = z
  .object({
    code: z.string().min(1, 'the scanned code is empty').max(4096, 'the scanned code is longer than any barcode'),
    source: z.enum(['barcode', 'camera']).optional(),
    symbology: z.string().max(8).optional(),
    reason: z.string().max(64).optional(),
    grade: z.string().max(64).optional(),
    daysSinceDelivery: z.number().int().min(0).max(36500).optional(),
    rma: z.string().max(64).optional(),
    // Left out means "no key"; an empty or blank key is a client bug (an unset variable), not a request for none.
    idempotencyKey: z.string().max(128).regex(/\S/, 'must not be empty or blank; leave it out to send the scan without a key').optional(),
  })
  .strict();

/** `GET /api/items?limit=`: default 100; more than this is served as this many. */
export const ITEMS_DEFAULT_LIMIT = 100;
export const ITEMS_MAX_LIMIT = 1000;

/** The `limit` of GET /api/items: a whole number ≥ 1 (above the maximum: the maximum), or an error message. */
export function itemsLimit(query: unknown): { ok: true; limit: number } | { ok: false; message: string } {
  const raw = query !== null && typeof query === 'object' ? (query as Record<string, unknown>).limit : undefined;
  if (raw === undefined) return { ok: true, limit: ITEMS_DEFAULT_LIMIT };
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || Number(raw) < 1) {
    const shown = Array.isArray(raw) ? `${raw.length} values` : JSON.stringify(raw);
    return { ok: false, message: `limit: expected a whole number from 1 to ${ITEMS_MAX_LIMIT} (got ${shown}); leave it out for the latest ${ITEMS_DEFAULT_LIMIT}` };
  }
  return { ok: true, limit: Math.min(Number(raw), ITEMS_MAX_LIMIT) };
}

/** The project's error answer, `{"ok":false,"error":{code,message}}`. */
const errorBody = (code: string, message: string): { ok: false; error: { code: string; message: string } } => ({ ok: false, error: { code, message } });

/**
 * A route module: registers its routes on the app. Areas add theirs as files under src/server/routes/ and list
 * them in routes/index.ts; the context object is the station's wiring (see src/app/station-app.ts).
 */
export type RouteModule<Ctx> = (app: FastifyInstance, ctx: Ctx) => Promise<void> | void;

/** The health answer when the station's own figures cannot be read: only `database.ok: false` is known for sure. */
function databaseDown(): HealthReport {
  return {
    ok: false,
    station: { site: '', station: '', version: '', uptimeSec: 0 },
    readers: [],
    broker: { connected: false, url: '' },
    outbox: { depth: 0, unsent: 0, blockedOversize: 0 },
    database: { ok: false, path: '', items: 0 },
  };
}

export async function createHttpServer<Ctx>(api: StationApi, opts: { uiDir?: string | undefined; routes?: Array<RouteModule<Ctx>>; ctx?: Ctx; access?: AccessSettings }): Promise<FastifyInstance> {
  // Access control (src/server/auth): refuses a clear-text LAN bind, serves TLS, and checks every request first.
  const access = opts.access ?? accessSettingsFrom(opts.ctx);
  const app = createFastify(access, { logger: false, bodyLimit: 64 * 1024 });
  await app.register(fastifyWebsocket);
  installAccessControl(app, access);

  app.addHook('onSend', async (_req, reply, payload) => {
    // The page loads nothing from elsewhere and nothing inline (styles are set through the CSSOM, charts draw on a
    // canvas); the camera decoder's wasm is compiled from our own origin.
    reply.header('Content-Security-Policy', "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'");
    reply.header('X-Content-Type-Options', 'nosniff');
    return payload;
  });

  app.setErrorHandler((error: { statusCode?: number; message?: string; code?: string }, req, reply) => {
    // BUG-52: a write that found the database held by another program, on any route: a typed, retryable answer
    // (the routes that write wait and retry first; this is what is left when one did not, never a bare INTERNAL).
    if (isBusyError(error)) {
      log.warn({ url: req.url }, 'storage busy: the request stored nothing');
      void reply.status(503).send({ ok: false, error: { code: 'STORAGE_BUSY', message: STORAGE_BUSY_TEXT.en, text: STORAGE_BUSY_TEXT, hint: STORAGE_BUSY_HINT } });
      return;
    }
    // A route that still parses with a throwing zod schema: the field is named, 400, never INTERNAL at error level.
    if (error instanceof z.ZodError) {
      const { field, message } = zodIssueMessage(error);
      log.warn({ url: req.url, field }, 'request refused: invalid input');
      void reply.status(400).send({ ok: false, error: { code: 'REQUEST_INVALID', message, details: { field } } });
      return;
    }
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) log.error({ err: error }, 'request failed');
    // A body that is not JSON at all is a malformed request like any other: on /api/scans the README promises
    // SCAN_INVALID, elsewhere REQUEST_INVALID, with a message a person can act on.
    if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      const scans = (req.url.split('?')[0] ?? '') === '/api/scans';
      void reply.status(400).send(errorBody(scans ? 'SCAN_INVALID' : 'REQUEST_INVALID', 'The request body is not valid JSON; nothing was stored.'));
      return;
    }
    const code = status === 413 ? 'REQUEST_TOO_LARGE' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : status === 404 ? 'NOT_FOUND' : status >= 500 ? 'INTERNAL' : 'BAD_REQUEST';
    void reply.status(status).send(errorBody(code, status >= 500 ? (req.method === 'GET' ? 'The station hit an internal problem answering this request. Try again.' : 'The station hit an internal problem; the request was not completed. Try again.') : error.message ?? 'bad request'));
  });

  // An unknown API path answers in the API's own shape with a stable code; other paths (the page and its files) keep
  // Fastify's answer, as before.
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? req.url;
    if (path === '/api' || path.startsWith('/api/')) {
      return reply.status(404).send(errorBody('NOT_FOUND', `No API route ${req.method} ${path}. The routes are listed in README.md, "The HTTP API".`));
    }
    return reply.status(404).send({ message: `Route ${req.method}:${req.url} not found`, error: 'Not Found', statusCode: 404 });
  });

  app.get('/api/health', async (_req, reply) => {
    let h: HealthReport;
    try {
      h = api.health();
    } catch (e) {
      // health() reads its figures from SQLite: failing here means the database failed under a running server. Said
      // as such, the screens show their full-screen database message; a bare 500 left them working on while the live
      // socket stayed open, as if nothing were wrong.
      log.error({ err: e }, 'health check failed: the database cannot be read');
      return reply.status(503).send(databaseDown());
    }
    return reply.status(h.ok ? 200 : 503).send(h);
  });

  app.get('/api/items', async (req, reply) => {
    // limit keeps its own rule (above the maximum: the maximum); any other parameter is refused by name.
    const other = parseQuery({ limit: z.unknown().optional() }, req.query);
    if (!other.ok) return queryInvalid(reply, other);
    const q = itemsLimit(req.query);
    if (!q.ok) return reply.status(400).send({ ok: false, error: { code: 'REQUEST_INVALID', message: q.message, details: { field: 'limit' } } });
    return { items: api.recentItems(q.limit) };
  });

  app.post('/api/scans', async (req, reply) => {
    const parsed = scanBody.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') || undefined;
      return reply.status(400).send({ ok: false, error: { code: 'SCAN_INVALID', message: `${field ?? 'body'}: ${issue?.message ?? 'invalid'}`, ...(field ? { details: { field } } : {}) } });
    }
    const res = await api.submitScan(parsed.data);
    // 409 like the workflow API: the key was already used for another scan; 503: the database was busy (BUG-52),
    // nothing stored, send the same request again; anything else refused is unprocessable.
    const status = res.ok ? 200 : res.error.code === 'IDEMPOTENCY_CONFLICT' ? 409 : res.error.code === 'STORAGE_BUSY' ? 503 : 422;
    return reply.status(status).send(res);
  });

  app.register(async (scope) => {
    scope.get('/api/live', { websocket: true }, (socket) => {
      socket.send(JSON.stringify(api.hello()));
      const off = api.subscribe((msg) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(msg));
      });
      socket.on('close', off);
      socket.on('error', off);
    });
  });

  for (const mod of opts.routes ?? []) await mod(app, opts.ctx as Ctx);

  if (opts.uiDir && existsSync(opts.uiDir)) {
    await app.register(fastifyStatic, { root: opts.uiDir, prefix: '/' });
  } else {
    app.get('/', async (_req, reply) =>
      reply.type('text/plain').send('The station runs, but the web UI is not built. Run `npm run build:ui` (npm start does this for you).'),
    );
  }
  return app;
}
