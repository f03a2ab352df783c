import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProtocolName } from '../../devices/rfid/index.js';

export interface Vector {
  id: string;
  protocol: string;
  direction?: string;
  hex?: string;
  checksumValid?: boolean;
  decoded?: Record<string, unknown>;
  input?: string;
  expectedCrc?: string;
}

export const vectors: Vector[] = (
  JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'vectors', 'rfid-frames.json'), 'utf8')) as { vectors: Vector[] }
).vectors;

export const protocolOf = (v: Vector): ProtocolName => (v.protocol === 'm100-bb7e' ? 'bb7e' : (v.protocol as ProtocolName));

export const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

export async function until(cond: () => boolean, timeoutMs = 10_000, stepMs = 20): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return cond();
}
