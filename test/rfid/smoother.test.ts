/**
 * Tag smoothing as the issue states it: per tag first/last seen, read count, best and recent RSSI, antenna;
 * antennas map to named zones (intake, bin wall, handoff gate); a tag leaves a zone after a configurable absence.
 * EPCs are those of field case BUG-40; RSSI values are the signed dBm bytes of the vectors (-55, -60).
 */
import { describe, expect, it } from 'vitest';
import { TagSmoother, type TagPresence, type TagReport } from '../../devices/rfid/index.js';

const E1 = 'E2001021511800880490E133';
const E2 = 'E2007523231602410890BE9A';
const read = (epc: string, antenna: number, at: number, rssiDbm?: number, readerId = 'reader-1'): TagReport => ({
  epc,
  antenna,
  at,
  readerId,
  ...(rssiDbm === undefined ? {} : { rssiDbm }),
});

describe('TagSmoother', () => {
  const zones = { '1': 'intake', '2': 'bin_wall', '3': 'handoff_gate', 'reader-2:1': 'handoff_gate' };

  it('keeps first/last seen, count, best and recent RSSI and the antenna per tag and zone', () => {
    const sm = new TagSmoother({ zones, absenceMs: 3000 });
    sm.ingest(read(E1, 1, 1000, -60));
    sm.ingest(read(E1, 1, 1200, -55));
    sm.ingest(read(E1, 1, 1400, -58));
    const [p] = sm.present('intake');
    expect(p).toMatchObject({ epc: E1, zone: 'intake', antenna: 1, firstSeen: 1000, lastSeen: 1400, count: 3, bestRssi: -55, recentRssi: -58 });
  });

  it('maps antennas to the configured zones, per reader where configured', () => {
    const sm = new TagSmoother({ zones, absenceMs: 3000 });
    sm.ingest(read(E1, 1, 0));
    sm.ingest(read(E2, 3, 0));
    sm.ingest(read(E1, 1, 0, undefined, 'reader-2'));
    sm.ingest(read(E2, 2, 0));
    expect(sm.present('intake').map((p) => p.epc)).toEqual([E1]);
    expect(sm.present('handoff_gate').map((p) => `${p.readerId}:${p.epc}`).sort()).toEqual([`reader-1:${E2}`, `reader-2:${E1}`].sort());
    expect(sm.present('bin_wall').map((p) => p.epc)).toEqual([E2]);
  });

  it('a tag leaves its zone after the configured absence, not before', () => {
    let now = 0;
    const sm = new TagSmoother({ zones, absenceMs: 1500, now: () => now });
    const left: TagPresence[] = [];
    sm.on('leave', (p) => left.push(p));
    sm.ingest(read(E1, 1, (now = 100)));
    sm.ingest(read(E2, 3, (now = 200)));
    now = 1599;
    sm.sweep();
    expect(left).toEqual([]);
    sm.ingest(read(E2, 3, now));
    now = 1600;
    sm.sweep();
    expect(left.map((p) => [p.epc, p.zone])).toEqual([[E1, 'intake']]);
    // E2 was last read at 1599: present until 1599 + 1500.
    now = 3098;
    sm.sweep();
    expect(left).toHaveLength(1);
    now = 3099;
    sm.sweep();
    expect(left.map((p) => [p.epc, p.zone])).toEqual([
      [E1, 'intake'],
      [E2, 'handoff_gate'],
    ]);
  });

  it('a tag carried from the intake to the handoff gate is one item in the case, seen in both zones', () => {
    const sm = new TagSmoother({ zones, absenceMs: 1000 });
    sm.beginCase('RET-9');
    for (let i = 0; i < 20; i++) sm.ingest(read(E1, 1, i * 10));
    for (let i = 0; i < 20; i++) sm.ingest(read(E1, 3, 5000 + i * 10));
    const sum = sm.endCase()!;
    expect(sum.tags).toHaveLength(1);
    expect(sum.tags[0]).toMatchObject({ epc: E1, zones: ['intake', 'handoff_gate'], reads: 40 });
  });
});
