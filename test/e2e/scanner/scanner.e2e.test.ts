/**
 * Browser test in Debian's Chromium: real (trusted) key events for wedge scans with a French AZERTY host layout,
 * and a camera scan through Chromium's fake camera fed a Y4M video made from a fixture barcode photo.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceGate } from '../../support/services.js';
import { press, sendKeyBurst } from '../key-burst.js';
import { zxingWasmPath } from '../../../devices/camera/node.js';

const CHROMIUM = '/usr/bin/chromium';
const enabled = serviceGate('chromium', existsSync(CHROMIUM));
const here = fileURLToPath(new URL('.', import.meta.url));
const PHOTO = join(here, '..', '..', '..', 'fixtures', 'images', 'zxing__ean13-1__12.png');
const PHOTO_CODE = '5201815331227';

/** RGBA photo → 4:2:0 Y4M (BT.601), a few identical frames; Chromium loops the file. */
async function photoToY4m(photo: string, out: string): Promise<void> {
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

async function launch(video: string): Promise<Browser> {
  return await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${video}`,
    ],
  });
}

describe.skipIf(!enabled)('scanner page in Chromium', () => {
  let server: Server;
  let browser: Browser;
  let page: Page;
  let cdp: CDPSession;
  let base = '';
  let dir = '';
  const external: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'scanner-e2e-'));
    const bundle = await build({ entryPoints: [join(here, 'page.ts')], bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent' });
    const js = bundle.outputFiles[0]!.contents;
    const wasm = readFileSync(zxingWasmPath());
    const html = `<!doctype html><meta charset="utf-8"><title>scanner</title>
      <input id="note"><button id="confirm">Confirm refund</button><video id="video" width="640" height="480"></video>
      <script type="module" src="/page.js"></script>`;
    server = createServer((req, res) => {
      const routes: Record<string, [string, Buffer | Uint8Array | string]> = {
        '/': ['text/html', html], '/page.js': ['text/javascript', js], '/assets/zxing_reader.wasm': ['application/wasm', wasm],
      };
      const hit = routes[req.url ?? ''];
      res.writeHead(hit ? 200 : 404, { 'content-type': hit?.[0] ?? 'text/plain' }).end(hit?.[1] ?? 'not found');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    const video = join(dir, 'photo.y4m');
    await photoToY4m(PHOTO, video);
    browser = await launch(video);
    const ctx = await browser.newContext();
    await ctx.grantPermissions(['camera'], { origin: base });
    page = await ctx.newPage();
    page.on('request', (r) => {
      if (!r.url().startsWith(base) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) external.push(r.url());
    });
    await page.goto(base);
    await page.waitForFunction(() => Array.isArray((window as unknown as { wedgeScans?: unknown[] }).wedgeScans));
    cdp = await ctx.newCDPSession(page);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
  });

  /**
   * Trusted key events as a French AZERTY PC produces them: `code` is the physical key, `key` the OS character. One
   * burst with a scanner's key spacing (../key-burst.ts); resolves once the page has handled every key.
   */
  async function azertyKeys(keys: Array<{ code: string; key: string; shift?: boolean; ctrl?: boolean; vk: number }>): Promise<void> {
    await sendKeyBurst(cdp, keys.flatMap((k) => press({
      code: k.code, key: k.key, vk: k.vk, modifiers: (k.shift ? 8 : 0) | (k.ctrl ? 2 : 0),
      ...(k.key.length === 1 && !k.ctrl ? { text: k.key } : {}),
    })));
  }

  const bug13 = [
    { code: 'Digit0', key: 'à', vk: 48 }, { code: 'Digit0', key: 'à', vk: 48 }, { code: 'Digit4', key: "'", vk: 52 },
    { code: 'KeyH', key: 'H', shift: true, vk: 72 }, { code: 'KeyQ', key: 'A', shift: true, vk: 65 }, { code: 'Digit3', key: '"', vk: 51 },
    { code: 'KeyN', key: 'N', shift: true, vk: 78 }, { code: 'KeyI', key: 'I', shift: true, vk: 73 }, { code: 'KeyD', key: 'D', shift: true, vk: 68 },
    { code: 'KeyB', key: 'B', shift: true, vk: 66 }, { code: 'KeyV', key: 'V', shift: true, vk: 86 }, { code: 'KeyD', key: 'D', shift: true, vk: 68 },
    { code: 'Enter', key: 'Enter', vk: 13 },
  ];

  it('BUG-13/BUG-18: AZERTY host, focused "Confirm refund" button: one scan 004HQ3NIDBVD, button not pressed', async () => {
    await page.focus('#confirm');
    await azertyKeys([...bug13, { code: 'KeyJ', key: 'j', ctrl: true, vk: 74 }]);
    await page.waitForFunction(() => (window as unknown as { wedgeScans: unknown[] }).wedgeScans.length > 0);
    await page.waitForTimeout(200);
    const r = await page.evaluate(() => {
      const w = window as unknown as { wedgeScans: Array<{ text: string }>; clicks: number; warnings: string[] };
      return { texts: w.wedgeScans.map((s) => s.text), clicks: w.clicks, warnings: w.warnings };
    });
    expect(r).toEqual({ texts: ['004HQ3NIDBVD'], clicks: 0, warnings: ['LAYOUT_MISMATCH'] });
  });

  it('BUG-19: Ctrl+] from the scanner arrives as GS; BUG-16: slow typing stays in the note field', async () => {
    await page.evaluate(() => ((window as unknown as { wedgeScans: unknown[] }).wedgeScans = []));
    // A US-programmed scanner sends unshifted digit keys; the AZERTY host turns them into these characters.
    const azertyRow = 'à&é"\'(-è_ç';
    const digits = (s: string): Array<{ code: string; key: string; vk: number }> =>
      [...s].map((d) => ({ code: `Digit${d}`, key: azertyRow[Number(d)]!, vk: 48 + Number(d) }));
    await page.focus('#confirm');
    await azertyKeys([
      ...digits('0104006381333931'), ...digits('10'), { code: 'KeyQ', key: 'a', vk: 65 },
      { code: 'BracketRight', key: '$', ctrl: true, vk: 221 }, ...digits('3040'), { code: 'Enter', key: 'Enter', vk: 13 },
    ]);
    await page.waitForFunction(() => (window as unknown as { wedgeScans: unknown[] }).wedgeScans.length > 0);
    expect(await page.evaluate(() => (window as unknown as { wedgeScans: Array<{ text: string }> }).wedgeScans.map((s) => s.text))).toEqual([
      '0104006381333931' + '10q' + '\x1d' + '3040',
    ]);
    await page.focus('#note');
    for (const ch of '12345') {
      await page.keyboard.press(`Digit${ch}`);
      await page.waitForTimeout(90);
    }
    await page.keyboard.press('Enter');
    await page.waitForTimeout(150);
    expect(await page.inputValue('#note')).toBe('12345');
    expect(await page.evaluate(() => (window as unknown as { wedgeScans: unknown[] }).wedgeScans.length)).toBe(1);
  });

  it('BUG-16 (c): "jkl" mashed into the note field is no scan and the field keeps every key', async () => {
    await page.evaluate(() => ((window as unknown as { wedgeScans: unknown[] }).wedgeScans = []));
    await page.fill('#note', '');
    await page.focus('#note');
    // One burst, so the gaps are a few ms: faster than any scanner's inter-key timing limit.
    await azertyKeys([{ code: 'KeyJ', key: 'j', vk: 74 }, { code: 'KeyK', key: 'k', vk: 75 }, { code: 'KeyL', key: 'l', vk: 76 }]);
    // "kl" go back into the field only once the burst has ended (the decoder's flush timer), however busy the machine.
    await expect.poll(() => page.inputValue('#note')).toBe('jkl');
    expect(await page.evaluate(() => (window as unknown as { wedgeScans: unknown[] }).wedgeScans.length)).toBe(0);
  });

  it('camera: the fake camera playing a fixture photo gives one accepted scan, wasm served locally', async () => {
    const state = await page.evaluate(() => (window as unknown as { startCamera: (id?: string) => Promise<{ state: string }> }).startCamera('no-such-camera'));
    expect(state).toMatchObject({ state: 'running', usedFallback: true });
    await page.waitForFunction(() => (window as unknown as { cameraScans: unknown[] }).cameraScans.length > 0, undefined, { timeout: 30_000 });
    const scans = await page.evaluate(() => (window as unknown as { cameraScans: Array<{ text: string; format: string }> }).cameraScans);
    expect(scans[0]).toMatchObject({ text: PHOTO_CODE, format: 'EAN-13' });
    await page.waitForTimeout(500);
    expect((await page.evaluate(() => (window as unknown as { cameraScans: unknown[] }).cameraScans)).length).toBe(1); // still in view: once
    expect(external).toEqual([]);
  }, 60_000);

  it('camera: a skewed Code 39 photo only quagga2 reads is accepted through the page-side quagga2 path', async () => {
    const video = join(dir, 'skewed.y4m');
    await photoToY4m(join(here, '..', '..', '..', 'fixtures', 'images', 'quagga2__code_39__image-005.jpg'), video);
    const b2 = await launch(video);
    try {
      const ctx = await b2.newContext();
      await ctx.grantPermissions(['camera'], { origin: base });
      const p2 = await ctx.newPage();
      await p2.goto(base);
      await p2.waitForFunction(() => typeof (window as unknown as { startCamera?: unknown }).startCamera === 'function');
      await p2.evaluate(() => (window as unknown as { startCamera: () => Promise<unknown> }).startCamera());
      await p2.waitForFunction(() => (window as unknown as { cameraScans: unknown[] }).cameraScans.length > 0, undefined, { timeout: 45_000 });
      const scans = await p2.evaluate(() => (window as unknown as { cameraScans: Array<{ text: string; decoder: string }> }).cameraScans);
      expect(scans[0]).toMatchObject({ text: 'CODE39', format: 'Code39', decoder: 'quagga2' });
    } finally {
      await b2.close();
    }
  }, 90_000);
});
