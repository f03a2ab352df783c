/**
 * CPU share of the station side while a reader streams at 115,200 baud: run as a fresh child process so the
 * heap and timers of the other benchmark phases don't count. Prints one JSON line.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Framer, TagSmoother, getProtocol } from '../../devices/rfid/index.js';
import { r2000Frame } from '../../devices/rfid/protocols/r2000.js';
import { SerialTransport } from '../../devices/rfid/transport.js';

// The same tag frames as rfid.bench.ts: 500 distinct EPCs, four antennas, varying RSSI.
const epc = (i: number): number[] => [...Buffer.from(`E28011700000${(i % 500).toString(16).padStart(12, '0')}`, 'hex')];
const frameFor = (i: number): Uint8Array => r2000Frame(1, 0x89, [0x28 | (i & 3), 0x30, 0x00, ...epc(i), 0x40 + (i % 30)]);

const PACED_WRITER = `
const fs = require('node:fs');
const [dev, b64, perSec, seconds] = process.argv.slice(1);
const blob = Buffer.from(b64, 'base64');
const fl = blob.length / (perSec * seconds);
const fd = fs.openSync(dev, 'w');
const t0 = Date.now();
let sent = 0;
const timer = setInterval(() => {
  const due = Math.min(perSec * seconds, Math.floor(((Date.now() - t0) / 1000) * perSec));
  if (due > sent) { fs.writeSync(fd, blob.subarray(sent * fl, due * fl)); sent = due; }
  if (sent >= perSec * seconds) { clearInterval(timer); fs.closeSync(fd); }
}, 10);
`;

async function startProfile(): Promise<() => Promise<void>> {
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(process.env.RFID_PROFILE as string, JSON.stringify(profile));
  };
}

const dir = mkdtempSync(join(tmpdir(), 'rfid-linerate-'));
const dev = join(dir, 'dev');
const host = join(dir, 'host');
const socat = spawn('socat', [`pty,raw,echo=0,link=${dev}`, `pty,raw,echo=0,link=${host}`], { stdio: 'ignore' });
try {
  for (let i = 0; i < 100 && !(existsSync(dev) && existsSync(host)); i++) await new Promise((r) => setTimeout(r, 20));
  let got = 0;
  const frameLen = frameFor(0).length;
  // `bare`: the peer, a plain `serialport` SerialPort that only counts bytes — the floor any station built on
  // the serialport library pays for reading the line at all.
  const bare = process.argv[3] === 'bare';
  let t: { close: () => Promise<void> };
  if (bare) {
    const { SerialPort } = await import('serialport');
    const sp = new SerialPort({ path: host, baudRate: 115_200, autoOpen: false });
    await new Promise<void>((res, rej) => sp.open((e) => (e ? rej(e) : res())));
    let bytes = 0;
    sp.on('data', (c: Buffer) => {
      bytes += c.length;
      got = Math.floor(bytes / frameLen);
    });
    t = { close: () => new Promise<void>((res) => sp.close(() => res())) };
  } else {
    const st = new SerialTransport({ kind: 'serial', path: host });
    const p = getProtocol('r2000');
    const sm = new TagSmoother({ absenceMs: 3000 });
    const framer = new Framer(p.spec('reader'), (f) => {
      const r = p.decode(f, 'reader');
      if (!r.ok) return;
      for (const tag of r.frame.tags) {
        got++;
        sm.ingest({ epc: tag.epc, antenna: tag.antenna ?? 1, readerId: 'bench', at: Date.now() });
      }
    });
    st.events.on('data', (c: Uint8Array) => framer.push(c));
    await st.open();
    t = st;
  }
  const perSec = Math.floor(11_520 / frameLen);
  const seconds = Number(process.argv[2] ?? 5);
  const blob = Buffer.concat(Array.from({ length: perSec * seconds }, (_, i) => frameFor(i)));
  // Idle baseline: the open port with nothing arriving.
  const idle0 = process.cpuUsage();
  const it0 = Date.now();
  await new Promise((r) => setTimeout(r, 1000));
  const idle = process.cpuUsage(idle0);
  const idleWall = Date.now() - it0;
  const child = spawn(process.execPath, ['-e', PACED_WRITER, dev, blob.toString('base64'), String(perSec), String(seconds)], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 50));
  const prof = process.env.RFID_PROFILE ? await startProfile() : undefined;
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  await new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise((r) => setTimeout(r, 100));
  const cpu = process.cpuUsage(cpu0);
  if (prof) await prof();
  const wall = Date.now() - t0;
  await t.close();
  const pct = (u: NodeJS.CpuUsage, ms: number): number => +(((u.user + u.system) / 1000 / ms) * 100).toFixed(2);
  process.stdout.write(
    JSON.stringify({ cpuPct: pct(cpu, wall), idleCpuPct: pct(idle, idleWall), reportsPerSec: Math.round((got / wall) * 1000), sent: perSec * seconds, received: got }) + '\n',
  );
} finally {
  socat.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
