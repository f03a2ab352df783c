/**
 * Shared set-up for the kiosk browser tests: a real station (demo wiring: emulated reader, embedded broker, HQ),
 * Debian's Chromium with a fake camera, and scanner keystrokes sent as trusted CDP key events the way a
 * US-programmed scanner types on a French AZERTY host (KeyboardEvent.code = physical key, key = AZERTY character).
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import sharp from 'sharp';
import { startDemo, type RunningDemo } from '../../../src/app/demo.js';
import { parseConfig } from '../../../src/config/load.js';
import type { ScreenState } from '../../../src/server/api/workflow-types.js';
import { freePort, serviceGate } from '../../support/services.js';
import { press, sendKeyBurst, TEST_MAX_INTER_KEY_MS, type KeyEventParams } from '../key-burst.js';

export const CHROMIUM = '/usr/bin/chromium';
export const chromiumAvailable = (): boolean => serviceGate('chromium', existsSync(CHROMIUM));
export const ROOT = new URL('../../..', import.meta.url).pathname;
export const SHOTS = join(ROOT, 'test-results');
/** EAN-13 in fixtures/images/zxing__ean13-1__12.png (the same photo the scanner e2e test uses). */
export const PHOTO_CODE = '5201815331227';

export async function ensureUiBuilt(): Promise<void> {
  if (existsSync(join(ROOT, 'src/ui/dist/index.html')) && process.env.UI_REBUILD !== '1') return;
  const { build } = await import('vite');
  await build({ configFile: join(ROOT, 'src/ui/vite.config.ts'), logLevel: 'warn' });
}

export async function startStation(): Promise<{ demo: RunningDemo; dir: string; startedMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'rs-ui-'));
  const scenario = join(dir, 'empty.json');
  writeFileSync(scenario, JSON.stringify({ intervalMs: 10, items: [{ barcode: '4012345000740', reason: 'changed_mind', grade: 'sealed' }] }));
  // The scanner's timing limit is raised for test stations only: why in ../key-burst.ts (TEST_MAX_INTER_KEY_MS).
  const config = parseConfig({ dataDir: dir, http: { port: 0 }, mqtt: { embeddedPort: await freePort() }, scanner: { maxInterKeyMs: TEST_MAX_INTER_KEY_MS } });
  const t0 = performance.now();
  // The shift registers its own people (an admin first), as a real site does: no demo badges.
  const demo = await startDemo({ config, scenarioPath: scenario, exitWhenDone: false, demoPeople: false });
  return { demo, dir, startedMs: performance.now() - t0 };
}

/** RGBA photo → 4:2:0 Y4M (BT.601), a few identical frames; Chromium loops the file. */
export async function photoToY4m(photo: string, out: string): Promise<void> {
  const { data, info } = await sharp(photo).resize(640, 480, { fit: 'contain', background: '#ffffff' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const { width: W, height: H } = info;
  const y = Buffer.alloc(W * H);
  const u = Buffer.alloc((W / 2) * (H / 2));
  const v = Buffer.alloc((W / 2) * (H / 2));
  for (let j = 0; j < H; j++)
    for (let i = 0; i < W; i++) {
      const p = (j * W + i) * 3;
      const [r, g, b] = [data[p]!, data[p + 1]!, data[p + 2]!];
      y[j * W + i] = Math.round(0.257 * r + 0.504 * g + 0.098 * b + 16);
      if (j % 2 === 0 && i % 2 === 0) {
        const q = (j / 2) * (W / 2) + i / 2;
        u[q] = Math.round(-0.148 * r - 0.291 * g + 0.439 * b + 128);
        v[q] = Math.round(0.439 * r - 0.368 * g - 0.071 * b + 128);
      }
    }
  const frame = Buffer.concat([Buffer.from('FRAME\n'), y, u, v]);
  writeFileSync(out, Buffer.concat([Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\n`), ...Array<Buffer>(5).fill(frame)]));
}

export async function launchChromium(fakeVideo?: string, lang = 'en-US'): Promise<Browser> {
  return await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-background-networking', `--lang=${lang}`, '--autoplay-policy=no-user-gesture-required',
      ...(fakeVideo ? ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${fakeVideo}`] : []),
    ],
  });
}

// A French AZERTY host: what `key` the OS reports for each physical key (code) the US-programmed scanner presses.
const AZERTY_DIGITS = 'à&é"\'(-è_ç';
const AZERTY_LETTER: Record<string, string> = { KeyA: 'q', KeyQ: 'a', KeyW: 'z', KeyZ: 'w', KeyM: ',', Semicolon: 'm' };

interface KeySpec { code: string; key: string; shift: boolean; vk: number }

function usKeyFor(ch: string): KeySpec {
  if (/[0-9]/.test(ch)) return { code: `Digit${ch}`, key: AZERTY_DIGITS[Number(ch)]!, shift: false, vk: 48 + Number(ch) };
  if (/[a-zA-Z]/.test(ch)) {
    const up = ch.toUpperCase();
    const code = `Key${up}`;
    const base = AZERTY_LETTER[code] ?? up.toLowerCase();
    const shift = ch === up;
    return { code, key: shift ? base.toUpperCase() : base, shift, vk: up.charCodeAt(0) };
  }
  if (ch === '-') return { code: 'Minus', key: ')', shift: false, vk: 189 };
  if (ch === '.') return { code: 'Period', key: ':', shift: false, vk: 190 };
  throw new Error(`no key for ${JSON.stringify(ch)} in the test keyboard`);
}

/**
 * One scan: all keydown/keyup events in one burst, spaced like a scanner by their timestamps (see ../key-burst.ts),
 * terminated by CR (+ LF when asked: BUG-18). Resolves once the page has handled every key; the caller then waits for
 * what the scan should change (screen state, API, DOM), never for a fixed time.
 */
export async function wedgeScan(cdp: CDPSession, text: string, opts: { crlf?: boolean } = {}): Promise<void> {
  const events: KeyEventParams[] = [];
  for (const ch of text) {
    const k = usKeyFor(ch);
    events.push(...press({ code: k.code, key: k.key, text: k.key, vk: k.vk, modifiers: k.shift ? 8 : 0 }));
  }
  events.push(...press({ code: 'Enter', key: 'Enter', text: '\r', vk: 13 }));
  if (opts.crlf) events.push(...press({ code: 'KeyJ', key: 'j', vk: 74, modifiers: 2 }));
  await sendKeyBurst(cdp, events);
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `ui-${name}.png`) });
}

/** Calls the station's JSON API from the test (this machine = loopback). */
export async function api<T>(base: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json', origin: base }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json().catch(() => undefined)) as T };
}

export const key = (): string => crypto.randomUUID();

/** Operators for the tests: the first (an admin) may be created with nobody signed in; it then adds the others. */
export async function seedOperators(base: string): Promise<boolean> {
  if ((await fetch(`${base}/api/workflow/config`)).status !== 200) return false;
  await api(base, '/api/workflow/operators', { badge: 'ADM-0001', displayName: 'Admin', role: 'admin', screen: 'setup', idempotencyKey: key() });
  await api(base, '/api/workflow/sign-in', { badge: 'ADM-0001', screen: 'setup', idempotencyKey: key() });
  await api(base, '/api/workflow/operators', { badge: 'OP-0042', displayName: 'Li Wei', role: 'operator', screen: 'setup', idempotencyKey: key() });
  await api(base, '/api/workflow/operators', { badge: 'SUP-0001', displayName: 'Anna Supervisor', role: 'supervisor', screen: 'setup', idempotencyKey: key() });
  await api(base, '/api/workflow/operators', { badge: 'RCV-0007', displayName: 'Refurb receiver', role: 'operator', department: 'refurbishment', screen: 'setup', idempotencyKey: key() });
  return true;
}

/** What the page's test hooks (`window.__rs`) expose to the operator-screen tests. */
export type RsWindow = { __rs: { screen: { get(): ScreenState | null }; result: { get(): { tone: string } | null }; played: string[] } };

export interface OperatorPage {
  browser: Browser;
  ctx: BrowserContext;
  page: Page;
  cdp: CDPSession;
  /** uncaught page errors, for a test to expect none */
  errors: string[];
  screenState: () => Promise<ScreenState | null>;
  tone: () => Promise<string | undefined>;
  played: () => Promise<string[]>;
}

/** The operator screen in a touch kiosk window (1366×1024, en-US), signed in by a wedge scan of `badge`. */
export async function operatorPage(base: string, badge = 'OP-0042'): Promise<OperatorPage> {
  const browser = await launchChromium();
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 1024 }, locale: 'en-US', hasTouch: true });
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${base}/#/`);
  await page.waitForSelector('body[data-ready="1"]');
  const cdp = await ctx.newCDPSession(page);
  await wedgeScan(cdp, badge);
  await page.waitForSelector('[data-testid="operator"]');
  return {
    browser, ctx, page, cdp, errors,
    screenState: () => page.evaluate(() => (window as unknown as RsWindow).__rs.screen.get()),
    tone: () => page.evaluate(() => (window as unknown as RsWindow).__rs.result.get()?.tone),
    played: () => page.evaluate(() => [...(window as unknown as RsWindow).__rs.played]),
  };
}
