/**
 * First-user test: `returns-station user add --config station.yaml --id juergen --role operator --badge` (badge
 * B-2000 on stdin) made a user /api/auth/login accepted, but the operator screen's POST /api/workflow/sign-in answered
 * 401 BADGE_UNKNOWN (two separate lists), and `user add` refused the demo's 5-character badges (B-100). A badge added
 * with `user add` is now registered for the operator screen too, with the same role; both take 4 to 128 characters.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StationApp } from '../app/station-app.js';
import { loadConfigFile } from '../config/load.js';
import type { WorkflowScanResponse } from '../server/api/workflow-types.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../sync/broker.js';
import { addUser } from './user.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'returns-station.js');
const FAST = { N: 1024, r: 8, p: 1 };

describe('a badge added with `user add` signs in on the operator screen', () => {
  let dir: string;
  let file: string;
  let broker: EmbeddedBroker;
  let app: StationApp;
  let n = 0;
  const post = async (path: string, body: Record<string, unknown>): Promise<{ status: number; body: WorkflowScanResponse & { user?: { id: string; role: string } } }> => {
    const res = await fetch(`${app.httpUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as WorkflowScanResponse & { user?: { id: string; role: string } } };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rs-user-screen-'));
    file = join(dir, 'station.yaml');
    writeFileSync(file, 'site: dc-test\nstation: dock-1\ndataDir: ./data\nhttp: { port: 0 }\n');
    // Exactly as reported: the badge scanned into stdin.
    const r = spawnSync(process.execPath, [BIN, 'user', 'add', '--config', file, '--id', 'juergen', '--role', 'operator', '--badge'], { input: 'B-2000\n', encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toContain('operator screen');
    expect(r.status).toBe(0);
    // The demo's 5-character badges are accepted; a supervisor with badge and PIN.
    await addUser(file, { id: 'ana', role: 'operator', badge: 'B-100' }, { cost: FAST });
    await addUser(file, { id: 'sam', name: 'Sam', role: 'supervisor', badge: 'B-9000', pin: '4821' }, { cost: FAST });
    broker = await startEmbeddedBroker({ port: 0, host: '127.0.0.1' });
    app = new StationApp({ config: loadConfigFile(file), brokerUrl: broker.url, protocolVersion: 4 });
    await app.start();
  }, 60_000);

  afterAll(async () => {
    await app?.stop();
    await broker?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('juergen (B-2000): /api/auth/login and POST /api/workflow/sign-in both accept the badge, as an operator', async () => {
    const login = await post('/api/auth/login', { badge: 'B-2000' });
    expect(login.status).toBe(200);
    expect(login.body.user).toMatchObject({ id: 'juergen', role: 'operator' });
    const signIn = await post('/api/workflow/sign-in', { badge: 'B-2000', screen: 'dock', idempotencyKey: `u-${++n}` });
    expect(signIn.status).toBe(200);
    expect(signIn.body).toMatchObject({ ok: true, action: 'signed_in', screen: { operator: { displayName: 'juergen', role: 'operator' } } });
  });

  it('B-100 (5 characters) was accepted by user add and signs in on the operator screen', async () => {
    expect((await post('/api/workflow/sign-in', { badge: 'B-100', screen: 'dock-2', idempotencyKey: `u-${++n}` })).body).toMatchObject({ ok: true, screen: { operator: { role: 'operator' } } });
  });

  it('a supervisor keeps the role and the PIN on the operator screen', async () => {
    expect((await post('/api/workflow/sign-in', { badge: 'B-9000', screen: 'dock-3', idempotencyKey: `u-${++n}` })).body).toMatchObject({ ok: false, error: { code: 'PIN_REQUIRED' } });
    const r = await post('/api/workflow/sign-in', { badge: 'B-9000', pin: '4821', screen: 'dock-3', idempotencyKey: `u-${++n}` });
    expect(r.body).toMatchObject({ ok: true, screen: { operator: { displayName: 'Sam', role: 'supervisor' } } });
  });
});

describe('badge rules of `user add`', () => {
  it('too short a badge (3 characters) is refused by name and nothing is written, neither config nor station database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-user-badge-'));
    try {
      const file = join(dir, 's.yaml');
      await expect(addUser(file, { id: 'x', role: 'operator', badge: 'B-1' }, { cost: FAST })).rejects.toMatchObject({ code: 'USER_BAD_BADGE', message: expect.stringMatching(/at least 4/) });
      expect(existsSync(file)).toBe(false);
      expect(existsSync(join(dir, 'data', 'station.db'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a badge that differs from a registered operator only in letter case is refused (BADGE_CONFLICT) and the config is unchanged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-user-badge-'));
    try {
      const file = join(dir, 's.yaml');
      await addUser(file, { id: 'ana', role: 'operator', badge: 'B-100' }, { cost: FAST });
      const before = readFileSync(file, 'utf8');
      await expect(addUser(file, { id: 'other', role: 'operator', badge: 'b-100' }, { cost: FAST })).rejects.toMatchObject({ code: 'BADGE_CONFLICT' });
      expect(readFileSync(file, 'utf8')).toBe(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
