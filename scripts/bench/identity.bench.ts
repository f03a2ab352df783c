/**
 * `npm run bench -- identity`: identify() on a mixed set of 12,000 dock inputs (GS1-128/DataMatrix
 * scanner strings with and without AIM prefix, bare EAN/UPC, Digital Link URIs, EPC hex of several
 * schemes) side by side with npm peers on the very same inputs: gs1-barcode-parser-mod and bark-js for
 * barcodes, epc-tds for EPCs. Also counts how many inputs each pipeline answers wrongly and how many
 * public vectors each peer fails.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { encodeEpcForGtin, encodeEpc, gs1CheckDigit, identify, identifyEpcHex, type IdentifyResult } from '../../src/identity/index.js';
import { barkJs, epcTdsDecode, gs1BarcodeParser, peerVectorFailures, type Answer } from './identity-peers.js';
import type { BenchResult } from './run.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Input {
  kind: 'gs1' | 'ean' | 'dl' | 'epc';
  text: string;
  truth: Answer;
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function makeInputs(n = 12_000, seed = 42): Input[] {
  const r = rng(seed);
  const digits = (k: number): string => Array.from({ length: k }, () => Math.floor(r() * 10)).join('');
  const alnum = (k: number): string => Array.from({ length: k }, () => 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789'[Math.floor(r() * 34)]).join('');
  const gtinBody = (): string => ['4', '5', '7', '8', '0'][Math.floor(r() * 5)] + digits(11);
  const gtin13 = (): string => {
    const b = gtinBody();
    return b + gs1CheckDigit(b);
  };
  const out: Input[] = [];
  while (out.length < n) {
    const p = r();
    const g14 = (Math.floor(r() * 3) === 0 ? '1' : '0') + gtin13().slice(0, 12);
    const gtin = g14 + gs1CheckDigit(g14);
    const lot = alnum(4 + Math.floor(r() * 8));
    const serial = digits(6 + Math.floor(r() * 6)).replace(/^0/, '1');
    const yy = String(24 + Math.floor(r() * 6));
    const exp = `${yy}${String(1 + Math.floor(r() * 12)).padStart(2, '0')}${Math.floor(r() * 2) === 0 ? '00' : '15'}`;
    if (p < 0.4) {
      const aim = [']C1', ']d2', ']Q3', ''][Math.floor(r() * 4)];
      const weight = Math.floor(r() * 4) === 0 ? `3103${digits(6)}` : '';
      out.push({ kind: 'gs1', text: `${aim}01${gtin}17${exp}${weight}10${lot}\x1d21${serial}`, truth: { gtin, lot, serial } });
    } else if (p < 0.55) {
      const g = gtin13();
      out.push({ kind: 'ean', text: g, truth: { gtin: g.padStart(14, '0') } });
    } else if (p < 0.7) {
      out.push({ kind: 'dl', text: `https://id.gs1.org/01/${gtin}/10/${lot}/21/${serial}?17=${exp}`, truth: { gtin, lot, serial } });
    } else {
      const cpLen = 6 + Math.floor(r() * 7);
      const s = r();
      let hex = '';
      let pure = '';
      if (s < 0.7) {
        const e = encodeEpcForGtin(gtin, serial, cpLen, r() < 0.85 ? 'sgtin-96' : 'sgtin-198', 1);
        if (e.ok) ({ hex, pureIdentityUri: pure } = e.value);
      } else {
        const cp = '0' + digits(cpLen - 1);
        const uri = s < 0.8 ? `urn:epc:id:sscc:${cp}.${digits(17 - cpLen)}` : s < 0.9 ? `urn:epc:id:grai:${cp}.${digits(12 - cpLen)}.${serial}` : `urn:epc:id:giai:${cp}.${serial}`;
        const scheme = uri.includes('sscc') ? 'sscc-96' : uri.includes('grai') ? 'grai-96' : 'giai-96';
        const e = encodeEpc(uri, scheme, 2);
        if (e.ok) {
          hex = e.hex;
          pure = uri;
        }
      }
      if (hex !== '') out.push({ kind: 'epc', text: hex, truth: { pureUri: pure } });
    }
  }
  return out;
}

type Pipeline = (i: Input) => Answer | undefined;

function ours(i: Input): Answer | undefined {
  const r: IdentifyResult = i.kind === 'epc' ? identifyEpcHex(i.text) : identify(i.text);
  if (!r.ok) return undefined;
  const a: Answer = {};
  if (r.identity.gtin !== undefined) a.gtin = r.identity.gtin;
  if (r.identity.lot !== undefined) a.lot = r.identity.lot;
  if (r.identity.serial !== undefined) a.serial = r.identity.serial;
  if (r.identity.epc?.pureIdentityUri !== undefined) a.pureUri = r.identity.epc.pureIdentityUri;
  return a;
}

const PIPELINES: Record<string, Pipeline> = {
  'returns-station identity': ours,
  'gs1-barcode-parser-mod + epc-tds': (i) => (i.kind === 'epc' ? epcTdsDecode(i.text) : gs1BarcodeParser(i.text)),
  'bark-js + epc-tds': (i) => (i.kind === 'epc' ? epcTdsDecode(i.text) : barkJs(i.text)),
};

function right(i: Input, a: Answer | undefined): boolean {
  if (a === undefined) return false;
  const t = i.truth;
  if (t.pureUri !== undefined) return a.pureUri === t.pureUri;
  return a.gtin === t.gtin && a.lot === t.lot && a.serial === t.serial;
}

function timeOnce(p: Pipeline, inputs: Input[]): number {
  let sink = 0;
  const t0 = performance.now();
  for (const i of inputs) if (p(i) !== undefined) sink++;
  const ms = performance.now() - t0;
  if (sink < 0) console.error(sink);
  return (inputs.length / ms) * 1000;
}

export async function run(): Promise<BenchResult> {
  const inputs = makeInputs();
  const rounds = 9;
  const names = Object.keys(PIPELINES);
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (const n of names) timeOnce(PIPELINES[n] as Pipeline, inputs); // warm-up (JIT)
  for (let r = 0; r < rounds; r++) {
    for (const n of r % 2 === 0 ? names : [...names].reverse()) samples[n]?.push(timeOnce(PIPELINES[n] as Pipeline, inputs));
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const perSec: Record<string, number> = {};
  const wrong: Record<string, Record<string, number>> = {};
  for (const n of names) {
    perSec[n] = Math.round(median(samples[n] ?? []));
    const w: Record<string, number> = { total: 0, gs1: 0, ean: 0, dl: 0, epc: 0 };
    for (const i of inputs) {
      if (!right(i, (PIPELINES[n] as Pipeline)(i))) {
        w.total = (w.total ?? 0) + 1;
        w[i.kind] = (w[i.kind] ?? 0) + 1;
      }
    }
    wrong[n] = w;
  }
  const oursPerSec = perSec['returns-station identity'] ?? 0;
  const peerNames = names.filter((n) => n !== 'returns-station identity');
  const fastest = peerNames.reduce((best, n) => ((perSec[n] ?? 0) > (perSec[best] ?? 0) ? n : best), peerNames[0] ?? '');
  const ratios: Record<string, number> = { vsFastestPeer: Number((oursPerSec / (perSec[fastest] ?? 1)).toFixed(3)) };
  for (const n of peerNames) ratios[`vs ${n}`] = Number((oursPerSec / (perSec[n] ?? 1)).toFixed(3));
  // Same comparison without Digital Link URIs, which no peer pipeline parses (they fail fast on them).
  const subset = inputs.filter((i) => i.kind !== 'dl');
  const subSamples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (const n of r % 2 === 0 ? names : [...names].reverse()) subSamples[n]?.push(timeOnce(PIPELINES[n] as Pipeline, subset));
  }
  const subsetPerSec: Record<string, number> = {};
  for (const n of names) subsetPerSec[n] = Math.round(median(subSamples[n] ?? []));
  const fastestSub = Math.max(...peerNames.map((n) => subsetPerSec[n] ?? 0));
  ratios.vsFastestPeerWithoutDigitalLink = Number(((subsetPerSec['returns-station identity'] ?? 0) / fastestSub).toFixed(3));
  const mix = inputs.reduce<Record<string, number>>((m, i) => ({ ...m, [i.kind]: (m[i.kind] ?? 0) + 1 }), {});
  return {
    metrics: {
      inputs: inputs.length,
      mix,
      rounds,
      inputsPerSec: oursPerSec,
      peersInputsPerSec: Object.fromEntries(peerNames.map((n) => [n, perSec[n]])),
      fastestPeer: fastest,
      withoutDigitalLink: { inputs: subset.length, inputsPerSec: subsetPerSec },
      wrongAnswers: wrong,
      peerVectorFailures: peerVectorFailures(root),
    },
    ratios,
  };
}
