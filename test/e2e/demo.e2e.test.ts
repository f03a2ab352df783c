/**
 * The demo's live page in Debian's Chromium: items of the shipped scenario are listed with their decision and
 * sync state, and a keyboard-wedge scan (real key events, no field focused) adds an item.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../../src/app/demo.js';
import { parseConfig } from '../../src/config/load.js';
import { freePort, serviceGate } from '../support/services.js';
import { press, sendKeyBurst, TEST_MAX_INTER_KEY_MS } from './key-burst.js';

const CHROMIUM = '/usr/bin/chromium';
const enabled = serviceGate('chromium', existsSync(CHROMIUM));
const root = new URL('../..', import.meta.url).pathname;
const built = existsSync(join(root, 'src/ui/dist/index.html'));

describe.skipIf(!enabled)('demo live page in Chromium', () => {
  let dir: string;
  let demo: RunningDemo;
  let browser: Browser;

  beforeAll(async () => {
    if (!built) {
      const { build } = await import('vite');
      await build({ configFile: join(root, 'src/ui/vite.config.ts'), logLevel: 'warn' });
    }
    dir = mkdtempSync(join(tmpdir(), 'rs-e2e-'));
    // The scanner's timing limit is raised for the test station only: why in ./key-burst.ts (TEST_MAX_INTER_KEY_MS).
    const config = parseConfig({ dataDir: dir, http: { port: 0 }, mqtt: { embeddedPort: await freePort() }, scanner: { maxInterKeyMs: TEST_MAX_INTER_KEY_MS } });
    demo = await startDemo({ config, scenarioPath: join(root, 'fixtures/scenarios/demo-shift.json'), exitWhenDone: true });
    await demo.done;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists every decided item with its bin and shows HQ confirmation; a wedge scan adds one', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${demo.url}/#/items`);
    await page.waitForFunction(() => document.querySelectorAll('#items tbody tr').length >= 26);
    await expect.poll(async () => page.locator('#items tbody td.sync-confirmed').count()).toBe(26);
    // An RFID item of the scenario: SGTIN-96 3034257BF4000940000003E8 = GTIN 00614141000371, serial 1000.
    await expect.poll(async () => page.locator('#items tbody tr', { hasText: 'urn:epc:id:sgtin:0614141.000037.1000' }).count()).toBe(1);
    await expect.poll(async () => (await page.locator('#conn').textContent()) ?? '').toBe('live');

    // Wedge scan with nothing focused: keys typed fast, terminated by Enter (a scanner's default CR). Sent through CDP
    // as one burst with a scanner's key spacing (./key-burst.ts; Playwright's type() awaits each key). `body[data-ready]`:
    // the page has the station's scanner settings and listens.
    await page.waitForSelector('body[data-ready="1"]');
    await page.bringToFront();
    await page.locator('#result').click();
    const cdp = await page.context().newCDPSession(page);
    await sendKeyBurst(cdp, [
      ...[...'4012345000740'].flatMap((ch) => press({ code: `Digit${ch}`, key: ch, text: ch, vk: ch.charCodeAt(0) })),
      ...press({ code: 'Enter', key: 'Enter', text: '\r', vk: 13 }),
    ]);
    await expect.poll(async () => page.locator('#items tbody tr').count()).toBe(27);
    await expect.poll(async () => page.locator('#items tbody tr').first().textContent()).toContain('04012345000740');
    await expect.poll(async () => page.locator('#result-bin').textContent()).toMatch(/^(?!—$)\S+/);

    // Typed by hand with its answers: a defective charger (docs/rules.md: defective electronics never go to open box).
    await page.locator('[data-testid=manual-entry] input[name=code]').fill('04012345002966');
    await page.locator('[data-testid=manual-entry] select[name=reason]').selectOption('defective');
    await page.locator('[data-testid=manual-entry] select[name=grade]').selectOption('like_new');
    await page.locator('[data-testid=manual-entry] button[type=submit]').click();
    await expect.poll(async () => page.locator('#items tbody tr').count()).toBe(28);
    await expect.poll(async () => page.locator('#result-bin').textContent()).toBe('WEEE-RECYCLE');

    mkdirSync(join(root, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(root, 'test-results/demo-live.png'), fullPage: false });
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('the operator screen offers the demo badges, so a first look needs no scanner; the strip links the station log', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${demo.url}/#/`);
    await page.locator('[data-testid=demo-badges] button', { hasText: 'B-100' }).click();
    await expect.poll(async () => page.locator('[data-testid=operator]').textContent()).toBe('Ana');
    expect(await page.locator('[data-testid=station-log]').getAttribute('href')).toBe('#/items');
    // The tab shows the station's icon, and the browser's favicon request finds it (no 404 in the kiosk's log).
    const icon = await page.locator('link[rel=icon]').getAttribute('href');
    const got = await page.request.get(new URL(icon ?? '/favicon.ico', page.url()).href);
    expect(got.status()).toBe(200);
    expect(got.headers()['content-type']).toContain('image/svg+xml');
    await page.screenshot({ path: join(root, 'test-results/demo-signed-in.png'), fullPage: false });
    await page.close();
  }, 60_000);
});
