/**
 * Node twin of the camera pipeline, for the CLI, tests and the benchmark: image files in, the same DecodePipeline
 * and acceptance policy as the page.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import sharp from 'sharp';
import { createLogger } from '../../src/core/logger.js';
import { errorMessage } from '../../src/core/errors.js';
import type { DecoderName } from './acceptance.js';
import type { CodeFormat } from './formats.js';
import { DecodePipeline, type Frame, type FrameDecoder, type PipelineOptions } from './pipeline.js';
import { quaggaDecode } from './quagga-node.js';
import { createZxingDecoder } from './zxing.js';

const log = createLogger('camera');

export interface DecodedCode {
  format: CodeFormat;
  text: string;
  decoder: DecoderName;
}
export type DecodeImageResult = { file: string; ok: true; codes: DecodedCode[] } | { file: string; ok: false };

/** Path of the zxing reader .wasm inside node_modules; the station serves this same file to the page. */
export function zxingWasmPath(): string {
  return createRequire(import.meta.url).resolve('zxing-wasm/reader/zxing_reader.wasm');
}

let zxingNode: FrameDecoder | undefined;
export function nodeZxingDecoder(): FrameDecoder {
  if (!zxingNode) {
    const bytes = readFileSync(zxingWasmPath());
    zxingNode = createZxingDecoder({ wasmBinary: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer });
  }
  return zxingNode;
}

/** quagga2 in Node reads encoded images, so a frame goes in as an uncompressed PNG data URL. */
export const nodeQuaggaDecoder: FrameDecoder = {
  name: 'quagga2',
  async decode(frame: Frame, variant: number) {
    const png = await sharp(Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength), {
      raw: { width: frame.width, height: frame.height, channels: 4 },
    })
      .png({ compressionLevel: 0 })
      .toBuffer();
    const out = await quaggaDecode(`data:image/png;base64,${png.toString('base64')}`, variant);
    return out.found ? out.reads : [];
  },
};

export async function loadFrame(file: string): Promise<Frame> {
  const { data, info } = await sharp(file).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}

/**
 * Decode a still image as if the camera held it for up to `maxFrames` frames. Defaults suit stills: quagga2 may run
 * on every frame zxing-wasm misses (a still has no next frame to wait for).
 */
export async function decodeImageFile(file: string, opts: PipelineOptions & { maxFrames?: number } = {}): Promise<DecodeImageResult> {
  let frame: Frame;
  try {
    frame = await loadFrame(file);
  } catch (e) {
    log.warn({ file, err: errorMessage(e) }, 'image could not be read');
    return { file, ok: false };
  }
  const pipeline = new DecodePipeline(nodeZxingDecoder(), nodeQuaggaDecoder, { quaggaEvery: 1, ...opts });
  const maxFrames = opts.maxFrames ?? 4;
  const codes: DecodedCode[] = [];
  for (let i = 0; i < maxFrames && codes.length === 0; i++) {
    const r = await pipeline.process(frame, i * 100);
    for (const s of r.accepted) codes.push({ format: s.format, text: s.text, decoder: s.decoder });
  }
  return codes.length > 0 ? { file, ok: true, codes } : { file, ok: false };
}
