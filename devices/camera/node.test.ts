import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isStationError } from '../../src/core/errors.js';
import { validateRead } from './acceptance.js';
import { canonical, toGtin14 } from './formats.js';
import { decodeImageFile, loadFrame, nodeZxingDecoder } from './node.js';
import { quaggaDecode } from './quagga-node.js';
import { barcodePng, blankPng } from './test-images.js';

interface Img { file: string; format: string; expected: string }
const imagesDir = new URL('../../fixtures/images/', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(imagesDir, 'manifest.json'), 'utf8')) as { images: Img[] };

/** Same printed code? EAN/UPC compare as GTIN-14 (a UPC-A is an EAN-13 with a leading 0), others exactly. */
function sameCode(expected: Img, format: string, text: string): boolean {
  const c = canonical(format as never, text);
  if (c.text === expected.expected) return true;
  const a = toGtin14(expected.expected, expected.format as never);
  return a !== undefined && a === toGtin14(c.text, c.format);
}

let dir = '';
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'camera-test-'));
  writeFileSync(join(dir, 'blank.png'), await blankPng(640, 480));
  writeFileSync(join(dir, 'ean.png'), await barcodePng('4006381333931', 'EAN13'));
  writeFileSync(join(dir, 'garbage.png'), 'not an image');
});

describe('BUG-24: quagga2 Node wrapper', () => {
  it('BUG-24 (a): a blank white 640x480 PNG resolves {found:false}', async () => {
    await expect(quaggaDecode(join(dir, 'blank.png'))).resolves.toEqual({ found: false });
  });
  it('BUG-24 (b): an empty or garbled data URL rejects with DECODE_INPUT within 2 s', async () => {
    for (const src of ['data:', 'data:image/png;base64,', 'data:image/png;base64,@@@not-base64@@@', 'data:image/png;base64,' + Buffer.from('garbage bytes that are no png').toString('base64')]) {
      const t0 = Date.now();
      const e: unknown = await quaggaDecode(src).then(() => null, (x: unknown) => x);
      expect(isStationError(e) && e.code).toBe('DECODE_INPUT');
      expect(Date.now() - t0).toBeLessThan(2500);
    }
  });
  it('BUG-24 (c): 10 concurrent decodes of a clear EAN-13 all resolve 4006381333931', async () => {
    const all = await Promise.all(Array.from({ length: 10 }, () => quaggaDecode(join(dir, 'ean.png'))));
    expect(all.map((r) => (r.found ? r.reads[0]?.text : null))).toEqual(Array(10).fill('4006381333931'));
  });
  it('BUG-24: a file that is not an image rejects with DECODE_INPUT at once', async () => {
    await expect(quaggaDecode(join(dir, 'garbage.png'))).rejects.toMatchObject({ code: 'DECODE_INPUT' });
    await expect(quaggaDecode(join(dir, 'missing.png'))).rejects.toMatchObject({ code: 'DECODE_INPUT' });
  });
  it('decodeImageFile: a readable image without a code is plain ok:false (no error)', async () => {
    await expect(decodeImageFile(join(dir, 'blank.png'))).resolves.toEqual({ file: join(dir, 'blank.png'), ok: false });
  });
  it('BUG-24 (b): decodeImageFile tells unreadable input from "no code": DECODE_INPUT, within 2 s', async () => {
    const truncated = join(dir, 'truncated.png');
    writeFileSync(truncated, (await blankPng(64, 64)).subarray(0, 40));
    for (const src of [join(dir, 'garbage.png'), truncated, dir, 'data:', 'data:image/png;base64,', 'data:image/png;base64,@@@not-base64@@@', 'data:image/png;base64,' + Buffer.from('garbage bytes that are no png').toString('base64')]) {
      const t0 = Date.now();
      const r = await decodeImageFile(src);
      expect(r, src).toMatchObject({ file: src, ok: false, error: { code: 'DECODE_INPUT' } });
      expect(r.ok === false && r.error?.message).toMatch(/could not be read/);
      expect(Date.now() - t0).toBeLessThan(2000);
    }
  });
  it('decodeImageFile: a missing file is IMAGE_NOT_FOUND, not "no code"', async () => {
    const missing = join(dir, 'missing.png');
    await expect(decodeImageFile(missing)).resolves.toMatchObject({ file: missing, ok: false, error: { code: 'IMAGE_NOT_FOUND' } });
  });
  it('decodeImageFile reads a PNG data URL like a file', async () => {
    const url = 'data:image/png;base64,' + (await barcodePng('4006381333931', 'EAN13')).toString('base64');
    const r = await decodeImageFile(url);
    expect(r.ok && r.codes.map((c) => c.text)).toEqual(['4006381333931']);
  });
});

describe('fixture photos', () => {
  it('the pipeline decodes at least as many as the better library alone and accepts no wrong code', { timeout: 240_000 }, async () => {
    let zxingAlone = 0;
    let quaggaAlone = 0;
    let pipeline = 0;
    const wrong: string[] = [];
    const zx = nodeZxingDecoder();
    for (const img of manifest.images) {
      const path = join(imagesDir, img.file);
      const z = await zx.decode(await loadFrame(path), 0);
      if (z.some((r) => sameCode(img, r.format, r.text))) zxingAlone++;
      const qr = await quaggaDecode(path);
      if (qr.found && qr.reads.some((r) => sameCode(img, r.format, r.text))) quaggaAlone++;
      const res = await decodeImageFile(path);
      if (res.ok) {
        if (res.codes.some((c) => sameCode(img, c.format, c.text))) pipeline++;
        for (const c of res.codes) if (!sameCode(img, c.format, c.text)) wrong.push(`${img.file}: ${c.format} ${c.text}`);
        // exact printed text in canonical form (UPC-A 12 digits, UPC-E 8 digits)
        if (res.codes.length === 1 && validateRead({ ...res.codes[0]!, decoder: res.codes[0]!.decoder }).ok) expect(res.codes[0]!.text).toBe(img.expected);
      }
    }
    console.log(`fixture photos: zxing-wasm alone ${zxingAlone}, quagga2 alone ${quaggaAlone}, pipeline ${pipeline} of ${manifest.images.length}`);
    expect(wrong).toEqual([]);
    expect(pipeline).toBeGreaterThanOrEqual(Math.max(zxingAlone, quaggaAlone));
    expect(pipeline).toBeGreaterThan(Math.max(zxingAlone, quaggaAlone));
  });
});
