import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { createLogger } from '../../core/logger.js';
import { cookieName, readCookie, sessionCookie } from './cookies.js';
import { isLoopbackAddress, isLoopbackHostHeader, isTrustedProxy } from './net.js';
import { roleAtLeast, SessionStore, type Role, type Session, type SessionUser } from './sessions.js';
import type { AccessSettings } from './settings.js';
import { LoginThrottle } from './throttle.js';
import { UserDirectory } from './users.js';

const log = createLogger('auth');

export interface Principal {
  role: Role;
  via: 'loopback' | 'session';
  user?: SessionUser | undefined;
}

/** What the access hook found out about one request; route modules read it as `req.stationAccess`. */
export interface RequestAccess {
  /** From this machine, not forwarded, addressed to a loopback name. */
  local: boolean;
  secure: boolean;
  principal: Principal | undefined;
  session: Session | undefined;
  token: string | undefined;
}

/** The station's access control, shared with routes/auth.ts through `app.stationAuth`. */
export interface AccessControl {
  settings: AccessSettings;
  sessions: SessionStore;
  users: UserDirectory;
  throttle: LoginThrottle;
  cookieFor(req: FastifyRequest, token: string, maxAgeSec: number): string;
}

declare module 'fastify' {
  interface FastifyRequest {
    stationAccess: RequestAccess | null;
  }
  interface FastifyInstance {
    stationAuth: AccessControl;
  }
}

export const CSRF_HEADER = 'x-csrf-token';

/** Routes anyone may reach: the sign-in page and the sign-in API. Matched on Fastify's route pattern, not the raw URL. */
const PUBLIC = new Set(['GET /login', 'GET /login.js', 'GET /login.css', 'POST /api/auth/login', 'GET /api/auth/session']);
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

function deny(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.status(status).header('Cache-Control', 'no-store').send({ ok: false, error: { code, message } });
}

function sameToken(a: string | undefined, b: string): boolean {
  if (typeof a !== 'string' || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/** 'absent', or whether the Origin names this very server (host and port as the browser addressed it). */
export function originMatches(origin: string | undefined, host: string, secure: boolean): boolean | 'absent' {
  if (origin === undefined) return 'absent';
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return false;
  }
  if (secure && u.protocol !== 'https:') return false;
  return u.host.toLowerCase() === host.toLowerCase();
}

function forwarded(req: FastifyRequest): boolean {
  const h = req.headers;
  return h['x-forwarded-for'] !== undefined || h.forwarded !== undefined || h['x-real-ip'] !== undefined;
}

export function installAccessControl(app: FastifyInstance, settings: AccessSettings): AccessControl {
  const sessions = new SessionStore({ idleMs: settings.auth.sessionIdleMinutes * 60_000, maxMs: settings.auth.sessionMaxHours * 3_600_000 });
  const users = new UserDirectory(settings.auth.users);
  const throttle = new LoginThrottle(settings.auth.maxLoginFailures);
  // With nobody configured there is nobody to sign in as: this machine is the only client, with every right.
  const loopbackRole: Role = users.size === 0 ? 'admin' : settings.auth.loopbackRole;

  const isSecure = (req: FastifyRequest): boolean =>
    settings.tls !== undefined || (isTrustedProxy(req.socket.remoteAddress, settings.behindProxy) && req.protocol === 'https');

  const control: AccessControl = {
    settings,
    sessions,
    users,
    throttle,
    cookieFor: (req, token, maxAgeSec) => {
      const secure = isSecure(req);
      return sessionCookie(cookieName(secure), token, { maxAgeSec, secure });
    },
  };
  app.decorate('stationAuth', control);
  app.decorateRequest('stationAccess', null);

  app.addHook('onRequest', async (req, reply) => {
    const peer = req.socket.remoteAddress;
    const local = isLoopbackAddress(peer) && !forwarded(req) && isLoopbackHostHeader(req.headers.host);
    const viaProxy = isTrustedProxy(peer, settings.behindProxy) && forwarded(req);
    const secure = isSecure(req);
    if (settings.tls) void reply.header('Strict-Transport-Security', 'max-age=31536000');

    // Behind a TLS proxy without TLS of our own, a LAN client talking to us directly would do so in clear text.
    if (!local && !viaProxy && !settings.tls && !isLoopbackAddress(peer)) {
      return deny(reply, 403, 'HTTP_USE_PROXY', 'Open the station through its HTTPS address, not directly.');
    }

    const token = readCookie(req.headers.cookie, cookieName(secure));
    const session = sessions.get(token);
    const principal: Principal | undefined = session
      ? { role: session.user.role, via: 'session', user: session.user }
      : local
        ? { role: loopbackRole, via: 'loopback' }
        : undefined;
    req.stationAccess = { local, secure, principal, session, token: session ? token : undefined };

    const method = req.method.toUpperCase();
    const isPublic = PUBLIC.has(`${method} ${req.routeOptions.url ?? ''}`);
    const upgrade = (req.headers.upgrade ?? '').toLowerCase() === 'websocket';

    // Cross-site requests: a state change or a WebSocket from another origin is refused whoever is signed in.
    if (!SAFE.has(method) || upgrade) {
      const o = originMatches(req.headers.origin, req.host, secure);
      if (o === false || (o === 'absent' && !local && (upgrade || isPublic || session !== undefined))) {
        log.warn({ method, url: req.url, origin: req.headers.origin, ip: req.ip }, 'cross-origin request refused');
        return deny(reply, 403, 'AUTH_BAD_ORIGIN', 'This request came from another site and was refused.');
      }
    }

    if (isPublic) return;
    if (!principal) {
      const wantsPage = method === 'GET' && !upgrade && !req.url.startsWith('/api/') && (req.headers.accept ?? '').includes('text/html');
      if (wantsPage) return reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303);
      return deny(reply, 401, 'AUTH_REQUIRED', 'Sign in first (badge or PIN).');
    }
    // A cookie alone proves nothing about which page sent the request: a state change also carries the session's token.
    if (session && !local && !SAFE.has(method) && !sameToken(req.headers[CSRF_HEADER] as string | undefined, session.csrfToken)) {
      return deny(reply, 403, 'AUTH_CSRF', 'The page is out of date; reload it and try again.');
    }
  });

  return control;
}

/** A preHandler for route modules: `app.post('/x', { preHandler: requireRole('supervisor') }, …)`. */
export function requireRole(need: Role): preHandlerAsyncHookHandler {
  return async function (req, reply) {
    const p = req.stationAccess?.principal;
    if (!p) return deny(reply, 401, 'AUTH_REQUIRED', 'Sign in first (badge or PIN).');
    if (!roleAtLeast(p.role, need)) return deny(reply, 403, 'AUTH_FORBIDDEN', `This needs a ${need}; ask one to sign in.`);
  };
}

export function principalOf(req: FastifyRequest): Principal | undefined {
  return req.stationAccess?.principal;
}
