/**
 * BUG-47 and BUG-54 where operators see them: /api/health, the supervisor's sync endpoint, the live sync view and
 * HQ's stations view count blocked events apart and list them; a start-up recovery is reported (loudly when the
 * station had to start empty) until a supervisor acknowledges it, across restarts.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StationApp } from '../../src/app/station-app.js';
import { parseConfig } from '../../src/config/load.js';
import { HqIngest, SqliteHqStore } from '../../src/hq/index.js';
import type { HealthReport } from '../../src/server/api-types.js';
import type { SyncResponse } from '../../src/server/routes/supervisor-types.js';
import { backupStationDb, outboxStats, recordItem } from '../../src/store/index.js';
import { receivingEvent } from '../../src/sync/epcis/index.js';
import { serviceGate } from '../support/services.js';
import { place, recordReturns, tempDir, waitFor } from './helpers.js';
import { TestMosquitto, haveMosquitto } from './mosquitto.js';

const SITE = 'dc-test';
const STATION = 'st-01';
let haveMq = false;
beforeAll(() => {
  haveMq = serviceGate('mosquitto', haveMosquitto());
});

const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function broker(extra: string[] = []): Promise<TestMosquitto> {
  const m = new TestMosquitto(extra);
  await m.start();
  cleanup.push(() => m.stop());
  return m;
}

async function station(dir: string, brokerUrl: string): Promise<{ app: StationApp; base: string }> {
  const config = parseConfig({ dataDir: join(dir, 'station'), site: SITE, station: STATION, http: { port: 0 } });
  const app = new StationApp({ config, brokerUrl });
  await app.start();
  cleanup.push(() => app.stop());
  return { app, base: app.httpUrl ?? '' };
}

async function get<T>(base: string, path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, body: (await res.json()) as T };
}

async function post<T>(base: string, path: string, body: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', origin: base }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as T };
}

/** Overwrites every page after the first with garbage, as a torn write or a failing disk would. */
function corrupt(path: string): void {
  const size = readFileSync(path).length;
  const fd = openSync(path, 'r+');
  for (let off = 4096; off < size; off += 4096) writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, off);
  closeSync(fd);
}

describe('blocked events and start-up recovery where operators see them', () => {
  it('BUG-47: a ~300 KB event behind a 256 KB broker limit: health stays 200 with a warning, "to send"/"not yet confirmed" leave it out, the sync endpoint lists it, HQ counts it as skipped', async (t) => {
    if (!haveMq) return t.skip();
    const dir = tempDir('rs-bug47-');
    const m = await broker(['max_packet_size 262144']);
    const store = new SqliteHqStore(join(dir, 'hq.db'));
    const hq = new HqIngest({ url: m.url, store, workerId: `bug47-${process.pid}-${Date.now()}`, batchDelayMs: 10 });
    await hq.start();
    cleanup.push(() => hq.stop());
    const { app, base } = await station(dir, m.url);
    // The field case: a return event with three base64 photos (about 300 KB), followed by 10 normal events.
    const photos = Array.from({ length: 3 }, () => Buffer.alloc(75_000, 7).toString('base64'));
    recordItem(app.sdb, { id: 'big' }, [receivingEvent({ place: place(STATION, SITE), at: 1, item: { itemId: 'big', gtin: '4012345111118', serial: 'P' }, extra: { photos } })]);
    recordReturns(app.sdb, 10, { site: SITE, station: STATION, start: 1 });
    app.publisher.kick();
    await waitFor(() => outboxStats(app.sdb).lastConfirmedSeq === 11, 20_000, 'HQ confirms past the blocked number');

    const h = await get<HealthReport>(base, '/api/health');
    // Delivered elsewhere, not an outage: ok and 200, like an unplugged scanner; the warning says what to do.
    expect(h.status).toBe(200);
    expect(h.body.ok).toBe(true);
    expect(h.body.outbox).toMatchObject({ depth: 0, unsent: 0, blockedOversize: 1, maxEventBytes: 262144 - 512 });
    expect(h.body.warnings?.map((w) => w.code)).toEqual(['OUTBOX_BLOCKED_OVERSIZE']);
    expect(app.syncView()).toMatchObject({ outboxDepth: 0, unsent: 0, blocked: 1 });

    const s = await get<SyncResponse>(base, '/api/supervisor/sync');
    expect(s.status).toBe(200);
    expect(s.body.outbox).toMatchObject({ depth: 0, unsent: 0, sentUnconfirmed: 0, blockedOversize: 1, lastSeq: 11, lastConfirmedSeq: 11 });
    expect(s.body.maxEventBytes).toBe(262144 - 512);
    expect(s.body.blocked).toHaveLength(1);
    const [b] = s.body.blocked ?? [];
    expect(b).toMatchObject({ seq: 1, itemId: 'big', hqTold: true, eventID: expect.stringMatching(/^urn:uuid:/) as string });
    expect(b?.bytes).toBeGreaterThan(262144);

    // HQ sees the number as skipped for this station, by reason.
    expect((await store.stations()).find((x) => x.station === STATION)?.skipped).toEqual({ blocked_oversize: 1 });
  }, 60_000);

  it('BUG-54: no usable backup → a fresh, empty database: health is 503 and says so until a supervisor acknowledges it, also after a restart', async (t) => {
    if (!haveMq) return t.skip();
    const dir = tempDir('rs-bug54-empty-');
    const m = await broker();
    const first = await station(dir, m.url);
    recordReturns(first.app.sdb, 3, { site: SITE, station: STATION });
    await first.app.stop();
    cleanup.pop();
    corrupt(join(dir, 'station', 'station.db'));

    let { app, base } = await station(dir, m.url);
    expect(app.recovery?.fresh).toBe(true);
    await waitFor(() => app.publisher.status().state === 'online', 10_000, 'connected');
    let h = await get<HealthReport>(base, '/api/health');
    expect(h.status).toBe(503);
    expect(h.body.ok).toBe(false);
    expect(h.body.database.recovery).toMatchObject({ fresh: true, restoredFrom: null });
    expect(h.body.database.recovery?.movedAside.some((f) => /station\.db\.corrupt-/.test(f))).toBe(true);
    expect(h.body.database.recovery?.acknowledged).toBeUndefined();
    expect(h.body.warnings?.map((w) => w.code)).toEqual(['DATABASE_STARTED_EMPTY']);

    // A restart does not make it go away: it is kept in the database until acknowledged.
    await app.stop();
    cleanup.pop();
    ({ app, base } = await station(dir, m.url));
    expect(app.recovery).toBeUndefined();
    await waitFor(() => app.publisher.status().state === 'online', 10_000, 'connected');
    h = await get<HealthReport>(base, '/api/health');
    expect(h.status).toBe(503);
    expect(h.body.database.recovery).toMatchObject({ fresh: true, restoredFrom: null });

    const ack = await post<{ ok: boolean; recovery: { acknowledged?: { by: string; at: number } } }>(base, '/api/supervisor/recovery/ack', {});
    expect(ack.status).toBe(200);
    expect(ack.body.recovery.acknowledged?.by).toMatch(/loopback/);
    h = await get<HealthReport>(base, '/api/health');
    expect(h.status).toBe(200);
    expect(h.body.ok).toBe(true);
    expect(h.body.warnings).toBeUndefined();
    expect(h.body.database.recovery?.acknowledged).toBeDefined();
    // Acknowledging again keeps the first acknowledgement.
    const again = await post<{ recovery: { acknowledged?: { at: number } } }>(base, '/api/supervisor/recovery/ack', {});
    expect(again.body.recovery.acknowledged?.at).toBe(ack.body.recovery.acknowledged?.at);
    expect((await post<{ ok: boolean }>(base, '/api/supervisor/recovery/ack', { screen: 'no spaces allowed' })).status).toBe(400);
  }, 60_000);

  it('BUG-54: restored from a backup: health stays 200 with a DATABASE_RESTORED warning naming the backup; nothing to acknowledge on a station never recovered', async (t) => {
    if (!haveMq) return t.skip();
    const dir = tempDir('rs-bug54-backup-');
    const m = await broker();
    const first = await station(dir, m.url);
    expect((await post<{ error: { code: string } }>(first.base, '/api/supervisor/recovery/ack', {})).body.error.code).toBe('NO_RECOVERY');
    recordReturns(first.app.sdb, 3, { site: SITE, station: STATION });
    const backup = join(dir, 'station', 'backups', 'station-2026-12-01T00-00-00-000Z.db');
    await backupStationDb(first.app.sdb, backup);
    await first.app.stop();
    cleanup.pop();
    corrupt(join(dir, 'station', 'station.db'));

    const { app, base } = await station(dir, m.url);
    await waitFor(() => app.publisher.status().state === 'online', 10_000, 'connected');
    const h = await get<HealthReport>(base, '/api/health');
    expect(h.status).toBe(200);
    expect(h.body.ok).toBe(true);
    expect(h.body.database.recovery).toMatchObject({ fresh: false, restoredFrom: backup });
    const w = h.body.warnings?.find((x) => x.code === 'DATABASE_RESTORED');
    expect(w?.message).toContain(backup);
    expect((await post<{ ok: boolean }>(base, '/api/supervisor/recovery/ack', {})).status).toBe(200);
    expect((await get<HealthReport>(base, '/api/health')).body.warnings).toBeUndefined();
  }, 60_000);
});
