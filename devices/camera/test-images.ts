/**
 * Test-only helpers (Node): synthetic barcode images made with zxing-wasm's writer, and a blank frame.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import sharp from 'sharp';
import { prepareZXingModule, writeBarcode, type WriterOptions } from 'zxing-wasm/writer';

let ready = false;
function prepare(): void {
  if (ready) return;
  const bytes = readFileSync(createRequire(import.meta.url).resolve('zxing-wasm/writer/zxing_writer.wasm'));
  prepareZXingModule({ overrides: { wasmBinary: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer } });
  ready = true;
}

/** A barcode centred on a white canvas of the given size, as PNG bytes. */
export async function barcodePng(text: string, format: NonNullable<WriterOptions['format']>, width = 640, height = 480): Promise<Buffer> {
  prepare();
  const out = await writeBarcode(text, { format, scale: 3, withQuietZones: true });
  if (!out.image) throw new Error(`zxing writer: ${out.error}`);
  const code = await sharp(Buffer.from(await out.image.arrayBuffer())).flatten({ background: '#ffffff' }).toBuffer();
  const meta = await sharp(code).metadata();
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  const scaled = w > width * 0.8 || h > height * 0.8 ? await sharp(code).resize({ width: Math.floor(width * 0.8), height: Math.floor(height * 0.8), fit: 'inside' }).toBuffer() : code;
  const sm = await sharp(scaled).metadata();
  return await sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite([{ input: scaled, left: Math.floor((width - (sm.width ?? 0)) / 2), top: Math.floor((height - (sm.height ?? 0)) / 2) }])
    .png()
    .toBuffer();
}

export async function blankPng(width = 640, height = 480): Promise<Buffer> {
  return await sharp({ create: { width, height, channels: 3, background: '#ffffff' } }).png().toBuffer();
}
