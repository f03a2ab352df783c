/**
 * Node twin of the camera pipeline, for the CLI, tests and the benchmark: image files in, the same DecodePipeline
 * and acceptance policy as the page.
 */
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import sharp from 'sharp';
import { createLogger } from '../../src/core/logger.js';
import { StationError, errorMessage, isStationError } from '../../src/core/errors.js';
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
/**
 * `ok:false` alone: a readable image with no barcode in it. `ok:false` with `error`: the input itself could not be
 * read (IMAGE_NOT_FOUND for a missing file, DECODE_INPUT for anything that is not a PNG/JPEG image), so a script can
 * tell a bad file from a photo without a code.
 */
export type DecodeImageResult =
  | { file: string; ok: true; codes: DecodedCode[] }
  | { file: string; ok: false; error?: { code: string; message: string } };

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

export async function loadFrame(file: string | Buffer): Promise<Frame> {
  const { data, info } = await sharp(file).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}

function decodeInput(src: string, why: string, cause?: unknown): StationError {
  return new StationError('DECODE_INPUT', `The image ${src.startsWith('data:') ? 'data URL' : src} could not be read: ${why}.`, {
    hint: 'Give a PNG or JPEG photo of a barcode.',
    cause,
  });
}

function isPngOrJpeg(b: Uint8Array): boolean {
  const png = b.length >= 4 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
  const jpeg = b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
  return png || jpeg;
}

/**
 * The image behind a file path or a `data:image/png|jpeg;base64,…` URL, as a frame; throws IMAGE_NOT_FOUND or
 * DECODE_INPUT (BUG-24 b: bad input is an error, never "no barcode").
 */
export async function loadInputFrame(src: string): Promise<Frame> {
  let input: string | Buffer = src;
  if (src.startsWith('data:')) {
    const m = /^data:image\/(?:png|jpe?g);base64,([A-Za-z0-9+/]+={0,2})$/.exec(src);
    if (!m) throw decodeInput(src, 'the data URL is empty or garbled');
    input = Buffer.from(m[1]!, 'base64');
    if (!isPngOrJpeg(input)) throw decodeInput(src, 'the data URL holds no PNG or JPEG image');
  } else {
    const st = await stat(src).catch((e: unknown) => {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new StationError('IMAGE_NOT_FOUND', `There is no file ${src}.`, { hint: 'Check the path.', cause: e });
      throw decodeInput(src, errorMessage(e), e);
    });
    if (!st.isFile()) throw decodeInput(src, 'it is not a file');
  }
  try {
    return await loadFrame(input);
  } catch (e) {
    throw decodeInput(src, 'it is not a PNG or JPEG image, or the file is damaged', e);
  }
}

/**
 * Decode a still image as if the camera held it for up to `maxFrames` frames. Defaults suit stills: quagga2 may run
 * on every frame zxing-wasm misses (a still has no next frame to wait for).
 */
export async function decodeImageFile(file: string, opts: PipelineOptions & { maxFrames?: number } = {}): Promise<DecodeImageResult> {
  let frame: Frame;
  try {
    frame = await loadInputFrame(file);
  } catch (e) {
    if (!isStationError(e)) throw e;
    log.warn({ file: file.slice(0, 200), code: e.code }, 'image could not be read');
    return { file, ok: false, error: { code: e.code, message: e.message } };
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
