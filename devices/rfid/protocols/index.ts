/** Registry of reader families: one line per family. */
import type { ReaderProtocol } from '../protocol.js';
import type { ProtocolName } from '../types.js';
import { createR2000 } from './r2000.js';

const factories: Partial<Record<ProtocolName, () => ReaderProtocol>> = {
  r2000: () => createR2000(),
};

export function getProtocol(name: ProtocolName): ReaderProtocol {
  const f = factories[name];
  if (!f) throw new Error(`reader protocol "${name}" is not available`);
  return f();
}

export function protocolNames(): ProtocolName[] {
  return Object.keys(factories) as ProtocolName[];
}
