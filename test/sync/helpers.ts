import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStationDb, recordItem, type StationDb } from '../../src/store/index.js';
import { receivingEvent, type StationPlace } from '../../src/sync/epcis/index.js';

export function tempDir(prefix = 'rs-sync-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export const place = (station = 'st-01', site = 'dc-test'): StationPlace => ({ site, station, tzMinutesWest: -60 });

/** Records `n` returned items, one receiving event each; returns their eventIDs in sequence order. */
export function recordReturns(sdb: StationDb, n: number, opts: { station?: string; site?: string; start?: number; padTo?: number } = {}): string[] {
  const ids: string[] = [];
  const p = place(opts.station, opts.site);
  for (let i = 0; i < n; i++) {
    const k = (opts.start ?? 0) + i;
    const itemId = `item-${p.station}-${k}`;
    const ev = receivingEvent({
      place: p,
      item: { itemId, gtin: '04012345111118', serial: `S${k}` },
      at: 1_760_000_000_000 + k,
      rma: `RMA-${1000 + k}`,
      operator: 'op-7f3a',
      ...(opts.padTo ? { extra: { note: 'x'.repeat(opts.padTo) } } : {}),
    });
    recordItem(sdb, { id: itemId, caseId: `case-${k}`, source: 'barcode', gtin: '04012345111118', serial: `S${k}`, status: 'decided' }, [ev]);
    ids.push(ev.eventID);
  }
  return ids;
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function openTemp(dir: string, name = 'station.db'): StationDb {
  return openStationDb(join(dir, name));
}
