import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { createLogger } from '../../core/logger.js';
import { cookieName } from '../auth/cookies.js';
import { LOGIN_CSS, LOGIN_HTML, LOGIN_JS } from '../auth/login-page.js';
import type { RouteModule } from '../http.js';
import type { StationContext } from '../context.js';

const log = createLogger('auth');

const loginBody = z.union([
  z.object({ user: z.string().min(1).max(64), pin: z.string().min(1).max(64) }).strict(),
  z.object({ badge: z.string().min(1).max(256) }).strict(),
]);

function clientKeys(req: FastifyRequest, who: string): string[] {
  return [`ip:${req.ip}`, `ip:${req.ip}|${who}`];
}

/** Sign-in, sign-out and "who am I" for the screens; the session cookie is HttpOnly, the CSRF token is returned here. */
const authRoutes: RouteModule<StationContext> = (app: FastifyInstance) => {
  const auth = app.stationAuth;
  const maxAgeSec = auth.settings.auth.sessionMaxHours * 3600;

  app.get('/login', async (_req, reply) => reply.type('text/html; charset=utf-8').header('Cache-Control', 'no-store').send(LOGIN_HTML));
  app.get('/login.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').send(LOGIN_JS));
  app.get('/login.css', async (_req, reply) => reply.type('text/css; charset=utf-8').send(LOGIN_CSS));

  app.post('/api/auth/login', async (req, reply) => {
    void reply.header('Cache-Control', 'no-store');
    const parsed = loginBody.safeParse(req.body);
    if (!parsed.success) return reply.status(400).send({ ok: false, error: { code: 'AUTH_BAD_REQUEST', message: 'Send a user and PIN, or a badge.' } });
    const who = 'badge' in parsed.data ? 'badge' : `user:${parsed.data.user}`;
    const keys = clientKeys(req, who);
    const wait = auth.throttle.retryAfterMs(keys);
    if (wait > 0) {
      return reply
        .status(429)
        .header('Retry-After', String(Math.ceil(wait / 1000)))
        .send({ ok: false, error: { code: 'AUTH_LOCKED', message: 'Too many wrong tries; wait a few minutes and try again.' } });
    }
    const outcome = await auth.users.authenticate(parsed.data);
    if (!outcome.ok) {
      auth.throttle.fail(keys);
      log.warn({ ip: req.ip, who }, 'sign-in refused');
      return reply.status(401).send({ ok: false, error: { code: 'AUTH_INVALID', message: 'User, PIN or badge not recognised.' } });
    }
    auth.throttle.succeed(keys);
    // A new session on every sign-in: a cookie planted before sign-in never becomes a signed-in one.
    auth.sessions.destroy(req.stationAccess?.token);
    const { token, session } = auth.sessions.create(outcome.user, outcome.method);
    log.info({ user: outcome.user.id, role: outcome.user.role, method: outcome.method, ip: req.ip }, 'signed in');
    return reply
      .header('Set-Cookie', auth.cookieFor(req, token, maxAgeSec))
      .send({ ok: true, user: outcome.user, csrfToken: session.csrfToken, expiresAt: auth.sessions.expiresAt(session) });
  });

  app.get('/api/auth/session', async (req, reply) => {
    void reply.header('Cache-Control', 'no-store');
    const a = req.stationAccess;
    const p = a?.principal;
    if (!p) return { authenticated: false, local: a?.local ?? false };
    return {
      authenticated: true,
      local: a?.local ?? false,
      via: p.via,
      role: p.role,
      ...(p.user ? { user: p.user } : {}),
      ...(a?.session ? { csrfToken: a.session.csrfToken, expiresAt: auth.sessions.expiresAt(a.session) } : {}),
    };
  });

  app.post('/api/auth/logout', async (req, reply) => {
    const a = req.stationAccess;
    auth.sessions.destroy(a?.token);
    const secure = a?.secure ?? false;
    return reply
      .header('Cache-Control', 'no-store')
      .header('Set-Cookie', `${cookieName(secure)}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`)
      .send({ ok: true });
  });
};

export default authRoutes;
