/**
 * quagga2 in Node behind a safe wrapper (BUG-24): a Promise that resolves `{found:false}` when nothing is found,
 * rejects with DECODE_INPUT within a time limit on bad input instead of never calling back, and runs one decode at a
 * time because quagga2 keeps global state and concurrent decodeSingle calls trample each other.
 */
import { open } from 'node:fs/promises';
import type { QuaggaJSResultObject, QuaggaJSStatic } from '@ericblade/quagga2';
import QuaggaModule from '@ericblade/quagga2';
import { StationError } from '../../src/core/errors.js';
import type { RawRead } from './acceptance.js';
import { quaggaConfig, quaggaReads } from './quagga-common.js';

// The CommonJS build exposes the API both as module.exports and as .default; NodeNext typing sees only one.
const Quagga: QuaggaJSStatic = (QuaggaModule as unknown as { default?: QuaggaJSStatic }).default ?? (QuaggaModule as unknown as QuaggaJSStatic);

export type QuaggaOutcome = { found: false } | { found: true; reads: RawRead[] };

let queue: Promise<unknown> = Promise.resolve();

/** Decode one image (file path or base64 data URL) with quagga2. */
export function quaggaDecode(src: string, variant = 0, timeoutMs = 2000): Promise<QuaggaOutcome> {
  const job = queue.then(() => decodeOnce(src, variant, timeoutMs));
  queue = job.catch(() => undefined);
  return job;
}

function badInput(src: string, why: string, cause?: unknown): StationError {
  return new StationError('DECODE_INPUT', `The image could not be read (${why}).`, {
    hint: 'Check that the file is a PNG or JPEG photo of a barcode.',
    details: { src: src.slice(0, 60) },
    cause,
  });
}

async function decodeOnce(src: string, variant: number, timeoutMs: number): Promise<QuaggaOutcome> {
  if (src.startsWith('data:') && !/^data:image\/(png|jpe?g);base64,[A-Za-z0-9+/]{16,}={0,2}$/.test(src)) {
    throw badInput(src, 'empty or garbled data URL');
  }
  // quagga2 never calls back for bytes it cannot decode, so check the image signature first (fast, clear error).
  const head = src.startsWith('data:') ? Buffer.from(src.slice(src.indexOf(',') + 1, src.indexOf(',') + 17), 'base64') : await readHead(src);
  if (head === null) throw badInput(src, 'file not found or unreadable');
  if (!isPngOrJpeg(head)) throw badInput(src, 'not a PNG or JPEG image');
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(badInput(src, `no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  const decode = new Promise<QuaggaJSResultObject | undefined>((resolve, reject) => {
    try {
      const cfg = quaggaConfig(src, variant);
      if (src.startsWith('data:')) Object.assign(cfg, { mime: /^data:([^;]+);/.exec(src)?.[1] });
      Quagga.decodeSingle(cfg, (r) => resolve(r)).catch((e: unknown) => reject(badInput(src, 'decoder error', e)));
    } catch (e) {
      reject(badInput(src, 'decoder error', e));
    }
  });
  try {
    const result = await Promise.race([decode, timeout]);
    const reads = quaggaReads(result);
    return reads.length === 0 ? { found: false } : { found: true, reads };
  } finally {
    clearTimeout(timer);
  }
}

function isPngOrJpeg(b: Uint8Array): boolean {
  const png = b.length >= 4 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
  const jpeg = b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
  return png || jpeg;
}

async function readHead(path: string): Promise<Uint8Array | null> {
  try {
    const fh = await open(path, 'r');
    try {
      const buf = new Uint8Array(8);
      const { bytesRead } = await fh.read(buf, 0, 8, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch {
    return null;
  }
}
