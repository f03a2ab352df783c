// Runs HQ's SQLite store off the main thread: better-sqlite3 is synchronous, and a batch commit (fsync) on the
// thread that reads the broker stalls reading long enough for a default-configured broker to drop messages.
import { parentPort, workerData } from 'node:worker_threads';
import { unpackEvents, type PackedEvents } from './packed-batch.js';
import { SqliteHqStore } from './sqlite-store.js';
import type { IncomingSkip } from './types.js';

const store = new SqliteHqStore((workerData as { path: string }).path);
type Call = { id: number; method: 'init' | 'storeBatch' | 'storePacked' | 'noteStatus' | 'stations' | 'eventsPerHour' | 'countEvents' | 'putWorkloadMetrics' | 'workloadMetrics' | 'putDownlinkAck' | 'downlinkAcks' | 'close' | 'integrityCheck' | 'eventsAfter'; args: unknown[] };

parentPort?.on('message', (m: Call) => {
  void (async () => {
    try {
      if (m.method === 'storePacked') {
        const [packed, skips, now] = m.args as [PackedEvents, IncomingSkip[], number];
        parentPort?.postMessage({ id: m.id, ok: true, r: await store.storeBatch(unpackEvents(packed), skips, now) });
        return;
      }
      const fn = store[m.method] as (...a: unknown[]) => unknown;
      const r = await fn.apply(store, m.args);
      parentPort?.postMessage({ id: m.id, ok: true, r });
    } catch (e) {
      parentPort?.postMessage({ id: m.id, ok: false, e: e instanceof Error ? e.message : String(e) });
    }
  })();
});
