/** Which failures of a whole batch are worth another attempt, and each job's pauses (undefined: give up). */
export interface GroupRetry {
  retryable(e: unknown): boolean;
  backoff(): { next(): number | undefined };
}

interface Job<R> {
  run: () => R;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
  backoff?: { next(): number | undefined } | undefined;
}

/**
 * Group commit for actions that arrive in the same event-loop turn (an RFID read burst, concurrent HTTP scans):
 * they run in one transaction, each in its own savepoint, so one disk sync covers them all. Each caller's promise
 * settles only after the transaction committed (or failed, then every action of the batch is rejected).
 *
 * A batch whose transaction could not start because another program holds the database (BUG-52: `retry` says which
 * failures) is run again after a pause, asynchronously: the event loop serves everything else meanwhile, and actions
 * arriving in the pause join the next attempt. A job's own back-off running out rejects it with the last failure.
 */
export class GroupCommit<R> {
  private readonly queue: Array<Job<R>> = [];
  private scheduled = false;

  constructor(
    private readonly batch: <T>(fn: () => T) => T,
    private readonly maxBatch = 512,
    private readonly retry?: GroupRetry,
  ) {}

  enqueue(run: () => R): Promise<R> {
    return new Promise((resolve, reject) => {
      this.queue.push({ run, resolve, reject });
      this.schedule();
    });
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Next turn, or after `delayMs` (a retry): while a retry waits, new jobs wait with it rather than hammer the lock. */
  private schedule(delayMs?: number): void {
    if (this.scheduled) return;
    this.scheduled = true;
    if (delayMs === undefined) setImmediate(() => this.drain());
    else setTimeout(() => this.drain(), delayMs);
  }

  private drain(): void {
    this.scheduled = false;
    const jobs = this.queue.splice(0, this.maxBatch);
    let results: Array<{ ok: true; r: R } | { ok: false; e: unknown }> = [];
    const again: Array<Job<R>> = [];
    let wait = Number.POSITIVE_INFINITY;
    try {
      results = this.batch(() =>
        jobs.map((j) => {
          try {
            return { ok: true as const, r: j.run() };
          } catch (e) {
            // A failing action has rolled back its own savepoint; the others still commit.
            return { ok: false as const, e };
          }
        }),
      );
    } catch (e) {
      for (const j of jobs) {
        const b = this.retry?.retryable(e) ? (j.backoff ??= this.retry.backoff()) : undefined;
        const d = b?.next();
        if (d === undefined) j.reject(e);
        else {
          again.push(j);
          wait = Math.min(wait, d);
        }
      }
    }
    results.forEach((x, i) => {
      const j = jobs[i];
      if (!j) return;
      if (x.ok) j.resolve(x.r);
      else j.reject(x.e);
    });
    if (again.length > 0) {
      // In their order, ahead of what came meanwhile.
      this.queue.unshift(...again);
      this.schedule(wait);
    } else if (this.queue.length > 0) this.schedule();
  }
}
