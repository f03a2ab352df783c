/**
 * RFID throughput: codec + smoothing in-process (ours vs node-serialport's PacketLengthParser framing the same
 * R2000 stream), lossless reports/s through a socat pty at the emulator's full write rate, and CPU share while
 * reading at the 115,200-baud line rate.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PacketLengthParser } from 'serialport';
import { r2000Checksum } from '../../devices/rfid/checksums.js';
import { Framer, ReaderEmulator, ReaderSession, TagSmoother, getProtocol, type TagReport } from '../../devices/rfid/index.js';
import { r2000Frame } from '../../devices/rfid/protocols/r2000.js';
import { serveSerial } from '../../devices/rfid/serve.js';
import type { BenchResult } from './run.js';

const N = 300_000;
const TAGS = 500;
const epc = (i: number): number[] => [...Buffer.from(`E28011700000${(i % TAGS).toString(16).padStart(12, '0')}`, 'hex')];
const frameFor = (i: number): Uint8Array => r2000Frame(1, 0x89, [0x28 | (i & 3), 0x30, 0x00, ...epc(i), 0x40 + (i % 30)]);

function stream(n: number): Buffer {
  return Buffer.concat(Array.from({ length: n }, (_, i) => frameFor(i)));
}

function chunks(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

function ours(parts: Buffer[]): { reports: number; ms: number } {
  const p = getProtocol('r2000');
  const sm = new TagSmoother({ zones: { '1': 'intake', '2': 'bin-wall', '3': 'handoff' }, absenceMs: 60_000 });
  let reports = 0;
  const framer = new Framer(p.spec('reader'), (f) => {
    const r = p.decode(f, 'reader');
    if (!r.ok) return;
    for (const t of r.frame.tags) {
      reports++;
      sm.ingest({ epc: t.epc, antenna: t.antenna ?? 1, rssiRaw: t.rssiRaw, readerId: 'r1', at: 0 } as TagReport);
    }
  });
  const t0 = process.hrtime.bigint();
  for (const c of parts) framer.push(c);
  return { reports, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
}

async function peer(parts: Buffer[]): Promise<{ reports: number; ms: number }> {
  const p = getProtocol('r2000');
  const sm = new TagSmoother({ zones: { '1': 'intake', '2': 'bin-wall', '3': 'handoff' }, absenceMs: 60_000 });
  const parser = new PacketLengthParser({ delimiter: 0xa0, lengthOffset: 1, lengthBytes: 1, packetOverhead: 2, maxLen: 257 });
  let reports = 0;
  parser.on('data', (f: Buffer) => {
    if (r2000Checksum(f, 0, f.length - 1) !== f[f.length - 1]) return;
    const r = p.decode(f, 'reader');
    if (!r.ok) return;
    for (const t of r.frame.tags) {
      reports++;
      sm.ingest({ epc: t.epc, antenna: t.antenna ?? 1, rssiRaw: t.rssiRaw, readerId: 'r1', at: 0 } as TagReport);
    }
  });
  const t0 = process.hrtime.bigint();
  for (const c of parts) parser.write(c);
  await new Promise<void>((r) => setImmediate(r));
  return { reports, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
}

async function withPty<T>(fn: (dev: string, host: string) => Promise<T>): Promise<T | null> {
  const dir = mkdtempSync(join(tmpdir(), 'rfid-bench-'));
  const dev = join(dir, 'dev');
  const host = join(dir, 'host');
  const proc = spawn('socat', [`pty,raw,echo=0,link=${dev}`, `pty,raw,echo=0,link=${host}`], { stdio: 'ignore' });
  proc.on('error', () => undefined);
  try {
    for (let i = 0; i < 100 && !(existsSync(dev) && existsSync(host)); i++) await new Promise((r) => setTimeout(r, 20));
    if (!existsSync(host)) return null;
    return await fn(dev, host);
  } finally {
    proc.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

async function session(host: string, em: ReaderEmulator, dev: string): Promise<{ s: ReaderSession; got: () => number; close: () => Promise<void> }> {
  const served = await serveSerial(em, dev);
  // Rounds every 10 s: the benchmark pushes frames itself; inventory answers would only add noise.
  const s = new ReaderSession({ id: 'bench', protocol: 'r2000', transport: { kind: 'serial', path: host }, inventoryIntervalMs: 10_000 });
  let n = 0;
  s.on('tag', () => n++);
  await s.start();
  await new Promise((r) => setTimeout(r, 200));
  return {
    s,
    got: () => n,
    close: async () => {
      await s.stop();
      await served.close();
    },
  };
}

async function ptyLossless(): Promise<{ reportsPerSec: number; sent: number; received: number; rxErrors: number } | null> {
  return await withPty(async (dev, host) => {
    const em = new ReaderEmulator({ protocol: 'r2000', tags: [] });
    const { s, got, close } = await session(host, em, dev);
    const sent = 50_000;
    const frames = Array.from({ length: sent }, (_, i) => frameFor(i));
    const base = got();
    const t0 = Date.now();
    // Write in 4 KiB bursts as fast as the pty accepts them.
    const blob = Buffer.concat(frames);
    for (const c of chunks(blob, 4096)) em.broadcast([c]);
    const deadline = Date.now() + 30_000;
    while (got() - base < sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const ms = Date.now() - t0;
    const received = got() - base;
    const rxErrors = s.stats.rxErrors;
    await close();
    return { reportsPerSec: Math.round((received / ms) * 1000), sent, received, rxErrors };
  });
}

/**
 * CPU at line rate is measured in a fresh child process (scripts/bench/rfid-linerate.ts): in this process the
 * heap and timers left by the phases above would be billed to the reader.
 */
type LineRate = { cpuPct: number; idleCpuPct: number; reportsPerSec: number; sent: number; received: number };

async function cpuAtLineRate(mode: 'station' | 'bare' = 'station'): Promise<LineRate | null> {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'rfid-linerate.ts');
  return await new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, '5', mode], { stdio: ['ignore', 'pipe', 'inherit'], cwd: join(dirname(fileURLToPath(import.meta.url)), '..', '..') });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', () => {
      try {
        resolve(JSON.parse(out.trim()) as LineRate);
      } catch {
        resolve(null);
      }
    });
  });
}

export async function run(): Promise<BenchResult> {
  const parts = chunks(stream(N), 4096);
  // Warm up both paths, then take the best of 3.
  ours(parts.slice(0, 200));
  await peer(parts.slice(0, 200));
  let best = Infinity;
  let bestPeer = Infinity;
  let reports = 0;
  for (let k = 0; k < 3; k++) {
    const a = ours(parts);
    const b = await peer(parts);
    reports = a.reports;
    if (a.reports !== N || b.reports !== N) throw new Error(`lost reports: ours ${a.reports}, peer ${b.reports} of ${N}`);
    best = Math.min(best, a.ms);
    bestPeer = Math.min(bestPeer, b.ms);
  }
  const codecReportsPerSec = Math.round((reports / best) * 1000);
  const peerReportsPerSec = Math.round((reports / bestPeer) * 1000);
  const pty = await ptyLossless();
  // Ours and the bare serialport peer alternate three times each; the median of each is reported.
  const runs: Array<{ ours: LineRate | null; bare: LineRate | null }> = [];
  for (let k = 0; k < 3; k++) runs.push({ ours: await cpuAtLineRate('station'), bare: await cpuAtLineRate('bare') });
  const median = (xs: Array<LineRate | null>): LineRate | null => {
    const ok = xs.filter((x): x is LineRate => x !== null).sort((a, b) => a.cpuPct - b.cpuPct);
    return ok[Math.floor(ok.length / 2)] ?? null;
  };
  const cpu = median(runs.map((r) => r.ours));
  const bareCpu = median(runs.map((r) => r.bare));
  return {
    metrics: {
      codecReportsPerSec,
      peerPacketLengthParserReportsPerSec: peerReportsPerSec,
      ptyReportsPerSecLossless: pty && pty.received === pty.sent ? pty.reportsPerSec : 0,
      ptyDetail: pty,
      cpuPctAtLineRate: cpu?.cpuPct ?? null,
      lineRateDetail: cpu,
      lineRateNote: 'station side only (serial port read + framing + decode + smoothing); the paced writer runs in a child process',
      bareSerialportCpuPctAtLineRate: bareCpu?.cpuPct ?? null,
      bareLineRateNote: 'peer: a plain serialport SerialPort that only counts the same bytes (the floor of reading the line with the library the stack requires)',
      lineRateRuns: runs.map((r) => ({ ours: r.ours?.cpuPct ?? null, bare: r.bare?.cpuPct ?? null })),
    },
    ratios: {
      codecVsPacketLengthParser: +(codecReportsPerSec / peerReportsPerSec).toFixed(2),
      ...(cpu && bareCpu ? { cpuAtLineRateVsBareSerialport: +(bareCpu.cpuPct / cpu.cpuPct).toFixed(2) } : {}),
    },
  };
}
