/**
 * BUG-45 on the station's own API: a second machine connecting with this station's MQTT client id (a cloned disk)
 * kicks it off the broker again and again. After 3 kicks in 60 s /api/health and the HQ-link status show the alarm
 * MQTT_DUPLICATE_CLIENT_ID with a plain message; once the clone is gone and the link has stayed up, it stands down.
 * Real parts: the local Mosquitto on 127.0.0.1:1883, the station's HTTP server, and a second MQTT.js client with the
 * station's client id (unique per run: the id embeds this run's fresh install id; clean sessions on both sides).
 */
import mqtt from 'mqtt';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StationApp } from '../../src/app/station-app.js';
import { parseConfig } from '../../src/config/load.js';
import type { HealthReport, SyncView } from '../../src/server/api-types.js';
import { topics } from '../../src/sync/topics.js';
import { portOpen, serviceGate } from '../support/services.js';
import { tempDir, waitFor } from './helpers.js';

const URL = 'mqtt://127.0.0.1:1883';
let ok = false;
beforeAll(async () => {
  ok = serviceGate('mosquitto', await portOpen(1883));
});
const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe('BUG-45: duplicate client id alarm on the station', () => {
  it('BUG-45: 3 kicks in 60 s raise MQTT_DUPLICATE_CLIENT_ID in /api/health and the HQ-link status; it clears once the link stays up', async (t) => {
    if (!ok) return t.skip();
    const site = 'dc-bug45';
    const station = `st-${process.pid}-${Date.now().toString(36)}`;
    const app = new StationApp({
      config: parseConfig({ dataDir: tempDir('rs-bug45-'), site, station, http: { port: 0 }, readers: [] }),
      brokerUrl: URL,
      protocolVersion: 5,
      // Stands down after 1.5 s of a stable link here (120 s on a real station), so the test sees both sides.
      duplicateClientIdClearMs: 1500,
    });
    cleanup.push(async () => {
      await app.stop();
      // The last will left a retained "offline" under this run's station: leave the shared broker as it was.
      const c = await mqtt.connectAsync(URL, { protocolVersion: 5, clean: true, reconnectPeriod: 0 });
      await c.publishAsync(topics.status(site, station), '', { qos: 1, retain: true });
      await c.endAsync();
    });
    await app.start();
    const health = async (): Promise<HealthReport> => (await (await fetch(`${app.httpUrl}/api/health`)).json()) as HealthReport;
    const sync = async (): Promise<SyncView | null> => ((await (await fetch(`${app.httpUrl}/api/supervisor/sync`)).json()) as { sync: SyncView | null }).sync;
    await waitFor(async () => (await health()).broker.connected, 15_000, 'the station online');
    expect((await health()).broker.alarm).toBeUndefined();

    // The clone: same client id, clean session, and (as a station would) back on the broker soon after each kick.
    const clone = mqtt.connect(URL, { clientId: app.publisher.clientId, clean: true, protocolVersion: 5, reconnectPeriod: 150 });
    cleanup.push(() => clone.end(true));
    await waitFor(async () => (await health()).broker.alarm !== undefined, 30_000, 'the alarm in /api/health');
    const h = await health();
    expect(h.broker.alarm).toMatchObject({ code: 'MQTT_DUPLICATE_CLIENT_ID', message: expect.stringMatching(/another station may be running with this station's identity/i) as string });
    expect(h.broker.alarm?.hint).toContain(app.publisher.clientId);
    expect(h.ok).toBe(false);
    // The HQ-link status the screens show (live `sync` pushes, the supervisor's sync tab) carries it too.
    await waitFor(async () => (await sync())?.alarm !== undefined, 10_000, 'the alarm in the HQ-link status');
    expect((await sync())?.alarm?.code).toBe('MQTT_DUPLICATE_CLIENT_ID');

    // The clone is switched off: the station reconnects, stays up, and the alarm stands down.
    clone.end(true);
    await waitFor(async () => {
      const x = await health();
      return x.broker.connected && x.broker.alarm === undefined;
    }, 30_000, 'the alarm to clear');
    expect((await health()).ok).toBe(true);
    await waitFor(async () => (await sync())?.alarm === undefined, 10_000, 'the HQ-link status without the alarm');
  }, 90_000);
});
