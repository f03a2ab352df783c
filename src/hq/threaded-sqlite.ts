import type { Worker } from 'node:worker_threads';
import type { BatchResult, HourCount, HqStore, IncomingEvent, IncomingSkip, StationView, StationWorkloadMetrics, StoredDownlinkAck, StoredEventsPage } from './types.js';
import { packEvents } from './packed-batch.js';
import { startHqWorker } from './worker-thread.js';

/** HQ's SQLite store on a worker thread (see sqlite-worker.ts for why). Same API, every call async. */
export class ThreadedSqliteHqStore implements HqStore {
  readonly kind = 'sqlite' as const;
  private worker: Worker | undefined;
  private seq = 0;
  private readonly calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(private readonly path: string) {}

  async init(): Promise<void> {
    const w = startHqWorker('sqlite-worker', { path: this.path });
    this.worker = w;
    w.on('message', (m: { id: number; ok: boolean; r?: unknown; e?: string }) => {
      const c = this.calls.get(m.id);
      if (!c) return;
      this.calls.delete(m.id);
      if (m.ok) c.resolve(m.r);
      else c.reject(new Error(m.e));
    });
    w.on('error', (e) => {
      for (const c of this.calls.values()) c.reject(e);
      this.calls.clear();
    });
    await this.call('init', []);
  }

  private call<T>(method: string, args: unknown[], transfer: ArrayBuffer[] = []): Promise<T> {
    const w = this.worker;
    if (!w) return Promise.reject(new Error('HQ store not started'));
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.calls.set(id, { resolve: resolve as (v: unknown) => void, reject });
      w.postMessage({ id, method, args }, transfer);
    });
  }

  storeBatch(events: readonly IncomingEvent[], skips: readonly IncomingSkip[], now: number): Promise<BatchResult> {
    const { packed, transfer } = packEvents(events);
    return this.call('storePacked', [packed, skips, now], transfer);
  }
  noteStatus(site: string, station: string, status: string, at: number): Promise<void> {
    return this.call('noteStatus', [site, station, status, at]);
  }
  stations(): Promise<StationView[]> {
    return this.call('stations', []);
  }
  eventsPerHour(hours: number, now?: number): Promise<HourCount[]> {
    return this.call('eventsPerHour', [hours, now]);
  }
  countEvents(site?: string, station?: string): Promise<number> {
    return this.call('countEvents', [site, station]);
  }
  putWorkloadMetrics(m: StationWorkloadMetrics): Promise<boolean> {
    return this.call('putWorkloadMetrics', [m]);
  }
  workloadMetrics(): Promise<StationWorkloadMetrics[]> {
    return this.call('workloadMetrics', []);
  }
  putDownlinkAck(a: StoredDownlinkAck): Promise<void> {
    return this.call('putDownlinkAck', [a]);
  }
  downlinkAcks(): Promise<StoredDownlinkAck[]> {
    return this.call('downlinkAcks', []);
  }
  eventsAfter(site: string, station: string, afterSeq: number, limit: number): Promise<StoredEventsPage> {
    return this.call('eventsAfter', [site, station, afterSeq, limit]);
  }
  integrityCheck(): Promise<string> {
    return this.call('integrityCheck', []);
  }
  async close(): Promise<void> {
    if (!this.worker) return;
    // A worker that failed to start never answers; close() must still end (and free the thread) rather than hang.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.call('close', []).catch(() => undefined),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, 5000))),
    ]);
    clearTimeout(timer);
    await this.worker.terminate();
    this.worker = undefined;
  }
}
