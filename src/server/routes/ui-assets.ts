/**
 * Assets the page needs that Vite does not bundle: the zxing-wasm decoder binary, served from the station itself
 * (the CSP allows no other origin, and a kiosk may have no internet).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import type { StationContext } from '../context.js';
import type { RouteModule } from '../http.js';

export const ZXING_WASM_URL = '/assets/zxing_reader.wasm';

// Same file as devices/camera/node.ts zxingWasmPath(), resolved here so the server does not load sharp at start.
const wasmPath = (): string => createRequire(import.meta.url).resolve('zxing-wasm/reader/zxing_reader.wasm');

const uiAssets: RouteModule<StationContext> = (app: FastifyInstance) => {
  let wasm: Buffer | undefined;
  app.get(ZXING_WASM_URL, async (_req, reply) => {
    try {
      wasm ??= await readFile(wasmPath());
    } catch {
      return reply.status(404).send({ ok: false, error: { code: 'CAMERA_DECODER_MISSING', message: 'The camera decoder file is missing from this installation; reinstall the station.' } });
    }
    return reply.type('application/wasm').header('cache-control', 'public, max-age=86400').send(wasm);
  });
};

export default uiAssets;
