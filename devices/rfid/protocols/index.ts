/** Registry of reader families: one line per family. */
import type { ReaderProtocol } from '../protocol.js';
import type { ProtocolName } from '../types.js';
import { createAscii } from './ascii.js';
import { createBb7e } from './bb7e.js';
import { createChafon } from './chafon.js';
import { createR2000 } from './r2000.js';
import { createThingMagic } from './thingmagic.js';

const factories: Record<ProtocolName, () => ReaderProtocol> = {
  r2000: () => createR2000(),
  chafon: () => createChafon(),
  thingmagic: () => createThingMagic(),
  bb7e: () => createBb7e(),
  ascii: () => createAscii(),
};

export function getProtocol(name: ProtocolName): ReaderProtocol {
  const f = factories[name as ProtocolName] as (() => ReaderProtocol) | undefined;
  if (!f) throw new Error(`unknown reader protocol "${name}"; known: ${Object.keys(factories).join(', ')}`);
  return f();
}

export function protocolNames(): ProtocolName[] {
  return Object.keys(factories) as ProtocolName[];
}

export function isProtocolName(s: string): s is ProtocolName {
  return Object.hasOwn(factories, s);
}
