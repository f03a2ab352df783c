import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteHqStore } from './sqlite-store.js';
import type { IncomingEvent } from './types.js';

const ev = (seq: number): IncomingEvent => ({
  key: `urn:uuid:00000000-0000-5000-8000-${String(seq).padStart(12, '0')}`, eventID: `urn:uuid:00000000-0000-5000-8000-${String(seq).padStart(12, '0')}`,
  site: 'dc-x', station: 'st-a', seq, type: 'ObjectEvent', eventTime: '2026-12-04T09:00:00.000Z', payload: JSON.stringify({ 'rs:stationSeq': seq, pad: 'x'.repeat(800) }), receivedAt: 1,
});

describe('HQ SQLite store: WAL upkeep', () => {
  it('a burst stays in the WAL (no checkpoint every 4 MiB), and is checkpointed into the database once HQ is idle for a second', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hq-wal-')), 'hq.db');
    const store = new SqliteHqStore(path);
    await store.init();
    const before = statSync(path).size;
    // ~8 MB of events: twice SQLite's default checkpoint threshold (1,000 pages), far below ours (16,000).
    for (let s = 1; s <= 8000; s += 2000) await store.storeBatch(Array.from({ length: 2000 }, (_, i) => ev(s + i)), [], 1);
    expect(statSync(path).size).toBe(before);
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(6_000_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(statSync(path).size).toBeGreaterThan(6_000_000);
    expect(await store.countEvents()).toBe(8000);
    expect(store.integrityCheck()).toBe('ok');
    await store.close();
  });
});
