import { errorMessage } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { confirmUpTo, markBlockedOversize, markSentThrough, readWatermarks, rewindConfirmed, rowsFrom, type StationDb } from '../store/index.js';
import { DOCUMENT_OVERHEAD_BYTES, writeEpcisDocument } from './epcis/index.js';
import { topics, type Receipt, type SkipNotice } from './topics.js';

const log = createLogger('publisher.drain');

type Row = ReturnType<typeof rowsFrom>[number];

/** What the drain needs of a broker connection: QoS 1 publish with the PUBACK (or the failure) reported back. */
export type Publish = (topic: string, payload: string | Buffer, done: (err?: Error) => void) => void;

export interface DrainOptions {
  db: StationDb;
  site: string;
  station: string;
  /** messages awaiting PUBACK at once */
  inflight: number;
  /** bytes awaiting PUBACK at once (one message always goes, whatever its size) */
  inflightBytes: number;
  /** messages of the stream sent but not yet covered by HQ's receipt */
  maxUnconfirmed: number;
  batchRows: number;
  /** events packed into one EPCISDocument message at most */
  batchEvents: number;
  /** bytes of one packed message at most (the broker's limit wins when it is lower) */
  batchBytes: number;
  confirmTimeoutMs: number;
  gapGraceMs: number;
}

export interface DrainHooks {
  /** the drain wants to send more (a PUBACK freed the window, a re-send was queued) */
  pump: () => void;
  emit: (name: 'sent' | 'confirmed' | 'blocked', data: unknown) => void;
  error: (message: string) => void;
}

interface Message {
  topic: string;
  payload: string | Buffer;
  seqs: number[];
  /** from the stream (counted in the unconfirmed window), not a re-send */
  stream: boolean;
  /** the pooled buffer `payload` was written into, given back after its PUBACK */
  pooled?: Buffer;
}

/**
 * Delivery state of the outbox: which rows go out next, in which message, what the broker has (PUBACKs) and what
 * HQ has (receipts), what must be sent again. The durable part lives in the store's watermarks; everything here
 * can be rebuilt from them after a restart (everything unconfirmed is then simply sent again).
 *
 * Consecutive events go out packed into one EPCISDocument per message (up to `batchEvents` / `batchBytes`):
 * a backlog then costs the broker and HQ one message per hundred events instead of one each, and a broker queue
 * limit counted in messages holds a hundred times more events. A lone event still goes out on its own.
 */
export class OutboxDrain {
  /** the largest message the broker takes (its CONNACK maximum packet size, less headroom, or our default) */
  maxBytes: number;
  private cursor = 0;
  private buffer: Row[] = [];
  private bufferAt = 0;
  private resendRows: Row[] = [];
  private resendAt = 0;
  private resend: Array<[number, number]> = [];
  private readonly inFlight = new Set<number>();
  private messagesInFlight = 0;
  private bytesInFlight = 0;
  private readonly acked = new Set<number>();
  /** the highest sequence number of each stream message HQ has not confirmed yet, ascending */
  private unconfirmed: number[] = [];
  private sentThroughSeq = 0;
  private persistedSentThrough = 0;
  private confirmedSeq = 0;
  /** gaps HQ reported: start → [end, first reported at] */
  private readonly gapSeen = new Map<number, [number, number]>();
  private lastProgressAt = Date.now();
  private lastPuback: number | undefined;
  /**
   * Numbers HQ may ask for that this station no longer holds: lost with a damaged file ((backupSeq, adoptedBase],
   * BUG-54), or confirmed earlier and purged before HQ lost them. Gaps HQ reports there are skipped, not re-sent.
   */
  private restoreLost: [number, number] | undefined;
  private purgedLost: [number, number] | undefined;
  private readonly lostSkipped = new Set<number>();
  /** since when HQ's receipts stay below what it had confirmed (with the latest such receipt) */
  private regressed: { since: number; receipt: Receipt } | undefined;
  /** PUBACKs of an older connection are ignored: what it had in flight is sent again on the new one */
  private epoch = 0;
  private pumping = false;
  /**
   * Buffers for packed documents, reused once the broker has acknowledged what was written in them: a drain of
   * 100,000 events otherwise leaves ~200 MB of garbage behind, and the station's memory grows with the backlog.
   */
  private pool: Buffer[] = [];

  constructor(
    private readonly o: DrainOptions,
    private readonly hooks: DrainHooks,
    maxBytes: number,
  ) {
    this.maxBytes = maxBytes;
  }

  /** every pooled buffer has this size, so one taken back always fits a document of `batchBytes` */
  private get poolBufferBytes(): number {
    return Math.max(this.o.batchBytes, DOCUMENT_OVERHEAD_BYTES + 1);
  }

  get sentThrough(): number {
    return this.sentThroughSeq;
  }
  get confirmed(): number {
    return this.confirmedSeq;
  }
  get eventsInFlight(): number {
    return this.inFlight.size;
  }
  get lastPubackAt(): number | undefined {
    return this.lastPuback;
  }
  /** sequence numbers sent (or about to be) beyond HQ's receipt */
  get outstanding(): boolean {
    return Math.max(this.cursor, this.sentThroughSeq) > this.confirmedSeq;
  }

  /** From the store's watermarks, at start: nothing is in flight after a restart. */
  reset(): void {
    const w = readWatermarks(this.o.db);
    this.confirmedSeq = w.confirmedSeq;
    this.sentThroughSeq = this.persistedSentThrough = Math.max(w.confirmedSeq, 0);
    this.cursor = this.confirmedSeq;
    this.lastProgressAt = Date.now();
  }

  setLostRange(range: [number, number] | undefined): void {
    this.restoreLost = range;
  }

  /** The connection closed: what was in flight on it is sent again on the next one. */
  connectionLost(): void {
    this.epoch++;
    this.inFlight.clear();
    this.messagesInFlight = 0;
    this.bytesInFlight = 0;
    // A buffer still in flight on the dead connection may yet be read by the client library: never reuse one.
    this.pool = [];
    this.buffer = [];
    this.bufferAt = 0;
    this.resendRows = [];
    this.resendAt = 0;
    this.cursor = this.sentThroughSeq;
    // Messages the broker took stay counted (they wait at the broker for HQ); the rest are sent again.
    this.unconfirmed = this.unconfirmed.filter((s) => s <= this.sentThroughSeq || this.acked.has(s));
  }

  /** Rows were renumbered (a restored database adopted HQ's highest): read the stream again from HQ's receipt. */
  rewind(): void {
    this.buffer = [];
    this.bufferAt = 0;
    this.cursor = Math.max(this.cursor, this.confirmedSeq);
  }

  pump(publish: Publish): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      // Bytes too, not only messages: a hundred packed documents queued on the socket would cost the station
      // ~10 MB of memory for nothing, the broker answers long before that.
      while (this.messagesInFlight < this.o.inflight && (this.messagesInFlight === 0 || this.bytesInFlight < this.o.inflightBytes)) {
        const m = this.nextMessage();
        if (!m) break;
        this.send(publish, m);
      }
    } catch (e) {
      this.hooks.error(errorMessage(e));
      log.error({ err: errorMessage(e) }, 'outbox drain failed');
    } finally {
      this.pumping = false;
    }
  }

  // ---- choosing what goes out ---------------------------------------------------------------------------

  private nextMessage(): Message | undefined {
    // Re-sends first: a gap HQ reported holds its receipt back, so the window below cannot move until the gap is
    // filled. Queued behind a window-blocked stream, a re-send would wait for ever.
    let stream = false;
    let first = this.peekResend();
    if (first) this.resendAt++;
    else if (this.unconfirmed.length < this.o.maxUnconfirmed) {
      first = this.peekStream();
      if (first) this.bufferAt++;
      stream = true;
    }
    if (!first) return undefined;
    const bytes = Buffer.byteLength(first.payload);
    if (first.state === 'blocked_oversize' || bytes > this.maxBytes) return this.skipMessage(first, bytes);
    if (first.topic !== 'events') {
      return { topic: `${topics.base(this.o.site, this.o.station)}/${first.topic}`, payload: first.payload, seqs: [first.seq], stream };
    }
    const rows = [first];
    const limit = Math.min(this.o.batchBytes, this.maxBytes);
    let size = DOCUMENT_OVERHEAD_BYTES + bytes;
    while (rows.length < this.o.batchEvents) {
      const r = stream ? this.peekStream() : this.peekResend();
      if (!r || r.state === 'blocked_oversize' || r.topic !== 'events') break;
      const b = Buffer.byteLength(r.payload) + 1;
      if (size + b > limit) break;
      if (stream) this.bufferAt++;
      else this.resendAt++;
      rows.push(r);
      size += b;
    }
    const topic = topics.events(this.o.site, this.o.station);
    if (rows.length === 1) return { topic, payload: first.payload, seqs: [first.seq], stream };
    const buf = this.pool.pop() ?? Buffer.allocUnsafeSlow(this.poolBufferBytes);
    const target = buf.length >= size ? buf : Buffer.allocUnsafeSlow(size);
    const n = writeEpcisDocument(target, rows.map((r) => r.payload));
    return { topic, payload: target.subarray(0, n), seqs: rows.map((r) => r.seq), stream, pooled: target };
  }

  /** Never sent (the broker would drop the connection and we would loop, BUG-47): HQ is told the number is used. */
  private skipMessage(row: Row, bytes: number): Message {
    if (row.state !== 'blocked_oversize') {
      markBlockedOversize(this.o.db, row.seq);
      log.error({ seq: row.seq, eventID: row.event_id, bytes, max: this.maxBytes }, 'event too large to send; blocked');
      this.hooks.emit('blocked', { seq: row.seq, eventID: row.event_id, bytes });
    }
    const notice: SkipNotice = { seq: row.seq, eventID: row.event_id, reason: 'blocked_oversize', bytes };
    return { topic: topics.skips(this.o.site, this.o.station), payload: JSON.stringify(notice), seqs: [row.seq], stream: false };
  }

  /** The next stream row to send, without taking it; rows already in flight or PUBACKed are passed over. */
  private peekStream(): Row | undefined {
    for (;;) {
      if (this.bufferAt >= this.buffer.length) {
        const rows = rowsFrom(this.o.db, Math.max(this.cursor, this.confirmedSeq), this.o.batchRows);
        const last = rows[rows.length - 1];
        if (last) this.cursor = last.seq;
        this.buffer = rows;
        this.bufferAt = 0;
        if (rows.length === 0) return undefined;
      }
      const row = this.buffer[this.bufferAt];
      if (row && row.seq > this.confirmedSeq && !this.inFlight.has(row.seq) && !(row.seq > this.sentThroughSeq && this.acked.has(row.seq))) return row;
      this.bufferAt++;
    }
  }

  /** The next row of the ranges asked for again (HQ's gaps, time-outs); HQ's PUBACK history does not matter here. */
  private peekResend(): Row | undefined {
    for (;;) {
      if (this.resendAt >= this.resendRows.length) {
        this.resendRows = this.refillResend();
        this.resendAt = 0;
        if (this.resendRows.length === 0) return undefined;
      }
      const row = this.resendRows[this.resendAt];
      if (row && row.seq > this.confirmedSeq && !this.inFlight.has(row.seq)) return row;
      this.resendAt++;
    }
  }

  private refillResend(): Row[] {
    while (this.resend.length > 0) {
      const r = this.resend[0] as [number, number];
      r[0] = Math.max(r[0], this.confirmedSeq + 1);
      if (r[0] > r[1]) {
        this.resend.shift();
        continue;
      }
      const rows = rowsFrom(this.o.db, r[0] - 1, this.o.batchRows, r[1]);
      const last = rows[rows.length - 1];
      if (!last) {
        this.resend.shift();
        continue;
      }
      r[0] = last.seq + 1;
      return rows;
    }
    return [];
  }

  // ---- PUBACKs -------------------------------------------------------------------------------------------

  private send(publish: Publish, m: Message): void {
    const epoch = this.epoch;
    for (const s of m.seqs) this.inFlight.add(s);
    this.messagesInFlight++;
    const size = m.payload.length;
    this.bytesInFlight += size;
    const last = m.seqs[m.seqs.length - 1] ?? 0;
    if (m.stream) this.unconfirmed.push(last);
    publish(m.topic, m.payload, (err) => {
      if (epoch !== this.epoch) return;
      this.messagesInFlight--;
      this.bytesInFlight -= size;
      for (const s of m.seqs) this.inFlight.delete(s);
      if (err) this.hooks.error(errorMessage(err));
      else {
        if (m.pooled && m.pooled.length === this.poolBufferBytes) this.pool.push(m.pooled);
        this.lastPuback = Date.now();
        for (const s of m.seqs) this.onPuback(s);
      }
      this.hooks.pump();
      // Nothing left in flight after pumping: the backlog is sent, so its buffers go back to the system.
      if (this.messagesInFlight === 0) this.pool = [];
    });
  }

  private onPuback(seq: number): void {
    if (seq === this.sentThroughSeq + 1) {
      let s = seq;
      while (this.acked.delete(s + 1)) s++;
      this.sentThroughSeq = s;
    } else if (seq > this.sentThroughSeq) this.acked.add(seq);
  }

  /** Writes the PUBACK watermark (one tiny transaction every 100 ms at most, not one per message). */
  flushSent(): void {
    if (this.sentThroughSeq <= this.persistedSentThrough) return;
    try {
      markSentThrough(this.o.db, this.sentThroughSeq, this.lastPuback);
      this.persistedSentThrough = this.sentThroughSeq;
      this.hooks.emit('sent', { through: this.sentThroughSeq });
    } catch (e) {
      log.warn({ err: errorMessage(e) }, 'could not record sent watermark; will retry');
    }
  }

  // ---- receipts ------------------------------------------------------------------------------------------

  /** HQ's receipt; true when it confirmed something new. */
  applyReceipt(r: Receipt, publish: Publish | undefined, now = Date.now()): boolean {
    let moved = false;
    if (r.contiguous < this.confirmedSeq) {
      // Shared HQ workers can publish receipts out of order for a moment; only a receipt that stays low means HQ
      // lost what it had confirmed.
      this.regressed = { since: this.regressed?.since ?? now, receipt: r };
      if (now - this.regressed.since < this.o.gapGraceMs) return false;
      this.followHqDown(r);
      moved = true;
    } else this.regressed = undefined;
    if (r.contiguous > this.confirmedSeq) {
      const n = confirmUpTo(this.o.db, r.contiguous, now);
      this.confirmedSeq = readWatermarks(this.o.db).confirmedSeq;
      this.lastProgressAt = now;
      if (this.sentThroughSeq < this.confirmedSeq) this.sentThroughSeq = this.confirmedSeq;
      for (const s of this.acked) if (s <= this.sentThroughSeq) this.acked.delete(s);
      for (const k of this.gapSeen.keys()) if (k <= this.confirmedSeq) this.gapSeen.delete(k);
      let i = 0;
      while (i < this.unconfirmed.length && (this.unconfirmed[i] ?? 0) <= this.confirmedSeq) i++;
      if (i > 0) this.unconfirmed = this.unconfirmed.slice(i);
      if (n > 0) this.hooks.emit('confirmed', { through: this.confirmedSeq, count: n });
      moved = true;
    }
    for (const [a, b] of r.missing ?? []) {
      if (b <= this.confirmedSeq || this.gapSeen.has(a)) continue;
      // Not at once: with shared HQ workers a gap is often just a batch still being stored elsewhere.
      this.gapSeen.set(a, [b, now]);
    }
    this.resendOldGaps(now, publish);
    return moved;
  }

  private resendOldGaps(now: number, publish: Publish | undefined): void {
    for (const [a, [b, first]] of this.gapSeen) {
      if (b <= this.confirmedSeq) this.gapSeen.delete(a);
      else if (now - first >= this.o.gapGraceMs) {
        this.gapSeen.delete(a);
        log.info({ from: a, to: b }, 'HQ reports a gap; re-sending it');
        if (publish) this.skipLost(a, b, publish);
        this.queueResend(a, b);
      }
    }
  }

  /**
   * HQ now holds less than it confirmed (a new or restored HQ database). Confirmed follows HQ's receipt down; what this
   * station still holds is sent again as HQ reports it missing, and a number it purged since is announced as such.
   */
  private followHqDown(r: Receipt): void {
    const before = this.confirmedSeq;
    const unsettled = rewindConfirmed(this.o.db, r.contiguous);
    this.confirmedSeq = readWatermarks(this.o.db).confirmedSeq;
    this.purgedLost = [this.confirmedSeq + 1, Math.max(before, this.purgedLost?.[1] ?? 0)];
    this.lostSkipped.clear();
    this.gapSeen.clear();
    this.regressed = undefined;
    this.lastProgressAt = Date.now();
    log.warn({ confirmedBefore: before, hqNow: r.contiguous, unsettled }, 'HQ holds less than it had confirmed (a new or restored HQ database?): sending again what this station still has');
  }

  /** Called every few hundred ms: old gaps, and HQ silent for `confirmTimeoutMs` while events are outstanding. */
  checkTimeouts(publish: Publish | undefined, now = Date.now()): void {
    if (this.regressed && now - this.regressed.since >= this.o.gapGraceMs) this.applyReceipt(this.regressed.receipt, publish, now);
    if (publish) this.resendOldGaps(now, publish);
    if (!this.outstanding || !publish) {
      this.lastProgressAt = now;
      return;
    }
    if (now - this.lastProgressAt >= this.o.confirmTimeoutMs && this.inFlight.size === 0) {
      log.warn({ confirmed: this.confirmedSeq, sentThrough: this.sentThroughSeq }, 'HQ has not confirmed for a while; re-sending unconfirmed events');
      this.lastProgressAt = now;
      this.resendUnconfirmed();
    }
  }

  resendUnconfirmed(): void {
    this.queueResend(this.confirmedSeq + 1, Math.max(this.cursor, this.sentThroughSeq));
  }

  private queueResend(a: number, b: number): void {
    const from = Math.max(a, this.confirmedSeq + 1);
    if (from > b) return;
    // Served ahead of the stream (peekResend); the stream's buffer stays, so no row the cursor passed is skipped.
    this.resend.push([from, b]);
    this.hooks.pump();
  }

  /**
   * A gap HQ reports inside the numbers lost with a damaged database (sent by the old file, never received, not in
   * the backup) can never be filled: a skip notice per number lets HQ's receipt move past it (BUG-54).
   */
  private skipLost(a: number, b: number, publish: Publish): void {
    const ranges: Array<[[number, number] | undefined, SkipNotice['reason']]> = [[this.restoreLost, 'lost_in_restore'], [this.purgedLost, 'purged_after_confirmation']];
    const has = this.o.db.prepare('SELECT 1 FROM outbox WHERE seq = ?');
    for (const [range, reason] of ranges) {
      if (!range) continue;
      const lo = Math.max(a, range[0], this.confirmedSeq + 1);
      const hi = Math.min(b, range[1], lo + 4999);
      let told = 0;
      for (let s = lo; s <= hi; s++) {
        if (this.lostSkipped.has(s) || has.get(s)) continue;
        this.lostSkipped.add(s);
        const notice: SkipNotice = { seq: s, eventID: '', reason, bytes: 0 };
        publish(topics.skips(this.o.site, this.o.station), JSON.stringify(notice), () => undefined);
        told++;
      }
      if (told > 0) log.warn({ from: lo, to: hi, told, reason }, 'numbers this station no longer holds: told HQ to skip them');
    }
  }
}
