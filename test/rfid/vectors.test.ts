import { describe, expect, it } from 'vitest';
import { crc16Gen2 } from '../../devices/rfid/checksums.js';
import { decodeWhole } from '../../devices/rfid/decode-line.js';
import { Framer, fromHex, getProtocol } from '../../devices/rfid/index.js';
import { hex, protocolOf, vectors } from './helpers.js';

const frames = vectors.filter((v) => v.hex !== undefined);

describe('rfid-frames.json vectors', () => {
  it('covers every family and has bad frames', () => {
    expect(new Set(frames.map(protocolOf))).toEqual(new Set(['r2000', 'chafon', 'thingmagic', 'bb7e']));
    expect(frames.filter((v) => v.checksumValid === false).length).toBeGreaterThanOrEqual(3);
  });

  it('covers the R2000 buffered (0x80, 0x90) and session/target (0x8B) commands in both directions', () => {
    const r2000 = frames.filter((v) => v.protocol === 'r2000' && v.checksumValid);
    for (const cmd of ['80', '90', '8B']) {
      for (const dir of ['host->reader', 'reader->host']) {
        expect(r2000.some((v) => v.direction === dir && v.hex!.slice(6, 8) === cmd), `0x${cmd} ${dir}`).toBe(true);
      }
    }
  });

  for (const v of frames) {
    it(`${v.id} ${v.checksumValid ? 'decodes' : 'is rejected'}`, () => {
      const p = getProtocol(protocolOf(v));
      const r = decodeWhole(p, hex(v.hex!), v.direction === 'host->reader' ? 'host' : 'reader');
      if (!v.checksumValid) {
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.error.code).toBe('BAD_CHECKSUM');
        return;
      }
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      const f = r.frame;
      const d = v.decoded ?? {};
      if (typeof d.address === 'number') expect(f.address).toBe(d.address);
      if (typeof d.firmware === 'string') expect(f.firmware).toBe(d.firmware);
      if (typeof d.readRate === 'number') expect(f.readRate).toBe(d.readRate);
      if (typeof d.totalRead === 'number') expect(f.totalRead).toBe(d.totalRead);
      if (typeof d.status === 'string' && /^[0-9a-f]{4}$/i.test(d.status)) expect(f.status).toBe(Number.parseInt(d.status, 16));
      // "0x10 command_success", "0xFB no tag operable": the byte the vector names.
      if (typeof d.status === 'string' && /^0x[0-9a-f]{2}\b/i.test(d.status)) expect(f.status).toBe(Number.parseInt(d.status.slice(2, 4), 16));
      if (typeof d.status === 'number') expect(f.status).toBe(d.status);
      if (typeof d.errorCode === 'string') expect(f.status).toBe(Number.parseInt(d.errorCode.slice(2, 4), 16));
      const cmdText = (d.cmd ?? d.opcode ?? d.reCmd) as string | undefined;
      if (cmdText && /^0x[0-9A-F]{2}/i.test(cmdText)) expect(f.command).toBe(Number.parseInt(cmdText.slice(2, 4), 16));
      // Tag fields: single-tag frames list them at the top level, multi-tag frames in `tags`.
      const expectedTags = (d.tags as Array<Record<string, unknown>> | undefined) ?? (typeof d.epc === 'string' ? [d] : []);
      if (expectedTags.length > 0) expect(f.tags.length).toBe(expectedTags.length);
      expectedTags.forEach((t, i) => {
        const got = f.tags[i]!;
        expect(got.epc).toBe(t.epc);
        if (typeof t.pc === 'string') expect(got.pc).toBe(t.pc);
        const rssi = (t.rssiRaw ?? t.rssi) as string | null | undefined;
        if (typeof rssi === 'string') expect(got.rssiRaw).toBe(Number.parseInt(rssi.slice(2, 4), 16));
        if (rssi === null) expect(got.rssiRaw).toBeUndefined();
        if (typeof t.tagCrc === 'string') expect(got.tagCrc).toBe(t.tagCrc);
      });
      if (typeof d.antennaId === 'number' && f.tags[0]) expect(f.tags[0].antennaId).toBe(d.antennaId);
      if (typeof d.antennaId === 'number' && !f.tags[0]) expect(f.antennaId).toBe(d.antennaId);
      if (typeof d.antenna === 'number') expect(f.tags[0]?.antenna).toBe(d.antenna);
      // ThingMagic "0x11 (TX 1 / RX 1)": the raw byte is kept as antennaId, the port is the TX nibble.
      if (typeof d.antenna === 'string' && /^0x[0-9a-f]{2}\b/i.test(d.antenna)) {
        const raw = Number.parseInt(d.antenna.slice(2, 4), 16);
        expect(f.tags[0]?.antennaId).toBe(raw);
        expect(f.tags[0]?.antenna).toBe(raw >> 4);
      }
      if (typeof d.numTags === 'number') expect(f.tags).toHaveLength(d.numTags);
      if (typeof d.frequencyKHz === 'number') expect(f.tags[0]?.frequencyKHz).toBe(d.frequencyKHz);
      if (typeof d.variant === 'string' && f.kind === 'tags') expect(f.variant).toBe(d.variant);
      if (typeof d.tagCount === 'number') expect(f.tagCount).toBe(d.tagCount);
      // R2000 names after the code ("0x38 buffer_is_empty_error") are pyImpinj's, which the decoder reports too.
      const statusText = typeof d.status === 'string' ? d.status : typeof d.errorCode === 'string' ? d.errorCode : '';
      const named = /^0x[0-9a-f]{2} ([a-z_]+)$/i.exec(statusText);
      if (named && v.protocol === 'r2000') expect(f.statusName).toBe(named[1]);
      // Buffer records (0x90/0x91): DataLen counts PC + EPC + tag CRC.
      if (typeof d.dataLen === 'number') {
        const t = f.tags[0]!;
        expect(((t.pc ?? '') + t.epc + (t.tagCrc ?? '')).length / 2).toBe(d.dataLen);
      }
      // R2000 Freq_Ant: frequency index in the top 6 bits, 0-based antenna id in the low 2.
      if (typeof d.freqAnt === 'string' && v.protocol === 'r2000') {
        expect(f.tags[0]?.antennaId).toBe(Number.parseInt(d.freqAnt.slice(2, 4), 16) & 0x03);
      }
      // Host command parameters sit after Cmd in documented order; Repeat is always the last one.
      if (v.direction === 'host->reader' && (typeof d.repeat === 'number' || typeof d.session === 'number')) {
        const params = fromHex(f.data ?? '');
        if (typeof d.session === 'number') expect(params[0]).toBe(d.session);
        if (typeof d.target === 'number') expect(params[1]).toBe(d.target);
        if (typeof d.repeat === 'number') expect(params[params.length - 1]).toBe(d.repeat);
      }
    });
  }

  it('a stream of all frames per family yields every good frame and counts every bad one', () => {
    for (const name of ['r2000', 'chafon', 'thingmagic', 'bb7e'] as const) {
      const p = getProtocol(name);
      for (const dir of ['reader', 'host'] as const) {
        const mine = frames.filter((v) => protocolOf(v) === name && (v.direction === 'host->reader') === (dir === 'host'));
        if (mine.length === 0) continue;
        const got: string[] = [];
        const framer = new Framer(p.spec(dir), (f) => got.push(Buffer.from(f).toString('hex').toUpperCase()));
        for (const v of mine) framer.push(hex(v.hex!));
        expect(got, `${name}/${dir}`).toEqual(mine.filter((v) => v.checksumValid).map((v) => v.hex));
        expect(framer.stats.rxErrors, `${name}/${dir}`).toBe(mine.filter((v) => !v.checksumValid).length);
      }
    }
  });

  it('EPC Gen2 CRC vectors', () => {
    for (const v of vectors.filter((x) => x.expectedCrc)) {
      expect(crc16Gen2(hex(v.input!)).toString(16).toUpperCase().padStart(4, '0')).toBe(v.expectedCrc);
    }
  });
});
