import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteHqStore } from './sqlite-store.js';
import type { IncomingEvent } from './types.js';

const ev = (seq: number): IncomingEvent => ({
  key: `urn:uuid:00000000-0000-5000-8000-${String(seq).padStart(12, '0')}`, eventID: `urn:uuid:00000000-0000-5000-8000-${String(seq).padStart(12, '0')}`,
  site: 'dc-x', station: 'st-a', seq, type: 'ObjectEvent', eventTime: '2026-12-04T09:00:00.000Z', payload: JSON.stringify({ 'rs:stationSeq': seq, pad: 'x'.repeat(800) }), receivedAt: 1,
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** The writer's automatic checkpoint threshold, in bytes of WAL (SQLite counts it in pages). */
const autocheckpoint = (store: SqliteHqStore): number =>
  Number(store.database.pragma('wal_autocheckpoint', { simple: true })) * Number(store.database.pragma('page_size', { simple: true }));
const MiB = 1024 * 1024;
/** The checkpointer thread reports ready: the writer's own automatic checkpoint then steps back to 256 MiB. */
async function checkpointerUp(store: SqliteHqStore): Promise<void> {
  for (let i = 0; i < 200 && autocheckpoint(store) !== 256 * MiB; i++) await sleep(50);
  expect(autocheckpoint(store)).toBe(256 * MiB);
}

describe('HQ SQLite store: WAL upkeep', () => {
  it('a burst stays in the WAL (no checkpoint every 4 MiB), and is checkpointed into the database once HQ is idle for a second', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hq-wal-')), 'hq.db');
    const store = new SqliteHqStore(path);
    await store.init();
    await checkpointerUp(store);
    const before = statSync(path).size;
    // ~8 MB of events: twice SQLite's default checkpoint threshold (1,000 pages), far below ours (48 MiB).
    for (let s = 1; s <= 8000; s += 2000) await store.storeBatch(Array.from({ length: 2000 }, (_, i) => ev(s + i)), [], 1);
    expect(statSync(path).size).toBe(before);
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(6_000_000);
    await sleep(500);
    expect(statSync(path).size).toBe(before);
    for (let i = 0; i < 100 && statSync(path).size <= 6_000_000; i++) await sleep(50);
    expect(statSync(path).size).toBeGreaterThan(6_000_000);
    expect(await store.countEvents()).toBe(8000);
    expect(store.integrityCheck()).toBe('ok');
    await store.close();
    // The checkpointer's connection closed first, so the writer's was the last one and left no WAL behind.
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it('a burst past checkpointEveryBytes is checkpointed by the checkpointer thread while batches keep coming', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hq-wal-')), 'hq.db');
    const store = new SqliteHqStore(path, { checkpointEveryBytes: 2_000_000 });
    await store.init();
    await checkpointerUp(store);
    const before = statSync(path).size;
    let seq = 1;
    // Batches every 50 ms, so HQ is never idle for a second: only the burst rule can move pages into the database.
    for (let i = 0; i < 200 && statSync(path).size < 2_000_000; i++) {
      await store.storeBatch(Array.from({ length: 500 }, () => ev(seq++)), [], 1);
      await sleep(50);
    }
    expect(statSync(path).size).toBeGreaterThan(before + 2_000_000);
    // Far below the writer's own threshold (256 MiB): it was not SQLite's automatic checkpoint.
    expect(seq * 900).toBeLessThan(256 * MiB);
    expect(await store.countEvents()).toBe(seq - 1);
    expect(store.integrityCheck()).toBe('ok');
    await store.close();
  });

  it('if the checkpointer thread stops, the writer checkpoints on its own again (64 MiB) and nothing is lost', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hq-wal-')), 'hq.db');
    const store = new SqliteHqStore(path, { checkpointEveryBytes: 1_000_000 });
    await store.init();
    await checkpointerUp(store);
    // White-box: the thread is private; stopping it stands for a crash of that thread.
    await (store as unknown as { checkpointer: Worker }).checkpointer.terminate();
    for (let i = 0; i < 100 && autocheckpoint(store) !== 64 * MiB; i++) await sleep(20);
    expect(autocheckpoint(store)).toBe(64 * MiB);
    for (let s = 1; s <= 4000; s += 1000) await store.storeBatch(Array.from({ length: 1000 }, (_, i) => ev(s + i)), [], 1);
    expect(await store.countEvents()).toBe(4000);
    for (let i = 0; i < 100 && statSync(path).size <= 3_000_000; i++) await sleep(50);
    expect(statSync(path).size).toBeGreaterThan(3_000_000);
    await store.close();
  });

  it('a new HQ file has 16 KiB pages (fifteen ~1 KB events a page, not three); a file made with 4 KiB pages keeps them, its events and the same 64 MiB / 256 MiB checkpoint sizes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hq-page-'));
    const fresh = new SqliteHqStore(join(dir, 'new.db'), { checkpointer: false });
    await fresh.init();
    expect(fresh.database.pragma('page_size', { simple: true })).toBe(16_384);
    expect(autocheckpoint(fresh)).toBe(64 * MiB);
    await fresh.close();
    // An HQ file from before this change: SQLite's default 4 KiB pages, in WAL mode, with events in it.
    const oldPath = join(dir, 'old.db');
    const old = new Database(oldPath);
    old.pragma('page_size = 4096');
    old.pragma('journal_mode = WAL');
    old.close();
    const first = new SqliteHqStore(oldPath, { checkpointer: false });
    await first.init();
    await first.storeBatch(Array.from({ length: 50 }, (_, i) => ev(i + 1)), [], 1);
    await first.close();
    const again = new SqliteHqStore(oldPath);
    await again.init();
    await checkpointerUp(again);
    expect(again.database.pragma('page_size', { simple: true })).toBe(4096);
    expect(await again.countEvents()).toBe(50);
    await again.storeBatch(Array.from({ length: 50 }, (_, i) => ev(i + 51)), [], 1);
    expect(await again.countEvents()).toBe(100);
    expect(again.integrityCheck()).toBe('ok');
    await again.close();
  });
});
