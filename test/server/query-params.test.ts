/**
 * First-user test: `?limit=abc` on the workflow lists answered 500 INTERNAL ("the scan was not stored") with a ZodError
 * at error level, and `?since=abc` (CSV export) or `?date=` (forecast, which reads `day`) were silently ignored. Every
 * query parameter is now checked one way (src/server/query.ts): HTTP 400 REQUEST_INVALID naming the parameter,
 * like GET /api/items. Also: activating a rule set without `reason` names the field.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StationApp } from '../../src/app/station-app.js';
import { parseConfig } from '../../src/config/load.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/sync/broker.js';
import { freePort } from '../support/services.js';

type Answer = { status: number; body: { ok?: boolean; error?: { code: string; message: string; details?: { field?: string } } } & Record<string, unknown> };

describe('query parameters are checked on every route (400 REQUEST_INVALID naming the parameter)', () => {
  let dir: string;
  let broker: EmbeddedBroker;
  let app: StationApp;
  const get = async (path: string): Promise<Answer> => {
    const res = await fetch(`${app.httpUrl}${path}`);
    const text = await res.text();
    return { status: res.status, body: (res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : {}) as Answer['body'] };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rs-query-'));
    broker = await startEmbeddedBroker({ port: await freePort(), host: '127.0.0.1' });
    // No users configured: this machine is admin, so the supervisor routes answer.
    app = new StationApp({ config: parseConfig({ dataDir: dir, http: { port: 0 } }), brokerUrl: broker.url, protocolVersion: 4 });
    await app.start();
  }, 30_000);

  afterAll(async () => {
    await app?.stop();
    await broker?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const lists = ['/api/workflow/cases', '/api/workflow/totes', '/api/workflow/handoffs', '/api/workflow/exceptions'];

  it.each(lists)('%s?limit= abc, x, 0, -1, 2.5, empty, 99999999999, twice: 400 REQUEST_INVALID naming limit, never 500', async (path) => {
    for (const v of ['abc', 'x', '0', '-1', '2.5', '', '99999999999', '5&limit=6']) {
      const r = await get(`${path}?limit=${v}`);
      expect(r.status, `${path}?limit=${v}`).toBe(400);
      expect(r.body.error, v).toMatchObject({ code: 'REQUEST_INVALID', details: { field: 'limit' } });
      expect(r.body.error?.message, v).toMatch(/^limit: /);
      expect(r.body.error?.message).not.toMatch(/scan/);
    }
  });

  it.each(lists)('%s with a good limit and no limit still answers 200', async (path) => {
    expect((await get(`${path}?limit=5`)).status).toBe(200);
    expect((await get(path)).status).toBe(200);
    expect((await get(`${path}?status=${path.endsWith('handoffs') ? 'pending' : 'open'}&limit=1000`)).status).toBe(200);
  });

  it('GET /api/items refuses an unknown parameter by name and keeps its limit rule', async () => {
    expect((await get('/api/items?limt=5')).body.error).toMatchObject({ code: 'REQUEST_INVALID', details: { field: 'limt' } });
    expect((await get('/api/items?limit=abc')).body.error).toMatchObject({ code: 'REQUEST_INVALID', details: { field: 'limit' } });
    expect((await get('/api/items?limit=5000')).status).toBe(200);
  });

  it('a status a list does not know (a typo) is refused naming status, not read as "all"', async () => {
    const r = await get('/api/workflow/exceptions?status=opne');
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'REQUEST_INVALID', details: { field: 'status' } });
    expect(r.body.error?.message).toContain('open, resolved');
  });

  it('an unknown parameter is refused by name: ?date= on the forecast (it reads day), ?lmit= on cases', async () => {
    const f = await get('/api/supervisor/workload/forecast?date=abc');
    expect(f.status).toBe(400);
    expect(f.body.error).toMatchObject({ code: 'REQUEST_INVALID', details: { field: 'date' } });
    expect(f.body.error?.message).toContain('day');
    const c = await get('/api/workflow/cases?lmit=5');
    expect(c.body.error).toMatchObject({ code: 'REQUEST_INVALID', details: { field: 'lmit' } });
  });

  it('?day=abc on the forecast keeps its code WORKLOAD_BAD_DAY and names day', async () => {
    const r = await get('/api/supervisor/workload/forecast?day=abc');
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'WORKLOAD_BAD_DAY', details: { field: 'day' } });
  });

  it('?since=abc on the CSV export is refused naming since (was: the whole history exported); 30d still exports', async () => {
    const r = await get('/api/supervisor/export/items.csv?since=abc');
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'REQUEST_INVALID', details: { field: 'since' } });
    expect((await get('/api/supervisor/export/items.csv?since=30d')).status).toBe(200);
  });

  it('?history= on the rule sets keeps RULES_BAD_REQUEST and names history; the default still answers', async () => {
    const r = await get('/api/supervisor/rules?history=abc');
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'RULES_BAD_REQUEST', details: { field: 'history' } });
    expect((await get('/api/supervisor/rules')).status).toBe(200);
  });

  it('POST /api/supervisor/rules/activate without reason names reason (was "Invalid input")', async () => {
    const res = await fetch(`${app.httpUrl}/api/supervisor/rules/activate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'x: 1' }) });
    const body = (await res.json()) as Answer['body'];
    expect(res.status).toBe(400);
    expect(body.error).toMatchObject({ code: 'RULES_BAD_REQUEST', details: { field: 'reason' } });
    expect(body.error?.message).toMatch(/^reason: /);
  });
});
