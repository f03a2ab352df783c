import { afterEach, describe, expect, it } from 'vitest';
import { SerialPortStream } from '@serialport/stream';
import { r2000Frame } from '../../devices/rfid/protocols/r2000.js';
import {
  Framer,
  ReaderSession,
  TagSmoother,
  createMockReaderPair,
  getProtocol,
  type FrameSpec,
  type StatusEvent,
  type TagReport,
} from '../../devices/rfid/index.js';
import { hex, until } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function collect(spec: FrameSpec): { framer: Framer; out: string[] } {
  const out: string[] = [];
  const framer = new Framer(spec, (f) => out.push(Buffer.from(f).toString('hex').toUpperCase()));
  return { framer, out };
}

describe('BUG-01: frames split across data events', () => {
  const ascii = getProtocol('ascii');
  it('BUG-01 (A): an STX/ETX frame in two chunks is one frame, nothing after chunk 1', () => {
    const { framer, out } = collect(ascii.spec('reader'));
    framer.push(hex('02 30 31 30 45 41'));
    expect(out).toEqual([]);
    framer.push(hex('35 38 41 38 33 0D 0A 03'));
    expect(out).toHaveLength(1);
    const r = ascii.decode(hex(out[0]!), 'reader');
    expect(r.ok && r.frame.text).toBe('010EA58A83');
    expect(r.ok && r.frame.tags[0]?.epc).toBe('010EA58A83');
  });

  it('BUG-01 (B): a lone CR is payload and a CR-LF split across chunks is still a delimiter; no empty frames', () => {
    const texts: string[] = [];
    const framer = new Framer(ascii.spec('reader'), (f) => {
      const r = ascii.decode(f, 'reader');
      if (r.ok) texts.push(Buffer.from(r.frame.text ?? '', 'latin1').toString('hex').toUpperCase());
    });
    framer.push(hex('41 0D'));
    framer.push(hex('42 0D 0A'));
    framer.push(hex('43 44 0D'));
    expect(texts).toEqual(['410D42']);
    framer.push(hex('0A'));
    expect(texts).toEqual(['410D42', '4344']);
    framer.push(hex('0D 0A 0D 0A'));
    expect(texts).toHaveLength(2);
  });
});

describe('BUG-02: tiny chunks and glued replies', () => {
  // Modbus-style reply: Addr Func ByteCount Data.. CRC16(lo,hi); length comes from the byte-count field.
  const crcModbus = (b: Uint8Array, s: number, e: number): number => {
    let crc = 0xffff;
    for (let i = s; i < e; i++) {
      crc ^= b[i]!;
      for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
    }
    return crc;
  };
  const modbus: FrameSpec = {
    minLength: 5,
    maxLength: 260,
    canStart: (b, i) => b[i] === 0x02,
    frameLength: (b, s, avail) => (avail < 3 ? 0 : b[s + 2]! + 5),
    verify: (b, s, len) => crcModbus(b, s, s + len - 2) === (b[s + len - 2]! | (b[s + len - 1]! << 8)),
  };
  const reply = hex('02 03 04 00 EC 00 00 08 C6');

  it('BUG-02: nine 1-byte chunks give exactly one 9-byte frame, after the ninth', () => {
    const { framer, out } = collect(modbus);
    for (let i = 0; i < 8; i++) {
      framer.push(reply.subarray(i, i + 1));
      expect(out).toEqual([]);
    }
    framer.push(reply.subarray(8));
    expect(out).toEqual(['02030400EC000008C6']);
  });

  it('BUG-02: one 18-byte chunk gives exactly two frames', () => {
    const { framer, out } = collect(modbus);
    framer.push(Uint8Array.from([...reply, ...reply]));
    expect(out).toEqual(['02030400EC000008C6', '02030400EC000008C6']);
  });

  it('BUG-02: the same holds for every reader family (one byte at a time)', () => {
    const frames = {
      r2000: 'A01301898C3000300833B2DDD901400000000137BB',
      chafon: '1500010301010C3039606303C74380001A055940F93E',
      thingmagic: 'FF2822000010001B01FF0101C4110E16400000012700000500000F00803000000000000000000000001545E94A561D',
      bb7e: 'BB02220011C9340030751FEB705C5904E3D50D703A76EF7E',
    } as const;
    for (const [name, f] of Object.entries(frames)) {
      const { framer, out } = collect(getProtocol(name as keyof typeof frames).spec('reader'));
      const bytes = hex(f);
      for (let i = 0; i < bytes.length; i++) framer.push(bytes.subarray(i, i + 1));
      expect(out, name).toEqual([f]);
    }
  });
});

describe('BUG-04: unplug without a close event', () => {
  it('BUG-04: the watchdog marks the reader disconnected, close is bounded, no unhandled error', async () => {
    const pair = createMockReaderPair({ protocol: 'r2000', tags: [{ epc: 'E2007523231602410890BE9A', antenna: 1 }] });
    const s = new ReaderSession({ id: 'COM7', protocol: 'r2000', transport: pair.transportByFingerprint, inventoryIntervalMs: 20 });
    cleanups.push(() => s.stop());
    const statuses: StatusEvent[] = [];
    s.on('status', (e) => statuses.push(e));
    const tags: TagReport[] = [];
    s.on('tag', (t) => tags.push(t));
    await s.start();
    expect(await until(() => tags.length > 3)).toBe(true);
    pair.unplug();
    expect(await until(() => s.status === 'disconnected' || s.status === 'connecting', 5000)).toBe(true);
    const gone = statuses.find((e) => e.status === 'disconnected');
    expect(gone?.error?.code).toMatch(/PORT_GONE|READER_TIMEOUT/);
    expect(gone?.error?.hint).toBeTruthy();
    // Back in: found again by USB fingerprint, reads resume.
    pair.replug();
    const before = tags.length;
    expect(await until(() => tags.length > before + 3, 10_000)).toBe(true);
    expect(s.stats.connects).toBe(2);
  });
});

describe('BUG-04: found again by USB identity, not by path', () => {
  it('BUG-04: the reader comes back as another /dev node; the fingerprint session finds it, reads resume', async () => {
    const pair = createMockReaderPair({ protocol: 'r2000', tags: [{ epc: 'E2007523231602410890BE9A', antenna: 1 }] });
    const oldPath = pair.path;
    const s = new ReaderSession({ id: 'usb', protocol: 'r2000', transport: pair.transportByFingerprint, inventoryIntervalMs: 20, backoff: { initialMs: 50, maxMs: 200 } });
    cleanups.push(() => s.stop());
    const tags: TagReport[] = [];
    s.on('tag', (t) => tags.push(t));
    await s.start();
    expect(await until(() => tags.length > 3)).toBe(true);
    pair.unplug();
    expect(await until(() => s.status !== 'reading', 5000)).toBe(true);
    pair.replug(`${oldPath}-renumbered`);
    expect(pair.path).not.toBe(oldPath);
    const before = tags.length;
    expect(await until(() => tags.length > before + 3, 10_000)).toBe(true);
    expect(s.status).toBe('reading');
  });
});

describe('BUG-06: busy / permission errors', () => {
  for (const [msg, code] of [
    ['Opening COM7: Access denied', 'PORT_BUSY'],
    ['Error: Permission denied, cannot open /dev/ttyUSB0', 'PORT_PERMISSION'],
  ] as const) {
    it(`BUG-06: "${msg}" is ${code} with a hint, retried with back-off`, async () => {
      const pair = createMockReaderPair({ protocol: 'r2000' });
      pair.failOpens(msg);
      const s = new ReaderSession({ id: 'r', protocol: 'r2000', transport: pair.transport, backoff: { initialMs: 40, maxMs: 320 } });
      cleanups.push(() => s.stop());
      const statuses: StatusEvent[] = [];
      s.on('status', (e) => statuses.push(e));
      await s.start();
      expect(s.status).toBe('faulted');
      const last = statuses.at(-1)!;
      expect(last.error?.code).toBe(code);
      expect(last.error?.hint).toMatch(code === 'PORT_BUSY' ? /Close other/ : /dialout/);
      await new Promise((r) => setTimeout(r, 700));
      // 40+80+160+320+320 ms: at most ~6 attempts in 700 ms, never a tight loop.
      const attempts = statuses.filter((e) => e.status === 'connecting').length;
      expect(attempts).toBeGreaterThanOrEqual(2);
      expect(attempts).toBeLessThanOrEqual(7);
      pair.failOpens(null);
      expect(await until(() => s.status === 'reading', 5000)).toBe(true);
    });
  }

  it('BUG-06 (c): a port left open by a previous run is PORT_BUSY; after an awaited stop the next run opens first try', async () => {
    const pair = createMockReaderPair({ protocol: 'r2000' });
    const stale = new SerialPortStream({ binding: pair.transport.binding!, path: pair.path, baudRate: 115200, autoOpen: false });
    await new Promise<void>((r, j) => stale.open((e) => (e ? j(e) : r())));
    const s1 = new ReaderSession({ id: 'r', protocol: 'r2000', transport: pair.transport, backoff: { initialMs: 50, maxMs: 100 } });
    await s1.start();
    expect(s1.status).toBe('faulted');
    await s1.stop();
    await new Promise<void>((r) => stale.close(() => r()));
    const s2 = new ReaderSession({ id: 'r', protocol: 'r2000', transport: pair.transport });
    await s2.start();
    expect(s2.status).toBe('connected');
    await s2.stop();
    const s3 = new ReaderSession({ id: 'r', protocol: 'r2000', transport: pair.transport });
    const seen: string[] = [];
    s3.on('status', (e) => seen.push(e.status));
    await s3.start();
    await s3.stop();
    expect(seen.slice(0, 2)).toEqual(['connecting', 'connected']);
  });
});

describe('BUG-07: lost bytes at high rate', () => {
  const epcOf = (i: number): string => `E2801160${i.toString(16).toUpperCase().padStart(16, '0')}`;
  const tagFrame = (i: number): Uint8Array =>
    r2000Frame(1, 0x89, [0x28, 0x30, 0x00, ...Buffer.from(epcOf(i), 'hex'), 0x50]);

  it('BUG-07: 1,000 frames with a byte deleted in #100 and #500 give 998 good frames and rx_errors=2', () => {
    const spec = getProtocol('r2000').spec('reader');
    const seen: string[] = [];
    const framer = new Framer(spec, (f) => seen.push(Buffer.from(f).toString('hex').toUpperCase()));
    const all: number[] = [];
    for (let i = 1; i <= 1000; i++) {
      const f = [...tagFrame(i)];
      if (i === 100 || i === 500) f.splice(8, 1);
      all.push(...f);
    }
    // 921,600 baud ≈ 92 bytes per ms: feed 1 ms worth per chunk.
    const bytes = Uint8Array.from(all);
    for (let i = 0; i < bytes.length; i += 92) framer.push(bytes.subarray(i, i + 92));
    expect(seen).toHaveLength(998);
    expect(framer.stats.rxErrors).toBe(2);
    const good = new Set(Array.from({ length: 1000 }, (_, k) => Buffer.from(tagFrame(k + 1)).toString('hex').toUpperCase()));
    for (const f of seen) expect(good.has(f)).toBe(true);
  });

  it('BUG-07: the data handler only enqueues; a 300 ms stall in a tag listener loses nothing', async () => {
    const pair = createMockReaderPair({ protocol: 'r2000', tags: [{ epc: epcOf(1), antenna: 1 }] });
    const s = new ReaderSession({ id: 'r', protocol: 'r2000', transport: pair.transport, inventoryIntervalMs: 1000 });
    cleanups.push(() => s.stop());
    const got: TagReport[] = [];
    let stalled = false;
    s.on('tag', (t) => {
      if (!stalled) {
        stalled = true;
        const end = Date.now() + 300;
        while (Date.now() < end) {
          /* synchronous stall */
        }
      }
      got.push(t);
    });
    await s.start();
    expect(await until(() => got.length >= 1)).toBe(true);
    // Now a burst straight from the "device": the session must decode all of it, whatever the listener does.
    const frames = Array.from({ length: 1000 }, (_, k) => tagFrame(k + 2));
    let syncCalls = 0;
    const counting = (): void => {
      syncCalls++;
    };
    s.on('tag', counting);
    const before = got.length;
    pair.emulator.broadcast(frames);
    expect(syncCalls).toBe(0);
    expect(await until(() => got.length >= before + 1000)).toBe(true);
    expect(s.stats.rxErrors).toBe(0);
    s.off('tag', counting);
  });
});

describe('BUG-40: many reads, shared EPCs', () => {
  const E1 = 'E2001021511800880490E133';
  const E2 = 'E2007523231602410890BE9A';
  const base = { readerId: 'r1', antenna: 1 };

  it('BUG-40: with TIDs, 510 reads are 3 physical tags and "2 tags share one EPC"', () => {
    const sm = new TagSmoother({ zones: { '1': 'intake' }, absenceMs: 60_000 });
    const warnings: string[] = [];
    sm.on('duplicate-epc', (w) => warnings.push(w.message));
    const arrivals: string[] = [];
    sm.on('arrive', (p) => arrivals.push(p.key));
    sm.beginCase('RET-1');
    let at = 1_000_000;
    const reads: Array<[string, string, number]> = [
      [E1, 'T1', 245],
      [E1, 'T2', 239],
      [E2, 'T3', 26],
    ];
    const max = 245;
    for (let k = 0; k < max; k++) {
      for (const [epc, tid, n] of reads) if (k < n) sm.ingest({ ...base, epc, tid, at: (at += 20) });
    }
    expect(arrivals).toHaveLength(3);
    const sum = sm.endCase()!;
    expect(sum.tags).toHaveLength(3);
    expect(sum.tags.map((t) => t.reads).sort((a, b) => a - b)).toEqual([26, 239, 245]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/2 tags share one EPC/);
    expect(sum.warnings[0]?.tids.sort()).toEqual(['T1', 'T2']);
    expect(sum.tags.every((t) => !t.needsManualCount)).toBe(true);
    expect(sm.present('intake').filter((p) => p.epc === E1).every((p) => p.sharedEpc)).toBe(true);
  });

  it('BUG-40: without TIDs, the same-EPC tags count once and are flagged for a manual count', () => {
    const sm = new TagSmoother({ absenceMs: 60_000 });
    const warnings: Array<{ needsManualCount: boolean }> = [];
    sm.on('duplicate-epc', (w) => warnings.push(w));
    sm.beginCase('RET-2');
    let at = 0;
    // Each inventory round singulates each physical tag once: E1's two tags both answer in most rounds.
    for (let round = 1; round <= 250; round++) {
      if (round <= 245) sm.ingest({ ...base, epc: E1, round, at: (at += 5) });
      if (round <= 239) sm.ingest({ ...base, epc: E1, round, at: (at += 5) });
      if (round <= 26) sm.ingest({ ...base, epc: E2, round, at: (at += 5) });
    }
    const sum = sm.endCase()!;
    expect(sum.tags).toHaveLength(2);
    expect(sum.tags.find((t) => t.epc === E1)?.needsManualCount).toBe(true);
    expect(sum.tags.find((t) => t.epc === E2)?.needsManualCount).toBe(false);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.needsManualCount).toBe(true);
  });

  it('BUG-40: a tag that leaves and comes back counts once per return case, and arrives once per presence', () => {
    let now = 0;
    const sm = new TagSmoother({ absenceMs: 1000, now: () => now });
    const arrivals: string[] = [];
    sm.on('arrive', (p) => arrivals.push(p.epc));
    sm.beginCase('RET-3');
    for (let i = 0; i < 50; i++) sm.ingest({ ...base, epc: E2, at: (now += 10) });
    now += 2000;
    sm.sweep();
    for (let i = 0; i < 50; i++) sm.ingest({ ...base, epc: E2, at: (now += 10) });
    expect(arrivals).toEqual([E2, E2]);
    expect(sm.endCase()!.tags).toHaveLength(1);
  });
});
