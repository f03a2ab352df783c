/**
 * zxing-wasm as a frame decoder. Browser-safe: the page passes `wasmUrl` (served by the station, never a CDN);
 * the Node twin passes the `.wasm` bytes.
 */
import { prepareZXingModule, readBarcodes, type ReaderOptions } from 'zxing-wasm/reader';
import type { RawRead } from './acceptance.js';
import { formatFromZxing } from './formats.js';
import type { Frame, FrameDecoder } from './pipeline.js';

export interface ZxingSetup {
  /** URL of zxing_reader.wasm on the station (page). */
  wasmUrl?: string;
  /** The .wasm bytes (Node, tests). */
  wasmBinary?: ArrayBuffer;
  readerOptions?: ReaderOptions;
}

let prepared = false;

export function prepareZxing(setup: ZxingSetup): void {
  if (setup.wasmBinary) {
    prepareZXingModule({ overrides: { wasmBinary: setup.wasmBinary } });
  } else {
    const url = setup.wasmUrl ?? '/assets/zxing_reader.wasm';
    // Overriding locateFile replaces the library's default jsDelivr CDN path: the station must work offline.
    prepareZXingModule({ overrides: { locateFile: (path: string, prefix: string) => (path.endsWith('.wasm') ? url : prefix + path) } });
  }
  prepared = true;
}

export const DEFAULT_ZXING_OPTIONS: ReaderOptions = { tryHarder: true, tryRotate: true, tryInvert: true, maxNumberOfSymbols: 4 };

export function createZxingDecoder(setup: ZxingSetup): FrameDecoder {
  if (!prepared || setup.wasmBinary || setup.wasmUrl) prepareZxing(setup);
  const options = { ...DEFAULT_ZXING_OPTIONS, ...setup.readerOptions };
  return {
    name: 'zxing-wasm',
    async decode(frame: Frame): Promise<RawRead[]> {
      // zxing-wasm duck-types ImageData, so Node can pass a plain object.
      const image = { data: frame.data, width: frame.width, height: frame.height, colorSpace: 'srgb' } as unknown as ImageData;
      const results = await readBarcodes(image, options);
      return results.filter((r) => r.isValid && r.text !== '').map((r) => ({
        format: formatFromZxing(r.format),
        text: r.text,
        decoder: 'zxing-wasm' as const,
        ...(r.lineCount > 0 ? { lines: r.lineCount } : {}),
      }));
    },
  };
}
