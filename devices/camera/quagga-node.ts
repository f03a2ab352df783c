/**
 * quagga2 in Node behind a safe wrapper (BUG-24): a Promise that resolves `{found:false}` when nothing is found,
 * rejects with DECODE_INPUT within a time limit on bad input instead of never calling back, and runs one decode at a
 * time because quagga2 keeps global state and concurrent decodeSingle calls trample each other.
 */
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
