import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { ReadRateWindow } from './read-rate.js';
import { createReader } from './readers.js';

describe('reader read rates (supervisor devices screen)', () => {
  // BUG-40's 10 s inventory (field case): EPC E2001021511800880490E133 read 245 + 239 times (two tags, TIDs T1/T2),
  // EPC E2007523231602410890BE9A read 26 times. Here the first two are on antenna 1, the third on antenna 2.
  it('the 10 s inventory of field case BUG-40 (245 + 239 + 26 reads) is 510 reads in the last minute, split by antenna', () => {
    const w = new ReadRateWindow(60);
    const t0 = 1_700_000_000_000;
    const spread = (n: number, antenna: number): void => {
      for (let i = 0; i < n; i++) w.add(antenna, t0 + Math.floor((i * 10_000) / n));
    };
    spread(245, 1);
    spread(239, 1);
    spread(26, 2);
    expect(w.view(t0 + 10_000)).toEqual({ readsPerMin: 510, byAntenna: { '1': 484, '2': 26 }, windowSec: 60 });
    // A minute after the inventory ended the reader has read nothing: the rate falls to 0 (a silent reader shows).
    expect(w.view(t0 + 71_000)).toEqual({ readsPerMin: 0, byAntenna: {}, windowSec: 60 });
  });

  it('a shorter window is scaled to reads per minute', () => {
    const w = new ReadRateWindow(10);
    for (let i = 0; i < 26; i++) w.add(3, 5_000 + i * 100);
    expect(w.view(9_999).readsPerMin).toBe(156);
  });

  it('an emulated reader counts the reads its session reports', async () => {
    const cfg = parseConfig({ readers: [{ id: 'reader-1', protocol: 'r2000', transport: 'emulated', inventoryIntervalMs: 20, zones: { '1': 'intake', '2': 'bin_wall' } }] });
    const rc = cfg.readers[0];
    if (!rc) throw new Error('no reader in the config');
    const r = createReader(rc, () => undefined);
    r.emulator?.setTags([{ epc: '3074257BF7194E4000001A85', antenna: 2 }]);
    await r.session.start();
    try {
      await expect.poll(() => r.readRate().byAntenna['2'] ?? 0, { timeout: 5000 }).toBeGreaterThan(0);
      expect(r.readRate().byAntenna['1']).toBeUndefined();
    } finally {
      await r.session.stop();
    }
  });
});
