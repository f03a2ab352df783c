/**
 * The plain HTTP API's answers to bad requests (first-user test): a nonsense `limit`, an unknown API route and an
 * empty idempotency key are refused in the API's own shape, `{"ok":false,"error":{code,message}}`, never quietly
 * served as something else. The page's own paths keep being served as before.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanRequest } from './api-types.js';
import type { StationContext } from './context.js';
import { createHttpServer, itemsLimit, ITEMS_MAX_LIMIT, type StationApi } from './http.js';

const limits: number[] = [];
const scans: ScanRequest[] = [];
const api: StationApi = {
  health: () => ({ ok: true }) as unknown as ReturnType<StationApi['health']>,
  submitScan: async (req) => {
    scans.push(req);
    return { ok: true, item: { id: `item-${req.code}` } } as unknown as Awaited<ReturnType<StationApi['submitScan']>>;
  },
  recentItems: (n) => {
    limits.push(n);
    return [];
  },
  hello: () => ({ type: 'hello' }) as unknown as ReturnType<StationApi['hello']>,
  subscribe: () => () => undefined,
};

type ErrorBody = { ok: false; error: { code: string; message: string; details?: { field?: string } } };

let app: FastifyInstance;
let uiDir: string;

beforeAll(async () => {
  uiDir = mkdtempSync(join(tmpdir(), 'rs-http-ui-'));
  writeFileSync(join(uiDir, 'index.html'), '<!doctype html><title>station</title>');
  writeFileSync(join(uiDir, 'app.js'), 'console.log(1);');
  app = await createHttpServer<StationContext>(api, { uiDir, access: { host: '127.0.0.1', behindProxy: false, auth: { users: [], sessionIdleMinutes: 30, sessionMaxHours: 12, loopbackRole: 'operator', maxLoginFailures: 5 } } });
});

afterAll(async () => {
  await app.close();
  rmSync(uiDir, { recursive: true, force: true });
});

describe('GET /api/items?limit=', () => {
  it('serves the latest 100 without a limit, the limit asked for, and at most the maximum', async () => {
    limits.length = 0;
    for (const q of ['', '?limit=1', '?limit=25', '?limit=1000', '?limit=5000']) {
      const res = await app.inject({ method: 'GET', url: `/api/items${q}` });
      expect(res.statusCode, q).toBe(200);
      expect(res.json()).toEqual({ items: [] });
    }
    expect(limits).toEqual([100, 1, 25, 1000, ITEMS_MAX_LIMIT]);
  });

  it('refuses a limit that is not a whole number from 1 up (abc, -1, 0, 2.5, empty, twice) with 400 REQUEST_INVALID naming limit', async () => {
    limits.length = 0;
    for (const q of ['abc', '-1', '0', '2.5', '', '1e3', ' 5', '10&limit=20']) {
      const res = await app.inject({ method: 'GET', url: `/api/items?limit=${q}` });
      expect(res.statusCode, q).toBe(400);
      const body = res.json<ErrorBody>();
      expect(body, q).toMatchObject({ ok: false, error: { code: 'REQUEST_INVALID' } });
      expect(body.error.message).toMatch(/^limit: expected a whole number from 1 to 1000/);
    }
    expect(limits).toEqual([]);
  });

  it('itemsLimit: the rule on its own', () => {
    expect(itemsLimit({})).toEqual({ ok: true, limit: 100 });
    expect(itemsLimit({ limit: '007' })).toEqual({ ok: true, limit: 7 });
    expect(itemsLimit({ limit: '99999999999999999999999' })).toEqual({ ok: true, limit: 1000 });
    expect(itemsLimit({ limit: 'abc' })).toMatchObject({ ok: false, message: expect.stringContaining('"abc"') as unknown });
  });
});

describe('unknown routes', () => {
  it('an unknown /api/ path answers 404 NOT_FOUND in the API shape, whatever the method', async () => {
    for (const [method, url] of [['GET', '/api/nope'], ['GET', '/api/items/extra?x=1'], ['GET', '/api'], ['POST', '/api/scan'], ['DELETE', '/api/items']] as const) {
      const res = await app.inject({ method, url, ...(method === 'POST' ? { payload: { code: 'x' } } : {}) });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      const body = res.json<ErrorBody>();
      expect(body, `${method} ${url}`).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      expect(body.error.message).toContain(url.split('?')[0]);
      expect(body).not.toHaveProperty('statusCode');
    }
  });

  it('the page and its files are served as before; another missing file keeps Fastify\'s 404', async () => {
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<title>station</title>');
    const js = await app.inject({ method: 'GET', url: '/app.js' });
    expect(js.statusCode).toBe(200);
    expect(js.body).toContain('console.log');
    const missing = await app.inject({ method: 'GET', url: '/nope.js' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ message: 'Route GET:/nope.js not found', error: 'Not Found', statusCode: 404 });
    // A path that merely starts with "api" is the page's, not the API's.
    expect((await app.inject({ method: 'GET', url: '/apidocs' })).json()).toMatchObject({ statusCode: 404 });
  });
});

describe('POST /api/scans', () => {
  const post = (body: Record<string, unknown>) => app.inject({ method: 'POST', url: '/api/scans', payload: body });

  it('refuses an empty or blank idempotencyKey (400 SCAN_INVALID naming the field); nothing reaches the station', async () => {
    scans.length = 0;
    for (const idempotencyKey of ['', '   ']) {
      const res = await post({ code: '4006381333931', idempotencyKey });
      expect(res.statusCode).toBe(400);
      const body = res.json<ErrorBody>();
      expect(body).toMatchObject({ ok: false, error: { code: 'SCAN_INVALID', details: { field: 'idempotencyKey' } } });
      expect(body.error.message).toMatch(/^idempotencyKey: must not be empty/);
    }
    expect(scans).toEqual([]);
  });

  it('a body that is not JSON (broken or empty) is 400 SCAN_INVALID; nothing reaches the station', async () => {
    scans.length = 0;
    for (const payload of ['{oops', '']) {
      const res = await app.inject({ method: 'POST', url: '/api/scans', headers: { 'content-type': 'application/json' }, payload });
      expect(res.statusCode).toBe(400);
      expect(res.json<ErrorBody>()).toMatchObject({ ok: false, error: { code: 'SCAN_INVALID' } });
    }
    expect(scans).toEqual([]);
  });

  it('a scan without a key, or with one, is passed on', async () => {
    scans.length = 0;
    expect((await post({ code: '4006381333931' })).statusCode).toBe(200);
    expect((await post({ code: '4006381333931', idempotencyKey: 'k-1' })).statusCode).toBe(200);
    expect(scans.map((s) => s.idempotencyKey)).toEqual([undefined, 'k-1']);
  });
});
