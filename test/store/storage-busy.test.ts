/**
 * BUG-52 through the station's HTTP API, with a real second process holding BEGIN IMMEDIATE on the station's own
 * database file (test/sync/children/hold-lock.ts): a write waits for the lock without freezing the station
 * (/api/health is answered meanwhile), succeeds when the lock goes within the wait, and otherwise answers the typed
 * STORAGE_BUSY (503) with nothing stored, so the screen keeps the scan and sends it again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StationApp } from '../../src/app/station-app.js';
import { parseConfig } from '../../src/config/load.js';
import type { HealthReport, ScanResponse } from '../../src/server/api-types.js';
import type { WorkflowScanResponse } from '../../src/server/api/workflow-types.js';
import { putOperator } from '../../src/station/queries.js';
import { startEmbeddedBroker } from '../../src/sync/broker.js';

const ROOT = join(import.meta.dirname, '..', '..');
/** In fixtures/catalog/products.json. */
const GTIN = '4012345000740';

const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function station(storageBusy?: ConstructorParameters<typeof StationApp>[0]['storageBusy']): Promise<StationApp> {
  const dir = mkdtempSync(join(tmpdir(), 'rs-busy-'));
  const broker = await startEmbeddedBroker({ port: 0, host: '127.0.0.1' });
  const app = new StationApp({ config: parseConfig({ dataDir: dir, http: { port: 0 }, readers: [] }), brokerUrl: broker.url, protocolVersion: 4, ...(storageBusy ? { storageBusy } : {}) });
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }), () => broker.close());
  await app.start();
  cleanup.push(() => app.stop());
  return app;
}

/** Connection B: another process holding BEGIN IMMEDIATE on the station's database for `ms`; resolves once it holds it. */
async function holdLock(app: StationApp, ms: number): Promise<ChildProcess> {
  const c = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/sync/children/hold-lock.ts'), app.dbPath, String(ms)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  cleanup.push(() => c.exitCode === null && c.signalCode === null && c.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    c.stdout?.once('data', (d: Buffer) => (d.toString().includes('locked') ? resolve() : reject(new Error(d.toString()))));
    c.once('exit', (code) => reject(new Error(`the lock holder exited (${String(code)})`)));
  });
  return c;
}

const release = async (c: ChildProcess): Promise<void> => {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const gone = new Promise((r) => c.once('exit', r));
  c.kill('SIGKILL');
  await gone;
};

async function post<T>(app: StationApp, path: string, body: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${app.httpUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as T };
}

const health = async (app: StationApp): Promise<HealthReport> => (await (await fetch(`${app.httpUrl}/api/health`)).json()) as HealthReport;
const stored = (app: StationApp): { items: number; events: number } => ({
  items: app.sdb.prepare('SELECT COUNT(*) FROM items').pluck().get() as number,
  events: app.sdb.prepare('SELECT COUNT(*) FROM outbox').pluck().get() as number,
});

describe('BUG-52: storage busy through the HTTP API', () => {
  it('BUG-52: POST /api/scans while another process holds the lock past the retries → 503 STORAGE_BUSY, nothing stored, /api/health answered while the scan waits', async () => {
    // A 1 s wait instead of 5 s keeps the test short; what is asserted is the order of the answers, not their timing.
    const app = await station({ waitMs: 1000 });
    const b = await holdLock(app, 60_000);
    const order: string[] = [];
    const scan = post<ScanResponse>(app, '/api/scans', { code: GTIN, reason: 'changed_mind', grade: 'sealed', idempotencyKey: 'bug52-scan' }).then((r) => {
      order.push('scan');
      return r;
    });
    let scanDone = false;
    void scan.then(() => (scanDone = true));
    // Health, again and again while the scan is out: answered, and saying a write waits for the database.
    let seenWaiting = false;
    while (!scanDone) {
      const h = await health(app);
      if ((h.database.busy?.waiting ?? 0) >= 1 && !scanDone) {
        order.push('health while waiting');
        seenWaiting = true;
        expect(h.database.ok).toBe(true);
        break;
      }
    }
    const r = await scan;
    expect(seenWaiting).toBe(true);
    expect(order).toEqual(['health while waiting', 'scan']);
    expect(r.status).toBe(503);
    expect(r.body).toMatchObject({ ok: false, error: { code: 'STORAGE_BUSY', message: expect.stringContaining('Nothing was stored') as string, hint: expect.any(String) as string } });
    expect(stored(app)).toEqual({ items: 0, events: 0 });
    expect((await health(app)).database.busy).toBeUndefined();

    // The screen kept the scan as a draft and sends the same request again once the other program is done: stored once.
    await release(b);
    const again = await post<ScanResponse>(app, '/api/scans', { code: GTIN, reason: 'changed_mind', grade: 'sealed', idempotencyKey: 'bug52-scan' });
    expect(again.status).toBe(200);
    expect(stored(app)).toEqual({ items: 1, events: 3 });
  }, 60_000);

  it('BUG-52: B holds BEGIN IMMEDIATE for 800 ms → POST /api/scans waits and succeeds, after B committed', async () => {
    const app = await station();
    await holdLock(app, 800);
    const r = await post<ScanResponse>(app, '/api/scans', { code: GTIN, reason: 'changed_mind', grade: 'sealed', idempotencyKey: 'bug52-800' });
    expect(r.status).toBe(200);
    expect(r.body.ok).toBe(true);
    expect(stored(app)).toEqual({ items: 1, events: 3 });
    expect(app.sdb.prepare("SELECT value FROM meta WHERE key = 'lock-holder'").pluck().get()).toBe('b');
  }, 30_000);

  it('BUG-52: workflow actions (a button and a scan) past the retries → 503 STORAGE_BUSY with a message for the operator; the same request later is stored', async () => {
    const app = await station({ waitMs: 1000 });
    putOperator(app.workflow.core, { badge: 'B-100', displayName: 'Ana', role: 'operator', idempotencyKey: 'op' }, true);
    const b = await holdLock(app, 60_000);
    const signIn = { badge: 'B-100', screen: 'main', idempotencyKey: 'bug52-signin' };
    const scanBody = { code: 'B-100', screen: 'side', idempotencyKey: 'bug52-wfscan' };
    const [button, scan] = await Promise.all([
      post<WorkflowScanResponse>(app, '/api/workflow/sign-in', signIn),
      post<WorkflowScanResponse>(app, '/api/workflow/scan', scanBody),
    ]);
    for (const r of [button, scan]) {
      expect(r.status).toBe(503);
      expect(r.body).toMatchObject({ ok: false, error: { code: 'STORAGE_BUSY', text: { en: expect.any(String) as string, 'zh-CN': expect.any(String) as string }, hint: expect.any(String) as string } });
    }
    expect(app.sdb.prepare("SELECT COUNT(*) FROM wf_actions WHERE key LIKE 'bug52-%'").pluck().get()).toBe(0);
    await release(b);
    expect((await post<WorkflowScanResponse>(app, '/api/workflow/sign-in', signIn)).body).toMatchObject({ ok: true, action: 'signed_in' });
    expect((await post<WorkflowScanResponse>(app, '/api/workflow/scan', scanBody)).body).toMatchObject({ ok: true, action: 'signed_in' });
  }, 60_000);

  it('BUG-52: B holds BEGIN IMMEDIATE for 800 ms → a workflow scan waits and succeeds', async () => {
    const app = await station();
    putOperator(app.workflow.core, { badge: 'B-100', displayName: 'Ana', role: 'operator', idempotencyKey: 'op' }, true);
    await holdLock(app, 800);
    const r = await post<WorkflowScanResponse>(app, '/api/workflow/scan', { code: 'B-100', screen: 'main', idempotencyKey: 'bug52-wf-800' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ ok: true, action: 'signed_in' });
  }, 30_000);
});
