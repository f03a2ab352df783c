import { randomUUID } from 'node:crypto';
import { errorMessage } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { ensureRecoverySchema, markResyncDone, restoreState, resyncedCount, storeResynced, type StationDb } from '../store/index.js';
import type { OutboxPublisher } from './publisher.js';
import { topics, type ResyncBatch, type ResyncRequest } from './topics.js';

const log = createLogger('sync.resync');

export interface StationResyncOptions {
  sdb: StationDb;
  link: OutboxPublisher;
  site: string;
  station: string;
  /** ask again when HQ has not answered (or not finished) for this long (default 15 s) */
  retryMs?: number;
}

export interface ResyncStatus {
  /** the re-sync after a restore is still open */
  pending: boolean;
  fromSeq?: number;
  /** events HQ sent back and the station keeps as read-only history */
  events: number;
  doneAt?: number;
}

/**
 * After a restore (BUG-54) the station asks HQ for everything it holds for this station above the backup's highest
 * sequence (`…/resync/request {fromSeq, requestId}`) and keeps the answer (`…/resync`, in batches) in
 * `resynced_events`, so supervisors see the returns recorded after the backup. The first answer also carries HQ's
 * receipt from its store; that is when the publisher may continue the sequence above it. Asked again on every
 * connect and every `retryMs` until the last batch arrives; storing is idempotent, so a repeated answer is harmless.
 * Constructor does nothing; start()/stop().
 */
export class StationResync {
  private readonly offs: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private requestId = '';
  private lastAnswerAt = 0;
  private lastAskAt = 0;
  private fromSeq: number | undefined;

  constructor(private readonly o: StationResyncOptions) {}

  async start(): Promise<void> {
    ensureRecoverySchema(this.o.sdb);
    const st = restoreState(this.o.sdb);
    const open = st.resyncFrom !== undefined && st.resyncDoneAt === undefined;
    if (!open && st.restoredAt === undefined) return;
    this.fromSeq = st.resyncFrom ?? st.backupSeq ?? 0;
    this.offs.push(this.o.link.addSubscription(topics.resync(this.o.site, this.o.station), (_t, p) => this.onBatch(p)));
    const onOnline = (): void => void this.ask();
    this.o.link.on('online', onOnline);
    this.offs.push(() => this.o.link.off('online', onOnline));
    const retry = this.o.retryMs ?? 15_000;
    this.timer = setInterval(() => {
      if (Date.now() - Math.max(this.lastAnswerAt, this.lastAskAt) >= retry) void this.ask();
    }, Math.max(100, Math.min(retry / 3, 5000)));
    this.timer.unref();
    if (this.o.link.status().state === 'online') await this.ask();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const off of this.offs.splice(0)) off();
    await Promise.resolve();
  }

  status(): ResyncStatus {
    const st = restoreState(this.o.sdb);
    const s: ResyncStatus = { pending: this.timer !== undefined, events: resyncedCount(this.o.sdb) };
    if (st.resyncFrom !== undefined) s.fromSeq = st.resyncFrom;
    if (st.resyncDoneAt !== undefined) s.doneAt = st.resyncDoneAt;
    return s;
  }

  private async ask(): Promise<void> {
    if (this.fromSeq === undefined || !this.timer) return;
    this.requestId = randomUUID();
    this.lastAskAt = Date.now();
    const req: ResyncRequest = { fromSeq: this.fromSeq, requestId: this.requestId };
    const ok = await this.o.link.publish(topics.resyncRequest(this.o.site, this.o.station), JSON.stringify(req), { qos: 1 });
    if (ok) log.info({ fromSeq: this.fromSeq }, 'asked HQ for the events recorded after the backup');
  }

  private onBatch(payload: Buffer): void {
    let b: ResyncBatch;
    try {
      b = JSON.parse(payload.toString('utf8')) as ResyncBatch;
    } catch {
      return;
    }
    if (typeof b !== 'object' || b === null || !Array.isArray(b.events) || typeof b.receipt?.highest !== 'number') return;
    this.lastAnswerAt = Date.now();
    try {
      // Any answer's receipt comes from HQ's store after what was queued before our request was stored.
      if (this.o.link.holding) this.o.link.adoptHq(b.receipt.highest);
      const events = b.events.filter((e) => typeof e?.key === 'string' && typeof e.seq === 'number' && typeof e.payload === 'string');
      const n = storeResynced(this.o.sdb, events);
      if (n > 0) log.info({ stored: n, batch: b.batch }, 'events from HQ kept as history');
      if (b.last && b.requestId === this.requestId) {
        markResyncDone(this.o.sdb);
        log.warn({ events: resyncedCount(this.o.sdb), fromSeq: this.fromSeq }, 're-sync from HQ complete');
        if (this.timer) clearInterval(this.timer);
        this.timer = undefined;
      }
    } catch (e) {
      log.error({ err: errorMessage(e) }, 're-sync batch could not be stored; HQ is asked again');
    }
  }
}
