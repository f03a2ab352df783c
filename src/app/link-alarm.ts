import type { LinkAlarm as LinkAlarmView } from '../server/api-types.js';
import type { OutboxPublisher, PublisherStatus } from '../sync/publisher.js';

/**
 * A connection that stays up this long means no clone is about: a second machine with our client id reconnects
 * within the publisher's longest back-off (60 s) and kicks us; twice that leaves no doubt.
 */
export const DUPLICATE_ID_CLEAR_MS = 120_000;

/**
 * BUG-45 on the station: the publisher raises MQTT_DUPLICATE_CLIENT_ID when the broker keeps closing our connection
 * right after it opened (3 kicks in 60 s: another machine connects with this station's client id, typically a disk
 * cloned from this one). This keeps the alarm standing for /api/health and the HQ-link status until a connection has
 * stayed up for `clearAfterMs`, and words it for the people at the station. Constructor does nothing; stop() removes
 * the listeners and the timer.
 */
export class LinkAlarm {
  private upSince: number | undefined;
  /** alarms raised at or before this time have stood down */
  private clearedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly offs: Array<() => void> = [];

  constructor(
    private readonly publisher: OutboxPublisher,
    private readonly o: { clearAfterMs?: number; onChange?: () => void } = {},
  ) {}

  private get clearAfterMs(): number {
    return this.o.clearAfterMs ?? DUPLICATE_ID_CLEAR_MS;
  }

  start(): void {
    const onOnline = (): void => {
      this.upSince = Date.now();
      if (this.timer) clearTimeout(this.timer);
      // Only to tell the screens when it stands down; current() works it out by itself whenever asked.
      this.timer = setTimeout(() => {
        this.timer = undefined;
        const before = this.standing();
        this.settle(Date.now());
        if (before && !this.standing()) this.o.onChange?.();
      }, this.clearAfterMs);
      this.timer.unref();
    };
    const onStatus = (s: PublisherStatus): void => {
      if (s.state === 'online' || this.upSince === undefined) return;
      // The connection just ended: if it lasted long enough, the alarm before it has stood down all the same.
      this.settle(Date.now());
      this.upSince = undefined;
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
    };
    this.publisher.on('online', onOnline);
    this.publisher.on('status', onStatus);
    this.offs.push(() => this.publisher.off('online', onOnline), () => this.publisher.off('status', onStatus));
  }

  stop(): void {
    for (const off of this.offs.splice(0)) off();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The alarm while it stands, else undefined. */
  current(now = Date.now()): LinkAlarmView | undefined {
    this.settle(now);
    const a = this.publisher.lastAlarm;
    if (!a || a.at <= this.clearedAt) return this.conflict();
    if (a.code === 'MQTT_DUPLICATE_CLIENT_ID') {
      return {
        code: a.code,
        message:
          "Another station may be running with this station's identity (a disk copied from this one?): the HQ broker keeps " +
          'disconnecting one of the two, so events reach HQ late.',
        hint: `Find the other machine; on the copy, delete the install_id row from the meta table of its station database and restart it (docs/sync.md). The shared MQTT client id is ${this.publisher.clientId}.`,
        since: a.at,
        details: { clientId: this.publisher.clientId },
      };
    }
    return { code: a.code, message: a.message, hint: 'See docs/sync.md.', since: a.at };
  }

  /** HQ_SEQ_CONFLICT from HQ's receipt: HQ got our events under numbers it holds for another station's. */
  private conflict(): LinkAlarmView | undefined {
    const c = this.publisher.lastHqConflict;
    if (!c) return undefined;
    return {
      code: c.code,
      message: c.message,
      hint: "Find the other station using this name (a copied disk, or a new data folder under an old station's name): give each station its own name (the `station` setting) and, on a copied disk, delete the install_id row from the meta table of its station database (docs/sync.md).",
      since: c.at,
      details: { seqs: c.seqs, ...(c.total !== undefined ? { total: c.total } : {}) },
    };
  }

  private standing(): boolean {
    const a = this.publisher.lastAlarm;
    return a !== undefined && a.at > this.clearedAt;
  }

  private settle(now: number): void {
    if (this.upSince !== undefined && now - this.upSince >= this.clearAfterMs) this.clearedAt = Math.max(this.clearedAt, this.upSince + this.clearAfterMs);
  }
}
