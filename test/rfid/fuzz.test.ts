import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeWhole } from '../../devices/rfid/decode-line.js';
import { Framer, getProtocol, protocolNames } from '../../devices/rfid/index.js';
import { hex, protocolOf, vectors } from './helpers.js';

const good = vectors.filter((v) => v.hex && v.checksumValid);

describe('codec fuzzing', () => {
  for (const name of protocolNames()) {
    const p = getProtocol(name);
    const seeds = good.filter((v) => protocolOf(v) === name).map((v) => hex(v.hex!));

    it(`${name}: random bytes never throw, and every emitted frame passes its checksum`, () => {
      fc.assert(
        fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), (chunks) => {
          for (const dir of ['reader', 'host'] as const) {
            const spec = p.spec(dir);
            const framer = new Framer(spec, (f) => {
              expect(spec.verify(f, 0, f.length)).toBe(true);
              p.decode(f, dir);
            });
            for (const c of chunks) framer.push(c);
            framer.flushStale();
          }
          for (const c of chunks) decodeWhole(p, c);
        }),
        { numRuns: 300 },
      );
    });

    if (seeds.length === 0) continue;
    it(`${name}: mutated real frames never throw and never pass with a broken checksum`, () => {
      fc.assert(
        fc.property(
          fc.constantFrom(...seeds),
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }),
          fc.nat({ max: 8 }),
          (seed, flips, cut) => {
            const m = Uint8Array.from(seed);
            for (const [pos, x] of flips) m[pos % m.length] = m[pos % m.length]! ^ x;
            const bytes = cut > 0 && cut < m.length ? m.subarray(0, m.length - cut) : m;
            const r = decodeWhole(p, bytes);
            if (r.ok) {
              const dir = r.frame.direction;
              expect(p.spec(dir).verify(bytes, 0, bytes.length)).toBe(true);
            }
            const framer = new Framer(p.spec('reader'), (f) => expect(p.spec('reader').verify(f, 0, f.length)).toBe(true));
            for (let i = 0; i < bytes.length; i += 3) framer.push(bytes.subarray(i, i + 3));
          },
        ),
        { numRuns: 500 },
      );
    });

    it(`${name}: emulator frames survive any chunking between good frames and garbage`, () => {
      const em = p.reader.respond;
      const field = {
        tags: [{ epc: 'E2001021511800880490E133', antenna: 1, rssi: -50 }],
        antennas: [1, 2, 3, 4],
        currentAntenna: 1,
        firmware: '1.9',
        address: 1,
        powerDbm: 30,
        running: false,
      };
      const inv = p.commands.inventory().command;
      const req = p.decode(inv, 'host');
      expect(req.ok).toBe(true);
      if (!req.ok) return;
      const replies = em(req.frame, field);
      const stream = Buffer.concat(replies.map((r) => Buffer.from(r)));
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 1, max: 16 }), { minLength: 1, maxLength: 40 }), (sizes) => {
          const out: string[] = [];
          const framer = new Framer(p.spec('reader'), (f) => out.push(Buffer.from(f).toString('hex')));
          let i = 0;
          let k = 0;
          while (i < stream.length) {
            const n = sizes[k++ % sizes.length]!;
            framer.push(stream.subarray(i, i + n));
            i += n;
          }
          expect(out).toEqual(replies.map((r) => Buffer.from(r).toString('hex')));
        }),
        { numRuns: 100 },
      );
    });
  }
});
