/**
 * The shell with a real station (the demo: emulated reader, embedded broker, HQ, SQLite) and a fake Electron:
 * the page URL answers, a crash reloads onto the same stored items, and quitting closes the station.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../test/support/services.js';
import { bootstrap, type Shell } from './main.js';
import { startStation } from './station-host.js';
import { createFakeElectron } from './testing/fake-electron.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('kiosk shell around a real station', () => {
  let shell: Shell | undefined;
  afterAll(async () => {
    if (shell && !shell.ctx.state.quitting) {
      shell.ctx.electron.app.quit();
      await shell.quit.done;
    }
  });

  it('BUG-55: loads the station, reloads onto the stored items after a crash, and quitting closes the station', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-kiosk-station-'));
    const config = join(dir, 'station.yaml');
    writeFileSync(config, `dataDir: ${JSON.stringify(join(dir, 'data'))}\nhttp:\n  port: 0\nmqtt:\n  embeddedPort: ${await freePort()}\n`);
    const fake = createFakeElectron(join(dir, 'user-data'));
    shell = await bootstrap(fake, {
      startStation: () => startStation({ config, demo: true }),
      preloadPath: '/x/preload.cjs',
      maintenancePage: '/x/maintenance.html',
      log: quiet,
      settings: { reloadDelayMs: 10 },
      onSignal: () => undefined,
    });
    const url = shell?.ctx.station.url ?? '';
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const wc = fake.windows[0]?.webContents;
    expect(wc?.loads).toEqual([url]);

    // Midway through a return: three items scanned through the page's API.
    for (const code of ['4006381333931', '5901234123457', '0012345678905']) {
      const res = await fetch(`${url}/api/scans`, { method: 'POST', headers: { 'content-type': 'application/json', origin: url }, body: JSON.stringify({ code }) });
      expect(res.status).toBeLessThan(500);
    }
    const before = ((await (await fetch(`${url}/api/items?limit=1000`)).json()) as { items: Array<{ id: string }> }).items.map((i) => i.id);

    wc?.forcefullyCrashRenderer();
    await sleep(50);
    expect(wc?.loads).toEqual([url, url]);
    const after = ((await (await fetch(`${url}/api/items?limit=1000`)).json()) as { items: Array<{ id: string }> }).items.map((i) => i.id);
    expect(after).toEqual(expect.arrayContaining(before));

    fake.app.quit();
    await shell?.quit.done;
    expect(fake.app.quitted).toBe(true);
    await expect(fetch(`${url}/api/health`)).rejects.toThrow();
  });
});
