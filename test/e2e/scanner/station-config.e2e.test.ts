/**
 * Issue 5, end to end in Debian's Chromium: a real station whose station.yaml sets the wedge scanner's prefix, suffix
 * and GS replacement text. The page gets them from the station (the live `hello` settings) and decodes trusted key
 * events with them; the scan that reaches the station is the plain GS1 element string (BUG-19 c).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyFor } from '../../../devices/scanner/layouts.js';
import { startDemo, type RunningDemo } from '../../../src/app/demo.js';
import { parseConfig } from '../../../src/config/load.js';
import type { ItemView, UiSettings } from '../../../src/server/api-types.js';
import { freePort } from '../../support/services.js';
import { press, sendKeyBurst, TEST_MAX_INTER_KEY_MS, type KeyEventParams } from '../key-burst.js';
import { chromiumAvailable, ensureUiBuilt, launchChromium } from '../ui/harness.js';

const enabled = chromiumAvailable();

// The page must get the timing key from the station too; the value is the one every browser-test station uses (why in
// ../key-burst.ts).
const SCANNER = { layout: 'us', prefix: '~S', suffix: '#E', gsReplacement: '{GS}', maxInterKeyMs: TEST_MAX_INTER_KEY_MS } as const;
// Field case BUG-19: (01)11111111111113(10)xyz(30)40, the separator sent as the configured text.
const TYPED = '~S' + '0111111111111113' + '10xyz' + '{GS}' + '3040' + '#E';
const ELEMENT_STRING = '0111111111111113' + '10xyz' + '\x1d' + '3040';

// Windows virtual-key codes of the punctuation keys used here (US keyboard).
const VK: Record<string, number> = { Backquote: 192, BracketLeft: 219, BracketRight: 221, Minus: 189, Period: 190 };

/** Trusted key events as a US-programmed scanner on a US PC types `text`, in one burst (../key-burst.ts), then Enter. */
async function scannerTypes(cdp: CDPSession, text: string): Promise<void> {
  const events: KeyEventParams[] = [];
  for (const ch of text) {
    const k = keyFor('us', ch);
    if (!k) throw new Error(`no US key for ${JSON.stringify(ch)}`);
    const vk = VK[k.code] ?? (/^(Key|Digit)/.test(k.code) ? k.code.slice(-1).toUpperCase().charCodeAt(0) : 0);
    events.push(...press({ code: k.code, key: ch, text: ch, vk, modifiers: k.shift ? 8 : 0 }));
  }
  events.push(...press({ code: 'Enter', key: 'Enter', text: '\r', vk: 13 }));
  await sendKeyBurst(cdp, events);
}

describe.skipIf(!enabled)('station-configured wedge scanner in Chromium', () => {
  let demo: RunningDemo;
  let browser: Browser;
  let page: Page;
  let cdp: CDPSession;

  beforeAll(async () => {
    await ensureUiBuilt();
    const dir = mkdtempSync(join(tmpdir(), 'rs-scanner-cfg-'));
    const scenario = join(dir, 'one.json');
    writeFileSync(scenario, JSON.stringify({ intervalMs: 10, items: [{ barcode: '4012345000740', reason: 'changed_mind', grade: 'sealed' }] }));
    const config = parseConfig({ dataDir: dir, http: { port: 0 }, mqtt: { embeddedPort: await freePort() }, scanner: SCANNER });
    demo = await startDemo({ config, scenarioPath: scenario, exitWhenDone: false, demoPeople: false });
    browser = await launchChromium();
    page = await browser.newPage();
    // The station log page sends every scan to the plain intake, so the scan text is exactly what the page decoded.
    await page.goto(`${demo.url}/#/items`);
    await page.waitForSelector('body[data-ready="1"]');
    cdp = await page.context().newCDPSession(page);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  });

  it('the page receives the scanner settings from the station, and nothing secret with them', async () => {
    // Read the live `hello` from inside the page, as the UI does (Node 20 has no WebSocket of its own).
    const hello = await page.evaluate(async () => await new Promise<unknown>((resolve, reject) => {
      const ws = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/api/live`);
      ws.onmessage = (m) => {
        const msg = JSON.parse(String(m.data)) as { type: string; settings?: unknown };
        if (msg.type === 'hello') {
          ws.close();
          resolve(msg.settings);
        }
      };
      ws.onerror = () => reject(new Error('live socket failed'));
    })) as UiSettings;
    expect(hello.scanner).toMatchObject({ ...SCANNER, terminator: 'auto', minLength: 4 });
    expect(hello.scanner?.labels.rma).toEqual({ pattern: '\\d{7}', near: '\\d{4,10}', formats: ['Code128'] });
    // Only the scanner block travels, never the config around it (broker login, users, HQ key).
    expect(hello).not.toHaveProperty('mqtt');
    expect(hello).not.toHaveProperty('auth');
    expect(JSON.stringify(hello)).not.toMatch(/password|pinHash|badgeHash|publicKey|secret/i);
  });

  it('BUG-19 (c): prefix ~S, suffix #E and {GS} from station.yaml: real key events give the element string with 0x1D', async () => {
    const posted = page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/api/scans', { timeout: 10_000 });
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur()); // window-level capture: no field has focus
    await scannerTypes(cdp, TYPED);
    const body = (await posted).postDataJSON() as { code: string; source: string };
    expect(body).toMatchObject({ code: ELEMENT_STRING, source: 'barcode' });

    // The station stored it parsed as GS1: the separator split lot and count (no "xyz3040" lot).
    await expect.poll(async () => {
      const { items } = (await (await fetch(`${demo.url}/api/items?limit=20`)).json()) as { items: ItemView[] };
      return items.find((i) => i.raw === ELEMENT_STRING);
    }, { timeout: 10_000 }).toMatchObject({ gtin: '11111111111113', lot: 'xyz', source: 'barcode' });
  });
});
