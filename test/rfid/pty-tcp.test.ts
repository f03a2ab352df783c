import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Framer, ReaderEmulator, ReaderSession, type ProtocolName, type StatusEvent, type TagReport } from '../../devices/rfid/index.js';
import { getProtocol } from '../../devices/rfid/protocols/index.js';
import { halfFrame, serveSerial, serveTcp } from '../../devices/rfid/serve.js';
import { freePort, hasCommand, serviceGate } from '../support/services.js';
import { until } from './helpers.js';

const haveSocat = serviceGate('socat', hasCommand('socat'));
const dir = mkdtempSync(join(tmpdir(), 'rfid-pty-'));
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function ptyPair(name: string): Promise<{ dev: string; host: string; proc: ChildProcess }> {
  const dev = join(dir, `${name}-dev`);
  const host = join(dir, `${name}-host`);
  const proc = spawn('socat', [`pty,raw,echo=0,link=${dev}`, `pty,raw,echo=0,link=${host}`], { stdio: 'ignore' });
  await until(() => existsSync(dev) && existsSync(host), 5000);
  return { dev, host, proc };
}

async function stopProc(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise<void>((r) => p.once('exit', () => r()));
  p.kill('SIGTERM');
  await gone;
}

const tag = (epc: string, antenna = 1): { epc: string; antenna: number; rssi: number } => ({ epc, antenna, rssi: -48 });
const protocols: ProtocolName[] = ['r2000', 'chafon', 'thingmagic', 'bb7e', 'ascii'];

describe.skipIf(!haveSocat)('through a real pty pair (socat)', () => {
  for (const protocol of protocols) {
    it(`${protocol}: reads through a pty, survives the pty being killed and brought back`, async () => {
      let pair = await ptyPair(protocol);
      const em = new ReaderEmulator({ protocol, tags: [tag('E2001021511800880490E133')] });
      const served = await serveSerial(em, pair.dev);
      cleanups.push(() => served.close());
      const s = new ReaderSession({
        id: `pty-${protocol}`,
        protocol,
        transport: { kind: 'serial', path: pair.host, baudRate: 115200 },
        inventoryIntervalMs: 20,
        backoff: { initialMs: 100, maxMs: 400 },
        healthIntervalMs: 500,
      });
      cleanups.push(() => s.stop());
      const tags: TagReport[] = [];
      const statuses: StatusEvent[] = [];
      s.on('tag', (t) => tags.push(t));
      s.on('status', (e) => statuses.push(e));
      await s.start();
      expect(await until(() => tags.length >= 3)).toBe(true);
      expect(tags[0]?.epc).toBe('E2001021511800880490E133');

      await stopProc(pair.proc);
      expect(await until(() => s.status === 'disconnected' || s.status === 'connecting', 8000)).toBe(true);
      pair = await ptyPair(protocol);
      cleanups.push(() => stopProc(pair.proc));
      em.setTags([tag('300833B2DDD9014000000001')]);
      expect(await until(() => tags.some((t) => t.epc === '300833B2DDD9014000000001'), 15_000)).toBe(true);
      expect(s.stats.connects).toBeGreaterThanOrEqual(2);
      expect(statuses.some((e) => e.status === 'disconnected')).toBe(true);
    });
  }
});

describe('over TCP', () => {
  for (const protocol of protocols) {
    it(`${protocol}: the connection dropped mid-frame reconnects and reads resume`, async () => {
      // BB…7E modules have one antenna port; the others read the tag on port 2 of two.
      const port = protocol === 'bb7e' ? 1 : 2;
      const em = new ReaderEmulator({ protocol, tags: [tag('E2007523231602410890BE9A', port)] });
      const served = await serveTcp(em, await freePort());
      cleanups.push(() => served.close());
      const s = new ReaderSession({
        id: `tcp-${protocol}`,
        protocol,
        transport: { kind: 'tcp', host: '127.0.0.1', port: served.port },
        antennas: [1, 2],
        inventoryIntervalMs: 20,
        backoff: { initialMs: 100, maxMs: 400 },
        healthIntervalMs: 500,
      });
      cleanups.push(() => s.stop());
      const tags: TagReport[] = [];
      s.on('tag', (t) => tags.push(t));
      await s.start();
      expect(await until(() => tags.length >= 3)).toBe(true);
      expect(tags[0]?.antenna).toBe(port);
      // The drop cuts one of this family's own tag frames in half: it must never come out as a tag.
      const half: string[] = [];
      new Framer(getProtocol(protocol).spec('reader'), (f) => half.push(Buffer.from(f).toString('hex'))).push(halfFrame(em));
      expect(half).toEqual([]);
      served.dropClients({ midFrame: true });
      const before = tags.length;
      expect(await until(() => s.stats.connects >= 2 && tags.length > before + 3, 10_000)).toBe(true);
      // The half frame before the drop was never reported as a tag.
      expect(tags.every((t) => t.epc === 'E2007523231602410890BE9A')).toBe(true);
    });
  }
});
