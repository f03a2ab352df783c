/**
 * The emulator's injectable faults (split frames, byte loss, garbage, silence) seen from a real ReaderSession over
 * the serialport mock binding, and emulator scenario files. EPCs are the ones of field case BUG-40.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ReaderSession, createMockReaderPair, type ProtocolName, type StatusEvent, type TagReport } from '../../devices/rfid/index.js';
import { loadScenario, playScenario } from '../../devices/rfid/scenario.js';
import { until } from './helpers.js';

const E1 = 'E2001021511800880490E133';
const E2 = 'E2007523231602410890BE9A';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function start(protocol: ProtocolName): { pair: ReturnType<typeof createMockReaderPair>; s: ReaderSession; tags: TagReport[]; statuses: StatusEvent[] } {
  const pair = createMockReaderPair({ protocol, tags: [{ epc: E1, antenna: 1, rssi: -52 }], seed: 7 });
  const s = new ReaderSession({ id: `emu-${protocol}`, protocol, transport: pair.transport, inventoryIntervalMs: 5, healthIntervalMs: 300, backoff: { initialMs: 50, maxMs: 200 } });
  cleanups.push(async () => {
    await s.stop();
    pair.emulator.close();
  });
  const tags: TagReport[] = [];
  const statuses: StatusEvent[] = [];
  s.on('tag', (t) => tags.push(t));
  s.on('status', (e) => statuses.push(e));
  return { pair, s, tags, statuses };
}

describe('emulator line faults through a reader session', () => {
  for (const protocol of ['r2000', 'chafon', 'thingmagic', 'bb7e'] as const) {
    it(`${protocol}: split frames, garbage and lost bytes are counted and resynced; no tag comes out with shifted bytes`, async () => {
      const { pair, s, tags } = start(protocol);
      await s.start();
      expect(await until(() => tags.length >= 3)).toBe(true);
      pair.emulator.faults = { splitFrames: true, garbageEveryNFrames: 5, dropByteEveryNFrames: 7 };
      const before = tags.length;
      expect(await until(() => tags.length >= before + 30 && s.stats.rxErrors + s.stats.droppedBytes > 0, 15_000)).toBe(true);
      expect(tags.every((t) => t.epc === E1)).toBe(true);
      // A lost byte costs one counted frame, never the link: the parser drops a partial frame after a quiet gap
      // instead of waiting for a byte only the next reply would bring.
      expect(s.stats.connects).toBe(1);
      pair.emulator.faults = {};
      const clean = tags.length;
      expect(await until(() => tags.length >= clean + 5, 10_000)).toBe(true);
    });
  }

  for (const protocol of ['r2000', 'bb7e'] as const) {
    it(`${protocol}: a silent reader is marked disconnected (READER_TIMEOUT with a hint) and reads resume when it talks again`, async () => {
      const { pair, s, tags, statuses } = start(protocol);
      await s.start();
      expect(await until(() => tags.length >= 3)).toBe(true);
      pair.emulator.faults = { silent: true };
      expect(await until(() => statuses.some((e) => e.status === 'disconnected' && e.error?.code === 'READER_TIMEOUT'), 5000)).toBe(true);
      expect(statuses.find((e) => e.error?.code === 'READER_TIMEOUT')?.error?.hint).toMatch(/protocol and baud rate/);
      pair.emulator.faults = {};
      pair.emulator.setTags([{ epc: E2, antenna: 1 }]);
      expect(await until(() => tags.some((t) => t.epc === E2), 10_000)).toBe(true);
      expect(s.status).toBe('reading');
    });
  }
});

describe('emulator scenarios', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rfid-scenario-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a YAML scenario scripts tags per antenna over time and the station sees them on the right ports', async () => {
    const f = join(dir, 'dock.yaml');
    writeFileSync(
      f,
      [
        'version: 1',
        'antennas: [1, 2, 3]',
        'tags: [{ epc: ' + E1 + ', antenna: 1, rssi: -52 }]',
        'steps:',
        '  - { atMs: 150, addTags: [{ epc: ' + E2 + ', antenna: 3 }] }',
        '  - { atMs: 300, removeEpcs: [' + E1 + '] }',
      ].join('\n'),
    );
    const sc = loadScenario(f);
    const pair = createMockReaderPair({ protocol: 'r2000' });
    const stop = playScenario(pair.emulator, sc);
    const s = new ReaderSession({ id: 'scn', protocol: 'r2000', transport: pair.transport, antennas: [1, 2, 3], inventoryIntervalMs: 5 });
    cleanups.push(async () => {
      stop();
      await s.stop();
    });
    const tags: TagReport[] = [];
    s.on('tag', (t) => tags.push(t));
    await s.start();
    expect(await until(() => tags.some((t) => t.epc === E2))).toBe(true);
    expect(tags.find((t) => t.epc === E1)?.antenna).toBe(1);
    expect(tags.find((t) => t.epc === E2)?.antenna).toBe(3);
    await new Promise((r) => setTimeout(r, 400));
    const n = tags.length;
    expect(await until(() => tags.length > n + 3)).toBe(true);
    expect(tags.slice(n).every((t) => t.epc === E2)).toBe(true);
  });

  it('a scenario with a wrong value or an unknown key is refused naming the key', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ tags: [{ epc: E1, antenna: 0 }] }));
    expect(() => loadScenario(bad)).toThrow(expect.objectContaining({ code: 'SCENARIO_INVALID', message: expect.stringContaining('tags.0.antenna') as string }) as Error);
    writeFileSync(bad, JSON.stringify({ steps: [{ atMs: 10, fault: { silent: true } }] }));
    expect(() => loadScenario(bad)).toThrow(expect.objectContaining({ code: 'SCENARIO_INVALID', message: expect.stringContaining('"fault"') as string }) as Error);
    expect(() => loadScenario(join(dir, 'missing.yaml'))).toThrow(expect.objectContaining({ code: 'SCENARIO_UNREADABLE' }) as Error);
  });
});
