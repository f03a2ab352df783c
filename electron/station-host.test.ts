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

  it('BUG-55: loads the station, reloads onto the in-progress return (3 items) after a crash, and quitting closes the station', async () => {
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

    // Midway through a return on the kiosk's screen: the demo operator signs in and three catalog items
    // (fixtures/catalog/products.json) are scanned, graded and binned, as the page would do it.
    type Screen = { awaiting: string; caseId?: string; case?: { id: string; items: Array<{ itemId: string; gtin?: string }> }; pendingItemId?: string; question?: { id: string; answers: Array<{ value: string }> }; expectedBin?: { labels: string[] } };
    const post = async (path: string, body: Record<string, unknown>): Promise<{ screen?: Screen }> => {
      const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', origin: url }, body: JSON.stringify({ screen: 'main', idempotencyKey: crypto.randomUUID(), ...body }) });
      expect(res.status).toBeLessThan(500);
      return (await res.json()) as { screen?: Screen };
    };
    const screen = async (): Promise<Screen> => (await (await fetch(`${url}/api/workflow/screens/main`)).json()) as Screen;
    expect((await post('/api/workflow/sign-in', { badge: 'B-100' })).screen?.awaiting).toBe('case_or_item');
    const gtins = ['04012345000740', '04012345002225', '00614141000371'];
    for (const gtin of gtins) {
      let s = (await post('/api/workflow/scan', { code: gtin.slice(1) })).screen;
      for (let i = 0; i < 8 && s?.awaiting === 'grading' && s.pendingItemId && s.question; i++) {
        s = (await post(`/api/workflow/items/${encodeURIComponent(s.pendingItemId)}/answer`, { questionId: s.question.id, value: s.question.answers[0]?.value ?? '' })).screen;
      }
      if (s?.awaiting === 'bin') s = (await post('/api/workflow/scan', { code: s.expectedBin?.labels[0] ?? '' })).screen;
      expect(s?.awaiting).toBe('case_or_item');
    }
    const before = await screen();
    expect(before.case?.items.map((i) => i.gtin)).toEqual(gtins);

    wc?.forcefullyCrashRenderer();
    await sleep(50);
    expect(wc?.loads).toEqual([url, url]);
    // The reloaded page asks for its screen state: the same operator, the same open case with its three items.
    const after = await screen();
    expect(after.caseId).toBe(before.caseId);
    expect(after.case?.items.map((i) => i.itemId)).toEqual(before.case?.items.map((i) => i.itemId));
    expect(after.case?.items.map((i) => i.gtin)).toEqual(gtins);

    fake.app.quit();
    await shell?.quit.done;
    expect(fake.app.quitted).toBe(true);
    await expect(fetch(`${url}/api/health`)).rejects.toThrow();
  });
});
