/**
 * Access control over real HTTP and HTTPS (and Fastify inject with a spoofed remote address for LAN clients).
 * The TLS certificate is made by openssl for each run; nothing secret is kept in the repository.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { AuthConfig, UserConfig } from '../../config/schema.js';
import { hasCommand } from '../../../test/support/services.js';
import { createHttpServer, type StationApi } from '../http.js';
import authRoutes from '../routes/auth.js';
import type { StationContext } from '../context.js';
import { requireRole } from './guard.js';
import { hashSecret } from './secrets.js';
import type { AccessSettings } from './settings.js';

const FAST = { N: 1024, r: 8, p: 1 };
// Strict: nothing inline (no 'unsafe-inline' for scripts or styles), nothing from another origin.
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'";
const LAN = '10.20.30.40';

const api: StationApi = {
  health: () => ({ ok: true }) as unknown as ReturnType<StationApi['health']>,
  submitScan: async (req) => ({ ok: true, item: { id: `item-${req.code}` } }) as unknown as Awaited<ReturnType<StationApi['submitScan']>>,
  recentItems: () => [],
  hello: () => ({ type: 'hello' }) as unknown as ReturnType<StationApi['hello']>,
  subscribe: () => () => undefined,
};

/** A route only supervisors may call, as the supervisor screens' routes will be. */
const supervisorRoute = (app: FastifyInstance): void => {
  app.post('/api/test/override', { preHandler: requireRole('supervisor') }, async () => ({ ok: true }));
};

let users: UserConfig[];
let dir: string;
let tls: { cert: string; key: string } | undefined;
const hasOpenssl = hasCommand('openssl');
const lanIp = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

function auth(over: Partial<AuthConfig> = {}): AuthConfig {
  return { users, sessionIdleMinutes: 30, sessionMaxHours: 12, loopbackRole: 'operator', maxLoginFailures: 5, ...over };
}

async function server(access: AccessSettings): Promise<FastifyInstance> {
  return createHttpServer<StationContext>(api, { routes: [authRoutes, supervisorRoute], access });
}

beforeAll(async () => {
  users = [
    { id: 'ana', name: 'Ana', role: 'supervisor', pinHash: await hashSecret('4821', FAST) },
    { id: 'bo', role: 'operator', badgeHash: await hashSecret('EMP-00042', FAST) },
  ];
  dir = mkdtempSync(join(tmpdir(), 'rs-tls-'));
  if (hasOpenssl) {
    const san = `subjectAltName=DNS:localhost,IP:127.0.0.1${lanIp ? `,IP:${lanIp}` : ''}`;
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', san], { stdio: 'ignore' });
    tls = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
  } else {
    console.warn('SKIP: openssl is not installed; the TLS tests are skipped');
  }
});

describe('loopback, no users (the demo)', () => {
  let app: FastifyInstance;
  let base: string;
  beforeAll(async () => {
    app = await server({ host: '127.0.0.1', behindProxy: false, auth: { ...auth(), users: [] } });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const a = app.server.address();
    base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  });
  afterAll(async () => app.close());

  it('needs no sign-in from this machine, and keeps the strict CSP on every answer', async () => {
    const items = await fetch(`${base}/api/items`);
    expect(items.status).toBe(200);
    expect(items.headers.get('content-security-policy')).toBe(CSP);
    const scan = await fetch(`${base}/api/scans`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: '4006381333931' }) });
    expect(scan.status).toBe(200);
    const session = (await (await fetch(`${base}/api/auth/session`)).json()) as { role: string; via: string; local: boolean };
    expect(session).toMatchObject({ authenticated: true, via: 'loopback', role: 'admin', local: true });
    expect((await fetch(`${base}/login`)).headers.get('content-security-policy')).toBe(CSP);
  });

  it('a page from another site cannot post to the station, even on this machine', async () => {
    const res = await fetch(`${base}/api/scans`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'http://evil.example' }, body: JSON.stringify({ code: '4006381333931' }) });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('AUTH_BAD_ORIGIN');
    const same = await fetch(`${base}/api/scans`, { method: 'POST', headers: { 'content-type': 'application/json', origin: base }, body: JSON.stringify({ code: '4006381333931' }) });
    expect(same.status).toBe(200);
  });

  it('a WebSocket from another site is refused; from the station page it opens', async () => {
    const ws = base.replace('http', 'ws') + '/api/live';
    const refused = await new Promise<number>((resolve) => {
      const s = new WebSocket(ws, { origin: 'http://evil.example' });
      s.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      s.on('open', () => resolve(101));
    });
    expect(refused).toBe(403);
    const first = await new Promise<string>((resolve, reject) => {
      const s = new WebSocket(ws, { origin: base });
      s.on('message', (m: Buffer) => {
        s.close();
        resolve(m.toString());
      });
      s.on('error', reject);
    });
    expect(JSON.parse(first)).toEqual({ type: 'hello' });
  });

  it('a request to 127.0.0.1 under a foreign Host name is not trusted (DNS rebinding)', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/items', headers: { host: 'rebind.evil.example:8080' } });
    expect(res.statusCode).toBe(401);
  });
});

describe('binding beyond loopback', () => {
  it('is refused without TLS or a proxy', async () => {
    await expect(server({ host: '0.0.0.0', behindProxy: false, auth: auth() })).rejects.toMatchObject({ code: 'HTTP_BIND_REFUSED' });
  });

  it('names the unreadable TLS file', async () => {
    await expect(server({ host: '0.0.0.0', behindProxy: false, tls: { cert: '/nonexistent/cert.pem', key: '/nonexistent/key.pem' }, auth: auth() })).rejects.toMatchObject({
      code: 'HTTP_TLS_UNREADABLE',
      details: { key: 'http.tls.cert' },
    });
  });
});

describe.skipIf(!hasOpenssl)('LAN clients under TLS (inject with a LAN remote address)', () => {
  let app: FastifyInstance;
  const origin = 'https://station.dock.example';
  const host = 'station.dock.example';
  beforeAll(async () => {
    app = await server({ host: '0.0.0.0', behindProxy: false, tls, auth: auth({ sessionIdleMinutes: 1 }) });
  });
  afterAll(async () => app.close());

  const lan = (o: { method?: 'GET' | 'POST'; url: string; headers?: Record<string, string>; payload?: unknown }) =>
    app.inject({ method: o.method ?? 'GET', url: o.url, remoteAddress: LAN, headers: { host, ...(o.headers ?? {}) }, ...(o.payload !== undefined ? { payload: o.payload as object } : {}) });

  async function signIn(body: object): Promise<{ cookie: string; csrf: string; setCookie: string }> {
    const res = await lan({ method: 'POST', url: '/api/auth/login', headers: { origin }, payload: body });
    expect(res.statusCode).toBe(200);
    const setCookie = String(res.headers['set-cookie']);
    return { cookie: setCookie.split(';')[0] ?? '', csrf: (res.json() as { csrfToken: string }).csrfToken, setCookie };
  }

  it('every request needs a sign-in: the API answers 401, a page redirects to the sign-in page', async () => {
    expect((await lan({ url: '/api/items' })).statusCode).toBe(401);
    expect((await lan({ url: '/api/health' })).statusCode).toBe(401);
    const page = await lan({ url: '/supervisor?tab=queue', headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/login?next=%2Fsupervisor%3Ftab%3Dqueue');
    expect(page.headers['strict-transport-security']).toMatch(/max-age=\d+/);
  });

  it('the sign-in page holds no secret and obeys the CSP (no inline script or style)', async () => {
    const res = await lan({ url: '/login' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toBe(CSP);
    expect(res.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(res.body).not.toMatch(/<style|style=/i);
    const css = await lan({ url: '/login.css' });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    expect(res.body).not.toMatch(/scrypt|csrf|pinHash|badgeHash/i);
    expect(res.body).not.toMatch(/<script>(?!<\/script>)/);
    expect(res.body).toContain('<script src="/login.js"></script>');
    expect((await lan({ url: '/login.js' })).statusCode).toBe(200);
  });

  it('signs in with a PIN: HttpOnly, SameSite=Strict, Secure __Host- cookie; a state change needs the CSRF token', async () => {
    const { cookie, csrf, setCookie } = await signIn({ user: 'ana', pin: '4821' });
    expect(setCookie).toMatch(/^__Host-rs_session=[\w-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200; Secure$/);
    expect((await lan({ url: '/api/items', headers: { cookie } })).statusCode).toBe(200);
    const who = (await lan({ url: '/api/auth/session', headers: { cookie } })).json() as { user: { id: string }; role: string; csrfToken: string };
    expect(who).toMatchObject({ authenticated: true, via: 'session', role: 'supervisor', user: { id: 'ana', name: 'Ana' }, csrfToken: csrf });

    const scan = { method: 'POST' as const, url: '/api/scans', payload: { code: '4006381333931' } };
    const noToken = await lan({ ...scan, headers: { cookie, origin } });
    expect(noToken.statusCode).toBe(403);
    expect((noToken.json() as { error: { code: string } }).error.code).toBe('AUTH_CSRF');
    expect((await lan({ ...scan, headers: { cookie, origin, 'x-csrf-token': `${csrf}x` } })).statusCode).toBe(403);
    expect((await lan({ ...scan, headers: { cookie, origin: 'https://evil.example', 'x-csrf-token': csrf } })).statusCode).toBe(403);
    expect((await lan({ ...scan, headers: { cookie, origin, 'x-csrf-token': csrf } })).statusCode).toBe(200);
    expect((await lan({ method: 'POST', url: '/api/test/override', payload: {}, headers: { cookie, origin, 'x-csrf-token': csrf } })).statusCode).toBe(200);
  });

  it('an operator badge signs in but may not use a supervisor action', async () => {
    const { cookie, csrf } = await signIn({ badge: 'EMP-00042' });
    const res = await lan({ method: 'POST', url: '/api/test/override', payload: {}, headers: { cookie, origin, 'x-csrf-token': csrf } });
    expect(res.statusCode).toBe(403);
    expect((res.json() as { error: { code: string } }).error.code).toBe('AUTH_FORBIDDEN');
  });

  it('a sign-in from another site, or without an Origin, is refused', async () => {
    expect((await lan({ method: 'POST', url: '/api/auth/login', headers: { origin: 'https://evil.example' }, payload: { user: 'ana', pin: '4821' } })).statusCode).toBe(403);
    expect((await lan({ method: 'POST', url: '/api/auth/login', payload: { user: 'ana', pin: '4821' } })).statusCode).toBe(403);
  });

  it('sessions expire after the idle time, and sign-out ends them', async () => {
    const { cookie, csrf } = await signIn({ user: 'ana', pin: '4821' });
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 61_000);
      expect((await lan({ url: '/api/items', headers: { cookie } })).statusCode).toBe(401);
    } finally {
      vi.useRealTimers();
    }
    const second = await signIn({ user: 'ana', pin: '4821' });
    expect(second.cookie).not.toBe(cookie);
    expect(csrf).not.toBe(second.csrf);
    const out = await lan({ method: 'POST', url: '/api/auth/logout', payload: {}, headers: { cookie: second.cookie, origin, 'x-csrf-token': second.csrf } });
    expect(out.statusCode).toBe(200);
    expect(String(out.headers['set-cookie'])).toMatch(/Max-Age=0/);
    expect((await lan({ url: '/api/items', headers: { cookie: second.cookie } })).statusCode).toBe(401);
  });

  it('wrong PINs are throttled: the sixth try within the window gets 429 even with the right PIN', async () => {
    const throttled = await server({ host: '0.0.0.0', behindProxy: false, tls, auth: auth() });
    const post = (pin: string) =>
      throttled.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '10.9.9.9', headers: { host, origin }, payload: { user: 'ana', pin } });
    for (let i = 0; i < 5; i++) expect((await post('0000')).statusCode).toBe(401);
    const locked = await post('4821');
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    await throttled.close();
  });
});

describe('this machine with users configured (the kiosk)', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await server({ host: '127.0.0.1', behindProxy: false, auth: auth() });
  });
  afterAll(async () => app.close());

  it('is an operator until a supervisor signs in with a PIN (plain cookie on loopback HTTP)', async () => {
    const headers = { host: '127.0.0.1:8080', origin: 'http://127.0.0.1:8080' };
    expect((await app.inject({ method: 'POST', url: '/api/test/override', headers, payload: {} })).statusCode).toBe(403);
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', headers, payload: { user: 'ana', pin: '4821' } });
    expect(login.statusCode).toBe(200);
    const setCookie = String(login.headers['set-cookie']);
    expect(setCookie).toMatch(/^rs_session=[\w-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    const cookie = setCookie.split(';')[0] ?? '';
    expect((await app.inject({ method: 'POST', url: '/api/test/override', headers: { ...headers, cookie }, payload: {} })).statusCode).toBe(200);
  });
});

describe('behind a reverse proxy', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await server({ host: '0.0.0.0', behindProxy: true, auth: auth() });
  });
  afterAll(async () => app.close());

  it('a request forwarded by the local proxy is a LAN request and needs a sign-in', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/items', remoteAddress: '127.0.0.1', headers: { host: '127.0.0.1:8080', 'x-forwarded-for': '10.1.1.1', 'x-forwarded-proto': 'https' } });
    expect(res.statusCode).toBe(401);
  });

  it('a forwarded HTTPS sign-in gets a Secure cookie', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress: '127.0.0.1',
      headers: { host: '127.0.0.1:8080', 'x-forwarded-for': '10.1.1.1', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'station.example', origin: 'https://station.example' },
      payload: { user: 'ana', pin: '4821' },
    });
    expect(res.statusCode).toBe(200);
    expect(String(res.headers['set-cookie'])).toMatch(/^__Host-rs_session=.*; Secure$/);
  });

  it('a LAN client going around the proxy, in clear text, is refused', async () => {
    const res = await app.inject({ method: 'GET', url: '/login', remoteAddress: LAN, headers: { host: 'station:8080' } });
    expect(res.statusCode).toBe(403);
    expect((res.json() as { error: { code: string } }).error.code).toBe('HTTP_USE_PROXY');
  });
});

function get(url: string, o: { ca: Buffer; headers?: Record<string, string>; method?: string; body?: string }): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca: o.ca, method: o.method ?? 'GET', headers: o.headers ?? {} }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    if (o.body) req.write(o.body);
    req.end();
  });
}

describe.skipIf(!hasOpenssl)('real HTTPS with a self-signed certificate', () => {
  it('serves the page over TLS to this machine without a sign-in', async () => {
    const app = await server({ host: '127.0.0.1', behindProxy: false, tls, auth: auth() });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const a = app.server.address();
    const port = typeof a === 'object' && a ? a.port : 0;
    const ca = readFileSync(tls?.cert ?? '');
    const res = await get(`https://localhost:${port}/api/items`, { ca });
    expect(res.status).toBe(200);
    expect(res.headers['strict-transport-security']).toBeDefined();
    await app.close();
  });

  it.skipIf(!lanIp)('a LAN address over real HTTPS: 401, sign in, then 200 with the Secure cookie', async () => {
    if (!lanIp) return;
    const app = await server({ host: lanIp, behindProxy: false, tls, auth: auth() });
    await app.listen({ host: lanIp, port: 0 });
    const a = app.server.address();
    const base = `https://${lanIp}:${typeof a === 'object' && a ? a.port : 0}`;
    const ca = readFileSync(tls?.cert ?? '');
    expect((await get(`${base}/api/items`, { ca })).status).toBe(401);
    const login = await get(`${base}/api/auth/login`, { ca, method: 'POST', headers: { 'content-type': 'application/json', origin: base }, body: JSON.stringify({ user: 'ana', pin: '4821' }) });
    expect(login.status).toBe(200);
    const setCookie = String(login.headers['set-cookie']);
    expect(setCookie).toMatch(/^__Host-rs_session=.*HttpOnly; SameSite=Strict.*; Secure$/);
    expect((await get(`${base}/api/items`, { ca, headers: { cookie: setCookie.split(';')[0] ?? '' } })).status).toBe(200);
    await app.close();
  });
});
