/**
 * quagga2 configuration and result mapping shared by the page and the Node twin. Browser-safe, pure.
 */
import type { QuaggaJSConfigObject, QuaggaJSResultObject } from '@ericblade/quagga2';
import type { RawRead } from './acceptance.js';
import { formatFromQuagga } from './formats.js';

/**
 * Readers in priority order. i2of5 is left out: zxing-wasm reads ITF reliably and quagga2's i2of5 reader produced
 * only wrong reads on the fixture photos. EAN-13 before UPC so one printed code gives one form (BUG-23).
 */
export const QUAGGA_READERS = ['ean_reader', 'ean_8_reader', 'upc_reader', 'upc_e_reader', 'code_128_reader', 'code_39_reader'] as const;

/** Successive quagga2 runs on one code use different working sizes: a real read survives the change, a misread rarely does. */
export const QUAGGA_SIZES = [800, 1024, 640] as const;

export function quaggaConfig(src: string, variant: number): QuaggaJSConfigObject {
  return {
    src,
    numOfWorkers: 0,
    locate: true,
    inputStream: { size: QUAGGA_SIZES[variant % QUAGGA_SIZES.length] },
    decoder: { readers: [...QUAGGA_READERS] },
  } as QuaggaJSConfigObject;
}

/** quagga2 calls back with undefined, or a result without codeResult, when nothing is found (BUG-24). */
export function quaggaReads(result: QuaggaJSResultObject | undefined | null): RawRead[] {
  const cr = result?.codeResult;
  if (!cr || typeof cr.code !== 'string' || cr.code === '') return [];
  const errors = (cr.decodedCodes ?? [])
    .map((c) => (typeof c === 'object' && c !== null && typeof c.error === 'number' ? c.error : undefined))
    .filter((e): e is number => e !== undefined && Number.isFinite(e));
  const error = errors.length > 0 ? errors.reduce((a, b) => a + b, 0) / errors.length : undefined;
  return [{ format: formatFromQuagga(String(cr.format)), text: cr.code, decoder: 'quagga2', ...(error === undefined ? {} : { error }) }];
}
