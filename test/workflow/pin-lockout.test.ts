/**
 * First-user test (security): an operator could try a supervisor's PIN without limit, on the operator screen's sign-in
 * and on the override's supervisor badge + PIN (25–30 wrong PINs all answered PIN_WRONG, then the right one worked).
 * Now, like /api/auth/login: after 5 wrong PINs the badge's PIN is locked (PIN_LOCKED, HTTP 429, a message, a hint
 * and Retry-After), a right PIN during the lock is refused too, and the lock ends after workflow.pinLockMinutes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StationApp } from '../../src/app/station-app.js';
import { parseConfig } from '../../src/config/load.js';
import type { WorkflowScanResponse } from '../../src/server/api/workflow-types.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/sync/broker.js';
import { freePort } from '../support/services.js';
import { BADGE, harness, ok, refused, SUP_PIN, type Harness } from './helpers.js';

type Answer = { status: number; retryAfter: string | null; body: WorkflowScanResponse };

describe('supervisor PINs over the HTTP API', () => {
  let dir: string;
  let broker: EmbeddedBroker;
  let app: StationApp;
  let n = 0;
  const post = async (path: string, body: Record<string, unknown>): Promise<Answer> => {
    const res = await fetch(`${app.httpUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ idempotencyKey: `pin-lock-${++n}`, ...body }) });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as WorkflowScanResponse };
  };
  const signIn = (badge: string, pin: string, screen = 'main'): Promise<Answer> => post('/api/workflow/sign-in', { badge, pin, screen });
  const override = (badge: string, pin: string): Promise<Answer> => post('/api/workflow/cases/override', { code: 'RMA-2001', reason: 'customer service approved', supervisorBadge: badge, supervisorPin: pin, screen: 'ov' });
  const code = (a: Answer): string | undefined => (a.body.ok ? undefined : a.body.error.code);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rs-pin-lock-'));
    broker = await startEmbeddedBroker({ port: await freePort(), host: '127.0.0.1' });
    app = new StationApp({ config: parseConfig({ dataDir: dir, http: { port: 0 } }), brokerUrl: broker.url, protocolVersion: 4 });
    await app.start();
    for (const [badge, displayName, pin] of [['B-900', 'Sam', '4321'], ['B-901', 'Sue', '8765'], ['B-902', 'Sid', '1357']] as const) {
      expect((await post('/api/workflow/operators', { badge, displayName, role: 'supervisor', pin })).status).toBe(200);
    }
  }, 30_000);

  afterAll(async () => {
    await app?.stop();
    await broker?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sign-in: 5 wrong PINs are PIN_WRONG (401), the 6th and then the right PIN are 429 PIN_LOCKED with a hint and Retry-After', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await signIn('B-900', String(2000 + i));
      expect(r.status, `try ${i + 1}`).toBe(401);
      expect(code(r)).toBe('PIN_WRONG');
    }
    const sixth = await signIn('B-900', '2005');
    expect(sixth.status).toBe(429);
    expect(code(sixth)).toBe('PIN_LOCKED');
    const right = await signIn('B-900', '4321');
    expect(right.status).toBe(429);
    expect(right.body).toMatchObject({ ok: false, error: { code: 'PIN_LOCKED', hint: expect.stringMatching(/supervisor/), details: { retryAfterSec: expect.any(Number) } } });
    if (right.body.ok) throw new Error('signed in');
    expect(right.body.error.message).toMatch(/locked for 1[45] more minutes/);
    expect(Number(right.retryAfter)).toBeGreaterThan(14 * 60);
    // Not signed in by the right PIN during the lock.
    expect(right.body.screen?.operator).toBeUndefined();
  });

  it('the lock is per badge: the locked badge is refused on the override too, another supervisor still signs in', async () => {
    expect(code(await override('B-900', '4321'))).toBe('PIN_LOCKED');
    const other = await signIn('B-901', '8765', 'other');
    expect(other.status).toBe(200);
  });

  it('override: 5 wrong supervisor PINs, then the right one is 429 PIN_LOCKED (no case opened)', async () => {
    for (let i = 0; i < 5; i++) expect(code(await override('B-902', String(1000 + i))), `try ${i + 1}`).toBe('PIN_WRONG');
    const right = await override('B-902', '1357');
    expect(right.status).toBe(429);
    expect(code(right)).toBe('PIN_LOCKED');
    expect(right.body.ok ? right.body.case : undefined).toBeUndefined();
  });

  it('a supervisor sees each lock in /api/health warnings (PIN_LOCKED: name and pseudonym, never the badge); the station stays ok', async () => {
    const res = await fetch(`${app.httpUrl}/api/health`);
    const h = (await res.json()) as { warnings?: Array<{ code: string; message: string; hint: string; since?: number }> };
    const locks = (h.warnings ?? []).filter((w) => w.code === 'PIN_LOCKED');
    expect(locks.map((w) => w.message.match(/\((\w+),/)?.[1]).sort()).toEqual(['Sam', 'Sid']);
    for (const w of locks) {
      expect(w.message).not.toMatch(/B-90/);
      expect(w.hint).toMatch(/guessing/);
      expect(w.since).toEqual(expect.any(Number));
    }
  });
});

describe('the lock ends (workflow.pinLockMinutes, workflow.pinMaxFailures)', () => {
  let h: Harness;
  afterEach(() => h?.close());

  it('after the lock period the right PIN signs in, and a right PIN clears the count', () => {
    h = harness({ pinMaxFailures: 3, pinLockMinutes: 10 });
    const signIn = (pin: string): WorkflowScanResponse => h.wf.signIn({ badge: BADGE.sup, pin, idempotencyKey: h.key() });
    for (let i = 0; i < 3; i++) expect(refused(signIn('0000')).code).toBe('PIN_WRONG');
    expect(refused(signIn(SUP_PIN)).code).toBe('PIN_LOCKED');
    h.clock.t += 10 * 60_000;
    ok(signIn(SUP_PIN));
    // Counted afresh: two wrong, a right one, two wrong again is not a lock.
    for (const pin of ['1', '2']) expect(refused(signIn(pin)).code).toBe('PIN_WRONG');
    ok(signIn(SUP_PIN));
    for (const pin of ['1', '2']) expect(refused(signIn(pin)).code).toBe('PIN_WRONG');
    ok(signIn(SUP_PIN));
  });
});
