/**
 * Adapters for the npm libraries the identity benchmark compares against, plus a replay of the public
 * vectors through them (how many each gets wrong). Peers throw on bad input; adapters turn that into
 * `undefined` so a throw counts as "no answer", never as a crash of the run.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

interface BarcodeParserItem { ai: string; data: unknown }
interface EpcObject { toTagURI(): string; toIdURI(): string; toBarcode?: () => string }
const { parseBarcode } = require('gs1-barcode-parser-mod') as { parseBarcode: (s: string) => { parsedCodeItems: BarcodeParserItem[] } };
const bark = require('bark-js') as (s: string, o?: { assumeGtin?: boolean }) => { elements: Array<{ ai: string; value: string }> };
const epcTds = require('epc-tds') as { valueOf: (hex: string) => EpcObject };

/** What every pipeline reports for one input, so answers can be compared with the generator's truth. */
export interface Answer {
  gtin?: string;
  lot?: string;
  serial?: string;
  pureUri?: string;
}

function fromAis(pairs: Array<[string, unknown]>): Answer {
  const a: Answer = {};
  for (const [ai, v] of pairs) {
    if (ai === '01') a.gtin = String(v);
    if (ai === '10') a.lot = String(v);
    if (ai === '21') a.serial = String(v);
  }
  return a;
}

export const gs1BarcodeParser = (s: string): Answer | undefined => {
  try {
    return fromAis(parseBarcode(s).parsedCodeItems.map((i) => [i.ai, i.data]));
  } catch {
    return undefined;
  }
};

export const barkJs = (s: string): Answer | undefined => {
  try {
    return fromAis(bark(s, { assumeGtin: true }).elements.map((e) => [e.ai, e.value]));
  } catch {
    return undefined;
  }
};

export const epcTdsDecode = (hex: string): Answer | undefined => {
  try {
    const e = epcTds.valueOf(hex);
    e.toTagURI();
    return { pureUri: e.toIdURI() };
  } catch {
    return undefined;
  }
};

interface V { id: string; category?: string; type?: string; valid?: boolean; input: Record<string, unknown> | string; expected?: Record<string, unknown> }
function vectors(root: string, name: string): V[] {
  return (JSON.parse(readFileSync(join(root, 'fixtures', 'vectors', `${name}.json`), 'utf8')) as { vectors: V[] }).vectors;
}

/** Replays the vectors each peer can be asked about; returns failures / applicable per peer. */
export function peerVectorFailures(root: string): Record<string, { failed: number; of: number; ids: string[] }> {
  const out: Record<string, { failed: number; of: number; ids: string[] }> = {};
  const count = (peer: string, id: string, pass: boolean): void => {
    const o = (out[peer] ??= { failed: 0, of: 0, ids: [] });
    o.of++;
    if (!pass) {
      o.failed++;
      o.ids.push(id);
    }
  };
  for (const v of vectors(root, 'epc-tds')) {
    const i = v.input as Record<string, unknown>;
    const e = v.expected ?? {};
    if (typeof i.hex !== 'string' || !String(v.category).startsWith('decode')) continue;
    let pass = false;
    try {
      const epc = epcTds.valueOf(i.hex);
      pass = epc.toTagURI() === e.tagUri && (e.pureIdentityUri === undefined || epc.toIdURI() === e.pureIdentityUri);
    } catch {
      pass = false;
    }
    count('epc-tds', v.id, pass);
  }
  const gs1Peers: Array<[string, (s: string) => Answer | undefined, (s: string) => Array<[string, string]> | undefined]> = [
    ['gs1-barcode-parser-mod', gs1BarcodeParser, (s) => { try { return parseBarcode(s).parsedCodeItems.map((x) => [x.ai, String(x.data)]); } catch { return undefined; } }],
    ['bark-js', barkJs, (s) => { try { return bark(s).elements.map((x) => [x.ai, x.value]); } catch { return undefined; } }],
  ];
  for (const [name, , parse] of gs1Peers) {
    for (const v of vectors(root, 'gs1-element-strings')) {
      const i = v.input as Record<string, unknown>;
      // Syntax categories whose input is AI data the peer can be handed as scanner text.
      let text: string | undefined;
      if (v.category === 'element-string' && typeof i.elementString === 'string') text = i.elementString.startsWith('^') ? i.elementString.slice(1).split('^').join('\x1d') : undefined;
      if (v.category === 'scan-data' && typeof i.scanData === 'string') text = i.scanData;
      if (v.category === 'digital-link' && typeof i.uri === 'string') text = i.uri;
      if (text === undefined) continue;
      const r = parse(text);
      count(name, v.id, (r !== undefined && r.length > 0) === v.valid);
    }
    for (const v of vectors(root, 'check-digits')) {
      const s = String(v.input);
      if (!v.type?.startsWith('GTIN') || v.type.includes('compute') || !/^[0-9]+$/.test(s)) continue;
      const r = parse('01' + s.padStart(14, '0'));
      count(name, v.id, (r !== undefined) === v.valid);
    }
  }
  return out;
}
